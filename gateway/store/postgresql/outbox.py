"""The outbox: messages to partners, their state and their retry schedule, in PostgreSQL:
every statement is the SQLite repository's, which means the same in both dialects
(gateway/store/postgresql/connection.py)."""

from __future__ import annotations

from gateway.store.sqlite.outbox import SqliteOutbox


class PgOutbox(SqliteOutbox):
    pass
