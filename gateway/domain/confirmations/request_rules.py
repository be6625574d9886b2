"""The rules a request must meet: applied by the responder to a request it receives
(check_request, then check_follow_up for retrospective details), in this order, the
first that fails refusing it; the requester applies the same before sending.

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
"""

from __future__ import annotations

from datetime import datetime, timedelta

from gateway.domain.agreement import AgreementTerms, Purpose
from gateway.domain.confirmations.deadlines import URGENT_MAX_HOURS, longest_deadline
from gateway.domain.confirmations.field_checks import (
    check_free_text,
    check_id,
    check_line,
    known,
    shown,
)
from gateway.domain.confirmations.lifecycle import Confirmation, State
from gateway.domain.confirmations.messages import (
    MAX_LEGAL_ORDER,
    MAX_TEXT,
    MAX_USER,
    ConfirmationRequest,
    Outcome,
    RequestKind,
    Urgency,
)
from gateway.domain.errors import AgreementViolation, InvalidInput
from gateway.domain.hits import DEFAULT_MAX_CLOCK_SKEW
from gateway.domain.hotlist import MAX_CASE_REFERENCE
from gateway.domain.plates import COUNTRIES, PlateError, normalise_plate

# One month: the Dutch regime keeps reads 28 days and Belgian administrative police may
# consult only the first month, and a longer window is a search, not a question.
MAX_RETRO_WINDOW = timedelta(days=31)


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
    rid = shown(req.request_id)
    if req.requester != sender:  # rule 1
        raise AgreementViolation(
            f"request {rid} names {shown(req.requester)} as requester but was delivered "
            f"by {sender}; a node may only ask on its own behalf"
        )
    if req.responder != this_node:
        raise AgreementViolation(
            f"request {rid} from {sender} is addressed to {shown(req.responder)}, not to "
            f"this node ({this_node}); it was sent to the wrong node"
        )
    named = f"agreement {shown(req.agreement_id)} v{req.agreement_version}"
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
            f"{shown(req.requester)} and {shown(req.responder)}"
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
    rid = shown(req.request_id)
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
    rid = shown(req.request_id)
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
    rid = shown(req.request_id)
    where = f"request {rid}"
    for value, enum_type, label in (
        (req.kind, RequestKind, "request kind"),
        (req.purpose, Purpose, "purpose"),
        (req.urgency, Urgency, "urgency"),
    ):
        if not isinstance(value, enum_type):
            raise InvalidInput(f"{where}: unknown {label}; known: {known(enum_type)}")
    check_id(where, "request id", req.request_id)
    check_id(where, "agreement id", req.agreement_id)
    if req.agreement_version < 1:
        raise InvalidInput(f"{where}: agreement version must be at least 1")
    check_line(where, "requesting user", req.requester_user, MAX_USER)
    check_line(where, "case reference", req.case_reference, MAX_CASE_REFERENCE)
    check_free_text(where, "urgent reason", req.urgent_reason, MAX_TEXT)
    check_free_text(where, "question", req.question, MAX_TEXT)
    kind = req.kind
    if kind.about_a_hit:
        check_id(where, "hit id", req.hit_id)
        check_id(where, "entry id", req.entry_id)
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
    check_line(where, "legal order", req.legal_order, MAX_LEGAL_ORDER)
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
        check_id(where, "previous request id", req.previous_request_id)
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
    rid = shown(req.request_id)
    if req.kind != RequestKind.RETRO_DETAILS:
        raise InvalidInput(f"request {rid} is a {req.kind} request; only details follow a query")
    pid = shown(req.previous_request_id)
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
