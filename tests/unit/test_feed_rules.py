"""Specification of the recipient's checks on a feed batch and head (gateway.domain.feed).

Everything is real: the provider key is a fresh Ed25519 key, leaves are the wire bytes of
minimised entries (feed_codec.upsert_leaf / tombstone_leaf), the checkpoint carries the
RFC 6962 root of those leaves and is signed as a DSSE envelope. be-gent provides,
nl-terneuzen receives.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.domain import envelope as env
from gateway.domain import merkle
from gateway.domain.agreement import (
    CATEGORIES,
    AgreementFields,
    AgreementTerms,
    MatchingMode,
    Purpose,
)
from gateway.domain.errors import (
    AgreementViolation,
    ArgosError,
    InvalidInput,
    SignatureInvalid,
    StaleVersion,
)
from gateway.domain.feed import (
    CHECKPOINT_PAYLOAD,
    MAX_BATCH,
    SYNC_HEAD_PAYLOAD,
    Checkpoint,
    FeedParty,
    SyncHead,
    VerifiedBatch,
    verify_batch,
    verify_head,
)
from gateway.domain.hotlist import Action, HotlistEntry
from gateway.domain.identity import NodeSigningKey
from gateway.domain.minimise import MinimisedEntry, minimise
from gateway.domain.plates import Plate
from gateway.domain.schemes.token import derive_token_key
from gateway.wire import feed_codec
from gateway.wire.argos.v1 import hotlist_pb2 as pb

PROVIDER = "be-gent"
RECIPIENT = "nl-terneuzen"
OUTSIDER = "nl-rotterdam"
AGREEMENT_ID = "agr-gent-terneuzen"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

KEY = NodeSigningKey.generate()
OTHER_KEY = NodeSigningKey.generate()
PARTY = FeedParty(AGREEMENT_ID, provider=PROVIDER, recipient=RECIPIENT, provider_keys=KEY.public)

IN_SCOPE = ("stolen_plate", "stolen_vehicle")
TERMS = AgreementTerms(
    agreement_id=AGREEMENT_ID,
    version=1,
    proposer=PROVIDER,
    partner=RECIPIENT,
    valid_from=NOW - timedelta(days=30),
    valid_until=NOW + timedelta(days=300),
    categories=IN_SCOPE,
    purposes=(Purpose.CRIMINAL_INVESTIGATION,),
    matching_mode=MatchingMode.TOKEN,
    fields=AgreementFields(action=True, flags=True, vehicle_description=True, contact=False),
)
# What a misconfigured or misbehaving provider might minimise under instead.
WIDE_TERMS = dataclasses.replace(TERMS, categories=tuple(sorted(CATEGORIES)))
TOKEN_KEY = derive_token_key(b"\x42" * 32, AGREEMENT_ID, 1)


def terms_for_version(version: int) -> AgreementTerms | None:
    return TERMS if version == 1 else None


# -- building a batch the way the provider does ----------------------------------------


def make_entry(i: int, category: str = "stolen_vehicle", owner: str = PROVIDER) -> HotlistEntry:
    return HotlistEntry(
        entry_id=f"entry-{i}",
        owner=owner,
        plate=Plate.parse(f"{1 + i % 9}-ABC-{i % 1000:03d}", "BE"),
        category=category,
        action=Action.DISCREET_CHECK,
        flags=("suspected_clone",) if i % 2 else (),
        valid_from=NOW - timedelta(days=1),
        expires_at=NOW + timedelta(days=30 + i % 100),
        vehicle_description=f"grey volvo {i}",
        contact="gent desk",
        case_reference=f"CASE-{i}",
    )


def minimised(entry: HotlistEntry, terms: AgreementTerms = TERMS) -> MinimisedEntry:
    m = minimise(entry, terms, token_key=TOKEN_KEY, now=NOW)
    assert m is not None
    return m


def upsert(seq: int, i: int, category: str = "stolen_vehicle", version: int = 1) -> bytes:
    return feed_codec.upsert_leaf(seq, version, minimised(make_entry(i, category), WIDE_TERMS))


def tombstone(seq: int, i: int, owner: str = PROVIDER, reason: str = "withdrawn") -> bytes:
    return feed_codec.tombstone_leaf(seq, 1, f"entry-{i}", owner, reason)


def good_leaves(n: int = 3, from_seq: int = 0) -> list[bytes]:
    """n changes after from_seq: upserts, with every third one a tombstone."""
    return [
        tombstone(seq, seq - 1) if seq % 3 == 0 else upsert(seq, seq)
        for seq in range(from_seq + 1, from_seq + n + 1)
    ]


def checkpoint_for(leaves: Sequence[bytes], from_seq: int = 0, **changes: object) -> Checkpoint:
    cp = Checkpoint(
        agreement_id=AGREEMENT_ID,
        agreement_version=1,
        provider=PROVIDER,
        recipient=RECIPIENT,
        from_seq=from_seq,
        to_seq=from_seq + len(leaves),
        leaf_count=len(leaves),
        merkle_root=merkle.merkle_root(leaves),
    )
    return dataclasses.replace(cp, **changes)  # type: ignore[arg-type]


def signed(cp: Checkpoint, key: NodeSigningKey = KEY) -> env.Envelope:
    return env.sign(CHECKPOINT_PAYLOAD, feed_codec.checkpoint_payload(cp), key)


def verify(
    leaves: Sequence[bytes],
    checkpoint: env.Envelope,
    *,
    cursor: int = 0,
    terms: Callable[[int], AgreementTerms | None] = terms_for_version,
) -> VerifiedBatch:
    return verify_batch(
        PARTY,
        cursor,
        list(leaves),
        checkpoint,
        decode_checkpoint=feed_codec.checkpoint_from_payload,
        decode_change=feed_codec.change_from_leaf,
        terms_for_version=terms,
    )


# -- a good batch ----------------------------------------------------------------------


def test_a_good_batch_verifies_and_returns_its_changes_in_order_with_their_leaf_hashes() -> None:
    leaves = good_leaves(6, from_seq=10)
    cp = checkpoint_for(leaves, from_seq=10)
    batch = verify(leaves, signed(cp), cursor=10)
    assert batch.checkpoint == cp
    assert batch.leaves == tuple(leaves)
    assert [c.seq for c in batch.changes] == list(range(11, 17))
    assert batch.changes == tuple(feed_codec.change_from_leaf(leaf) for leaf in leaves)
    assert batch.leaf_hashes == tuple(merkle.leaf_hash(leaf) for leaf in leaves)
    assert merkle.root_from_hashes(batch.leaf_hashes) == cp.merkle_root
    assert batch.changes[0].upsert == minimised(make_entry(11))
    assert batch.changes[1].tombstone is not None
    assert batch.changes[1].tombstone.entry_id == "entry-11"


def test_a_batch_of_a_single_change_verifies() -> None:
    leaves = [upsert(1, 1)]
    assert len(verify(leaves, signed(checkpoint_for(leaves))).changes) == 1


def test_a_batch_of_exactly_max_batch_changes_verifies() -> None:
    leaves = [upsert(seq, seq) for seq in range(1, MAX_BATCH + 1)]
    assert len(verify(leaves, signed(checkpoint_for(leaves))).changes) == MAX_BATCH


def test_a_batch_may_carry_every_tombstone_reason() -> None:
    leaves = [
        tombstone(seq, seq, reason=reason)
        for seq, reason in enumerate(["withdrawn", "expired", "out_of_scope"], start=1)
    ]
    batch = verify(leaves, signed(checkpoint_for(leaves)))
    assert [c.tombstone.reason for c in batch.changes if c.tombstone] == [
        "withdrawn",
        "expired",
        "out_of_scope",
    ]


# -- rule 1: signed by the provider, and no one else -----------------------------------


def test_a_checkpoint_signed_by_another_key_is_refused() -> None:
    leaves = good_leaves()
    with pytest.raises(SignatureInvalid, match="belongs to none of be-gent"):
        verify(leaves, signed(checkpoint_for(leaves), OTHER_KEY))


def test_a_checkpoint_signed_by_the_provider_and_a_stranger_is_refused() -> None:
    leaves = good_leaves()
    both = signed(checkpoint_for(leaves)).with_signature(OTHER_KEY)
    with pytest.raises(SignatureInvalid, match=OTHER_KEY.key_id):
        verify(leaves, both)


def test_an_unsigned_checkpoint_is_refused() -> None:
    leaves = good_leaves()
    bare = env.Envelope(
        CHECKPOINT_PAYLOAD, feed_codec.checkpoint_payload(checkpoint_for(leaves)), ()
    )
    with pytest.raises(SignatureInvalid, match="lacks the signature of be-gent"):
        verify(leaves, bare)


def test_a_checkpoint_altered_after_signing_is_refused() -> None:
    leaves = good_leaves()
    good = signed(checkpoint_for(leaves))
    other = feed_codec.checkpoint_payload(checkpoint_for(leaves, from_seq=0, to_seq=99))
    forged = dataclasses.replace(good, payload=other)
    with pytest.raises(SignatureInvalid, match="does not verify"):
        verify(leaves, forged)


def test_a_head_signature_is_not_accepted_as_a_checkpoint() -> None:
    leaves = good_leaves()
    wrong_type = env.sign(
        SYNC_HEAD_PAYLOAD, feed_codec.checkpoint_payload(checkpoint_for(leaves)), KEY
    )
    with pytest.raises(InvalidInput, match="checkpoint"):
        verify(leaves, wrong_type)


# -- rule 2: this agreement, this provider, this recipient -----------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("recipient", OUTSIDER),
        ("agreement_id", "agr-gent-rotterdam"),
        ("provider", OUTSIDER),
    ],
)
def test_a_checkpoint_signed_for_another_feed_is_refused(field: str, value: str) -> None:
    leaves = good_leaves()
    with pytest.raises(AgreementViolation, match=f"signed for agreement .*{value}.*expected"):
        verify(leaves, signed(checkpoint_for(leaves, **{field: value})))


# -- rule 3: continue exactly from the cursor ------------------------------------------


def test_a_batch_from_before_the_cursor_is_refused_as_a_replay() -> None:
    leaves = good_leaves(3, from_seq=2)
    with pytest.raises(StaleVersion, match="at 5: replayed batch"):
        verify(leaves, signed(checkpoint_for(leaves, from_seq=2)), cursor=5)


def test_a_batch_from_beyond_the_cursor_is_refused_as_a_gap() -> None:
    leaves = good_leaves(3, from_seq=8)
    with pytest.raises(StaleVersion, match="at 5: changes were skipped"):
        verify(leaves, signed(checkpoint_for(leaves, from_seq=8)), cursor=5)


def test_the_same_batch_applied_twice_is_refused_the_second_time() -> None:
    leaves = good_leaves(4)
    checkpoint = signed(checkpoint_for(leaves))
    batch = verify(leaves, checkpoint)
    with pytest.raises(StaleVersion, match="replayed"):
        verify(leaves, checkpoint, cursor=batch.checkpoint.to_seq)


# -- rule 4: exactly the leaves the checkpoint covers ----------------------------------


def test_a_batch_with_one_leaf_byte_flipped_is_refused_on_the_merkle_root() -> None:
    leaves = good_leaves()
    checkpoint = signed(checkpoint_for(leaves))
    leaves[1] = leaves[1][:-1] + bytes([leaves[1][-1] ^ 0x01])
    with pytest.raises(AgreementViolation, match="do not match the signed Merkle root"):
        verify(leaves, checkpoint)


def test_a_batch_with_a_leaf_dropped_is_refused_on_the_count() -> None:
    leaves = good_leaves(3)
    checkpoint = signed(checkpoint_for(leaves))
    with pytest.raises(InvalidInput, match="carries 2 leaves, checkpoint covers 3"):
        verify(leaves[:2], checkpoint)


def test_a_batch_with_a_leaf_added_is_refused_on_the_count() -> None:
    leaves = good_leaves(3)
    checkpoint = signed(checkpoint_for(leaves))
    with pytest.raises(InvalidInput, match="carries 4 leaves, checkpoint covers 3"):
        verify([*leaves, upsert(4, 4)], checkpoint)


def test_a_batch_with_its_leaves_reordered_is_refused_on_the_merkle_root() -> None:
    leaves = good_leaves(3)
    checkpoint = signed(checkpoint_for(leaves))
    with pytest.raises(AgreementViolation, match="Merkle root"):
        verify([leaves[1], leaves[0], leaves[2]], checkpoint)


def test_a_batch_whose_leaf_hashes_are_substituted_for_an_interior_node_is_refused() -> None:
    # Second-preimage attempt: send the two children of the root as "leaves".
    leaves = good_leaves(4)
    checkpoint = signed(checkpoint_for(leaves))
    hashes = merkle.leaf_hashes(leaves)
    fake = [merkle.node_hash(*hashes[:2]), merkle.node_hash(*hashes[2:])]
    with pytest.raises(InvalidInput, match="carries 2 leaves, checkpoint covers 4"):
        verify(fake, checkpoint)


def test_an_empty_batch_is_refused() -> None:
    with pytest.raises(InvalidInput, match="carries 0 leaves"):
        verify([], signed(checkpoint_for([])))


def test_a_batch_of_more_than_max_batch_leaves_is_refused() -> None:
    leaves = [upsert(seq, seq) for seq in range(1, MAX_BATCH + 2)]
    with pytest.raises(InvalidInput, match=f"carries {MAX_BATCH + 1} leaves.*at most {MAX_BATCH}"):
        verify(leaves, signed(checkpoint_for(leaves)))


# -- rule 5: seqs in order, under the batch's agreement version ------------------------


def test_a_signed_batch_whose_seqs_are_not_increasing_is_refused() -> None:
    leaves = good_leaves(3)
    swapped = [leaves[1], leaves[0], leaves[2]]  # the provider signed them swapped
    with pytest.raises(InvalidInput, match="change seq 1 out of order after 2"):
        verify(swapped, signed(checkpoint_for(swapped)))


def test_a_signed_batch_repeating_a_seq_is_refused() -> None:
    leaves = [upsert(1, 1), upsert(1, 2), upsert(2, 3)]
    with pytest.raises(InvalidInput, match="change seq 1 out of order after 1"):
        verify(leaves, signed(checkpoint_for(leaves, to_seq=2)))


def test_a_signed_batch_with_a_seq_beyond_the_checkpoint_is_refused() -> None:
    leaves = [upsert(1, 1), upsert(2, 2), upsert(9, 3)]
    with pytest.raises(InvalidInput, match="change seq 9 out of order"):
        verify(leaves, signed(checkpoint_for(leaves)))


def test_a_signed_batch_at_or_before_its_from_seq_is_refused() -> None:
    leaves = [upsert(5, 1), upsert(6, 2)]
    with pytest.raises(InvalidInput, match="change seq 5 out of order after 5"):
        verify(leaves, signed(checkpoint_for(leaves, from_seq=5, to_seq=7)), cursor=5)


def test_a_signed_batch_ending_before_its_to_seq_is_refused() -> None:
    leaves = good_leaves(3)
    with pytest.raises(InvalidInput, match="batch ends at seq 3, checkpoint says 4"):
        verify(leaves, signed(checkpoint_for(leaves, to_seq=4)))


def test_a_leaf_under_another_agreement_version_than_its_batch_is_refused() -> None:
    leaves = [upsert(1, 1), upsert(2, 2, version=2), upsert(3, 3)]
    with pytest.raises(InvalidInput, match="another agreement version than its batch"):
        verify(leaves, signed(checkpoint_for(leaves)))


def test_a_batch_under_an_agreement_version_not_in_force_is_refused() -> None:
    leaves = [upsert(seq, seq, version=2) for seq in (1, 2)]
    with pytest.raises(AgreementViolation, match=f"{AGREEMENT_ID} v2 is not in force"):
        verify(leaves, signed(checkpoint_for(leaves, agreement_version=2)))


def test_a_batch_is_refused_when_no_agreement_version_is_in_force() -> None:
    leaves = good_leaves()
    with pytest.raises(AgreementViolation, match="v1 is not in force"):
        verify(leaves, signed(checkpoint_for(leaves)), terms=lambda _version: None)


# -- rule 6: every change in scope -----------------------------------------------------


def test_a_batch_with_an_upsert_outside_the_agreed_categories_is_refused() -> None:
    leaves = [upsert(1, 1), upsert(2, 2, category="wanted_person"), upsert(3, 3)]
    with pytest.raises(AgreementViolation, match="category wanted_person, outside agreement"):
        verify(leaves, signed(checkpoint_for(leaves)))


def test_a_batch_with_an_upsert_owned_by_another_node_is_refused() -> None:
    foreign = minimised(make_entry(2, owner=PROVIDER))
    foreign = foreign._replace(owner=OUTSIDER)
    leaves = [upsert(1, 1), feed_codec.upsert_leaf(2, 1, foreign)]
    with pytest.raises(AgreementViolation, match=f"names owner {OUTSIDER}"):
        verify(leaves, signed(checkpoint_for(leaves)))


def test_a_batch_with_an_upsert_carrying_an_unshared_field_is_refused() -> None:
    leaky = minimised(make_entry(1))._replace(contact="gent desk")
    leaves = [feed_codec.upsert_leaf(1, 1, leaky)]
    with pytest.raises(AgreementViolation, match="carries contact"):
        verify(leaves, signed(checkpoint_for(leaves)))


def test_a_batch_with_a_plaintext_plate_under_token_mode_is_refused() -> None:
    plaintext = minimised(
        make_entry(1), dataclasses.replace(TERMS, matching_mode=MatchingMode.PLAINTEXT)
    )
    leaves = [feed_codec.upsert_leaf(1, 1, plaintext)]
    with pytest.raises(AgreementViolation, match="plaintext plate"):
        verify(leaves, signed(checkpoint_for(leaves)))


def test_a_batch_with_a_tombstone_for_another_owners_entry_is_refused() -> None:
    leaves = [upsert(1, 1), tombstone(2, 7, owner=OUTSIDER)]
    with pytest.raises(AgreementViolation, match=f"tombstone for an entry of {OUTSIDER}"):
        verify(leaves, signed(checkpoint_for(leaves)))


def test_a_signed_leaf_that_is_not_a_change_is_refused() -> None:
    leaves = [upsert(1, 1), b"\xff\xff\xff"]
    with pytest.raises(InvalidInput, match="not a valid protobuf message"):
        verify(leaves, signed(checkpoint_for(leaves)))


def test_a_signed_empty_leaf_is_refused() -> None:
    leaves = [upsert(1, 1), b""]
    with pytest.raises(InvalidInput, match="neither an upsert nor a tombstone"):
        verify(leaves, signed(checkpoint_for(leaves)))


# -- heads ----------------------------------------------------------------------------

HEAD = SyncHead(
    agreement_id=AGREEMENT_ID,
    agreement_version=1,
    provider=PROVIDER,
    recipient=RECIPIENT,
    seq=42,
    count=17,
    set_digest=merkle.set_digest_add(merkle.SET_DIGEST_EMPTY, merkle.leaf_hash(b"x")),
    issued_at=NOW,
)


def signed_head(head: SyncHead = HEAD, key: NodeSigningKey = KEY) -> env.Envelope:
    return env.sign(SYNC_HEAD_PAYLOAD, feed_codec.head_payload(head), key)


def test_a_good_head_verifies_and_decodes() -> None:
    assert verify_head(PARTY, signed_head(), decode_head=feed_codec.head_from_payload) == HEAD


def test_a_head_signed_by_another_key_is_refused() -> None:
    with pytest.raises(SignatureInvalid, match="belongs to none of be-gent"):
        verify_head(PARTY, signed_head(key=OTHER_KEY), decode_head=feed_codec.head_from_payload)


@pytest.mark.parametrize(
    ("field", "value"),
    [("recipient", OUTSIDER), ("agreement_id", "agr-other"), ("provider", OUTSIDER)],
)
def test_a_head_signed_for_another_feed_is_refused(field: str, value: str) -> None:
    head = dataclasses.replace(HEAD, **{field: value})  # type: ignore[arg-type]
    with pytest.raises(AgreementViolation, match=f"signed for agreement .*{value}.*expected"):
        verify_head(PARTY, signed_head(head), decode_head=feed_codec.head_from_payload)


def test_a_checkpoint_is_not_accepted_as_a_head() -> None:
    leaves = good_leaves()
    with pytest.raises(InvalidInput, match="sync-head"):
        verify_head(PARTY, signed(checkpoint_for(leaves)), decode_head=feed_codec.head_from_payload)


# -- property: any single-byte change to a leaf is refused -----------------------------

categories_in_scope = st.sampled_from(IN_SCOPE)


@st.composite
def good_batches(draw: st.DrawFn) -> tuple[int, list[bytes]]:
    """(cursor, leaves) of 1-50 random in-scope upserts and tombstones."""
    cursor = draw(st.integers(min_value=0, max_value=10_000))
    n = draw(st.integers(min_value=1, max_value=50))
    leaves = []
    for seq in range(cursor + 1, cursor + n + 1):
        i = draw(st.integers(min_value=0, max_value=10**6))
        if draw(st.booleans()):
            leaves.append(tombstone(seq, i, reason=draw(st.sampled_from(["withdrawn", "expired"]))))
        else:
            leaves.append(upsert(seq, i, category=draw(categories_in_scope)))
    return cursor, leaves


@settings(max_examples=100, deadline=None)
@given(batch=good_batches(), data=st.data())
def test_any_single_byte_change_to_any_leaf_is_refused_with_an_argos_error(
    batch: tuple[int, list[bytes]], data: st.DataObject
) -> None:
    cursor, leaves = batch
    checkpoint = signed(checkpoint_for(leaves, from_seq=cursor))
    assert len(verify(leaves, checkpoint, cursor=cursor).changes) == len(leaves)
    index = data.draw(st.integers(min_value=0, max_value=len(leaves) - 1), label="leaf")
    leaf = leaves[index]
    position = data.draw(st.integers(min_value=0, max_value=len(leaf) - 1), label="byte")
    flip = data.draw(st.integers(min_value=1, max_value=255), label="xor")
    mutated = list(leaves)
    mutated[index] = leaf[:position] + bytes([leaf[position] ^ flip]) + leaf[position + 1 :]
    with pytest.raises(ArgosError):
        verify(mutated, checkpoint, cursor=cursor)


# -- malformed timestamps in signed bytes ----------------------------------------------
# A leaf or head the provider did sign can still be malformed (a provider bug, or bytes
# damaged before signing). The recipient must refuse it as InvalidInput like any other
# malformed leaf; it must not escape as a bare ValueError that no refusal handler maps.


def _with_bad_timestamp(leaf: bytes, field: str, part: str, value: int) -> bytes:
    msg = pb.SharedChange()
    msg.ParseFromString(leaf)
    setattr(getattr(msg.upsert, field), part, value)
    return msg.SerializeToString(deterministic=True)


@pytest.mark.parametrize(
    ("field", "part", "value"),
    [
        ("valid_from", "nanos", 2_000_000_000),
        ("expires_at", "nanos", -1),
        ("expires_at", "seconds", 10**13),
        ("valid_from", "seconds", -(10**12)),
    ],
)
def test_a_signed_leaf_with_an_out_of_range_timestamp_is_refused_as_invalid_input(
    field: str, part: str, value: int
) -> None:
    leaves = [upsert(1, 1), _with_bad_timestamp(upsert(2, 2), field, part, value)]
    with pytest.raises(InvalidInput):
        verify(leaves, signed(checkpoint_for(leaves)))


def test_a_signed_head_with_an_out_of_range_timestamp_is_refused_as_invalid_input() -> None:
    msg = pb.SyncHead()
    msg.ParseFromString(feed_codec.head_payload(HEAD))
    msg.issued_at.seconds = 10**13
    damaged = env.sign(SYNC_HEAD_PAYLOAD, msg.SerializeToString(deterministic=True), KEY)
    with pytest.raises(InvalidInput):
        verify_head(PARTY, damaged, decode_head=feed_codec.head_from_payload)
