"""Partners' announcements of a move (held until the administrator decides), and the
announcements this node made of its own."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from gateway.domain.partner_change import ChangeState, HeldChange


class PartnerChangeRepository(Protocol):
    def add(self, held: HeldChange) -> None:
        """Hold a partner's announcement as received."""

    def decide(self, partner: str, sequence: int, state: ChangeState, at: datetime) -> None:
        """Mark one accepted, rejected or superseded."""

    def newest(self, partner: str) -> HeldChange | None:
        """The held announcement with the highest sequence from `partner`."""

    def by_fingerprint(self, partner: str, fingerprint: str) -> HeldChange | None: ...

    def listed(self, partner: str = "", pending_only: bool = True) -> list[HeldChange]:
        """By partner, then sequence."""

    def next_own_sequence(self) -> int:
        """One above every announcement this node made of itself."""

    def add_own(
        self, sequence: int, fingerprint: str, envelope: bytes, issued_at: datetime
    ) -> None: ...
