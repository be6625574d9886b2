"""Weekly hit statistics for the ISC: hits per zone and category in an ISO week. They
never carry a plate by construction (zone, category, ISO week, count), and counts below
the node's threshold are suppressed so nobody can be singled out."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from gateway.domain.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class HitFact:
    """What statistics may know of one hit: when, in which zone, which category."""

    observed_at: datetime
    zone: str
    category: str


@dataclass(frozen=True, slots=True)
class StatisticsCell:
    zone: str
    category: str
    hits: int


@dataclass(frozen=True, slots=True)
class WeeklyStatistics:
    week: str  # ISO week, e.g. 2026-W47
    threshold: int
    cells: tuple[StatisticsCell, ...]
    suppressed_cells: int


def iso_week(moment: datetime) -> str:
    year, week, _ = moment.astimezone(UTC).isocalendar()
    return f"{year}-W{week:02d}"


def week_bounds(week: str) -> tuple[datetime, datetime]:
    """[start, end) of an ISO week given as YYYY-Www."""
    match = re.fullmatch(r"(\d{4})-W(\d{2})", week)
    if match is None:
        raise InvalidInput(f"week must look like 2026-W47, got {week[:20]!r}")
    try:
        start = datetime.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
    except ValueError:
        raise InvalidInput(f"no such ISO week: {week}") from None
    start = start.replace(tzinfo=UTC)
    return start, start + timedelta(days=7)


def last_complete_week(now: datetime) -> str:
    return iso_week(now - timedelta(days=7))


def weekly_statistics(facts: Iterable[HitFact], week: str, threshold: int) -> WeeklyStatistics:
    """Hits per zone and category in `week`; cells under `threshold` are left out."""
    if threshold < 1:
        raise InvalidInput("the suppression threshold is at least 1")
    start, end = week_bounds(week)
    counts = Counter(
        (f.zone, f.category) for f in facts if start <= f.observed_at.astimezone(UTC) < end
    )
    kept = tuple(
        StatisticsCell(zone, category, n)
        for (zone, category), n in sorted(counts.items())
        if n >= threshold
    )
    return WeeklyStatistics(week, threshold, kept, len(counts) - len(kept))
