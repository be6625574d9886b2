"""The alert log: every alert and notice raised for the local control room, each at a
position that only grows and is never reused, so a watcher can resume from its cursor.
Written in the unit of work of the change that raised it (a hit's alert with its hit);
a hit's alert is erased with its hit (HitRepository.erase), notices by their own
retention rule (RetentionRepository.alert_notices_due). A mark on a hit alert (MARK, the
hit's id as its subject: ids, a user name and a time, no plate) is a notice for
retention."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple, Protocol

HIT = "hit"
CONFIRMATION = "confirmation"
FEED = "feed"
MARK = "mark"  # a person's mark on a hit alert (claimed, acknowledged)
NOTICE_KINDS = (CONFIRMATION, FEED)


class LoggedAlert(NamedTuple):
    position: int
    kind: str  # HIT, CONFIRMATION, FEED or MARK
    subject: str  # the hit id (of a hit or a mark), the request id or the agreement id
    raised_at: datetime
    body: bytes  # an encoded argos.v1.WatchAlertsResponse (without its position)


class AlertLogRepository(Protocol):
    def append(self, kind: str, subject: str, raised_at: datetime, body: bytes) -> LoggedAlert:
        """Log one alert; its position is greater than every position given before."""

    def after(self, position: int, limit: int) -> list[LoggedAlert]:
        """Up to `limit` alerts still kept with a position greater than `position`, in
        position order."""

    def count_after(self, position: int) -> int: ...

    def newest(self) -> int:
        """The greatest position ever given (0 before the first), kept or erased."""
