"""Confirmations as this node keeps them: the signed request, its state, and the signed
event that closed it. The service rebuilds the aggregate from these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class HeldConfirmation:
    request_id: str
    outgoing: bool
    kind: str
    agreement_id: str
    partner: str
    state: str
    created_at: datetime
    deadline: datetime
    hit_id: str
    request_envelope: bytes
    event_envelope: bytes | None
    closed_by: str
    closed_at: datetime | None
    escalated: bool


class ConfirmationRepository(Protocol):
    def insert(self, held: HeldConfirmation) -> bool:
        """Store a new confirmation; False if this request id is already here."""

    def close(
        self,
        request_id: str,
        state: str,
        *,
        event_envelope: bytes | None,
        closed_by: str,
        closed_at: datetime,
    ) -> None: ...

    def mark_escalated(self, request_id: str) -> None: ...

    def get(self, request_id: str) -> HeldConfirmation | None: ...

    def listing(self, *, open_only: bool, limit: int) -> list[HeldConfirmation]:
        """Newest first."""

    def open_due_before(self, moment: datetime) -> list[HeldConfirmation]:
        """Open requests whose deadline is at or before `moment`, soonest first."""

    def open_count(self) -> int: ...
