"""The alert log in PostgreSQL. A position is taken by advancing the counter row in the
appending transaction, after a transaction-scoped advisory lock: a second appender (a
second writer: a CLI command, a takeover under way) waits until the first one commits,
so positions are given in commit order and a watcher reading `position > cursor` never
skips a row committed later with a lower number (a sequence alone would hand out
numbers in call order, not commit order). The counter only grows: positions are never
reused after the newest rows are erased, and newest() reads its committed value."""

from __future__ import annotations

from datetime import datetime

from gateway.domain.times import time_text
from gateway.services.ports.alert_log import LoggedAlert
from gateway.store.sqlite.alert_log import SqliteAlertLog

ALERT_LOG_LOCK = 0x4172676F_0002


class PgAlertLog(SqliteAlertLog):
    def append(self, kind: str, subject: str, raised_at: datetime, body: bytes) -> LoggedAlert:
        self._conn.execute("SELECT pg_advisory_xact_lock(?)", (ALERT_LOG_LOCK,))
        (position,) = self._conn.execute(
            "UPDATE alert_log_counter SET last = last + 1 WHERE id = 1 RETURNING last"
        ).fetchone()
        self._conn.execute(
            "INSERT INTO alert_log (position, kind, subject, raised_at, body) "
            "VALUES (?, ?, ?, ?, ?)",
            (position, kind, subject, time_text(raised_at), body),
        )
        return LoggedAlert(position, kind, subject, raised_at, body)

    def newest(self) -> int:
        (last,) = self._conn.execute("SELECT last FROM alert_log_counter WHERE id = 1").fetchone()
        return last
