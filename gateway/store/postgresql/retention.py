"""Records past their retention, in PostgreSQL: the SQLite repository's statements
with three phrases in PostgreSQL's words: least() for SQLite's two-argument min(),
count(*) FILTER for a sum over a condition (PostgreSQL does not sum booleans), and an
upsert for INSERT OR REPLACE."""

from __future__ import annotations

from gateway.store.sqlite.retention import SqliteRetention


class PgRetention(SqliteRetention):
    RETIRED = "(CASE WHEN withdrawn = 1 THEN least(updated_at, expires_at) ELSE expires_at END)"
    REPLACE_ERASED = (
        "INSERT INTO received_erased (agreement_id, entry_id, leaf_hash, erased_at) "
        "VALUES (?, ?, ?, ?) ON CONFLICT (agreement_id, entry_id) DO UPDATE SET "
        "leaf_hash = excluded.leaf_hash, erased_at = excluded.erased_at"
    )

    @staticmethod
    def count_if(condition: str) -> str:
        return f"count(*) FILTER (WHERE {condition})"
