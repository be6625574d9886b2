"""Hotlist entries on their owner's side: what an entry is, and when it may be shared.

Rules:
1. Every entry has an expiry; none may run longer than the node's maximum review
   period from the moment it is added or changed (Directive 2016/680 art. 5).
2. Category, action and flags come from the known lists (SIS-style action codes).
3. An entry is shareable only while active: not withdrawn, inside [valid_from,
   expires_at). Past its expiry it stops being shared and is reported for review.
4. The case reference never leaves the owner (minimisation enforces this).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from gateway.domain.agreement import CATEGORIES
from gateway.domain.errors import InvalidInput
from gateway.domain.plates import Plate

DEFAULT_MAX_REVIEW_DAYS = 365
MAX_TEXT = 200
MAX_CASE_REFERENCE = 64


class Action(enum.StrEnum):
    """What the owner asks the observing side to do (Schengen SIS action codes)."""

    REPORT_ONLY = "report_only"
    DISCREET_CHECK = "discreet_check"
    INQUIRY_CHECK = "inquiry_check"
    SPECIFIC_CHECK = "specific_check"
    SEIZE = "seize"


FLAGS = frozenset({"suspected_clone", "do_not_alert_subject"})


class EntryStatus(enum.StrEnum):
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    PENDING = "pending"  # valid_from still in the future


@dataclass(frozen=True)
class HotlistEntry:
    entry_id: str
    owner: str
    plate: Plate = field(repr=False)
    category: str
    action: Action
    flags: tuple[str, ...]
    valid_from: datetime
    expires_at: datetime
    vehicle_description: str = ""
    contact: str = ""
    case_reference: str = field(default="", repr=False)
    version: int = 1
    withdrawn: bool = False

    def status(self, now: datetime) -> EntryStatus:
        if self.withdrawn:
            return EntryStatus.WITHDRAWN
        if now >= self.expires_at:
            return EntryStatus.EXPIRED
        if now < self.valid_from:
            return EntryStatus.PENDING
        return EntryStatus.ACTIVE

    def shareable(self, now: datetime) -> bool:
        """Rule 3: only active entries leave the node."""
        return self.status(now) is EntryStatus.ACTIVE

    def withdraw(self) -> HotlistEntry:
        if self.withdrawn:
            raise InvalidInput(f"entry {self.entry_id} is already withdrawn")
        return replace(self, withdrawn=True, version=self.version + 1)


def check_entry(
    entry: HotlistEntry, *, now: datetime, max_review_days: int = DEFAULT_MAX_REVIEW_DAYS
) -> HotlistEntry:
    """Return entry if rules 1-2 hold, else raise InvalidInput naming the problem (never
    the plate)."""
    if entry.category not in CATEGORIES:
        raise InvalidInput(
            f"unknown category {entry.category!r}; known: {', '.join(sorted(CATEGORIES))}"
        )
    if not isinstance(entry.action, Action):
        raise InvalidInput(f"unknown action; known: {', '.join(a.value for a in Action)}")
    if entry.flags:
        unknown = sorted(set(entry.flags) - FLAGS)
        if unknown:
            raise InvalidInput(f"unknown flag {unknown[0]!r}; known: {', '.join(sorted(FLAGS))}")
        if len(set(entry.flags)) != len(entry.flags):
            raise InvalidInput("a flag is given twice")
    if entry.valid_from.tzinfo is None or entry.expires_at.tzinfo is None:
        raise InvalidInput("valid_from and expires_at must carry a time zone (UTC)")
    if entry.expires_at <= entry.valid_from:
        raise InvalidInput("the entry expires before it becomes valid")
    if entry.expires_at <= now:
        raise InvalidInput("the expiry is in the past")
    if entry.expires_at > now + timedelta(days=max_review_days):
        raise InvalidInput(
            f"expiry is more than the maximum review period ({max_review_days} days) away; "
            "choose an earlier review date"
        )
    for name, value, limit in (
        ("vehicle description", entry.vehicle_description, MAX_TEXT),
        ("contact", entry.contact, MAX_TEXT),
        ("case reference", entry.case_reference, MAX_CASE_REFERENCE),
    ):
        if len(value) > limit:
            raise InvalidInput(f"{name} is longer than {limit} characters")
    return entry


def parse_action(value: str) -> Action:
    try:
        return Action(value.strip().lower())
    except ValueError:
        raise InvalidInput(
            f"unknown action {value!r}; known: {', '.join(a.value for a in Action)}"
        ) from None
