"""Protobuf <-> domain for confirmation requests, answers and the events that close
them. A field a kind does not use stays unset on the wire."""

from __future__ import annotations

from gateway.domain.agreement import Purpose
from gateway.domain.confirmations import (
    AnswerContent,
    ConfirmationEvent,
    ConfirmationRequest,
    EventKind,
    Outcome,
    RequestKind,
    SightingDetail,
    Urgency,
)
from gateway.domain.errors import InvalidInput
from gateway.domain.hits import NotifiedLocation
from gateway.wire import hits_codec
from gateway.wire.argos.v1 import agreement_pb2
from gateway.wire.argos.v1 import confirmations_pb2 as pb
from gateway.wire.strict import bounded_ids, parse_message, to_datetime, to_timestamp

KINDS = {
    RequestKind.ALERT_CONFIRMATION: pb.CONFIRMATION_KIND_ALERT_CONFIRMATION,
    RequestKind.HIT_DETAILS: pb.CONFIRMATION_KIND_HIT_DETAILS,
    RequestKind.RETRO_QUERY: pb.CONFIRMATION_KIND_RETRO_QUERY,
    RequestKind.RETRO_DETAILS: pb.CONFIRMATION_KIND_RETRO_DETAILS,
}
URGENCIES = {Urgency.NORMAL: pb.URGENCY_NORMAL, Urgency.URGENT: pb.URGENCY_URGENT}
OUTCOMES = {
    Outcome.CONFIRMED: pb.OUTCOME_CONFIRMED,
    Outcome.NOT_CONFIRMED: pb.OUTCOME_NOT_CONFIRMED,
}
EVENTS = {
    EventKind.ANSWERED: pb.CONFIRMATION_EVENT_KIND_ANSWERED,
    EventKind.REFUSED: pb.CONFIRMATION_EVENT_KIND_REFUSED,
    EventKind.WITHDRAWN: pb.CONFIRMATION_EVENT_KIND_WITHDRAWN,
}
PURPOSES = {
    Purpose.CRIMINAL_INVESTIGATION: agreement_pb2.PURPOSE_CRIMINAL_INVESTIGATION,
    Purpose.MISSING_PERSONS: agreement_pb2.PURPOSE_MISSING_PERSONS,
    Purpose.PUBLIC_ORDER: agreement_pb2.PURPOSE_PUBLIC_ORDER,
    Purpose.TRAFFIC_SAFETY: agreement_pb2.PURPOSE_TRAFFIC_SAFETY,
}


def enum_from_pb(table: dict, value: int, what: str):
    for k, v in table.items():
        if v == value:
            return k
    raise InvalidInput(f"{what} is missing or unknown")


def request_to_pb(r: ConfirmationRequest) -> pb.ConfirmationRequest:
    msg = pb.ConfirmationRequest(
        request_id=r.request_id,
        kind=KINDS[r.kind],
        agreement_id=r.agreement_id,
        agreement_version=r.agreement_version,
        requester=r.requester,
        requester_user=r.requester_user,
        responder=r.responder,
        purpose=PURPOSES[r.purpose],
        case_reference=r.case_reference,
        urgency=URGENCIES[r.urgency],
        urgent_reason=r.urgent_reason,
        created_at=to_timestamp(r.created_at),
        deadline=to_timestamp(r.deadline),
        hit_id=r.hit_id,
        entry_id=r.entry_id,
        plate=r.plate,
        country=r.country,
        legal_order=r.legal_order,
        previous_request_id=r.previous_request_id,
        question=r.question,
    )
    if r.window_start is not None:
        msg.window_start.CopyFrom(to_timestamp(r.window_start))
    if r.window_end is not None:
        msg.window_end.CopyFrom(to_timestamp(r.window_end))
    return msg


def request_payload(r: ConfirmationRequest) -> bytes:
    return request_to_pb(r).SerializeToString(deterministic=True)


def request_from_pb(m: pb.ConfirmationRequest) -> ConfirmationRequest:
    if not m.HasField("created_at") or not m.HasField("deadline"):
        raise InvalidInput("confirmation request lacks its creation time or deadline")
    bounded_ids(
        "confirmation request",
        request_id=m.request_id,
        agreement_id=m.agreement_id,
        requester=m.requester,
        requester_user=m.requester_user,
        responder=m.responder,
        hit_id=m.hit_id,
        entry_id=m.entry_id,
        previous_request_id=m.previous_request_id,
    )
    return ConfirmationRequest(
        request_id=m.request_id,
        kind=enum_from_pb(KINDS, m.kind, "request kind"),
        agreement_id=m.agreement_id,
        agreement_version=m.agreement_version,
        requester=m.requester,
        requester_user=m.requester_user,
        responder=m.responder,
        purpose=enum_from_pb(PURPOSES, m.purpose, "purpose"),
        case_reference=m.case_reference,
        urgency=enum_from_pb(URGENCIES, m.urgency, "urgency"),
        urgent_reason=m.urgent_reason,
        created_at=to_datetime(m.created_at, "created_at"),
        deadline=to_datetime(m.deadline, "deadline"),
        hit_id=m.hit_id,
        entry_id=m.entry_id,
        plate=m.plate,
        country=m.country,
        window_start=to_datetime(m.window_start, "window_start")
        if m.HasField("window_start")
        else None,
        window_end=to_datetime(m.window_end, "window_end") if m.HasField("window_end") else None,
        legal_order=m.legal_order,
        previous_request_id=m.previous_request_id,
        question=m.question,
    )


def request_from_payload(payload: bytes) -> ConfirmationRequest:
    return request_from_pb(parse_message(pb.ConfirmationRequest, payload, "confirmation request"))


def answer_to_pb(a: AnswerContent) -> pb.ConfirmationAnswer:
    msg = pb.ConfirmationAnswer(outcome=OUTCOMES[a.outcome], note=a.note)
    if a.action is not None:
        msg.action = a.action
    if a.flags is not None:
        msg.flags_shared = True
        msg.flags.extend(a.flags)
    if a.contact is not None:
        msg.contact = a.contact
    for s in a.sightings:
        detail = msg.sightings.add(
            location=hits_codec.location_to_pb(s.location),
            direction=hits_codec.DIRECTIONS.get(s.direction, 0),
            image_ref=s.image_ref,
        )
        detail.observed_at.CopyFrom(to_timestamp(s.observed_at))
    return msg


def answer_from_pb(m: pb.ConfirmationAnswer) -> AnswerContent:
    sightings = []
    for s in m.sightings:
        if not s.HasField("observed_at"):
            raise InvalidInput("a sighting in the answer lacks its time")
        loc = s.location
        sightings.append(
            SightingDetail(
                observed_at=to_datetime(s.observed_at, "observed_at"),
                location=NotifiedLocation(loc.camera or None, loc.site or None, loc.zone or None),
                direction=hits_codec.direction_name(s.direction),
                image_ref=s.image_ref,
            )
        )
    return AnswerContent(
        outcome=enum_from_pb(OUTCOMES, m.outcome, "answer outcome"),
        note=m.note,
        action=m.action if m.HasField("action") else None,
        flags=tuple(m.flags) if m.flags_shared else None,
        contact=m.contact if m.HasField("contact") else None,
        sightings=tuple(sightings),
    )


def event_payload(e: ConfirmationEvent) -> bytes:
    msg = pb.ConfirmationEvent(
        request_id=e.request_id,
        kind=EVENTS[e.kind],
        node=e.node,
        user=e.user,
        at=to_timestamp(e.at),
        reason=e.reason,
    )
    if e.answer is not None:
        msg.answer.CopyFrom(answer_to_pb(e.answer))
    return msg.SerializeToString(deterministic=True)


def event_from_payload(payload: bytes) -> ConfirmationEvent:
    m = parse_message(pb.ConfirmationEvent, payload, "confirmation event")
    bounded_ids("confirmation event", request_id=m.request_id, node=m.node, user=m.user)
    kind = enum_from_pb(EVENTS, m.kind, "event kind")
    if not m.HasField("at"):
        raise InvalidInput("confirmation event lacks its time")
    if kind is EventKind.ANSWERED and not m.HasField("answer"):
        raise InvalidInput("an answer event carries no answer")
    return ConfirmationEvent(
        request_id=m.request_id,
        kind=kind,
        node=m.node,
        user=m.user,
        at=to_datetime(m.at, "at"),
        answer=answer_from_pb(m.answer) if kind is EventKind.ANSWERED else None,
        reason=m.reason,
    )
