"""Time as the node reads, stores and parses it: one clock, one stored form, one rule.

Rules:
1. The node's clock gives aware UTC times truncated to whole milliseconds, so a time
   the node made survives the trip through the database unchanged.
2. The database holds every time in one textual form, UTC with milliseconds and "Z"
   (2026-12-03T06:27:03.123Z): it sorts as it reads, so SQL compares times as text.
3. A time given as text (a person, a file, a vendor, a partner's JSON) is ISO 8601
   with "Z" or an offset. A time without a zone is refused unless the caller names the
   zone such times are in (a camera configured for local time); nothing is guessed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, tzinfo

from gateway.domain.errors import InvalidInput

Clock = Callable[[], datetime]
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ZERO = timedelta(0)


def whole_ms(moment: datetime) -> datetime:
    """The same moment with microseconds cut to whole milliseconds."""
    # An import passes every entry's times through here: most are whole already, and
    # replace() (a new datetime) costs ten times the test.
    extra = moment.microsecond % 1000
    return moment.replace(microsecond=moment.microsecond - extra) if extra else moment


def utc_now() -> datetime:
    """Rule 1: the node's clock."""
    return whole_ms(datetime.now(UTC))


def time_text(moment: datetime) -> str:
    """Rule 2: an aware time in the stored form. (isoformat, not strftime: an import
    writes two of these per entry, and strftime costs three times as much.)"""
    if moment.tzinfo is not UTC:  # the node's own times are UTC: no offset to ask
        offset = moment.utcoffset()
        if offset is None:
            raise ValueError("a stored time must carry its zone")
        if offset:
            moment = moment.astimezone(UTC)
    return moment.isoformat(timespec="milliseconds")[:23] + "Z"


def parse_time_text(text: str) -> datetime:
    """Rule 2, back: a time in the stored form, as an aware UTC datetime."""
    moment = datetime.fromisoformat(text)
    if moment.utcoffset() != _ZERO:
        raise ValueError(f"not a stored time: {text!r}")
    return moment


def parse_time(text: str, *, naive_zone: tzinfo | None = None, what: str = "time") -> datetime:
    """Rule 3: an ISO 8601 time as an aware UTC datetime; raises InvalidInput naming
    `what` (never echoing more than the text's shape)."""
    value = text.strip() if isinstance(text, str) else ""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{what} is not an ISO 8601 time (e.g. 2026-12-31T00:00:00Z)") from None
    if moment.tzinfo is None:
        if naive_zone is None:
            raise InvalidInput(f"{what} carries no time zone (add Z or an offset such as +01:00)")
        moment = moment.replace(tzinfo=naive_zone)
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # e.g. 9999-12-31T23:00:00-05:00 is past the last UTC year
        raise InvalidInput(f"{what} is out of range") from None


def epoch_ms(moment: datetime) -> int:
    """Whole milliseconds since the epoch (exact, no float)."""
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def from_epoch_ms(ms: int) -> datetime:
    return EPOCH + timedelta(milliseconds=ms)


def epoch_s(moment: datetime) -> int:
    """Whole seconds since the epoch."""
    return epoch_ms(moment) // 1000
