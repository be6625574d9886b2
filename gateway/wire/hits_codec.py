"""Protobuf <-> domain for hit notifications and camera reads. An empty location field
on the wire is a field the agreement did not share: it decodes to None."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gateway.domain.errors import InvalidInput
from gateway.domain.hits import HitNotification, MatchKind, NotifiedLocation
from gateway.wire.argos.v1 import hits_pb2, reads_pb2
from gateway.wire.strict import bounded_ids, parse_message, to_datetime, to_timestamp

MATCH_KINDS = {
    MatchKind.EXACT: hits_pb2.MATCH_KIND_EXACT,
    MatchKind.FUZZY: hits_pb2.MATCH_KIND_FUZZY,
}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MATCH_NAMES = {v: k for k, v in MATCH_KINDS.items()}
DIRECTIONS = {"in": reads_pb2.READ_DIRECTION_IN, "out": reads_pb2.READ_DIRECTION_OUT}
_DIRECTION_NAMES = {v: k for k, v in DIRECTIONS.items()}


def direction_name(value: int) -> str:
    return _DIRECTION_NAMES.get(value, "")


def location_to_pb(loc: NotifiedLocation) -> hits_pb2.NotifiedLocation:
    return hits_pb2.NotifiedLocation(
        camera=loc.camera or "", site=loc.site or "", zone=loc.zone or ""
    )


def notification_payload(n: HitNotification) -> bytes:
    msg = hits_pb2.HitNotification(
        hit_id=n.hit_id,
        agreement_id=n.agreement_id,
        agreement_version=n.agreement_version,
        observer=n.observer,
        owner=n.owner,
        entry_id=n.entry_id,
        entry_version=n.entry_version,
        observed_at=to_timestamp(n.observed_at),
        location=location_to_pb(n.location),
        match=MATCH_KINDS[n.match],
        country_inferred=n.country_inferred,
    )
    return msg.SerializeToString(deterministic=True)


def notification_from_payload(payload: bytes) -> HitNotification:
    m = parse_message(hits_pb2.HitNotification, payload, "hit notification")
    bounded_ids(
        "hit notification",
        hit_id=m.hit_id,
        agreement_id=m.agreement_id,
        observer=m.observer,
        owner=m.owner,
        entry_id=m.entry_id,
    )
    if m.match not in _MATCH_NAMES:
        raise InvalidInput("hit notification does not say whether the match was exact or fuzzy")
    if not m.HasField("observed_at"):
        raise InvalidInput("hit notification lacks the time of the sighting")
    loc = m.location
    return HitNotification(
        hit_id=m.hit_id,
        agreement_id=m.agreement_id,
        agreement_version=m.agreement_version,
        observer=m.observer,
        owner=m.owner,
        entry_id=m.entry_id,
        entry_version=m.entry_version,
        observed_at=to_datetime(m.observed_at, "observed_at"),
        location=NotifiedLocation(loc.camera or None, loc.site or None, loc.zone or None),
        match=_MATCH_NAMES[m.match],
        country_inferred=m.country_inferred,
    )


def from_epoch_ms(ms: int) -> datetime:
    return _EPOCH + timedelta(milliseconds=ms)
