"""The audit log table, its signed head, and the signed anchors that stand in for the
prefixes erased when their retention ended."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from gateway.domain.audit import AuditHead, AuditRecord
from gateway.domain.audit_anchor import AuditAnchor
from gateway.domain.audit_query import AuditQuery

if TYPE_CHECKING:
    from gateway.store.sqlite.unit_of_work import SqliteUnitOfWork

_COLUMNS = (
    "seq, at, actor_kind, actor, action, object_type, object_id, justification, "
    "recipient, details, prev_hash, hash"
)


def record_values(record: AuditRecord) -> tuple:
    """A record's values in the order of _COLUMNS."""
    return (
        record.seq,
        record.at,
        record.actor_kind,
        record.actor,
        record.action,
        record.object_type,
        record.object_id,
        record.justification,
        record.recipient,
        json.dumps(dict(record.details), sort_keys=True),
        record.prev_hash,
        record.hash,
    )


class SqliteAudit:
    def __init__(self, uow: SqliteUnitOfWork) -> None:
        self._conn = uow.conn
        self._node_id = uow.store.node_id

    def last(self) -> AuditRecord | None:
        row = self._conn.execute(
            f"SELECT {_COLUMNS} FROM audit ORDER BY id DESC LIMIT 1"
        ).fetchone()
        return _record(row) if row else None

    def append(self, record: AuditRecord, head_signature: bytes) -> None:
        self._conn.execute(
            f"INSERT INTO audit ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            record_values(record),
        )
        self._conn.execute(
            "INSERT INTO audit_head (id, seq, hash, signature) VALUES (1, ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET seq=excluded.seq, hash=excluded.hash, "
            "signature=excluded.signature",
            (record.seq, record.hash, head_signature),
        )

    def records(self, after_seq: int = 0, limit: int | None = None) -> list[AuditRecord]:
        sql = f"SELECT {_COLUMNS} FROM audit WHERE seq > ? ORDER BY id"
        params: tuple = (after_seq,)
        if limit:
            sql += " LIMIT ?"
            params += (limit,)
        rows = self._conn.execute(sql, params).fetchall()
        try:
            return [_record(r) for r in rows]
        except (ValueError, TypeError, KeyError) as exc:
            raise ValueError(f"a record cannot be read: {exc}") from None

    def head(self) -> tuple[AuditHead, bytes] | None:
        row = self._conn.execute("SELECT seq, hash, signature FROM audit_head").fetchone()
        return (AuditHead(row[0], row[1]), row[2]) if row else None

    def count(self) -> int:
        return self._conn.execute("SELECT count(*) FROM audit").fetchone()[0]

    # -- retention (issue 16) -------------------------------------------------------------

    def oldest(self, before: str, limit: int) -> list[AuditRecord]:
        """The longest prefix (in the order appended, at most `limit`) whose every record
        is older than `before`. Reads from the start of the table only: cheap when
        nothing is due, which is every purge round but the first of a day."""
        # Stepped one row at a time: the walk stops at the first record still kept.
        rows = self._conn.execute(f"SELECT {_COLUMNS} FROM audit ORDER BY id LIMIT ?", (limit,))
        due = []
        for row in rows:
            if row[1] >= before:
                break
            due.append(row)
        rows.close()
        try:
            return [_record(r) for r in due]
        except (ValueError, TypeError, KeyError) as exc:
            raise ValueError(f"a record cannot be read: {exc}") from None

    def erase_first(self, count: int) -> int:
        """Erase the first `count` records in the order appended (the prefix `oldest`
        read in this same unit of work)."""
        cursor = self._conn.execute(
            "DELETE FROM audit WHERE id IN (SELECT id FROM audit ORDER BY id LIMIT ?)",
            (count,),
        )
        return cursor.rowcount

    def add_anchor(self, anchor: AuditAnchor, signature: bytes) -> None:
        self._conn.execute(
            "INSERT INTO audit_anchor (seq, hash, at, erased_at, key_id, signature) "
            "VALUES (?,?,?,?,?,?)",
            (anchor.seq, anchor.hash, anchor.at, anchor.erased_at, anchor.key_id, signature),
        )

    def anchors(self) -> list[tuple[AuditAnchor, bytes]]:
        """Every anchor with its signature, oldest first (by the order stored)."""
        rows = self._conn.execute(
            "SELECT seq, hash, at, erased_at, key_id, signature FROM audit_anchor ORDER BY rowid"
        ).fetchall()
        node_id = self._node_id
        return [(AuditAnchor(node_id, r[0], r[1], r[2], r[3], r[4]), bytes(r[5])) for r in rows]

    def between(self, start: str, end: str) -> list[AuditRecord]:
        """The contiguous run of records from the first at or after `start` to the last
        before `end`, in the order appended (a record inside the run whose time lies
        outside the period stays in it: contiguity is what makes the run verifiable)."""
        rows = self._conn.execute(
            f"SELECT {_COLUMNS} FROM audit WHERE id >= (SELECT min(id) FROM audit WHERE at >= ?) "
            "AND id <= (SELECT max(id) FROM audit WHERE at < ?) ORDER BY id",
            (start, end),
        ).fetchall()
        try:
            return [_record(r) for r in rows]
        except (ValueError, TypeError, KeyError) as exc:
            raise ValueError(f"a record cannot be read: {exc}") from None

    # -- reading with filters (issue 18) ----------------------------------------------------

    def find(
        self,
        query: AuditQuery,
        *,
        after_seq: int = 0,
        before_seq: int = 0,
        newest_first: bool = False,
        limit: int = 1000,
    ) -> list[AuditRecord]:
        """The records `query` asks for, after `after_seq` and before `before_seq` (0: no
        bound), in the order appended or newest first; at most `limit`."""
        where, params = _where(query)
        if after_seq:
            where.append("seq > ?")
            params.append(after_seq)
        if before_seq:
            where.append("seq < ?")
            params.append(before_seq)
        order = "DESC" if newest_first else ""
        rows = self._conn.execute(
            f"SELECT {_COLUMNS} FROM audit {_clause(where)} ORDER BY id {order} LIMIT ?",
            (*params, limit),
        ).fetchall()
        try:
            return [_record(r) for r in rows]
        except (ValueError, TypeError, KeyError) as exc:
            raise ValueError(f"a record cannot be read: {exc}") from None

    def counts(
        self, query: AuditQuery
    ) -> tuple[int, list[tuple[str, int]], list[tuple[str, str, int]]]:
        """How many records `query` matches: in all, per action, per (actor kind, actor);
        the largest counts first."""
        where, params = _where(query)
        clause = _clause(where)
        total = self._conn.execute(f"SELECT count(*) FROM audit {clause}", params).fetchone()[0]
        by_action = self._conn.execute(
            f"SELECT action, count(*) AS n FROM audit {clause} GROUP BY action "
            "ORDER BY n DESC, action",
            params,
        ).fetchall()
        by_actor = self._conn.execute(
            f"SELECT actor_kind, actor, count(*) AS n FROM audit {clause} "
            "GROUP BY actor_kind, actor ORDER BY n DESC, actor_kind, actor",
            params,
        ).fetchall()
        return (
            total,
            [(r[0], r[1]) for r in by_action],
            [(r[0], r[1], r[2]) for r in by_actor],
        )


def _where(query: AuditQuery) -> tuple[list[str], list[object]]:
    """gateway.domain.audit_query's rules as SQL conditions (the stored time form sorts
    as text, so a shorter time is a bound at its own precision)."""
    where: list[str] = []
    params: list[object] = []
    if query.action and query.action_family:
        where.append("substr(action, 1, ?) = ?")
        params += [len(query.action), query.action]
    elif query.action:
        where.append("action = ?")
        params.append(query.action)
    for column in ("object_type", "object_id", "actor"):
        value = getattr(query, column)
        if value:
            where.append(f"{column} = ?")
            params.append(value)
    if query.since:
        where.append("at >= ?")
        params.append(query.since)
    if query.until:
        where.append("substr(at, 1, ?) <= ?")
        params += [len(query.until), query.until]
    return where, params


def _clause(where: list[str]) -> str:
    return ("WHERE " + " AND ".join(where)) if where else ""


def _record(row: tuple) -> AuditRecord:
    return AuditRecord(
        seq=row[0],
        at=row[1],
        actor_kind=row[2],
        actor=row[3],
        action=row[4],
        object_type=row[5],
        object_id=row[6],
        justification=row[7],
        recipient=row[8],
        details=json.loads(row[9]),
        prev_hash=row[10],
        hash=row[11],
    )
