"""The incremental pull from the ISC's TAXII 2.1 collection: the cursor that lets a pull
stopped anywhere resume without losing or repeating an object, and its tally."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from gateway.domain.isc.stix import parse_stix_time

# medallion and other servers give date_added with microseconds; one microsecond
# earlier than the cursor makes added_after (which is exclusive) include the ties.
_CURSOR_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def added_after_for(cursor: str) -> str:
    """The added_after to ask for so that objects added at the same instant as the
    cursor (ties at a page edge) are served again; those already held are recognised
    by (id, version) and skipped, so nothing is missed and nothing is taken twice."""
    moment = _cursor_time(cursor) - timedelta(microseconds=1)
    return moment.strftime(_CURSOR_FORMAT)


def later_cursor(current: str, candidate: str) -> str:
    if not current:
        return candidate
    return candidate if _cursor_time(candidate) > _cursor_time(current) else current


def _cursor_time(text: str) -> datetime:
    return parse_stix_time(text, "X-TAXII-Date-Added-Last")


@dataclass(frozen=True, slots=True)
class PullTally:
    """Counts of one pull, per verdict."""

    fetched: int
    new_candidates: int
    sightings: int
    ignored: int
    rejected: int
    already_held: int
    pages: int
