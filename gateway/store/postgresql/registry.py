"""Partners with their signing keys, and local users, in PostgreSQL: the SQLite
repository's statements, but the keys' tie-break is the order they were stored in, a
column of its own (SQLite's rowid has no PostgreSQL twin)."""

from __future__ import annotations

from gateway.store.sqlite.registry import SqlitePartners, SqliteUsers


class PgPartners(SqlitePartners):
    _KEY_ORDER = "position, stored_order"


class PgUsers(SqliteUsers):
    pass
