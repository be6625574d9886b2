"""Console credentials and sessions in PostgreSQL: the SQLite repository's statements,
but a count over a condition is count(*) FILTER (PostgreSQL does not sum booleans)."""

from __future__ import annotations

from datetime import datetime, timedelta

from gateway.domain.times import parse_time_text, time_text
from gateway.services.ports.retention import Held
from gateway.store.sqlite.sessions import SqliteSessions


class PgSessions(SqliteSessions):
    def held(self, now: datetime, days: int) -> Held:
        cutoff = now - timedelta(days=days)
        count, oldest, past = self._conn.execute(
            "SELECT count(*), min(ended_at), "
            "count(*) FILTER (WHERE ended_at IS NOT NULL AND ended_at <= ?) "
            "FROM console_sessions",
            (time_text(cutoff),),
        ).fetchone()
        first = parse_time_text(oldest) if oldest else None
        return Held(count, first, first + timedelta(days=days) if first else None, past or 0)
