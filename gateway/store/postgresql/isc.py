"""The ISC tables in PostgreSQL: the SQLite repository's statements but two, written
in PostgreSQL's words (ON CONFLICT DO NOTHING for INSERT OR IGNORE, greatest() for
SQLite's two-argument max())."""

from __future__ import annotations

from gateway.domain.isc import Screened
from gateway.store.sqlite.isc import SqliteIsc


class PgIsc(SqliteIsc):
    def mark_seen(self, screened: Screened, at: str) -> None:
        self._conn.execute(
            "INSERT INTO isc_seen (object_id, version, verdict, seen_at) VALUES (?,?,?,?) "
            "ON CONFLICT (object_id, version) DO NOTHING",
            (screened.object_id, screened.version, screened.verdict.value, at),
        )

    def add_sighting(self, s: Screened) -> int:
        cur = self._conn.execute(
            "UPDATE isc_candidates SET sightings = sightings + ?, "
            "last_sighting = greatest(last_sighting, ?) WHERE object_id = ?",
            (max(s.sighting_count, 1), s.first_seen, s.indicator_ref),
        )
        return cur.rowcount
