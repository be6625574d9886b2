"""Hit confirmations and retrospective queries: a question one node's person asks a
person at a partner node, and the answer, refusal, withdrawal or expiry that closes it.

Four kinds of request travel between the two parties of an agreement:
- alert confirmation: the observer of a hit asks the entry's owner whether the alert
  still stands and what to do;
- hit details: the entry's owner asks the observer for the details of a hit on it;
- retrospective query: "was this plate seen by your cameras between t1 and t2?",
  answered hit / no-hit only;
- retrospective details: the times and sites, asked in a second, separately approved
  step after a retrospective query was answered "seen".
Signing, delivery, storage and who may act (roles) live elsewhere; this module only
decides. Only the two retrospective kinds carry a plate (rule 6: the question is about
one); the others name a hit and its entry, and no answer ever carries a plate.

Rules the responder applies to a request (check_request), in this order; the first that
fails refuses it. The requester applies the same rules before sending (new_request).
1. It comes from its requester and is for us: the mutual-TLS peer that delivered it is
   the node it names as requester, and the responder it names is this node.
2. It is under an agreement in force: this node holds the version it names and that
   version is in force (the caller passes None otherwise: not held, superseded,
   suspended, revoked or expired); its parties are exactly requester and responder; it
   allows confirmations.
3. It states a purpose the agreement names.
4. It goes in a direction the agreement supports. An alert confirmation goes from the
   observer to the entry's owner, so the responder must share its entries with the
   requester; hit details go from the owner to the observer, so the requester must
   share its entries with the responder. A retrospective query asks about the
   responder's own camera reads, not about any hotlist, so either party may ask the
   other whatever the agreement's hotlist direction.
5. It is timely: created_at and deadline carry a time zone; created_at is at most
   max_clock_skew ahead of now; the deadline is after created_at and still ahead of now,
   at most the agreement's confirmation deadline after created_at, and for an urgent
   request at most URGENT_MAX_HOURS. An urgent request states why; a normal one carries
   no urgent reason.
6. It is well formed: kind, purpose and urgency are known; ids are non-empty, printable
   and at most MAX_ID characters; the agreement version is at least 1; the requesting
   user and the case reference are given and bounded; texts are bounded. A hit request
   (alert confirmation, hit details) names a hit and its entry and carries no plate,
   country, window, legal order or previous request. A retrospective request carries a
   normalised plate, a known country or none, the legal order the responder's law
   requires, and a window that starts before it ends, does not end in the future
   (beyond max_clock_skew) and spans at most MAX_RETRO_WINDOW; it names no hit or entry.
   Retrospective details name the query they follow; a query names none.
7. Retrospective details follow an answered "seen" (check_follow_up): the query they
   name is held here, is a retrospective query between the same two nodes under the same
   agreement, for the same purpose, plate and country, was answered "seen", and the
   details window lies inside its window. Hit / no-hit comes first; details never
   bypass it.

Rules for what an answer may contain (check_answer):
8. It is given under the request's agreement: the same agreement id, at a version no
   older than the one the request named (a newer version in force governs what may be
   disclosed now), which still allows confirmations.
9. An alert confirmation carries no sightings; it carries the action, the flags and a
   contact point only if the agreement lets the requester receive each of them; the
   action and flags are known ones; a "not confirmed" answer carries no action or flags,
   as no alert stands to act on.
10. Hit details carry no action, flags or contact, and at most one sighting (the hit's
   own), none if "not confirmed"; its location is no finer than the agreement's
   granularity: a camera id only at camera granularity, a site only at camera or site, a
   zone at anything but none.
11. A retrospective query is answered hit / no-hit only: no sightings, no action, flags
   or contact.
12. Retrospective details carry no action, flags or contact, at most
   MAX_RETRO_SIGHTINGS sightings, none if "not confirmed", each inside the asked window
   and located no finer than the agreement allows (as in rule 10).
13. It is well formed: the outcome is known; note and contact are bounded text; each
   sighting carries a time zone, a known direction, a bounded image reference and
   non-empty, printable, bounded location names.

The life of a request (Confirmation), the same on both nodes:
14. Only an open request moves; answered, refused, withdrawn and expired are final:
       open --answered--> answered    a person at the responder, before the deadline
       open --refused---> refused     a person at the responder, with a reason, before it
       open --withdrawn-> withdrawn   a person at the requester, before the deadline
       open --expired---> expired     nobody, at or after the deadline
15. The deadline splits time: before it people act, at or after it the request can
   only expire. No event is dated more than DEFAULT_MAX_CLOCK_SKEW before the request.
16. Every close records when it happened, and who acted (except expiry); a refusal says
   why. A Confirmation that breaks these cannot be constructed.
A person's close travels to the other node as a ConfirmationEvent; expiry does not
travel, each node applies it by its own clock. The aggregate cannot tell the two sides'
people apart: that only the requesting node withdraws and only the responding node
answers or refuses is checked by the service.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from gateway.domain.agreement import AgreementTerms, LocationGranularity, Purpose
from gateway.domain.errors import AgreementViolation, IllegalTransition, InvalidInput
from gateway.domain.hits import (
    DEFAULT_MAX_CLOCK_SKEW,
    MAX_ID,
    MAX_LOCATION,
    NotifiedLocation,
    Sighting,
    locate,
)
from gateway.domain.hotlist import FLAGS, MAX_CASE_REFERENCE, Action
from gateway.domain.hotlist import MAX_TEXT as MAX_CONTACT
from gateway.domain.plates import COUNTRIES, PlateError, normalise_country, normalise_plate

DEFAULT_URGENT_HOURS = 1  # the deadline an urgent request gets unless it names one
URGENT_MAX_HOURS = 2  # SIS answers in 12 hours; urgent must be much less
# One month: the Dutch regime keeps reads 28 days and Belgian administrative police may
# consult only the first month, and a longer window is a search, not a question.
MAX_RETRO_WINDOW = timedelta(days=31)
MAX_RETRO_SIGHTINGS = 100
MAX_USER = 64
MAX_LEGAL_ORDER = 128
MAX_TEXT = 1000  # question, urgent reason, note, refusal reason
MAX_IMAGE_REF = 256
DIRECTIONS = frozenset({"in", "out", ""})

_ACTIONS = frozenset(a.value for a in Action)
_LOCATION_FIELDS = ("camera", "site", "zone")  # finest first
_FREE_TEXT_CONTROLS = frozenset("\n\r\t")


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


class State(enum.StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


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
            raise InvalidInput(f"unknown confirmation event kind; known: {_known(EventKind)}")
        if (self.answer is not None) != (self.kind is EventKind.ANSWERED):
            raise InvalidInput(
                f"confirmation event for request {_shown(self.request_id)}: an answer comes "
                "with an answered event and with no other"
            )

    def __repr__(self) -> str:  # ids only: the answer and reason may be personal data
        return (
            f"ConfirmationEvent(request_id={self.request_id!r}, kind={self.kind!r}, "
            f"node={self.node!r}, user={self.user!r})"
        )


@dataclass(frozen=True, slots=True, repr=False)
class Confirmation:
    """A request and how it ended, as either node keeps it. Immutable: each transition
    returns a new value (rules 14-16); a value that breaks them cannot be built."""

    request: ConfirmationRequest
    state: State = State.OPEN
    answer: AnswerContent | None = None
    answered_by: str = ""  # the person at the responder who answered or refused
    refusal_reason: str = ""
    closed_at: datetime | None = None
    withdrawn_by: str = ""  # the person at the requester who withdrew it

    def __post_init__(self) -> None:  # rule 16: every value is a state of the table
        req = self.request
        if not isinstance(self.state, State):
            raise InvalidInput(f"unknown confirmation state; known: {_known(State)}")
        if req.created_at.tzinfo is None or req.deadline.tzinfo is None:
            raise InvalidInput(
                f"request {_shown(req.request_id)}: created_at and deadline must carry a "
                "time zone (UTC)"
            )
        state = self.state
        problem = ""
        if (self.closed_at is None) != (state is State.OPEN):
            problem = "a closing time exactly when it is no longer open"
        elif (self.answer is not None) != (state is State.ANSWERED):
            problem = "an answer exactly when it is answered"
        elif bool(self.answered_by) != (state in (State.ANSWERED, State.REFUSED)):
            problem = "who answered or refused exactly when it is answered or refused"
        elif bool(self.refusal_reason.strip()) != (state is State.REFUSED) or (
            state is not State.REFUSED and self.refusal_reason
        ):
            problem = "a refusal reason exactly when it is refused"
        elif bool(self.withdrawn_by) != (state is State.WITHDRAWN):
            problem = "who withdrew it exactly when it is withdrawn"
        elif self.closed_at is not None:
            if self.closed_at.tzinfo is None:
                problem = "a closing time with a time zone (UTC)"
            elif self.closed_at < req.created_at - DEFAULT_MAX_CLOCK_SKEW:
                problem = "a closing time no earlier than the request"
            elif (state is State.EXPIRED) != (self.closed_at >= req.deadline):
                problem = "a closing time at or after the deadline exactly when it expired"
        if problem:
            raise InvalidInput(
                f"request {_shown(req.request_id)} in state {state.value} must carry {problem}"
            )

    def __repr__(self) -> str:
        return f"Confirmation(request={self.request!r}, state={self.state!r})"

    @property
    def is_open(self) -> bool:
        return self.state is State.OPEN

    def due_soon(self, now: datetime, warning: timedelta) -> bool:
        """Whether it is still open with at most `warning` left (or already overdue)."""
        return self.is_open and self.request.deadline - now <= warning

    def answered(self, content: AnswerContent, *, by: str, at: datetime) -> Confirmation:
        """Close it with an answer by `by` at the responder. Check the content with
        check_answer first: this only knows the request, not the agreement."""
        at = self._before_deadline(at, "answered")
        _check_person(self.request, by, "who answered")
        if not isinstance(content, AnswerContent):
            raise InvalidInput(f"request {_shown(self.request.request_id)}: no answer given")
        return replace(self, state=State.ANSWERED, answer=content, answered_by=by, closed_at=at)

    def refused(self, reason: str, *, by: str, at: datetime) -> Confirmation:
        """Close it with a refusal by `by` at the responder, saying why (rule 16)."""
        at = self._before_deadline(at, "refused")
        _check_person(self.request, by, "who refused")
        rid = _shown(self.request.request_id)
        if not reason.strip():
            raise InvalidInput(f"request {rid}: a refusal must say why")
        _check_free_text(f"request {rid}", "refusal reason", reason, MAX_TEXT)
        return replace(
            self, state=State.REFUSED, answered_by=by, refusal_reason=reason, closed_at=at
        )

    def withdrawn(self, *, by: str, at: datetime) -> Confirmation:
        """Close it on behalf of `by` at the requester. That `by` is on the requesting
        side is for the service to check: the aggregate cannot tell the sides apart."""
        at = self._before_deadline(at, "withdrawn")
        _check_person(self.request, by, "who withdrew")
        return replace(self, state=State.WITHDRAWN, withdrawn_by=by, closed_at=at)

    def expired(self, *, at: datetime) -> Confirmation:
        """Close it unanswered, at or after its deadline (rule 15)."""
        self._require_open()
        at = self._aware(at)
        if at < self.request.deadline:
            raise IllegalTransition(
                f"request {_shown(self.request.request_id)} is not due until "
                f"{self.request.deadline.isoformat()}; it cannot expire before its deadline"
            )
        return replace(self, state=State.EXPIRED, closed_at=at)

    def _require_open(self) -> None:  # rule 14
        if self.state is not State.OPEN:
            raise IllegalTransition(
                f"request {_shown(self.request.request_id)} is already {self.state.value}; "
                "a closed request does not change"
            )

    def _before_deadline(self, at: datetime, event: str) -> datetime:  # rules 14-15
        self._require_open()
        at = self._aware(at)
        req = self.request
        if at >= req.deadline:
            raise IllegalTransition(
                f"request {_shown(req.request_id)} cannot be {event}: its deadline passed at "
                f"{req.deadline.isoformat()}; it can only expire"
            )
        if at < req.created_at - DEFAULT_MAX_CLOCK_SKEW:
            raise InvalidInput(
                f"request {_shown(req.request_id)} cannot be {event} at {at.isoformat()}, "
                f"before it was made ({req.created_at.isoformat()}); check the clocks"
            )
        return at

    def _aware(self, at: datetime) -> datetime:
        if at.tzinfo is None:
            raise InvalidInput(
                f"request {_shown(self.request.request_id)}: event time must carry a time "
                "zone (UTC)"
            )
        return at.astimezone(UTC)


# -- deadlines ---------------------------------------------------------------------------


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


# -- the requesting side -------------------------------------------------------------------


def new_request(
    *,
    request_id: str,
    kind: RequestKind,
    terms: AgreementTerms,
    requester: str,
    requester_user: str,
    responder: str,
    purpose: Purpose,
    case_reference: str,
    now: datetime,
    urgency: Urgency = Urgency.NORMAL,
    urgent_reason: str = "",
    deadline: datetime | None = None,
    hit_id: str = "",
    entry_id: str = "",
    plate: str = "",
    country: str = "",
    window_start: datetime | None = None,
    window_end: datetime | None = None,
    legal_order: str = "",
    previous_request_id: str = "",
    question: str = "",
) -> ConfirmationRequest:
    """A request made now under `terms`, checked as its responder will check it (rules
    1-6). The plate and country are normalised here; times are sent in UTC at
    millisecond precision; the deadline defaults to default_deadline."""
    if now.tzinfo is None:
        raise InvalidInput("request time must carry a time zone (UTC)")
    created_at = _utc_ms(now)
    try:
        plate = normalise_plate(plate) if plate else ""
        country = normalise_country(country) if country else ""
    except PlateError as err:  # its message never holds the plate
        raise InvalidInput(f"retrospective request: {err}") from None
    req = ConfirmationRequest(
        request_id=request_id,
        kind=kind,
        agreement_id=terms.agreement_id,
        agreement_version=terms.version,
        requester=requester,
        requester_user=requester_user,
        responder=responder,
        purpose=purpose,
        case_reference=case_reference,
        urgency=urgency,
        urgent_reason=urgent_reason,
        created_at=created_at,
        deadline=_utc_ms(
            deadline if deadline is not None else default_deadline(terms, created_at, urgency)
        ),
        hit_id=hit_id,
        entry_id=entry_id,
        plate=plate,
        country=country,
        window_start=_utc_ms(window_start) if window_start is not None else None,
        window_end=_utc_ms(window_end) if window_end is not None else None,
        legal_order=legal_order,
        previous_request_id=previous_request_id,
        question=question,
    )
    check_request(req, terms, sender=requester, this_node=responder, now=created_at)
    return req


# -- the responding side -------------------------------------------------------------------


def check_request(
    req: ConfirmationRequest,
    terms: AgreementTerms | None,
    *,
    sender: str,
    this_node: str,
    now: datetime,
    max_clock_skew: timedelta = DEFAULT_MAX_CLOCK_SKEW,
) -> None:
    """Accept `req` on the responder's side, or raise naming the first rule it breaks.

    `sender` is the node the mutual-TLS peer was authenticated as; `terms` are the terms
    of the agreement version `req` names if this node holds that version and it is in
    force now, else None. Retrospective details must also pass check_follow_up."""
    rid = _shown(req.request_id)
    if req.requester != sender:  # rule 1
        raise AgreementViolation(
            f"request {rid} names {_shown(req.requester)} as requester but was delivered "
            f"by {sender}; a node may only ask on its own behalf"
        )
    if req.responder != this_node:
        raise AgreementViolation(
            f"request {rid} from {sender} is addressed to {_shown(req.responder)}, not to "
            f"this node ({this_node}); it was sent to the wrong node"
        )
    named = f"agreement {_shown(req.agreement_id)} v{req.agreement_version}"
    if terms is None:  # rule 2
        raise AgreementViolation(
            f"request {rid} from {sender} is under {named}, which is not in force on this "
            "node (not held, superseded, suspended, revoked or expired); nothing may be "
            "asked under it"
        )
    if (terms.agreement_id, terms.version) != (req.agreement_id, req.agreement_version):
        raise AgreementViolation(
            f"request {rid} is under {named}, but was checked against agreement "
            f"{terms.agreement_id} v{terms.version}"
        )
    if terms.parties != {req.requester, req.responder} or req.requester == req.responder:
        raise AgreementViolation(
            f"{named} is between {terms.proposer} and {terms.partner}, not between "
            f"{_shown(req.requester)} and {_shown(req.responder)}"
        )
    if not terms.confirmations_allowed:
        raise AgreementViolation(f"{named} does not allow confirmation requests")
    if req.purpose not in terms.purposes:  # rule 3
        raise AgreementViolation(
            f"request {rid} states a purpose {named} does not name; it allows "
            f"{', '.join(p.value for p in terms.purposes)}"
        )
    _check_direction(req, terms, named)  # rule 4
    _check_timing(req, terms, named, now, max_clock_skew)  # rule 5
    _check_well_formed(req, max_clock_skew)  # rule 6


def _check_direction(req: ConfirmationRequest, terms: AgreementTerms, named: str) -> None:
    """Rule 4."""
    rid = _shown(req.request_id)
    if req.kind == RequestKind.ALERT_CONFIRMATION and not terms.provides(req.responder):
        raise AgreementViolation(
            f"alert confirmation {rid}: under {named} {req.responder} does not share "
            f"entries with {req.requester}, so {req.requester} holds no alert of it to "
            "confirm"
        )
    if req.kind == RequestKind.HIT_DETAILS and not terms.provides(req.requester):
        raise AgreementViolation(
            f"hit details request {rid}: under {named} {req.requester} does not share "
            f"entries with {req.responder}, so {req.responder} can have no hit on them"
        )
    # Retrospective requests ask about the responder's camera reads: any direction.


def _check_timing(
    req: ConfirmationRequest,
    terms: AgreementTerms,
    named: str,
    now: datetime,
    skew: timedelta,
) -> None:
    """Rule 5."""
    rid = _shown(req.request_id)
    if req.created_at.tzinfo is None or req.deadline.tzinfo is None:
        raise InvalidInput(f"request {rid}: created_at and deadline must carry a time zone (UTC)")
    if req.created_at > now + skew:
        raise InvalidInput(
            f"request {rid} was made at {req.created_at.isoformat()}, more than {skew} after "
            f"this node's time {now.isoformat()}; check both nodes' clocks"
        )
    if req.deadline <= req.created_at:
        raise InvalidInput(f"request {rid}: the deadline is not after the time it was made")
    if req.deadline <= now:
        raise InvalidInput(
            f"request {rid}: its deadline {req.deadline.isoformat()} has already passed; "
            "nobody can answer it, send a new request"
        )
    allowed = timedelta(hours=terms.confirmation_deadline_hours)
    if req.deadline - req.created_at > allowed:
        raise AgreementViolation(
            f"request {rid} gives {req.deadline - req.created_at} to answer, but {named} "
            f"sets the confirmation deadline at {terms.confirmation_deadline_hours} hours"
        )
    urgent = req.urgency == Urgency.URGENT
    if urgent and req.deadline - req.created_at > longest_deadline(terms, req.urgency):
        raise InvalidInput(
            f"urgent request {rid} gives {req.deadline - req.created_at} to answer; urgent "
            f"requests are answered within {URGENT_MAX_HOURS} hours, ask a normal one instead"
        )
    if urgent and not req.urgent_reason.strip():
        raise InvalidInput(f"urgent request {rid} must state why it is urgent")
    if not urgent and req.urgent_reason:
        raise InvalidInput(
            f"request {rid} is not urgent but carries an urgent reason; mark it urgent or "
            "leave the reason out"
        )


def _check_well_formed(req: ConfirmationRequest, skew: timedelta) -> None:
    """Rule 6: what can be checked from the request alone."""
    rid = _shown(req.request_id)
    where = f"request {rid}"
    for value, enum_type, label in (
        (req.kind, RequestKind, "request kind"),
        (req.purpose, Purpose, "purpose"),
        (req.urgency, Urgency, "urgency"),
    ):
        if not isinstance(value, enum_type):
            raise InvalidInput(f"{where}: unknown {label}; known: {_known(enum_type)}")
    _check_id(where, "request id", req.request_id)
    _check_id(where, "agreement id", req.agreement_id)
    if req.agreement_version < 1:
        raise InvalidInput(f"{where}: agreement version must be at least 1")
    _check_line(where, "requesting user", req.requester_user, MAX_USER)
    _check_line(where, "case reference", req.case_reference, MAX_CASE_REFERENCE)
    _check_free_text(where, "urgent reason", req.urgent_reason, MAX_TEXT)
    _check_free_text(where, "question", req.question, MAX_TEXT)
    kind = req.kind
    if kind.about_a_hit:
        _check_id(where, "hit id", req.hit_id)
        _check_id(where, "entry id", req.entry_id)
        carried = [
            label
            for label, value in (
                ("plate", req.plate),
                ("country", req.country),
                ("window start", req.window_start),
                ("window end", req.window_end),
                ("legal order", req.legal_order),
                ("previous request id", req.previous_request_id),
            )
            if value
        ]
        if carried:
            raise InvalidInput(
                f"{kind.value} request {rid} names a hit; it carries no {', '.join(carried)}"
            )
        return
    carried = [
        label for label, value in (("hit id", req.hit_id), ("entry id", req.entry_id)) if value
    ]
    if carried:
        raise InvalidInput(
            f"{kind.value} request {rid} asks about a plate; it names no {' or '.join(carried)}"
        )
    if not req.plate:
        raise InvalidInput(f"{kind.value} request {rid} names no plate")
    try:
        normalised = normalise_plate(req.plate)
    except PlateError as err:  # its message never holds the plate
        raise InvalidInput(f"{kind.value} request {rid}: {err}") from None
    if normalised != req.plate:
        raise InvalidInput(
            f"{kind.value} request {rid}: the plate is not in normalised form (uppercase, "
            "no separators)"
        )
    if req.country and req.country not in COUNTRIES:
        raise InvalidInput(
            f"{kind.value} request {rid}: unknown country code; give an ISO 3166 alpha-2 "
            "code or none"
        )
    _check_line(where, "legal order", req.legal_order, MAX_LEGAL_ORDER)
    start, end = req.window_start, req.window_end
    if start is None or end is None:
        raise InvalidInput(f"{kind.value} request {rid} needs a window start and end")
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInput(f"{where}: window start and end must carry a time zone (UTC)")
    if start >= end:
        raise InvalidInput(f"{where}: the window ends before it starts")
    if end > req.created_at + skew:
        raise InvalidInput(
            f"{where}: the window ends after the request was made; a retrospective query "
            "asks about the past"
        )
    if end - start > MAX_RETRO_WINDOW:
        raise InvalidInput(
            f"{where}: the window spans {end - start}, more than {MAX_RETRO_WINDOW.days} "
            "days; ask for a shorter period"
        )
    if kind == RequestKind.RETRO_DETAILS:
        _check_id(where, "previous request id", req.previous_request_id)
        if req.previous_request_id == req.request_id:
            raise InvalidInput(f"{where}: retrospective details cannot follow themselves")
    elif req.previous_request_id:
        raise InvalidInput(
            f"retrospective query {rid} follows no earlier request; only details name one"
        )


def check_follow_up(req: ConfirmationRequest, previous: Confirmation | None) -> None:
    """Rule 7: retrospective details `req` may be asked only after the query it names
    was answered "seen". `previous` is that query's Confirmation as this node holds it,
    or None. Call after check_request."""
    rid = _shown(req.request_id)
    if req.kind != RequestKind.RETRO_DETAILS:
        raise InvalidInput(f"request {rid} is a {req.kind} request; only details follow a query")
    pid = _shown(req.previous_request_id)
    if previous is None or previous.request.request_id != req.previous_request_id:
        raise AgreementViolation(
            f"retrospective details {rid} follow query {pid}, which this node does not hold; "
            "ask the retrospective query first"
        )
    query = previous.request
    if query.kind != RequestKind.RETRO_QUERY:
        raise AgreementViolation(
            f"retrospective details {rid} follow {pid}, which is a {query.kind.value} request, "
            "not a retrospective query"
        )
    if (query.requester, query.responder, query.agreement_id) != (
        req.requester,
        req.responder,
        req.agreement_id,
    ):
        raise AgreementViolation(
            f"retrospective details {rid} follow query {pid}, which was asked between other "
            "nodes or under another agreement"
        )
    if query.purpose != req.purpose:
        raise AgreementViolation(
            f"retrospective details {rid} state another purpose than query {pid}"
        )
    if (query.plate, query.country) != (req.plate, req.country):
        raise AgreementViolation(
            f"retrospective details {rid} ask about another plate or country than query {pid}"
        )
    answer = previous.answer
    if previous.state is not State.ANSWERED or answer is None:
        raise AgreementViolation(
            f"retrospective details {rid} follow query {pid}, which is {previous.state.value}, "
            "not answered; details come only after a query answered 'seen'"
        )
    if answer.outcome != Outcome.CONFIRMED:
        raise AgreementViolation(
            f"retrospective details {rid} follow query {pid}, which was answered 'not seen'; "
            "there are no details to give"
        )
    assert query.window_start is not None and query.window_end is not None  # rule 6
    assert req.window_start is not None and req.window_end is not None
    if req.window_start < query.window_start or req.window_end > query.window_end:
        raise AgreementViolation(
            f"retrospective details {rid} ask about a window outside that of query {pid}"
        )


def check_answer(conf: Confirmation, content: AnswerContent, terms: AgreementTerms) -> None:
    """Accept `content` as the answer to `conf` under `terms` (the terms in force at the
    responder now), or raise naming the first rule it breaks (rules 8-13). Whether `conf`
    is still open and before its deadline is for Confirmation.answered to decide."""
    req = conf.request
    rid = _shown(req.request_id)
    where = f"answer to request {rid}"
    named = f"agreement {terms.agreement_id} v{terms.version}"
    if terms.agreement_id != req.agreement_id or terms.version < req.agreement_version:  # 8
        raise AgreementViolation(
            f"{where}: request was made under agreement {_shown(req.agreement_id)} "
            f"v{req.agreement_version}, but the answer is checked against {named}"
        )
    if not terms.confirmations_allowed:
        raise AgreementViolation(f"{where}: {named} no longer allows confirmations")
    kind = req.kind
    extras = [name for name in ("action", "flags", "contact") if getattr(content, name) is not None]
    if kind == RequestKind.ALERT_CONFIRMATION:  # rule 9
        if content.sightings:
            raise AgreementViolation(
                f"{where}: an alert confirmation carries no sightings; the owner saw nothing"
            )
        for name in extras:
            if not getattr(terms.fields, name):
                raise AgreementViolation(
                    f"{where}: carries a {name}, which {named} does not share with "
                    f"{req.requester}; leave it out"
                )
        if content.outcome == Outcome.NOT_CONFIRMED and (
            content.action is not None or content.flags is not None
        ):
            raise InvalidInput(
                f"{where}: a 'not confirmed' answer carries no action or flags; no alert "
                "stands to act on"
            )
        if content.action is not None and content.action not in _ACTIONS:
            raise InvalidInput(f"{where}: unknown action; known: {_known(Action)}")
        if content.flags is not None:
            unknown = sorted(set(content.flags) - FLAGS)
            if unknown:
                raise InvalidInput(
                    f"{where}: unknown flag {_shown(unknown[0])}; known: {', '.join(sorted(FLAGS))}"
                )
            if len(set(content.flags)) != len(content.flags):
                raise InvalidInput(f"{where}: a flag is given twice")
    else:  # rules 10-12: only alert confirmations speak for the entry's owner
        if extras:
            raise AgreementViolation(
                f"{where}: a {kind.value} answer carries no {', '.join(extras)}; those come "
                "only with an alert confirmation"
            )
        if kind == RequestKind.RETRO_QUERY and content.sightings:  # rule 11
            raise AgreementViolation(
                f"{where}: a retrospective query is answered seen / not seen only; times "
                "and sites need a separate retrospective details request"
            )
        most = 1 if kind == RequestKind.HIT_DETAILS else MAX_RETRO_SIGHTINGS
        if len(content.sightings) > most:  # rules 10 and 12
            raise AgreementViolation(
                f"{where}: a {kind.value} answer carries at most {most} "
                f"sighting{'s' if most > 1 else ''}, got {len(content.sightings)}"
            )
        if content.outcome == Outcome.NOT_CONFIRMED and content.sightings:
            raise InvalidInput(f"{where}: a 'not confirmed' answer carries no sightings")
        allowed = _allowed_location_fields(terms.location_granularity)
        for number, sighting in enumerate(content.sightings, start=1):
            for name in _LOCATION_FIELDS:
                if getattr(sighting.location, name) is not None and name not in allowed:
                    raise AgreementViolation(
                        f"{where}: sighting {number} carries a "
                        f"{'camera id' if name == 'camera' else name}, but {named} allows "
                        f"location only at {terms.location_granularity.value} granularity"
                    )
            if kind == RequestKind.RETRO_DETAILS and sighting.observed_at.tzinfo is not None:
                assert req.window_start is not None and req.window_end is not None  # rule 6
                if not req.window_start <= sighting.observed_at <= req.window_end:
                    raise AgreementViolation(
                        f"{where}: sighting {number} lies outside the window asked about; "
                        "only sightings in it may be disclosed"
                    )
    _check_answer_well_formed(where, content)  # rule 13


def _check_answer_well_formed(where: str, content: AnswerContent) -> None:
    """Rule 13."""
    if not isinstance(content.outcome, Outcome):
        raise InvalidInput(f"{where}: unknown outcome; known: {_known(Outcome)}")
    _check_free_text(where, "note", content.note, MAX_TEXT)
    if content.contact is not None:
        _check_line(where, "contact", content.contact, MAX_CONTACT)
    for number, sighting in enumerate(content.sightings, start=1):
        label = f"sighting {number}"
        if sighting.observed_at.tzinfo is None:
            raise InvalidInput(f"{where}: {label} time must carry a time zone (UTC)")
        if sighting.direction not in DIRECTIONS:
            raise InvalidInput(f"{where}: {label} direction must be 'in', 'out' or empty")
        if sighting.image_ref:
            _check_line(where, f"{label} image reference", sighting.image_ref, MAX_IMAGE_REF)
        for name in _LOCATION_FIELDS:
            value = getattr(sighting.location, name)
            if value is not None:  # absent is None; an empty string counts as sent
                _check_line(where, f"{label} {name}", value, MAX_LOCATION)


def _allowed_location_fields(granularity: LocationGranularity) -> frozenset[str]:
    """The location fields `granularity` lets through, asked of locate (the one place
    that minimises a location) with a sighting that has every field."""
    probe = locate(
        Sighting(observed_at=datetime(2000, 1, 1, tzinfo=UTC), camera="c", site="s", zone="z"),
        granularity,
    )
    return frozenset(name for name in _LOCATION_FIELDS if getattr(probe, name) is not None)


# -- small checks ------------------------------------------------------------------------
# Values are never quoted: a malformed field could hold anything, a plate included.


def _check_id(where: str, label: str, value: str) -> None:
    _check_line(where, label, value, MAX_ID)


def _check_line(where: str, label: str, value: str, limit: int) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{where}: {label} is empty")
    if len(value) > limit:
        raise InvalidInput(f"{where}: {label} is longer than {limit} characters")
    if not value.isprintable():
        raise InvalidInput(f"{where}: {label} contains control characters")


def _check_free_text(where: str, label: str, value: str, limit: int) -> None:
    if not isinstance(value, str):
        raise InvalidInput(f"{where}: {label} must be text")
    if len(value) > limit:
        raise InvalidInput(f"{where}: {label} is longer than {limit} characters")
    if any(not c.isprintable() and c not in _FREE_TEXT_CONTROLS for c in value):
        raise InvalidInput(f"{where}: {label} contains control characters")


def _check_person(req: ConfirmationRequest, by: str, label: str) -> None:
    # Article 25 logging needs who acted on every close.
    _check_line(f"request {_shown(req.request_id)}", label, by, MAX_USER)


def _shown(value: str) -> str:
    """An id from an unchecked message, bounded and quoted for an error message."""
    return repr(value if len(value) <= MAX_ID else value[:MAX_ID] + "…")


def _known(enum_type: type[enum.StrEnum]) -> str:
    return ", ".join(member.value for member in enum_type)


def _utc_ms(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise InvalidInput("request times must carry a time zone (UTC)")
    utc = at.astimezone(UTC)
    return utc.replace(microsecond=utc.microsecond // 1000 * 1000)
