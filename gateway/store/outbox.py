"""Messages to partners that must arrive: stored in the same transaction as the fact
they report, sent by the node's delivery loop, retried with backoff until the partner
has them. The dedupe key makes queuing one message twice a no-op."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

from gateway.store.database import time_text, utc_now_text

FIRST_RETRY_S = 1.0
MAX_RETRY_S = 60.0


@dataclass(frozen=True)
class OutboxMessage:
    id: int
    kind: str
    partner: str
    dedupe_key: str
    payload: bytes
    attempts: int


def enqueue(
    conn: sqlite3.Connection, kind: str, partner: str, dedupe_key: str, payload: bytes
) -> bool:
    """Queue a message inside the caller's transaction; False if it was already queued."""
    now = utc_now_text()
    cur = conn.execute(
        "INSERT INTO outbox (kind, partner, dedupe_key, payload, created_at, next_attempt_at) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING",
        (kind, partner, dedupe_key, payload, now, now),
    )
    return cur.rowcount == 1


def due(conn: sqlite3.Connection, now: datetime, limit: int = 100) -> list[OutboxMessage]:
    rows = conn.execute(
        "SELECT id, kind, partner, dedupe_key, payload, attempts FROM outbox "
        "WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY id LIMIT ?",
        (time_text(now), limit),
    ).fetchall()
    return [OutboxMessage(*r) for r in rows]


def next_due(conn: sqlite3.Connection) -> str | None:
    row = conn.execute("SELECT min(next_attempt_at) FROM outbox WHERE state = 'pending'").fetchone()
    return row[0]


def delivered(conn: sqlite3.Connection, message_id: int) -> None:
    conn.execute(
        "UPDATE outbox SET state = 'delivered', delivered_at = ?, attempts = attempts + 1 "
        "WHERE id = ?",
        (utc_now_text(), message_id),
    )


def refused(conn: sqlite3.Connection, message_id: int, reason: str) -> None:
    conn.execute(
        "UPDATE outbox SET state = 'refused', last_error = ?, attempts = attempts + 1 WHERE id = ?",
        (reason[:500], message_id),
    )


def retry_later(
    conn: sqlite3.Connection,
    message: OutboxMessage,
    now: datetime,
    reason: str,
    max_delay_s: float = MAX_RETRY_S,
) -> datetime:
    """Back off exponentially (1 s, 2 s, 4 s … at most max_delay_s); return the next try."""
    delay = min(FIRST_RETRY_S * 2 ** min(message.attempts, 30), max_delay_s)
    when = now + timedelta(seconds=delay)
    conn.execute(
        "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? "
        "WHERE id = ?",
        (time_text(when), reason[:500], message.id),
    )
    return when


def depth(conn: sqlite3.Connection) -> dict[str, int]:
    """Messages per state, for status and metrics."""
    counts = {"pending": 0, "delivered": 0, "refused": 0}
    for state, n in conn.execute("SELECT state, count(*) FROM outbox GROUP BY state"):
        counts[state] = n
    return counts


def depth_by_partner(conn: sqlite3.Connection) -> dict[tuple[str, str], int]:
    """Messages per (partner, state), for metrics."""
    return {
        (partner, state): n
        for partner, state, n in conn.execute(
            "SELECT partner, state, count(*) FROM outbox GROUP BY partner, state"
        )
    }


def depth_by_kind(conn: sqlite3.Connection) -> dict[tuple[str, str], int]:
    """Messages per (kind, state): hit notifications apart from confirmations, for metrics."""
    return {
        (kind, state): n
        for kind, state, n in conn.execute(
            "SELECT kind, state, count(*) FROM outbox GROUP BY kind, state"
        )
    }


def erase(conn: sqlite3.Connection, dedupe_key: str) -> int:
    """Remove the message about one object, in whatever state (its retention ended)."""
    return conn.execute("DELETE FROM outbox WHERE dedupe_key = ?", (dedupe_key,)).rowcount


def sent_for(conn: sqlite3.Connection, dedupe_keys: list[str]) -> set[str]:
    """Which of these messages the partner has."""
    out: set[str] = set()
    for i in range(0, len(dedupe_keys), 500):
        chunk = dedupe_keys[i : i + 500]
        out.update(
            r[0]
            for r in conn.execute(
                "SELECT dedupe_key FROM outbox WHERE state = 'delivered' AND dedupe_key IN "
                f"({','.join('?' * len(chunk))})",
                chunk,
            )
        )
    return out
