"""Records past their retention, across the node's tables: which are due for erasure,
their erasure, and what is held (counts and times, never content) for the report.
One repository because a retention rule looks at one clock column of one table, and
the retention service asks the same three questions of each."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Literal, NamedTuple, Protocol

IscTable = Literal["candidate", "publication", "rejection", "seen"]
HIT_NOTIFICATION_KIND = "hit_notification"  # goes with its hit, not by this rule


class Held(NamedTuple):
    """What a rule holds now: how many records, the oldest clock start, the soonest
    erase time, and how many are past it (the report wants none)."""

    count: int
    oldest: datetime | None
    next_due: datetime | None
    past_limit: int


class RetentionRepository(Protocol):
    def own_entries_due(self, cutoff: datetime, limit: int = 1000) -> list[str]:
        """Own entries withdrawn or expired at or before `cutoff`, whose change every
        feed has projected already (the partners have the tombstone)."""

    def erase_own_entries(self, entry_ids: Sequence[str]) -> int: ...

    def own_entries_held(self, now: datetime, cutoff: datetime) -> Held:
        """Withdrawn or expired own entries; past limit: retired at or before cutoff."""

    def received_entries_due(
        self, agreement_id: str, received_cutoff: datetime, now: datetime, limit: int = 1000
    ) -> list[str]:
        """Entries received under the agreement at or before `received_cutoff`, or whose
        owner's expiry has come by `now`."""

    def erase_received_entries(self, agreement_id: str, entry_ids: Sequence[str]) -> int:
        """Erase them, keeping each one's leaf hash for the set digest."""

    def received_entries_held(
        self, agreement_id: str, now: datetime, retention_days: int
    ) -> Held: ...

    def confirmations_due(
        self, agreement_id: str, cutoff: datetime, limit: int = 1000
    ) -> list[str]:
        """Closed confirmations under the agreement, closed at or before `cutoff`."""

    def erase_confirmations(self, request_ids: Sequence[str]) -> tuple[int, int]:
        """Erase them and their messages in the outbox: (confirmations, messages)."""

    def confirmations_held(self, days: Mapping[str, int], default_days: int, now: datetime) -> Held:
        """Closed confirmations (open ones have no clock yet: counted, not due)."""

    def outbox_due(self, cutoff: datetime, limit: int = 1000) -> list[int]:
        """Delivered or refused messages closed at or before `cutoff` (not hit
        notifications: they go with their hit)."""

    def erase_outbox(self, message_ids: Sequence[int]) -> int: ...

    def outbox_held(self, now: datetime, days: int) -> Held: ...

    def alert_notices_due(self, cutoff: datetime, limit: int = 1000) -> list[int]:
        """Positions of confirmation and feed notices in the alert log raised at or
        before `cutoff` (a hit's alert goes with its hit, not by this rule)."""

    def erase_alert_notices(self, positions: Sequence[int]) -> int: ...

    def alert_notices_held(self, now: datetime, days: int) -> Held: ...

    def isc_due(self, table: IscTable, cutoff: datetime, limit: int = 1000) -> list[str]: ...

    def erase_isc(self, table: IscTable, ids: Sequence[str]) -> int: ...

    def isc_held(self, table: IscTable, now: datetime, days: int) -> Held: ...

    def hits_held(self, now: datetime) -> dict[str, Held]:
        """ "hit" (this node's cameras) and "received_hit" (partners' notifications)."""

    def audit_held(self, now: datetime, days: int) -> Held:
        """The audit log's records (erased by its own anchor truncation)."""

    def newest_backup(self) -> datetime | None:
        """The time of the newest backup the audit log records."""
