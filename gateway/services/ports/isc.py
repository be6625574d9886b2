"""The ISC's side of the store: publications as reviewed and sent, object versions
taken in, the candidate review queue, rejections and the pull cursor. Times here are
text in the database's stored form (gateway.domain.times), as TAXII and STIX show them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from gateway.domain.isc import Screened


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


class IscRepository(Protocol):
    # -- outbound
    def save_publication(self, publication: Publication) -> None: ...

    def publication(self, publication_id: str) -> Publication | None: ...

    def published_statistics_week(self, week: str) -> bool: ...

    def mark_published(self, publication_id: str, by: str, at: str) -> None: ...

    def known_plates(self) -> frozenset[str]:
        """Every normalised plate this node holds in plaintext, anywhere."""

    # -- inbound
    def seen(self, keys: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which (object id, version) pairs were already taken in."""

    def mark_seen(self, screened: Screened, at: str) -> None: ...

    def vehicle_indicator_ids(self) -> frozenset[str]: ...

    def add_candidate(self, candidate_id: str, screened: Screened, at: str) -> None: ...

    def add_sighting(self, screened: Screened) -> int:
        """Attach a sighting to every candidate of its indicator; returns how many."""

    def reject(self, object_id: str, reason: str, at: str) -> None: ...

    def rejections(self, limit: int = 100) -> list[tuple[str, str, str]]:
        """(object id, reason, at), newest first."""

    def candidate(self, candidate_id: str) -> Candidate | None: ...

    def candidates(self, state: str = "", limit: int = 100) -> list[Candidate]: ...

    def open_candidates(self) -> int: ...

    def decide(
        self, candidate_id: str, state: str, by: str, at: str, reason: str, entry_id: str = ""
    ) -> None: ...

    def pull_state(self) -> PullState: ...

    def advance(
        self,
        cursor: str,
        *,
        fetched: int,
        candidates: int,
        sightings: int,
        ignored: int,
        rejected: int,
    ) -> None: ...

    def finish_pull(self, at: str, error: str) -> None: ...
