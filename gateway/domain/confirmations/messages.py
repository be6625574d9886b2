"""What travels between the two nodes of a confirmation: the request, the answer's
content and the event that closes a request, with the bounds on their fields. Plain
values: which of them may be sent is decided in request_rules and answer_rules."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from gateway.domain.agreement import Purpose
from gateway.domain.confirmations.field_checks import known, shown
from gateway.domain.errors import InvalidInput
from gateway.domain.hits import NotifiedLocation

MAX_USER = 64
MAX_LEGAL_ORDER = 128
MAX_TEXT = 1000  # question, urgent reason, note, refusal reason
MAX_IMAGE_REF = 256
DIRECTIONS = frozenset({"in", "out", ""})


class RequestKind(enum.StrEnum):
    ALERT_CONFIRMATION = "alert_confirmation"  # observer asks owner: does the alert stand?
    HIT_DETAILS = "hit_details"  # owner asks observer: details of a hit on its entry
    RETRO_QUERY = "retro_query"  # was plate P seen between t1 and t2? hit / no-hit only
    RETRO_DETAILS = "retro_details"  # times and sites, after a query answered "seen"

    @property
    def about_a_hit(self) -> bool:
        return self in (RequestKind.ALERT_CONFIRMATION, RequestKind.HIT_DETAILS)


class Urgency(enum.StrEnum):
    NORMAL = "normal"
    URGENT = "urgent"


class Outcome(enum.StrEnum):
    """The answer's verdict; for a retrospective request, confirmed means seen."""

    CONFIRMED = "confirmed"
    NOT_CONFIRMED = "not_confirmed"


@dataclass(frozen=True, slots=True, repr=False)
class SightingDetail:
    """One sighting as an answer may carry it: never a plate, and its location already
    cut down to the agreed granularity."""

    observed_at: datetime
    location: NotifiedLocation
    direction: str = ""  # "in", "out" or "" when unknown
    image_ref: str = ""

    def __repr__(self) -> str:  # time and place of a vehicle are personal data
        return "SightingDetail(...)"


@dataclass(frozen=True, slots=True, repr=False)
class AnswerContent:
    """What a person at the responder answers; check_answer decides what it may hold."""

    outcome: Outcome
    note: str = ""
    action: str | None = None  # alert confirmation only, if the agreement shares actions
    flags: tuple[str, ...] | None = None  # alert confirmation only, if it shares flags
    contact: str | None = None  # alert confirmation only, if it shares contact points
    sightings: tuple[SightingDetail, ...] = ()  # hit details and retrospective details

    def __repr__(self) -> str:
        return f"AnswerContent(outcome={self.outcome!r}, sightings={len(self.sightings)})"


@dataclass(frozen=True, slots=True, repr=False)
class ConfirmationRequest:
    """What the requesting node signs and sends. Build it with new_request; accept it
    with check_request."""

    request_id: str  # UUIDv7 made by the requester; makes delivery idempotent
    kind: RequestKind
    agreement_id: str
    agreement_version: int
    requester: str  # node id
    requester_user: str  # local user name at the requester
    responder: str  # node id
    purpose: Purpose
    case_reference: str
    urgency: Urgency
    urgent_reason: str
    created_at: datetime
    deadline: datetime
    hit_id: str = ""  # hit kinds
    entry_id: str = ""  # hit kinds: the entry the hit is on
    plate: str = ""  # retrospective kinds: normalised plate; never shown
    country: str = ""  # retrospective kinds: alpha-2 or ""
    window_start: datetime | None = None  # retrospective kinds
    window_end: datetime | None = None
    legal_order: str = ""  # retrospective kinds: the order the responder's law requires
    previous_request_id: str = ""  # retrospective details: the query they follow
    question: str = ""

    def __repr__(self) -> str:  # ids only: no plate, case, legal order or free text
        return (
            f"ConfirmationRequest(request_id={self.request_id!r}, kind={self.kind!r}, "
            f"agreement_id={self.agreement_id!r}, "
            f"agreement_version={self.agreement_version!r}, "
            f"requester={self.requester!r}, responder={self.responder!r}, "
            f"urgency={self.urgency!r})"
        )


class EventKind(enum.StrEnum):
    """The events a person causes and the other node is told of; expiry is not sent, as
    each node keeps the deadline by its own clock."""

    ANSWERED = "answered"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True, slots=True, repr=False)
class ConfirmationEvent:
    """What one node signs and sends the other when its person closes a request: the
    responder's answer or refusal, or the requester's withdrawal. Applied to the
    receiving node's Confirmation with the matching transition."""

    request_id: str
    kind: EventKind
    node: str  # the node whose person acted
    user: str  # that person
    at: datetime
    answer: AnswerContent | None = None  # exactly when answered
    reason: str = ""  # the refusal's reason; optional for a withdrawal

    def __post_init__(self) -> None:
        if not isinstance(self.kind, EventKind):
            raise InvalidInput(f"unknown confirmation event kind; known: {known(EventKind)}")
        if (self.answer is not None) != (self.kind is EventKind.ANSWERED):
            raise InvalidInput(
                f"confirmation event for request {shown(self.request_id)}: an answer comes "
                "with an answered event and with no other"
            )

    def __repr__(self) -> str:  # ids only: the answer and reason may be personal data
        return (
            f"ConfirmationEvent(request_id={self.request_id!r}, kind={self.kind!r}, "
            f"node={self.node!r}, user={self.user!r})"
        )
