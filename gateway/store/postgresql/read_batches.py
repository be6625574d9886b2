"""Adapter batch receipts in PostgreSQL: the SQLite repository's statements, but a
count over a condition is count(*) FILTER (PostgreSQL does not sum booleans)."""

from __future__ import annotations

from datetime import datetime, timedelta

from gateway.domain.times import parse_time_text, time_text
from gateway.services.ports.retention import Held
from gateway.store.sqlite.read_batches import SqliteReadBatches


class PgReadBatches(SqliteReadBatches):
    def held(self, now: datetime, days: int) -> Held:
        cutoff = now - timedelta(days=days)
        count, oldest, past = self._conn.execute(
            "SELECT count(*), min(answered_at), count(*) FILTER (WHERE answered_at <= ?) "
            "FROM read_batches",
            (time_text(cutoff),),
        ).fetchone()
        first = parse_time_text(oldest) if oldest else None
        return Held(count, first, first + timedelta(days=days) if first else None, past or 0)
