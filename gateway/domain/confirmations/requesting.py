"""The requesting side: a request made now under an agreement, in the form it travels
(plate and country normalised, times in UTC to the millisecond), refused here by the
same rules its responder applies (request_rules) before it is ever sent."""

from __future__ import annotations

from datetime import UTC, datetime

from gateway.domain.agreement import AgreementTerms, Purpose
from gateway.domain.confirmations.deadlines import default_deadline
from gateway.domain.confirmations.messages import ConfirmationRequest, RequestKind, Urgency
from gateway.domain.confirmations.request_rules import check_request
from gateway.domain.errors import InvalidInput
from gateway.domain.plates import PlateError, normalise_country, normalise_plate
from gateway.domain.times import whole_ms


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


def _utc_ms(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise InvalidInput("request times must carry a time zone (UTC)")
    return whole_ms(at.astimezone(UTC))
