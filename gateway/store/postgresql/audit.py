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
from gateway.store.sqlite.audit import SqliteAudit

if TYPE_CHECKING:
    from gateway.store.postgresql.unit_of_work import PgUnitOfWork

AUDIT_LOCK = 0x4172676F_0003


class PgAudit(SqliteAudit):
    def __init__(self, uow: PgUnitOfWork) -> None:
        super().__init__(uow)
        self._writable = uow.writable

    def _hold_chain(self) -> None:
        if self._writable:
            self._conn.execute("SELECT pg_advisory_xact_lock(?)", (AUDIT_LOCK,))

    def last(self) -> AuditRecord | None:
        self._hold_chain()
        return super().last()

    def append(self, record: AuditRecord, head_signature: bytes) -> None:
        self._hold_chain()
        super().append(record, head_signature)

    def anchors(self) -> list[tuple[AuditAnchor, bytes]]:
        rows = self._conn.execute(
            "SELECT seq, hash, at, erased_at, key_id, signature FROM audit_anchor "
            "ORDER BY stored_order"
        ).fetchall()
        node_id = self._node_id
        return [(AuditAnchor(node_id, r[0], r[1], r[2], r[3], r[4]), bytes(r[5])) for r in rows]
