"""Provider side of the hotlist feed in PostgreSQL: the SQLite repository's statements,
but the lookup of live hashes names no index (INDEXED BY is SQLite's; PostgreSQL's
planner takes feed_entry for `entry_id = ANY`, one array parameter per chunk), and a
projection's rows (a million for a new partner's initial sync) go in as one DELETE of
their entries' earlier rows and one binary COPY, not a statement per row."""

from __future__ import annotations

from collections.abc import Sequence

from gateway.domain.times import time_text
from gateway.services.ports import FeedWrite
from gateway.store.sqlite.feed import SqliteFeed

_COPY = (
    "COPY feed (agreement_id, seq, entry_id, agreement_version, live, leaf, leaf_hash, "
    "content_hash, expires_at, token_epoch) FROM STDIN (FORMAT BINARY)"
)
_COPY_TYPES = ("text", "int8", "text", "int8", "int8", "bytea", "bytea", "bytea", "text", "int8")
_CHUNK = 5000


class PgFeed(SqliteFeed):
    def live_hashes(
        self, agreement_id: str, entry_ids: Sequence[str]
    ) -> dict[str, tuple[bytes, bytes]]:
        found: dict[str, tuple[bytes, bytes]] = {}
        for i in range(0, len(entry_ids), _CHUNK):
            rows = self._conn.execute(
                "SELECT entry_id, live, leaf_hash, content_hash FROM feed "
                "WHERE agreement_id = ? AND entry_id = ANY(?)",
                (agreement_id, list(entry_ids[i : i + _CHUNK])),
            ).fetchall()
            for entry_id, live, leaf_hash, content_hash in rows:
                if live:
                    found[entry_id] = (leaf_hash, content_hash)
        return found

    def append(self, agreement_id: str, rows: Sequence[FeedWrite]) -> None:
        raw = self._conn.raw
        entry_ids = [r.entry_id for r in rows]
        for i in range(0, len(entry_ids), _CHUNK):
            raw.execute(
                "DELETE FROM feed WHERE agreement_id = %s AND entry_id = ANY(%s)",
                (agreement_id, entry_ids[i : i + _CHUNK]),
            )
        with raw.cursor() as cursor, cursor.copy(_COPY) as copy:
            copy.set_types(_COPY_TYPES)
            # Unpacked, not read field by field: a projection writes a million of these.
            for seq, entry_id, version, live, leaf, leaf_hash, content, expires_at, epoch in rows:
                copy.write_row(
                    (
                        agreement_id,
                        seq,
                        entry_id,
                        version,
                        int(live),
                        leaf,
                        leaf_hash,
                        content,
                        time_text(expires_at) if expires_at is not None else None,
                        epoch,
                    )
                )
