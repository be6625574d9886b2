"""The alert log (gateway.services.ports.alert_log) in SQLite: positions from
AUTOINCREMENT, so never reused even after the newest rows are erased."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from gateway.domain.times import parse_time_text, time_text
from gateway.services.ports.alert_log import LoggedAlert

if TYPE_CHECKING:
    from gateway.store.sqlite.unit_of_work import SqliteUnitOfWork


class SqliteAlertLog:
    def __init__(self, uow: SqliteUnitOfWork) -> None:
        self._conn = uow.conn

    def append(self, kind: str, subject: str, raised_at: datetime, body: bytes) -> LoggedAlert:
        cursor = self._conn.execute(
            "INSERT INTO alert_log (kind, subject, raised_at, body) VALUES (?, ?, ?, ?)",
            (kind, subject, time_text(raised_at), body),
        )
        assert cursor.lastrowid is not None
        return LoggedAlert(cursor.lastrowid, kind, subject, raised_at, body)

    def after(self, position: int, limit: int) -> list[LoggedAlert]:
        rows = self._conn.execute(
            "SELECT position, kind, subject, raised_at, body FROM alert_log "
            "WHERE position > ? ORDER BY position LIMIT ?",
            (position, limit),
        ).fetchall()
        return [LoggedAlert(p, k, s, parse_time_text(at), bytes(b)) for p, k, s, at, b in rows]

    def count_after(self, position: int) -> int:
        (n,) = self._conn.execute(
            "SELECT count(*) FROM alert_log WHERE position > ?", (position,)
        ).fetchone()
        return n

    def newest(self) -> int:
        row = self._conn.execute(
            "SELECT seq FROM sqlite_sequence WHERE name = 'alert_log'"
        ).fetchone()
        return row[0] if row else 0
