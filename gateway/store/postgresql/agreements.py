"""Agreements in PostgreSQL: the SQLite repository's statements, but the order of
first storing is a column of its own (SQLite's rowid has no PostgreSQL twin)."""

from __future__ import annotations

from gateway.store.sqlite.agreements import SqliteAgreements


class PgAgreements(SqliteAgreements):
    def ids(self) -> list[str]:
        return [
            r[0]
            for r in self._conn.execute("SELECT agreement_id FROM agreements ORDER BY stored_order")
        ]
