"""Messages to partners that must arrive: stored in the same unit of work as the fact
they report, sent by the delivery loop, retried until the partner has them. The dedupe
key makes queuing one message twice a no-op."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple, Protocol


class OutboxMessage(NamedTuple):
    id: int
    kind: str
    partner: str
    dedupe_key: str
    payload: bytes
    attempts: int


class OutboxRepository(Protocol):
    def enqueue(self, kind: str, partner: str, dedupe_key: str, payload: bytes) -> bool:
        """Queue a message, due now; False if one with this key was already queued."""

    def due(self, now: datetime, limit: int = 100) -> list[OutboxMessage]:
        """Pending messages due by `now`, oldest first."""

    def next_due(self) -> datetime | None: ...

    def delivered(self, message_id: int) -> None: ...

    def refused(self, message_id: int, reason: str) -> None:
        """The partner will never take it: kept with the reason, not retried."""

    def retry_at(self, message_id: int, when: datetime, reason: str) -> None: ...

    def depth(self) -> dict[str, int]:
        """Messages per state (pending, delivered, refused)."""

    def depth_by_partner(self) -> dict[tuple[str, str], int]: ...

    def depth_by_kind(self) -> dict[tuple[str, str], int]: ...

    def erase(self, dedupe_key: str) -> int:
        """Remove the message about one object, in whatever state."""

    def sent_for(self, dedupe_keys: list[str]) -> set[str]:
        """Which of these messages the partner has."""
