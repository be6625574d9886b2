"""The audit log in PostgreSQL. The chain must never fork: two appends may not both
read the same head. A write unit that reads the head (last()) or appends first takes a
transaction-scoped advisory lock, held to its commit, so a second writer's read of the
head waits for the first one's record (within one node the store's writer lock already
orders them; this holds across writers too). Anchors are ordered by a column of their
own (SQLite's rowid has no PostgreSQL twin)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gateway.domain.audit import AuditRecord
from gateway.domain.audit_anchor import AuditAnchor
from gateway.store.sqlite.audit import _COLUMNS, SqliteAudit, record_values

if TYPE_CHECKING:
    from gateway.store.postgresql.unit_of_work import PgUnitOfWork

AUDIT_LOCK = 0x4172676F_0003


# The record and the signed head in one statement: one round trip per audited act
# instead of two (an initial sync audits each of its 250 batches).
_APPEND = (
    f"WITH record AS (INSERT INTO audit ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)) "
    "INSERT INTO audit_head (id, seq, hash, signature) VALUES (1, ?, ?, ?) "
    "ON CONFLICT (id) DO UPDATE SET seq=excluded.seq, hash=excluded.hash, "
    "signature=excluded.signature"
)


class PgAudit(SqliteAudit):
    def __init__(self, uow: PgUnitOfWork) -> None:
        super().__init__(uow)
        self._writable = uow.writable
        self._held = False

    def _hold_chain(self) -> None:
        # Once per unit: the lock is the transaction's until it ends (a unit nested in
        # this one has an audit of its own and takes it again, which costs nothing).
        if self._writable and not self._held:
            self._conn.execute("SELECT pg_advisory_xact_lock(?)", (AUDIT_LOCK,))
            self._held = True

    def last(self) -> AuditRecord | None:
        self._hold_chain()
        return super().last()

    def append(self, record: AuditRecord, head_signature: bytes) -> None:
        self._hold_chain()
        self._conn.execute(
            _APPEND, (*record_values(record), record.seq, record.hash, head_signature)
        )

    def anchors(self) -> list[tuple[AuditAnchor, bytes]]:
        rows = self._conn.execute(
            "SELECT seq, hash, at, erased_at, key_id, signature FROM audit_anchor "
            "ORDER BY stored_order"
        ).fetchall()
        node_id = self._node_id
        return [(AuditAnchor(node_id, r[0], r[1], r[2], r[3], r[4]), bytes(r[5])) for r in rows]
