"""Hits of this node's cameras and those partners notified, in PostgreSQL: every statement
is the SQLite repository's, which means the same in both dialects
(gateway/store/postgresql/connection.py)."""

from __future__ import annotations

from gateway.store.sqlite.hits import SqliteHits


class PgHits(SqliteHits):
    pass
