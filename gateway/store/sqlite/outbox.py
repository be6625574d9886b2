"""The outbox table: messages to partners, their state and their retry schedule."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from gateway.domain.times import parse_time_text, time_text
from gateway.services.ports import OutboxMessage

if TYPE_CHECKING:
    from gateway.store.sqlite.unit_of_work import SqliteUnitOfWork


class SqliteOutbox:
    def __init__(self, uow: SqliteUnitOfWork) -> None:
        self._uow = uow
        self._conn = uow.conn

    def enqueue(self, kind: str, partner: str, dedupe_key: str, payload: bytes) -> bool:
        now = self._uow.now_text()
        cur = self._conn.execute(
            "INSERT INTO outbox (kind, partner, dedupe_key, payload, created_at, "
            "next_attempt_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING",
            (kind, partner, dedupe_key, payload, now, now),
        )
        return cur.rowcount == 1

    def due(self, now: datetime, limit: int = 100) -> list[OutboxMessage]:
        rows = self._conn.execute(
            "SELECT id, kind, partner, dedupe_key, payload, attempts FROM outbox "
            "WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY id LIMIT ?",
            (time_text(now), limit),
        ).fetchall()
        return [OutboxMessage(*r) for r in rows]

    def next_due(self) -> datetime | None:
        (at,) = self._conn.execute(
            "SELECT min(next_attempt_at) FROM outbox WHERE state = 'pending'"
        ).fetchone()
        return parse_time_text(at) if at else None

    def delivered(self, message_id: int) -> None:
        self._conn.execute(
            "UPDATE outbox SET state = 'delivered', delivered_at = ?, attempts = attempts + 1 "
            "WHERE id = ?",
            (self._uow.now_text(), message_id),
        )

    def refused(self, message_id: int, reason: str) -> None:
        self._conn.execute(
            "UPDATE outbox SET state = 'refused', last_error = ?, attempts = attempts + 1, "
            "delivered_at = ? WHERE id = ?",  # closed: the clock of its retention
            (reason[:500], self._uow.now_text(), message_id),
        )

    def retry_at(self, message_id: int, when: datetime, reason: str) -> None:
        self._conn.execute(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? "
            "WHERE id = ?",
            (time_text(when), reason[:500], message_id),
        )

    def depth(self) -> dict[str, int]:
        counts = {"pending": 0, "delivered": 0, "refused": 0}
        counts.update(self._counts("state"))
        return counts

    def depth_by_partner(self) -> dict[tuple[str, str], int]:
        return self._counts("partner, state")

    def depth_by_kind(self) -> dict[tuple[str, str], int]:
        return self._counts("kind, state")

    def _counts(self, columns: str) -> dict:
        """Messages per group of `columns` (a constant of this module)."""
        rows = self._conn.execute(
            f"SELECT {columns}, count(*) FROM outbox GROUP BY {columns}"
        ).fetchall()
        return {(r[0] if len(r) == 2 else tuple(r[:-1])): r[-1] for r in rows}

    def erase(self, dedupe_key: str) -> int:
        return self._conn.execute("DELETE FROM outbox WHERE dedupe_key = ?", (dedupe_key,)).rowcount

    def sent_for(self, dedupe_keys: list[str]) -> set[str]:
        out: set[str] = set()
        for i in range(0, len(dedupe_keys), 500):
            chunk = dedupe_keys[i : i + 500]
            out.update(
                r[0]
                for r in self._conn.execute(
                    "SELECT dedupe_key FROM outbox WHERE state = 'delivered' AND dedupe_key IN "
                    f"({','.join('?' * len(chunk))})",
                    chunk,
                )
            )
        return out
