"""Provider side of the hotlist feed in PostgreSQL: the SQLite repository's statements,
but the lookup of live hashes names no index (INDEXED BY is SQLite's; PostgreSQL's
planner takes feed_entry for `entry_id = ANY`, one array parameter per chunk)."""

from __future__ import annotations

from collections.abc import Sequence

from gateway.store.sqlite.feed import SqliteFeed


class PgFeed(SqliteFeed):
    def live_hashes(
        self, agreement_id: str, entry_ids: Sequence[str]
    ) -> dict[str, tuple[bytes, bytes]]:
        found: dict[str, tuple[bytes, bytes]] = {}
        for i in range(0, len(entry_ids), 5000):
            rows = self._conn.execute(
                "SELECT entry_id, live, leaf_hash, content_hash FROM feed "
                "WHERE agreement_id = ? AND entry_id = ANY(?)",
                (agreement_id, list(entry_ids[i : i + 5000])),
            ).fetchall()
            for entry_id, live, leaf_hash, content_hash in rows:
                if live:
                    found[entry_id] = (leaf_hash, content_hash)
        return found
