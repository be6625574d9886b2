"""The ISC tables: publications (as reviewed and sent), object versions taken in, the
candidate review queue, rejections and the pull cursor."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING

from gateway.domain.isc import Screened
from gateway.services.ports import Candidate, Publication, PullState

if TYPE_CHECKING:
    from gateway.store.sqlite.unit_of_work import SqliteUnitOfWork


_PUB = (
    "publication_id, kind, subject, tlp, bundle, digest, state, created_by, created_at, "
    "published_by, published_at"
)
_CAND = (
    "candidate_id, object_id, version, plate, country, title, description, tlp, sightings, "
    "last_sighting, state, received_at, decided_by, decided_at, decision_reason, entry_id"
)


class SqliteIsc:
    def __init__(self, uow: SqliteUnitOfWork) -> None:
        self._conn = uow.conn

    def save_publication(self, p: Publication) -> None:
        self._conn.execute(
            f"INSERT INTO isc_publications ({_PUB}) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                p.publication_id,
                p.kind,
                p.subject,
                p.tlp,
                json.dumps(p.bundle),
                p.digest,
                p.state,
                p.created_by,
                p.created_at,
                p.published_by,
                p.published_at,
            ),
        )

    @staticmethod
    def _publication(row: tuple) -> Publication:
        values = list(row)
        values[4] = json.loads(values[4])
        return Publication(*values)

    def publication(self, publication_id: str) -> Publication | None:
        row = self._conn.execute(
            f"SELECT {_PUB} FROM isc_publications WHERE publication_id = ?", (publication_id,)
        ).fetchone()
        return self._publication(row) if row else None

    def published_statistics_week(self, week: str) -> bool:
        row = self._conn.execute(
            "SELECT 1 FROM isc_publications WHERE kind = 'statistics' AND state = 'published' "
            "AND subject = ?",
            (week,),
        ).fetchone()
        return row is not None

    def mark_published(self, publication_id: str, by: str, at: str) -> None:
        self._conn.execute(
            "UPDATE isc_publications SET state = 'published', published_by = ?, published_at = ? "
            "WHERE publication_id = ?",
            (by, at, publication_id),
        )

    def known_plates(self) -> frozenset[str]:
        """Every normalised plate this node holds in plaintext: rule 4 of the outbound
        policy keeps each of them out of every bundle."""
        rows = self._conn.execute(
            "SELECT plate FROM entries UNION SELECT plate FROM hits "
            "UNION SELECT plate FROM received_entries WHERE plate IS NOT NULL "
            "UNION SELECT plate FROM isc_candidates"
        )
        return frozenset(r[0] for r in rows if r[0])

    # -- inbound

    def seen(self, keys: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which (object id, version) pairs were already taken in."""
        found: set[tuple[str, str]] = set()
        for object_id, version in keys:
            row = self._conn.execute(
                "SELECT 1 FROM isc_seen WHERE object_id = ? AND version = ?", (object_id, version)
            ).fetchone()
            if row:
                found.add((object_id, version))
        return found

    def mark_seen(self, screened: Screened, at: str) -> None:
        self._conn.execute(
            "INSERT OR IGNORE INTO isc_seen (object_id, version, verdict, seen_at) "
            "VALUES (?,?,?,?)",
            (screened.object_id, screened.version, screened.verdict.value, at),
        )

    def vehicle_indicator_ids(self) -> frozenset[str]:
        return frozenset(
            r[0] for r in self._conn.execute("SELECT DISTINCT object_id FROM isc_candidates")
        )

    def add_candidate(self, candidate_id: str, s: Screened, at: str) -> None:
        self._conn.execute(
            f"INSERT INTO isc_candidates ({_CAND}) "
            "VALUES (?,?,?,?,?,?,?,?,0,'','open',?,'',NULL,'','')",
            (
                candidate_id,
                s.object_id,
                s.version,
                s.plate,
                s.country,
                s.title[:200],
                s.description[:2000],
                s.tlp.value,
                at,
            ),
        )

    def add_sighting(self, s: Screened) -> int:
        """Attach a sighting to every candidate of its indicator; returns how many."""
        cur = self._conn.execute(
            "UPDATE isc_candidates SET sightings = sightings + ?, "
            "last_sighting = max(last_sighting, ?) WHERE object_id = ?",
            (max(s.sighting_count, 1), s.first_seen, s.indicator_ref),
        )
        return cur.rowcount

    def reject(self, object_id: str, reason: str, at: str) -> None:
        self._conn.execute(
            "INSERT INTO isc_rejections (object_id, reason, at) VALUES (?,?,?)",
            (object_id, reason, at),
        )

    def rejections(self, limit: int = 100) -> list[tuple[str, str, str]]:
        return self._conn.execute(
            "SELECT object_id, reason, at FROM isc_rejections ORDER BY id DESC LIMIT ?", (limit,)
        ).fetchall()

    @staticmethod
    def _candidate(row: tuple) -> Candidate:
        return Candidate(*row)

    def candidate(self, candidate_id: str) -> Candidate | None:
        row = self._conn.execute(
            f"SELECT {_CAND} FROM isc_candidates WHERE candidate_id = ?", (candidate_id,)
        ).fetchone()
        return self._candidate(row) if row else None

    def candidates(self, state: str = "", limit: int = 100) -> list[Candidate]:
        if state:
            rows = self._conn.execute(
                f"SELECT {_CAND} FROM isc_candidates WHERE state = ? ORDER BY received_at, "
                "candidate_id LIMIT ?",
                (state, limit),
            )
        else:
            rows = self._conn.execute(
                f"SELECT {_CAND} FROM isc_candidates ORDER BY received_at, candidate_id LIMIT ?",
                (limit,),
            )
        return [self._candidate(r) for r in rows.fetchall()]

    def decide(
        self,
        candidate_id: str,
        state: str,
        by: str,
        at: str,
        reason: str,
        entry_id: str = "",
    ) -> None:
        self._conn.execute(
            "UPDATE isc_candidates SET state = ?, decided_by = ?, decided_at = ?, "
            "decision_reason = ?, entry_id = ? WHERE candidate_id = ?",
            (state, by, at, reason, entry_id, candidate_id),
        )

    def pull_state(self) -> PullState:
        row = self._conn.execute(
            "SELECT cursor, pulls, fetched, candidates, sightings, ignored, rejected, "
            "last_pull_at, last_error FROM isc_pull_state WHERE id = 1"
        ).fetchone()
        return PullState(*row)

    def advance(
        self,
        cursor: str,
        *,
        fetched: int,
        candidates: int,
        sightings: int,
        ignored: int,
        rejected: int,
    ) -> None:
        self._conn.execute(
            "UPDATE isc_pull_state SET cursor = ?, fetched = fetched + ?, "
            "candidates = candidates + ?, sightings = sightings + ?, ignored = ignored + ?, "
            "rejected = rejected + ? WHERE id = 1",
            (cursor, fetched, candidates, sightings, ignored, rejected),
        )

    def finish_pull(self, at: str, error: str) -> None:
        self._conn.execute(
            "UPDATE isc_pull_state SET pulls = pulls + 1, last_pull_at = ?, last_error = ? "
            "WHERE id = 1",
            (at, error),
        )

    def open_candidates(self) -> int:
        return self._conn.execute(
            "SELECT count(*) FROM isc_candidates WHERE state = 'open'"
        ).fetchone()[0]
