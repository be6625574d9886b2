"""Translation between protobuf messages and domain values, in both directions.

Decoding is strict: a missing or unknown enum value is an InvalidInput, never a
silent default. Payloads are decoded only after their envelope verified (see
gateway.domain.envelope); this module never re-encodes bytes it verified.
"""

from __future__ import annotations

from datetime import datetime

from google.protobuf.timestamp_pb2 import Timestamp

from gateway.domain import agreement as ag
from gateway.domain.envelope import Envelope, Signature
from gateway.domain.errors import InvalidInput, SignatureInvalid
from gateway.wire.argos.v1 import agreement_pb2, envelope_pb2
from gateway.wire.strict import (
    MAX_LINE_CHARS,
    bounded_id,
    bounded_ids,
    parse_message,
    to_datetime,
    to_timestamp,
)

# An Ed25519 signature has 64 bytes; more than a few signatures is no envelope of ours.
MAX_SIGNATURE_BYTES = 64
MAX_ENVELOPE_SIGNATURES = 8

_PURPOSE = {
    agreement_pb2.PURPOSE_CRIMINAL_INVESTIGATION: ag.Purpose.CRIMINAL_INVESTIGATION,
    agreement_pb2.PURPOSE_MISSING_PERSONS: ag.Purpose.MISSING_PERSONS,
    agreement_pb2.PURPOSE_PUBLIC_ORDER: ag.Purpose.PUBLIC_ORDER,
    agreement_pb2.PURPOSE_TRAFFIC_SAFETY: ag.Purpose.TRAFFIC_SAFETY,
}
_MATCHING = {
    agreement_pb2.MATCHING_MODE_TOKEN: ag.MatchingMode.TOKEN,
    agreement_pb2.MATCHING_MODE_PLAINTEXT: ag.MatchingMode.PLAINTEXT,
    agreement_pb2.MATCHING_MODE_OBLIVIOUS: ag.MatchingMode.OBLIVIOUS,
}
_GRANULARITY = {
    agreement_pb2.LOCATION_GRANULARITY_NONE: ag.LocationGranularity.NONE,
    agreement_pb2.LOCATION_GRANULARITY_ZONE: ag.LocationGranularity.ZONE,
    agreement_pb2.LOCATION_GRANULARITY_SITE: ag.LocationGranularity.SITE,
    agreement_pb2.LOCATION_GRANULARITY_CAMERA: ag.LocationGranularity.CAMERA,
}
_DIRECTION = {
    agreement_pb2.SHARING_DIRECTION_BOTH: ag.Direction.BOTH,
    agreement_pb2.SHARING_DIRECTION_PROPOSER_TO_PARTNER: ag.Direction.PROPOSER_TO_PARTNER,
    agreement_pb2.SHARING_DIRECTION_PARTNER_TO_PROPOSER: ag.Direction.PARTNER_TO_PROPOSER,
}
_STATUS_KIND = {
    agreement_pb2.AgreementStatusChange.KIND_SUSPEND: ag.StatusKind.SUSPEND,
    agreement_pb2.AgreementStatusChange.KIND_RESUME: ag.StatusKind.RESUME,
    agreement_pb2.AgreementStatusChange.KIND_REVOKE: ag.StatusKind.REVOKE,
}


def _invert(mapping: dict) -> dict:
    return {v: k for k, v in mapping.items()}


def _enum(mapping: dict, value: int, what: str):
    try:
        return mapping[value]
    except KeyError:
        raise InvalidInput(f"{what} is missing or unknown (value {value})") from None


def _dt(ts: Timestamp, what: str) -> datetime:
    if ts.seconds == 0 and ts.nanos == 0:
        raise InvalidInput(f"{what} is missing")
    return to_datetime(ts, what)


# -- envelopes ---------------------------------------------------------------------


def matching_mode_to_pb(mode: ag.MatchingMode) -> int:
    return _invert(_MATCHING)[mode]


def matching_mode_from_pb(value: int) -> ag.MatchingMode:
    return _enum(_MATCHING, value, "matching mode")


def envelope_to_pb(env: Envelope) -> envelope_pb2.Envelope:
    return envelope_pb2.Envelope(
        payload_type=env.payload_type,
        payload=env.payload,
        signatures=[envelope_pb2.Signature(key_id=s.key_id, sig=s.sig) for s in env.signatures],
    )


def envelope_from_pb(msg: envelope_pb2.Envelope) -> Envelope:
    if not msg.payload:
        raise InvalidInput("envelope has no payload")
    if not msg.signatures:
        raise SignatureInvalid("envelope carries no signature")
    bounded_id(msg.payload_type, "envelope payload_type", MAX_LINE_CHARS)
    if len(msg.signatures) > MAX_ENVELOPE_SIGNATURES:
        raise InvalidInput(f"envelope carries more than {MAX_ENVELOPE_SIGNATURES} signatures")
    for s in msg.signatures:
        bounded_id(s.key_id, "signature key_id")
        if len(s.sig) > MAX_SIGNATURE_BYTES:
            raise SignatureInvalid(f"a signature is longer than {MAX_SIGNATURE_BYTES} bytes")
    return Envelope(
        payload_type=msg.payload_type,
        payload=msg.payload,
        signatures=tuple(
            sorted((Signature(s.key_id, s.sig) for s in msg.signatures), key=lambda s: s.key_id)
        ),
    )


def envelope_bytes(env: Envelope) -> bytes:
    """Deterministic bytes of a whole envelope, for storage and byte comparison."""
    return envelope_to_pb(env).SerializeToString(deterministic=True)


def envelope_from_bytes(data: bytes) -> Envelope:
    return envelope_from_pb(parse_message(envelope_pb2.Envelope, data, "envelope"))


# -- agreements ------------------------------------------------------------------


def terms_to_pb(t: ag.AgreementTerms) -> agreement_pb2.AgreementDocument:
    doc = agreement_pb2.AgreementDocument(
        agreement_id=t.agreement_id,
        version=t.version,
        proposer=t.proposer,
        partner=t.partner,
        valid_from=to_timestamp(t.valid_from),
        valid_until=to_timestamp(t.valid_until),
        direction=_invert(_DIRECTION)[t.direction],
        categories=list(t.categories),
        purposes=[_invert(_PURPOSE)[p] for p in t.purposes],
        matching_mode=_invert(_MATCHING)[t.matching_mode],
        fields=agreement_pb2.AgreementFields(
            action=t.fields.action,
            flags=t.fields.flags,
            vehicle_description=t.fields.vehicle_description,
            contact=t.fields.contact,
        ),
        hit_notification=t.hit_notification,
        location_granularity=_invert(_GRANULARITY)[t.location_granularity],
        confirmations_allowed=t.confirmations_allowed,
        confirmation_deadline_hours=t.confirmation_deadline_hours,
        entry_retention_days=t.entry_retention_days,
        hit_retention_days=t.hit_retention_days,
        onward_sharing=t.onward_sharing,
        handling_code=t.handling_code,
        oblivious_evaluations_per_s=t.oblivious_evaluations_per_s,
        oblivious_evaluations_per_day=t.oblivious_evaluations_per_day,
    )
    if t.created_at is not None:
        doc.created_at.CopyFrom(to_timestamp(t.created_at))
    return doc


def terms_from_pb(
    doc: agreement_pb2.AgreementDocument, *, draft: bool = False
) -> ag.AgreementTerms:
    """Decode and validate terms. A draft (from a local administrator) may leave the
    identity fields empty; the node fills them in."""
    bounded_ids(
        "agreement",
        agreement_id=doc.agreement_id,
        proposer=doc.proposer,
        partner=doc.partner,
        handling_code=doc.handling_code,
    )
    for category in doc.categories:
        bounded_id(category, "agreement category")
    terms = ag.AgreementTerms(
        agreement_id=doc.agreement_id or ("draft" if draft else ""),
        version=doc.version or (1 if draft else 0),
        proposer=doc.proposer or ("xx-draft" if draft else ""),
        partner=doc.partner,
        valid_from=_dt(doc.valid_from, "valid_from"),
        valid_until=_dt(doc.valid_until, "valid_until"),
        direction=_enum(_DIRECTION, doc.direction, "sharing direction"),
        categories=tuple(doc.categories),
        purposes=tuple(_enum(_PURPOSE, p, "purpose") for p in doc.purposes),
        matching_mode=_enum(_MATCHING, doc.matching_mode, "matching mode"),
        fields=ag.AgreementFields(
            action=doc.fields.action,
            flags=doc.fields.flags,
            vehicle_description=doc.fields.vehicle_description,
            contact=doc.fields.contact,
        ),
        hit_notification=doc.hit_notification,
        location_granularity=_enum(_GRANULARITY, doc.location_granularity, "location granularity"),
        confirmations_allowed=doc.confirmations_allowed,
        confirmation_deadline_hours=doc.confirmation_deadline_hours,
        entry_retention_days=doc.entry_retention_days,
        hit_retention_days=doc.hit_retention_days,
        onward_sharing=doc.onward_sharing,
        handling_code=doc.handling_code,
        oblivious_evaluations_per_s=doc.oblivious_evaluations_per_s,
        oblivious_evaluations_per_day=doc.oblivious_evaluations_per_day,
        created_at=to_datetime(doc.created_at, "created_at")
        if doc.HasField("created_at")
        else None,
    )
    if draft:
        return terms
    return ag.validate_terms(terms)


def terms_payload(t: ag.AgreementTerms) -> bytes:
    return terms_to_pb(t).SerializeToString(deterministic=True)


def terms_from_payload(payload: bytes) -> ag.AgreementTerms:
    return terms_from_pb(
        parse_message(agreement_pb2.AgreementDocument, payload, "agreement payload")
    )


def status_to_pb(c: ag.StatusChange) -> agreement_pb2.AgreementStatusChange:
    return agreement_pb2.AgreementStatusChange(
        agreement_id=c.agreement_id,
        version=c.version,
        kind=_invert(_STATUS_KIND)[c.kind],
        issuer=c.issuer,
        reason=c.reason,
        issued_at=to_timestamp(c.issued_at),
    )


def status_payload(c: ag.StatusChange) -> bytes:
    return status_to_pb(c).SerializeToString(deterministic=True)


def status_from_payload(payload: bytes) -> ag.StatusChange:
    msg = parse_message(agreement_pb2.AgreementStatusChange, payload, "status change payload")
    if not msg.agreement_id or not msg.issuer:
        raise InvalidInput("status change lacks its agreement id or issuer")
    bounded_ids("status change", agreement_id=msg.agreement_id, issuer=msg.issuer)
    bounded_id(msg.reason, "status change reason", MAX_LINE_CHARS)
    return ag.StatusChange(
        agreement_id=msg.agreement_id,
        version=msg.version,
        kind=_enum(_STATUS_KIND, msg.kind, "status change kind"),
        issuer=msg.issuer,
        reason=msg.reason,
        issued_at=_dt(msg.issued_at, "issued_at"),
    )


def status_kind_from_pb(value: int) -> ag.StatusKind:
    return _enum(_STATUS_KIND, value, "status change kind")
