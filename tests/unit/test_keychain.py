"""Specification of signing-key chains (gateway.domain.keychain): rotation extends a
chain only from its head, forks are refused, windows decide which key may sign a new
message, and every key ever held keeps verifying history."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.domain import envelope as env
from gateway.domain.errors import (
    InvalidInput,
    KeyChainFork,
    KeyChainGap,
    KeyNotAccepted,
    SignatureInvalid,
)
from gateway.domain.identity import NodeSigningKey
from gateway.domain.keychain import (
    REVOCATION_PAYLOAD,
    ROTATION_PAYLOAD,
    KeyChain,
    key_fingerprint,
)
from gateway.wire.keys_codec import rotation_from_payload, rotation_payload

NODE = "be-gent"
T0 = datetime(2026, 1, 1, tzinfo=UTC)
# Keys are slow enough to make that the properties draw from a fixed pool.
POOL = [NodeSigningKey.generate() for _ in range(8)]


def _chain(first: NodeSigningKey = POOL[0]) -> KeyChain:
    return KeyChain.starting_at(NODE, first.public, T0)


def _statement(
    chain: KeyChain,
    old: NodeSigningKey,
    new: NodeSigningKey,
    *,
    at: datetime = T0,
    overlap: timedelta = timedelta(days=7),
) -> env.Envelope:
    s = chain.next_rotation(new.public, at, at + overlap)
    return env.sign(ROTATION_PAYLOAD, rotation_payload(s), old).with_signature(new)


def _rotate(chain: KeyChain, old: NodeSigningKey, new: NodeSigningKey, at: datetime = T0):
    extended, changed = chain.extend(_statement(chain, old, new, at=at), rotation_from_payload, at)
    assert changed
    return extended


def test_a_rotation_makes_the_new_key_the_head_and_ends_the_old_key_at_the_overlap() -> None:
    chain = _rotate(_chain(), POOL[0], POOL[1])
    assert chain.head.key_id == POOL[1].key_id
    assert chain.head.sequence == 1
    assert chain.get(POOL[0].key_id).accept_until == T0 + timedelta(days=7)
    chain.check_new([POOL[0].key_id], T0 + timedelta(days=6))
    with pytest.raises(KeyNotAccepted, match=r"accepted for new messages until 2026-01-08"):
        chain.check_new([POOL[0].key_id], T0 + timedelta(days=7))
    chain.check_new([POOL[1].key_id], T0 + timedelta(days=365))


def test_a_statement_signed_only_by_the_new_key_is_refused() -> None:
    chain = _chain()
    s = chain.next_rotation(POOL[1].public, T0, T0)
    alone = env.sign(ROTATION_PAYLOAD, rotation_payload(s), POOL[1])
    with pytest.raises(SignatureInvalid, match="current key and by the new key"):
        chain.extend(alone, rotation_from_payload, T0)


def test_a_statement_whose_new_key_did_not_sign_is_refused() -> None:
    chain = _chain()
    s = chain.next_rotation(POOL[1].public, T0, T0)
    forged = env.sign(ROTATION_PAYLOAD, rotation_payload(s), POOL[0]).with_signature(POOL[2])
    with pytest.raises(SignatureInvalid):
        chain.extend(forged, rotation_from_payload, T0)


def test_a_second_statement_for_a_held_sequence_is_a_fork() -> None:
    chain = _chain()
    first = _statement(chain, POOL[0], POOL[1])
    rival = _statement(chain, POOL[0], POOL[2])
    chain, _ = chain.extend(first, rotation_from_payload, T0)
    with pytest.raises(KeyChainFork, match="not by the chain's current key"):
        chain.extend(rival, rotation_from_payload, T0)


def test_the_same_statement_twice_is_a_duplicate() -> None:
    chain = _chain()
    statement = _statement(chain, POOL[0], POOL[1])
    once, _ = chain.extend(statement, rotation_from_payload, T0)
    twice, changed = once.extend(statement, rotation_from_payload, T0)
    assert not changed and twice == once


def test_a_statement_naming_another_previous_hash_is_a_fork() -> None:
    chain = _chain()
    s = chain.next_rotation(POOL[1].public, T0, T0)
    bad = type(s)(s.node_id, s.sequence, s.public_key, s.valid_from, s.overlap_end, "00" * 32)
    e = env.sign(ROTATION_PAYLOAD, rotation_payload(bad), POOL[0]).with_signature(POOL[1])
    with pytest.raises(KeyChainFork, match="another previous statement"):
        chain.extend(e, rotation_from_payload, T0)


def test_a_skipped_sequence_is_refused() -> None:
    chain = _chain()
    s = chain.next_rotation(POOL[1].public, T0, T0)
    skip = type(s)(s.node_id, 5, s.public_key, s.valid_from, s.overlap_end, s.previous_hash)
    e = env.sign(ROTATION_PAYLOAD, rotation_payload(skip), POOL[0]).with_signature(POOL[1])
    with pytest.raises(KeyChainGap, match="skips sequence 1"):
        chain.extend(e, rotation_from_payload, T0)


def test_a_chain_registered_by_an_administrator_anchors_at_the_first_statement() -> None:
    # Be-gent rotated twice before Terneuzen registered its current key.
    chain = KeyChain.starting_at(NODE, POOL[2].public, T0, sequence=None)
    s = chain.next_rotation(POOL[3].public, T0, T0)
    later = type(s)(s.node_id, 3, s.public_key, s.valid_from, s.overlap_end, "ab" * 32)
    e = env.sign(ROTATION_PAYLOAD, rotation_payload(later), POOL[2]).with_signature(POOL[3])
    chain, _ = chain.extend(e, rotation_from_payload, T0)
    assert chain.head.sequence == 3
    with pytest.raises(KeyChainFork):  # from now on the sequence is held
        chain.extend(_statement(chain, POOL[2], POOL[4]), rotation_from_payload, T0)


def test_a_revoked_key_signs_nothing_new_from_since_but_history_still_verifies() -> None:
    chain = _rotate(_chain(), POOL[0], POOL[1])
    since = T0 + timedelta(days=1)
    chain = chain.revoke(POOL[1].key_id, since)
    chain.check_new([POOL[1].key_id], since - timedelta(seconds=1))
    with pytest.raises(KeyNotAccepted, match=r"revoked since 2026-01-02"):
        chain.check_new([POOL[1].key_id], since)
    assert POOL[1].public in chain.public_keys  # rule 5


def test_revoking_a_key_revokes_the_keys_it_introduced_after_since() -> None:
    # The thief rotates with the stolen key to a key of its own; the revocation that
    # follows takes that key too.
    chain = _rotate(_chain(), POOL[0], POOL[1])
    chain = _rotate(chain, POOL[1], POOL[5], at=T0 + timedelta(days=2))
    chain = chain.revoke(POOL[1].key_id, T0 + timedelta(days=1))
    with pytest.raises(KeyNotAccepted, match="revoked"):
        chain.check_new([POOL[5].key_id], T0 + timedelta(days=3))


def test_a_pending_key_is_refused_until_its_fingerprint_is_confirmed() -> None:
    chain = _chain()
    statement = _statement(chain, POOL[0], POOL[1])
    chain = chain.with_pending(statement, rotation_from_payload, T0)
    with pytest.raises(KeyNotAccepted, match="awaits confirmation"):
        chain.check_new([POOL[1].key_id], T0)
    with pytest.raises(InvalidInput, match="no pending key"):
        chain.confirm("AAAA-BBBB-CCCC-DDDD")
    chain, confirmed = chain.confirm(key_fingerprint(POOL[1].public))
    assert confirmed.key_id == chain.head.key_id == POOL[1].key_id
    chain.check_new([POOL[1].key_id], T0)


def test_retiring_the_only_current_key_is_refused() -> None:
    with pytest.raises(InvalidInput, match="only key"):
        _chain().retire(POOL[0].key_id, T0)
    chain = _chain().with_registered(POOL[1].public, T0)
    chain = chain.retire(POOL[0].key_id, T0)
    with pytest.raises(KeyNotAccepted):
        chain.check_new([POOL[0].key_id], T0)


def test_payload_types_of_statements_differ() -> None:
    assert ROTATION_PAYLOAD != REVOCATION_PAYLOAD


# -- properties ------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(min_value=1, max_value=len(POOL) - 1), min_size=1, max_size=6, unique=True)
)
def test_a_chain_of_rotations_keeps_every_key_for_history_and_one_current_key(order) -> None:
    chain, current, at = _chain(), POOL[0], T0
    for i in order:
        at += timedelta(days=1)
        chain = _rotate(chain, current, POOL[i], at)
        current = POOL[i]
    assert chain.head.key_id == current.key_id
    assert chain.head.sequence == len(order)
    assert set(chain.public_keys) == {POOL[0].public, *(POOL[i].public for i in order)}
    later = at + timedelta(days=8)
    accepted = []
    for k in chain.keys:
        try:
            chain.check_new([k.key_id], later)
            accepted.append(k.key_id)
        except KeyNotAccepted:
            pass
    assert accepted == [current.key_id]


@settings(max_examples=40, deadline=None)
@given(
    st.integers(min_value=1, max_value=4),
    st.integers(min_value=0, max_value=3),
    st.integers(min_value=2, max_value=len(POOL) - 1),
)
def test_no_statement_other_than_the_next_from_the_head_extends_a_chain(length, back, rival):
    """Rule 3: replaying any held position with another key is a fork, never applied."""
    keys = POOL[: length + 1]
    chain = _chain(keys[0])
    snapshots = [chain]
    for old, new in itertools.pairwise(keys):
        chain = _rotate(chain, old, new)
        snapshots.append(chain)
    back = min(back, length - 1)
    earlier = snapshots[back]
    signer = keys[back]
    rival_key = POOL[rival] if POOL[rival] not in keys else NodeSigningKey.generate()
    statement = _statement(earlier, signer, rival_key)
    with pytest.raises((KeyChainFork, InvalidInput)):
        chain.extend(statement, rotation_from_payload, T0)
    assert chain.head.key_id == keys[-1].key_id


def test_a_rotation_signed_by_a_revoked_key_is_refused_outright() -> None:
    chain = _chain().revoke(POOL[0].key_id, T0)
    thief = _statement(chain, POOL[0], POOL[6])
    with pytest.raises(KeyNotAccepted, match="revoked since"):
        chain.extend(thief, rotation_from_payload, T0 + timedelta(hours=1))


def test_the_owner_s_replacement_and_a_pending_key_survive_the_revocation() -> None:
    chain = _rotate(_chain(), POOL[0], POOL[1], at=T0 + timedelta(days=2))
    own = chain.revoke(POOL[0].key_id, T0, replacement=POOL[1].key_id)
    own.check_new([POOL[1].key_id], T0 + timedelta(days=3))
    held = _chain().with_pending(_statement(_chain(), POOL[0], POOL[2]), rotation_from_payload, T0)
    held = held.revoke(POOL[0].key_id, T0)
    assert held.get(POOL[2].key_id).pending and held.get(POOL[2].key_id).revoked_since is None
