"""Hits: those of this node's cameras (observer side) and those partners notified on
this node's entries (owner side), each kept until the time it must be erased."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, NamedTuple, Protocol

from gateway.domain.hits import ObservedHit, ReceivedHit

HitKind = Literal["observed", "received"]


class ExpiredHit(NamedTuple):
    kind: HitKind
    hit_id: str
    entry_id: str
    agreement_id: str | None


class HitFact(NamedTuple):
    """What the ISC statistics count of a hit of this node's cameras."""

    observed_at: datetime
    zone: str
    category: str


class HitRepository(Protocol):
    def save_observed(self, hit: ObservedHit) -> None: ...

    def observed(self, hit_id: str) -> ObservedHit | None: ...

    def list_observed(
        self, *, own_only: bool | None, entry_id: str = "", limit: int = 100
    ) -> list[ObservedHit]:
        """Newest first. own_only True: on this node's own entries; False: on partners'."""

    def save_received(self, hit: ReceivedHit) -> bool:
        """Store a notification once; False when this hit id is already here."""

    def received(self, hit_id: str) -> ReceivedHit | None: ...

    def list_received(self, *, entry_id: str = "", limit: int = 100) -> list[ReceivedHit]: ...

    def expired(self, now: datetime, limit: int = 1000) -> list[ExpiredHit]:
        """Hits past their retention."""

    def erase(self, kind: HitKind, hit_id: str) -> None:
        """Erase the hit, and its alert in the alert log with it."""

    def held_counts(self) -> dict[tuple[str, str], int]:
        """Hits held by (kind, partner): "own" (partner ""), "observed" (partner the
        owner), "received" (partner the observer). Counts only."""

    def facts(self, start: datetime, end: datetime) -> list[HitFact]:
        """Hits of this node's cameras observed in [start, end)."""
