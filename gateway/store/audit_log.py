"""The audit log table: append records in the caller's transaction, read them back in
physical order, and keep a signed head that pins the end of the log."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping

from gateway.domain.audit import AuditHead, AuditRecord, ChainBreak, next_record, verify_chain
from gateway.domain.identity import PublicNodeKey
from gateway.store.database import Database, utc_now_text

_COLUMNS = (
    "seq, at, actor_kind, actor, action, object_type, object_id, justification, "
    "recipient, details, prev_hash, hash"
)


def head_message(head: AuditHead) -> bytes:
    return f"argos-audit-head-v1\n{head.seq}\n{head.hash}".encode()


class AuditLog:
    def __init__(self, database: Database, sign: Callable[[bytes], bytes]) -> None:
        self._database = database
        self._sign = sign

    def append(
        self,
        *,
        actor_kind: str,
        actor: str,
        action: str,
        object_type: str,
        object_id: str,
        justification: str = "",
        recipient: str = "",
        details: Mapping[str, str | int | bool | None] | None = None,
    ) -> AuditRecord:
        """Append one record; joins the caller's transaction so the record and the change
        it describes commit together or not at all."""
        with self._database.transaction() as db:
            row = db.execute(f"SELECT {_COLUMNS} FROM audit ORDER BY id DESC LIMIT 1").fetchone()
            previous = _record(row) if row else None
            record = next_record(
                previous,
                at=utc_now_text(),
                actor_kind=actor_kind,
                actor=actor,
                action=action,
                object_type=object_type,
                object_id=object_id,
                justification=justification,
                recipient=recipient,
                details=details,
            )
            db.execute(
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
            head = AuditHead(record.seq, record.hash)
            db.execute(
                "INSERT INTO audit_head (id, seq, hash, signature) VALUES (1, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET seq=excluded.seq, hash=excluded.hash, "
                "signature=excluded.signature",
                (head.seq, head.hash, self._sign(head_message(head))),
            )
            return record

    def records(self, after_seq: int = 0, limit: int | None = None) -> Iterator[AuditRecord]:
        sql = f"SELECT {_COLUMNS} FROM audit WHERE seq > ? ORDER BY id"
        params: tuple = (after_seq,)
        if limit:
            sql += " LIMIT ?"
            params += (limit,)
        with self._database.reading() as db:
            rows = db.execute(sql, params).fetchall()
        return (_record(r) for r in rows)

    def count(self) -> int:
        with self._database.reading() as db:
            return db.execute("SELECT count(*) FROM audit").fetchone()[0]

    def verify(self, node_key: PublicNodeKey) -> tuple[int, ChainBreak | None]:
        """Walk the whole log against its signed head; (records checked, first break)."""
        return verify_database(self._database, node_key)


def verify_database(database: Database, node_key: PublicNodeKey) -> tuple[int, ChainBreak | None]:
    with database.reading() as db:
        head_row = db.execute("SELECT seq, hash, signature FROM audit_head").fetchone()
        rows = db.execute(f"SELECT {_COLUMNS} FROM audit ORDER BY id").fetchall()
    head = None
    if head_row is None and rows:
        return len(rows), ChainBreak(
            None, len(rows), "the signed audit head is missing: it was removed"
        )
    if head_row is not None:
        head = AuditHead(head_row[0], head_row[1])
        if not node_key.verify(head_message(head), head_row[2]):
            return len(rows), ChainBreak(
                None, len(rows), "the audit head's signature does not verify: head was altered"
            )
    try:
        records = [_record(r) for r in rows]
    except (ValueError, TypeError) as exc:
        return len(rows), ChainBreak(None, 0, f"a record cannot be read: {exc}")
    return len(records), verify_chain(records, head)


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
