"""How long a responder is given to answer: the agreement's confirmation deadline, and
much less for an urgent request. request_rules holds a request to these (rule 5);
requesting gives a request its default deadline."""

from __future__ import annotations

from datetime import datetime, timedelta

from gateway.domain.agreement import AgreementTerms
from gateway.domain.confirmations.messages import Urgency
from gateway.domain.errors import InvalidInput

DEFAULT_URGENT_HOURS = 1  # the deadline an urgent request gets unless it names one
URGENT_MAX_HOURS = 2  # SIS answers in 12 hours; urgent must be much less


def longest_deadline(terms: AgreementTerms, urgency: Urgency) -> timedelta:
    """The longest a request may give its responder under `terms` (rule 5)."""
    hours = terms.confirmation_deadline_hours
    if urgency == Urgency.URGENT:
        hours = min(hours, URGENT_MAX_HOURS)
    return timedelta(hours=hours)


def default_deadline(terms: AgreementTerms, created_at: datetime, urgency: Urgency) -> datetime:
    """The deadline a request made at `created_at` gets unless it names one: the
    agreement's confirmation deadline, or DEFAULT_URGENT_HOURS (capped by the agreement)
    for an urgent one."""
    if created_at.tzinfo is None:
        raise InvalidInput("request time must carry a time zone (UTC)")
    hours = terms.confirmation_deadline_hours
    if urgency == Urgency.URGENT:
        hours = min(hours, DEFAULT_URGENT_HOURS)
    return created_at + timedelta(hours=hours)
