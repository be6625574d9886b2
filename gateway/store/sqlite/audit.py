"""The audit log table and its signed head."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from gateway.domain.audit import AuditHead, AuditRecord

if TYPE_CHECKING:
    from gateway.store.sqlite.unit_of_work import SqliteUnitOfWork

_COLUMNS = (
    "seq, at, actor_kind, actor, action, object_type, object_id, justification, "
    "recipient, details, prev_hash, hash"
)


class SqliteAudit:
    def __init__(self, uow: SqliteUnitOfWork) -> None:
        self._conn = uow.conn

    def last(self) -> AuditRecord | None:
        row = self._conn.execute(
            f"SELECT {_COLUMNS} FROM audit ORDER BY id DESC LIMIT 1"
        ).fetchone()
        return _record(row) if row else None

    def append(self, record: AuditRecord, head_signature: bytes) -> None:
        self._conn.execute(
            f"INSERT INTO audit ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (
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
            ),
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
