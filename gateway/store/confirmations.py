"""Confirmations as this node keeps them: the signed request, its state, and the signed
event that closed it. The aggregate itself is rebuilt by the service from these."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from gateway.store.database import time_text, utc_now_text


@dataclass(frozen=True)
class StoredConfirmation:
    request_id: str
    outgoing: bool
    kind: str
    agreement_id: str
    partner: str
    state: str
    created_at: str
    deadline: str
    hit_id: str
    request_envelope: bytes
    event_envelope: bytes | None
    closed_by: str
    closed_at: str | None
    escalated: bool


_COLUMNS = (
    "request_id, outgoing, kind, agreement_id, partner, state, created_at, deadline, hit_id, "
    "request_envelope, event_envelope, closed_by, closed_at, escalated"
)


def _row(r: tuple) -> StoredConfirmation:
    values = list(r)
    values[1] = bool(values[1])
    values[13] = bool(values[13])
    return StoredConfirmation(*values)


def insert(conn: sqlite3.Connection, c: StoredConfirmation) -> bool:
    """Store a new confirmation; False if this request id is already here."""
    cur = conn.execute(
        f"INSERT INTO confirmations ({_COLUMNS}, updated_at) VALUES "
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (request_id) DO NOTHING",
        (
            c.request_id,
            int(c.outgoing),
            c.kind,
            c.agreement_id,
            c.partner,
            c.state,
            c.created_at,
            c.deadline,
            c.hit_id,
            c.request_envelope,
            c.event_envelope,
            c.closed_by,
            c.closed_at,
            int(c.escalated),
            utc_now_text(),
        ),
    )
    return cur.rowcount == 1


def close(
    conn: sqlite3.Connection,
    request_id: str,
    state: str,
    *,
    event_envelope: bytes | None,
    closed_by: str,
    closed_at: datetime,
) -> None:
    conn.execute(
        "UPDATE confirmations SET state = ?, event_envelope = ?, closed_by = ?, closed_at = ?, "
        "updated_at = ? WHERE request_id = ?",
        (state, event_envelope, closed_by, time_text(closed_at), utc_now_text(), request_id),
    )


def mark_escalated(conn: sqlite3.Connection, request_id: str) -> None:
    conn.execute("UPDATE confirmations SET escalated = 1 WHERE request_id = ?", (request_id,))


def get(conn: sqlite3.Connection, request_id: str) -> StoredConfirmation | None:
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM confirmations WHERE request_id = ?", (request_id,)
    ).fetchone()
    return _row(row) if row else None


def listing(conn: sqlite3.Connection, *, open_only: bool, limit: int) -> list[StoredConfirmation]:
    clause = "WHERE state = 'open'" if open_only else ""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM confirmations {clause} ORDER BY created_at DESC LIMIT ?",
        (limit,),
    )
    return [_row(r) for r in rows]


def open_due_before(conn: sqlite3.Connection, moment: datetime) -> list[StoredConfirmation]:
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM confirmations WHERE state = 'open' AND deadline <= ? "
        "ORDER BY deadline",
        (time_text(moment),),
    )
    return [_row(r) for r in rows]


def open_count(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT count(*) FROM confirmations WHERE state = 'open'").fetchone()[0]
