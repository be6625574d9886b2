"""Sharing agreements, as whole aggregates, and the signed status changes this node
issued that its partner has yet to receive."""

from __future__ import annotations

from typing import NamedTuple, Protocol

from gateway.domain.agreement import Agreement
from gateway.domain.envelope import Envelope


class StatusDelivery(NamedTuple):
    change_id: int
    partner: str
    envelope: Envelope


class AgreementRepository(Protocol):
    def get(self, agreement_id: str) -> Agreement | None: ...

    def ids(self) -> list[str]:
        """Every agreement id, oldest first."""

    def all(self) -> list[Agreement]:
        """Every agreement, oldest first."""

    def save(
        self,
        agreement: Agreement,
        status_envelope: Envelope | None = None,
        *,
        issued_here: bool = False,
    ) -> None:
        """Write the aggregate as it now is (a countersigned version never changes
        again), and the signed status change that changed it, if any."""

    def undelivered_status_changes(self) -> list[StatusDelivery]:
        """Status changes issued here that the partner has not yet taken, oldest first."""

    def mark_status_delivered(self, change_id: int) -> None: ...
