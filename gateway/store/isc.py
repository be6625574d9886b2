"""The ISC tables: publications (as reviewed and sent), object versions taken in, the
candidate review queue, rejections and the pull cursor. Functions take the caller's
connection so that they join its transaction."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from gateway.domain.isc import Screened, Tlp


@dataclass(frozen=True)
class Publication:
    publication_id: str
    kind: str
    subject: str
    tlp: str
    bundle: dict
    digest: str
    state: str
    created_by: str
    created_at: str
    published_by: str
    published_at: str | None


@dataclass(frozen=True)
class Candidate:
    candidate_id: str
    object_id: str
    version: str
    plate: str
    country: str
    title: str
    description: str
    tlp: str
    sightings: int
    last_sighting: str
    state: str
    received_at: str
    decided_by: str
    decided_at: str | None
    decision_reason: str
    entry_id: str

    def __repr__(self) -> str:  # never show a plate
        return f"Candidate({self.candidate_id!r}, {self.state!r})"


@dataclass(frozen=True)
class PullState:
    cursor: str
    pulls: int
    fetched: int
    candidates: int
    sightings: int
    ignored: int
    rejected: int
    last_pull_at: str
    last_error: str


_PUB = (
    "publication_id, kind, subject, tlp, bundle, digest, state, created_by, created_at, "
    "published_by, published_at"
)
_CAND = (
    "candidate_id, object_id, version, plate, country, title, description, tlp, sightings, "
    "last_sighting, state, received_at, decided_by, decided_at, decision_reason, entry_id"
)


def save_publication(conn: sqlite3.Connection, p: Publication) -> None:
    conn.execute(
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


def _publication(row: tuple) -> Publication:
    values = list(row)
    values[4] = json.loads(values[4])
    return Publication(*values)


def publication(conn: sqlite3.Connection, publication_id: str) -> Publication | None:
    row = conn.execute(
        f"SELECT {_PUB} FROM isc_publications WHERE publication_id = ?", (publication_id,)
    ).fetchone()
    return _publication(row) if row else None


def publications(conn: sqlite3.Connection, limit: int = 100) -> list[Publication]:
    rows = conn.execute(
        f"SELECT {_PUB} FROM isc_publications ORDER BY created_at DESC LIMIT ?", (limit,)
    ).fetchall()
    return [_publication(r) for r in rows]


def published_statistics_week(conn: sqlite3.Connection, week: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM isc_publications WHERE kind = 'statistics' AND state = 'published' "
        "AND subject = ?",
        (week,),
    ).fetchone()
    return row is not None


def mark_published(conn: sqlite3.Connection, publication_id: str, by: str, at: str) -> None:
    conn.execute(
        "UPDATE isc_publications SET state = 'published', published_by = ?, published_at = ? "
        "WHERE publication_id = ?",
        (by, at, publication_id),
    )


def known_plates(conn: sqlite3.Connection) -> frozenset[str]:
    """Every normalised plate this node holds in plaintext: rule 4 of the outbound
    policy keeps each of them out of every bundle."""
    rows = conn.execute(
        "SELECT plate FROM entries UNION SELECT plate FROM hits "
        "UNION SELECT plate FROM received_entries WHERE plate IS NOT NULL "
        "UNION SELECT plate FROM isc_candidates"
    )
    return frozenset(r[0] for r in rows if r[0])


def hit_facts(conn: sqlite3.Connection, start: str, end: str) -> list[tuple[str, str, str]]:
    """(observed_at, zone, category) of this node's cameras' hits in [start, end)."""
    return conn.execute(
        "SELECT observed_at, zone, category FROM hits WHERE observed_at >= ? AND observed_at < ?",
        (start, end),
    ).fetchall()


# -- inbound ---------------------------------------------------------------------------


def seen(conn: sqlite3.Connection, keys: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which (object id, version) pairs were already taken in."""
    found: set[tuple[str, str]] = set()
    for object_id, version in keys:
        row = conn.execute(
            "SELECT 1 FROM isc_seen WHERE object_id = ? AND version = ?", (object_id, version)
        ).fetchone()
        if row:
            found.add((object_id, version))
    return found


def mark_seen(conn: sqlite3.Connection, screened: Screened, at: str) -> None:
    conn.execute(
        "INSERT OR IGNORE INTO isc_seen (object_id, version, verdict, seen_at) VALUES (?,?,?,?)",
        (screened.object_id, screened.version, screened.verdict.value, at),
    )


def vehicle_indicator_ids(conn: sqlite3.Connection) -> frozenset[str]:
    return frozenset(r[0] for r in conn.execute("SELECT DISTINCT object_id FROM isc_candidates"))


def add_candidate(conn: sqlite3.Connection, candidate_id: str, s: Screened, at: str) -> None:
    conn.execute(
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


def add_sighting(conn: sqlite3.Connection, s: Screened) -> int:
    """Attach a sighting to every candidate of its indicator; returns how many."""
    cur = conn.execute(
        "UPDATE isc_candidates SET sightings = sightings + ?, "
        "last_sighting = max(last_sighting, ?) WHERE object_id = ?",
        (max(s.sighting_count, 1), s.first_seen, s.indicator_ref),
    )
    return cur.rowcount


def reject(conn: sqlite3.Connection, object_id: str, reason: str, at: str) -> None:
    conn.execute(
        "INSERT INTO isc_rejections (object_id, reason, at) VALUES (?,?,?)",
        (object_id, reason, at),
    )


def rejections(conn: sqlite3.Connection, limit: int = 100) -> list[tuple[str, str, str]]:
    return conn.execute(
        "SELECT object_id, reason, at FROM isc_rejections ORDER BY id DESC LIMIT ?", (limit,)
    ).fetchall()


def _candidate(row: tuple) -> Candidate:
    return Candidate(*row)


def candidate(conn: sqlite3.Connection, candidate_id: str) -> Candidate | None:
    row = conn.execute(
        f"SELECT {_CAND} FROM isc_candidates WHERE candidate_id = ?", (candidate_id,)
    ).fetchone()
    return _candidate(row) if row else None


def candidates(conn: sqlite3.Connection, state: str = "", limit: int = 100) -> list[Candidate]:
    if state:
        rows = conn.execute(
            f"SELECT {_CAND} FROM isc_candidates WHERE state = ? ORDER BY received_at, "
            "candidate_id LIMIT ?",
            (state, limit),
        )
    else:
        rows = conn.execute(
            f"SELECT {_CAND} FROM isc_candidates ORDER BY received_at, candidate_id LIMIT ?",
            (limit,),
        )
    return [_candidate(r) for r in rows.fetchall()]


def decide(
    conn: sqlite3.Connection,
    candidate_id: str,
    state: str,
    by: str,
    at: str,
    reason: str,
    entry_id: str = "",
) -> None:
    conn.execute(
        "UPDATE isc_candidates SET state = ?, decided_by = ?, decided_at = ?, "
        "decision_reason = ?, entry_id = ? WHERE candidate_id = ?",
        (state, by, at, reason, entry_id, candidate_id),
    )


def pull_state(conn: sqlite3.Connection) -> PullState:
    row = conn.execute(
        "SELECT cursor, pulls, fetched, candidates, sightings, ignored, rejected, "
        "last_pull_at, last_error FROM isc_pull_state WHERE id = 1"
    ).fetchone()
    return PullState(*row)


def advance(
    conn: sqlite3.Connection,
    cursor: str,
    *,
    fetched: int,
    candidates: int,
    sightings: int,
    ignored: int,
    rejected: int,
) -> None:
    conn.execute(
        "UPDATE isc_pull_state SET cursor = ?, fetched = fetched + ?, "
        "candidates = candidates + ?, sightings = sightings + ?, ignored = ignored + ?, "
        "rejected = rejected + ? WHERE id = 1",
        (cursor, fetched, candidates, sightings, ignored, rejected),
    )


def finish_pull(conn: sqlite3.Connection, at: str, error: str) -> None:
    conn.execute(
        "UPDATE isc_pull_state SET pulls = pulls + 1, last_pull_at = ?, last_error = ? "
        "WHERE id = 1",
        (at, error),
    )


def tlp_of(candidate: Candidate) -> Tlp:
    return Tlp(candidate.tlp)
