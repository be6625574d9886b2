"""Ids and lines a peer sends are bounded at decode: a field longer than any id we make
is an InvalidInput that names the field and never echoes the value, before any rule
(or any error message, or any audit record) sees it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gateway.domain.errors import ArgosError, InvalidInput
from gateway.wire import codec, confirmations_codec, feed_codec, hits_codec
from gateway.wire.argos.v1 import (
    agreement_pb2,
    confirmations_pb2,
    envelope_pb2,
    hits_pb2,
    hotlist_pb2,
)
from gateway.wire.strict import MAX_ID_CHARS, bounded_id, to_timestamp

HUGE = "x" * 1_000_000
NOW = to_timestamp(datetime(2026, 6, 1, tzinfo=UTC))


def refusal(decode, *args) -> str:
    with pytest.raises(InvalidInput) as refused:
        decode(*args)
    message = str(refused.value)
    assert len(message) < 200, "the value must not be echoed"
    assert "xxxxxxxx" not in message
    return message


def test_an_id_at_the_bound_passes_and_one_past_it_is_refused_by_name():
    assert bounded_id("a" * MAX_ID_CHARS, "entry_id") == "a" * MAX_ID_CHARS
    assert refusal(bounded_id, "a" * (MAX_ID_CHARS + 1), "entry_id") == (
        f"entry_id is longer than {MAX_ID_CHARS} characters ({MAX_ID_CHARS + 1} given)"
    )


@pytest.mark.parametrize("field", ["hit_id", "agreement_id", "observer", "owner", "entry_id"])
def test_a_hit_notification_with_a_megabyte_id_is_refused_naming_the_field(field):
    fields = dict(hit_id="h", agreement_id="a", observer="nl-x", owner="be-x", entry_id="e")
    fields[field] = HUGE
    payload = hits_pb2.HitNotification(
        **fields, match=hits_pb2.MATCH_KIND_EXACT, observed_at=NOW
    ).SerializeToString()
    assert field in refusal(hits_codec.notification_from_payload, payload)


@pytest.mark.parametrize("field", ["request_id", "agreement_id", "hit_id", "requester"])
def test_a_confirmation_request_with_a_megabyte_id_is_refused_naming_the_field(field):
    msg = confirmations_pb2.ConfirmationRequest(created_at=NOW, deadline=NOW)
    setattr(msg, field, HUGE)
    assert field in refusal(confirmations_codec.request_from_payload, msg.SerializeToString())


def test_a_confirmation_event_with_a_megabyte_request_id_is_refused():
    payload = confirmations_pb2.ConfirmationEvent(
        request_id=HUGE, kind=confirmations_pb2.CONFIRMATION_EVENT_KIND_WITHDRAWN, at=NOW
    ).SerializeToString()
    assert "request_id" in refusal(confirmations_codec.event_from_payload, payload)


def test_a_status_change_with_a_megabyte_reason_or_id_is_refused():
    change = agreement_pb2.AgreementStatusChange(
        agreement_id="a", issuer="nl-x", reason=HUGE, issued_at=NOW, kind=1
    )
    assert "reason" in refusal(codec.status_from_payload, change.SerializeToString())
    change.reason, change.agreement_id = "drill", HUGE
    assert "agreement_id" in refusal(codec.status_from_payload, change.SerializeToString())


def test_agreement_terms_with_a_megabyte_id_or_category_are_refused():
    doc = agreement_pb2.AgreementDocument(agreement_id=HUGE)
    assert "agreement_id" in refusal(codec.terms_from_pb, doc)
    doc = agreement_pb2.AgreementDocument(agreement_id="a", categories=[HUGE])
    assert "category" in refusal(codec.terms_from_pb, doc)


def test_an_envelope_with_a_megabyte_key_id_or_payload_type_is_refused():
    sig = envelope_pb2.Signature(key_id=HUGE, sig=b"s" * 64)
    msg = envelope_pb2.Envelope(payload_type="t", payload=b"p", signatures=[sig])
    assert "key_id" in refusal(codec.envelope_from_pb, msg)
    msg = envelope_pb2.Envelope(
        payload_type=HUGE, payload=b"p", signatures=[envelope_pb2.Signature(key_id="k", sig=b"s")]
    )
    assert "payload_type" in refusal(codec.envelope_from_pb, msg)


def test_an_envelope_with_an_oversized_signature_is_refused_without_echo():
    sig = envelope_pb2.Signature(key_id="k", sig=b"s" * 100_000)
    msg = envelope_pb2.Envelope(payload_type="t", payload=b"p", signatures=[sig])
    with pytest.raises(ArgosError) as refused:
        codec.envelope_from_pb(msg)
    assert len(str(refused.value)) < 200


def test_feed_leaves_checkpoints_and_heads_with_megabyte_ids_are_refused():
    entry = hotlist_pb2.SharedEntry(
        entry_id="e", owner=HUGE, category="stolen_vehicle", valid_from=NOW, expires_at=NOW
    )
    leaf = hotlist_pb2.SharedChange(seq=1, agreement_version=1, upsert=entry)
    assert "owner" in refusal(feed_codec.change_from_leaf, leaf.SerializeToString())
    tomb = hotlist_pb2.SharedChange(
        seq=1,
        tombstone=hotlist_pb2.Tombstone(
            entry_id=HUGE, owner="be-x", reason=hotlist_pb2.TOMBSTONE_REASON_WITHDRAWN
        ),
    )
    assert "entry_id" in refusal(feed_codec.change_from_leaf, tomb.SerializeToString())
    checkpoint = hotlist_pb2.Checkpoint(agreement_id="a", provider=HUGE, recipient="r")
    assert "provider" in refusal(feed_codec.checkpoint_from_payload, checkpoint.SerializeToString())
    head = hotlist_pb2.SyncHead(agreement_id=HUGE, set_digest=bytes(32), issued_at=NOW)
    assert "agreement_id" in refusal(feed_codec.head_from_payload, head.SerializeToString())


def test_ids_of_the_usual_length_decode_as_before():
    entry = hotlist_pb2.SharedEntry(
        entry_id="0190a3c2-7d41-7c3e-9a55-0123456789ab",
        owner="be-gent",
        category="stolen_vehicle",
        valid_from=NOW,
        expires_at=NOW,
        plate_token=b"t" * 16,
    )
    change = feed_codec.change_from_leaf(
        hotlist_pb2.SharedChange(seq=1, agreement_version=1, upsert=entry).SerializeToString()
    )
    assert change.upsert is not None and change.upsert.owner == "be-gent"
