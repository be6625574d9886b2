"""This node's own hotlist entries. Every save gives the saved entries the next change
seqs: the order in which the feed projector and the match index take changes in."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple, Protocol

from gateway.domain.hotlist import HotlistEntry


class OwnIndexRow(NamedTuple):
    """What the match index needs of an own entry (times in epoch seconds)."""

    entry_id: str
    plate: str
    country: str
    category: str
    valid_from_s: int
    expires_at_s: int


class OwnIndexChange(NamedTuple):
    change_seq: int
    row: OwnIndexRow
    withdrawn: bool


class OwnEntryRepository(Protocol):
    def save(self, entries: Sequence[HotlistEntry], created_by: str) -> int:
        """Insert or replace entries; return how many."""

    def get(self, entry_id: str) -> HotlistEntry | None: ...

    def created_by(self, entry_id: str) -> str | None:
        """Who made the entry; None when there is no such entry."""

    def page(self, after_entry_id: str = "", limit: int = 100) -> list[HotlistEntry]:
        """Entries by id, after `after_entry_id`."""

    def changed_since(self, change_seq: int, limit: int) -> list[tuple[int, HotlistEntry]]:
        """(change seq, entry) of entries changed after change_seq, oldest change first."""

    def count(self) -> int: ...

    def due_for_review(self, now: datetime) -> int:
        """Entries not withdrawn whose expiry (their review date) has passed."""

    def expiring(self, now: datetime, until: datetime) -> int:
        """Entries not withdrawn whose review date falls after now and by `until`."""

    def crossing_validity(self, since: datetime, now: datetime) -> list[str]:
        """Ids of entries that expired in (since, now], or that became valid by now after
        being saved before they were."""

    def tick_mark(self) -> datetime | None:
        """When the validity of entries was last looked at (see crossing_validity)."""

    def set_tick_mark(self, moment: datetime) -> None: ...

    def index_rows(self) -> tuple[int, list[OwnIndexRow]]:
        """(latest change seq, every entry not withdrawn), for building the match index."""

    def index_changes(self, after_seq: int) -> list[OwnIndexChange]:
        """Entries changed after `after_seq`, oldest first, for keeping the index current."""
