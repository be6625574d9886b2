"""Partners' announcements of a move, and this node's own, in PostgreSQL: every statement
is the SQLite repository's, which means the same in both dialects
(gateway/store/postgresql/connection.py)."""

from __future__ import annotations

from gateway.store.sqlite.partner_changes import SqlitePartnerChanges


class PgPartnerChanges(SqlitePartnerChanges):
    pass
