"""The shapes STIX 2.1 gives an object id and a time, shared by what goes out to the ISC
(outbound, bundles) and what comes in from it (screening, pull). TAXII 2.1 writes its
times the same way, so its headers and cursors are read here too."""

from __future__ import annotations

import re
from datetime import datetime

from gateway.domain.errors import InvalidInput
from gateway.domain.times import time_text

# type--UUID; group 1 is the type, which must be the object's own.
STIX_ID = re.compile(
    r"([a-z][a-z0-9-]{0,62})--([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
)
_STIX_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?Z")


def parse_stix_time(text: object, what: str = "timestamp") -> datetime:
    """A STIX 2.1 or TAXII 2.1 timestamp as an aware UTC datetime; raises InvalidInput
    naming `what`, never echoing the text. The rules are the specifications', stricter
    than times.parse_time, which takes any ISO 8601 time with a zone:
    1. RFC 3339 in UTC, written YYYY-MM-DDTHH:MM:SS, an optional fraction of 1 to 9
       digits, and "Z": no offset, no other spelling, ASCII digits only.
    2. A real date and time: no month 13, no hour 24, no leap second (:60), which a
       datetime cannot hold.
    3. Digits after the sixth of the fraction are cut: a datetime holds microseconds."""
    if not isinstance(text, str) or _STIX_TIME.fullmatch(text) is None:
        raise InvalidInput(f"{what} is not an RFC 3339 UTC timestamp")
    try:
        return datetime.fromisoformat(text)  # takes "Z" and cuts the fraction (rule 3)
    except ValueError:
        raise InvalidInput(f"{what} is not an RFC 3339 UTC timestamp") from None


def stix_time(moment: datetime) -> str:
    """An aware time as this node writes it into STIX: UTC to the millisecond with "Z",
    as STIX 2.1 asks of created and modified. That is the stored form (times.time_text)."""
    return time_text(moment)
