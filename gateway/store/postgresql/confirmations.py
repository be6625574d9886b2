"""Confirmations as this node keeps them, in PostgreSQL: every statement is the SQLite
repository's, which means the same in both dialects
(gateway/store/postgresql/connection.py)."""

from __future__ import annotations

from gateway.store.sqlite.confirmations import SqliteConfirmations


class PgConfirmations(SqliteConfirmations):
    pass
