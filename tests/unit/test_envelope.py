"""Specification of signed envelopes (DSSE style) in gateway.domain.envelope."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.domain.envelope import (
    AGREEMENT_PAYLOAD,
    AGREEMENT_STATUS_PAYLOAD,
    Envelope,
    Signature,
    pae,
    payload_fingerprint,
    sign,
    verify,
)
from gateway.domain.errors import ArgosError, InvalidInput, SignatureInvalid
from gateway.domain.identity import NodeSigningKey

PAYLOAD = b"agreement terms, exactly as signed"

# Keys are expensive enough to generate that the property test reuses them.
GENT = NodeSigningKey.generate()
TERNEUZEN = NodeSigningKey.generate()
MALLORY = NodeSigningKey.generate()


def _flip(data: bytes, index: int, mask: int = 0x01) -> bytes:
    return data[:index] + bytes([data[index] ^ mask]) + data[index + 1 :]


# -- PAE -----------------------------------------------------------------------------


def test_pae_matches_the_dsse_spec_for_a_small_example() -> None:
    assert pae("abc", b"hello") == b"DSSEv1 3 abc 5 hello"


def test_pae_of_an_empty_payload_still_carries_its_zero_length() -> None:
    assert pae("t", b"") == b"DSSEv1 1 t 0 "


def test_pae_counts_the_type_length_in_utf8_bytes_not_characters() -> None:
    assert pae("é", b"x") == b"DSSEv1 2 \xc3\xa9 1 x"


def test_pae_separates_type_and_payload_so_they_cannot_be_shifted() -> None:
    assert pae("ab", b"c") != pae("a", b"bc")


# -- sign / verify --------------------------------------------------------------------


def test_signed_envelope_verifies_and_returns_the_payload_bytes() -> None:
    env = sign(AGREEMENT_PAYLOAD, PAYLOAD, GENT)
    assert verify(env, payload_type=AGREEMENT_PAYLOAD, signers={"be-gent": GENT.public}) == PAYLOAD


def test_signature_covers_the_pae_of_type_and_payload() -> None:
    env = sign(AGREEMENT_PAYLOAD, PAYLOAD, GENT)
    (signature,) = env.signatures
    assert signature.key_id == GENT.key_id
    assert GENT.public.verify(pae(AGREEMENT_PAYLOAD, PAYLOAD), signature.sig)
    assert not GENT.public.verify(PAYLOAD, signature.sig)


def test_envelope_signed_by_both_parties_verifies_against_both() -> None:
    env = sign(AGREEMENT_PAYLOAD, PAYLOAD, GENT).with_signature(TERNEUZEN)
    signers = {"be-gent": GENT.public, "nl-terneuzen": TERNEUZEN.public}
    assert verify(env, payload_type=AGREEMENT_PAYLOAD, signers=signers) == PAYLOAD


def test_envelope_with_one_byte_changed_is_rejected() -> None:
    env = sign(AGREEMENT_PAYLOAD, PAYLOAD, GENT)
    tampered = Envelope(env.payload_type, _flip(env.payload, 5), env.signatures)
    with pytest.raises(SignatureInvalid, match="be-gent"):
        verify(tampered, payload_type=AGREEMENT_PAYLOAD, signers={"be-gent": GENT.public})


def test_envelope_with_one_signature_byte_changed_is_rejected() -> None:
    env = sign(AGREEMENT_PAYLOAD, PAYLOAD, GENT)
    (s,) = env.signatures
    tampered = Envelope(env.payload_type, env.payload, (Signature(s.key_id, _flip(s.sig, 0)),))
    with pytest.raises(SignatureInvalid):
        verify(tampered, payload_type=AGREEMENT_PAYLOAD, signers={"be-gent": GENT.public})


def test_envelope_of_another_payload_type_than_expected_is_rejected() -> None:
    env = sign(AGREEMENT_STATUS_PAYLOAD, PAYLOAD, GENT)
    with pytest.raises(InvalidInput, match="expected"):
        verify(env, payload_type=AGREEMENT_PAYLOAD, signers={"be-gent": GENT.public})


def test_relabelled_payload_type_breaks_the_signature() -> None:
    # An attacker relabels a status change as an agreement; the caller expects an
    # agreement, so only the signature over PAE (which includes the type) can catch it.
    env = sign(AGREEMENT_STATUS_PAYLOAD, PAYLOAD, GENT)
    relabelled = Envelope(AGREEMENT_PAYLOAD, env.payload, env.signatures)
    with pytest.raises(SignatureInvalid):
        verify(relabelled, payload_type=AGREEMENT_PAYLOAD, signers={"be-gent": GENT.public})


def test_signature_by_a_key_not_among_the_signers_is_rejected_naming_that_key() -> None:
    env = sign(AGREEMENT_PAYLOAD, PAYLOAD, GENT).with_signature(MALLORY)
    with pytest.raises(SignatureInvalid) as caught:
        verify(env, payload_type=AGREEMENT_PAYLOAD, signers={"be-gent": GENT.public})
    assert MALLORY.key_id in str(caught.value)


def test_envelope_signed_only_by_a_stranger_is_rejected_naming_the_stranger() -> None:
    env = sign(AGREEMENT_PAYLOAD, PAYLOAD, MALLORY)
    with pytest.raises(SignatureInvalid) as caught:
        verify(env, payload_type=AGREEMENT_PAYLOAD, signers={"be-gent": GENT.public})
    assert MALLORY.key_id in str(caught.value)


def test_envelope_missing_a_required_signer_is_rejected_naming_that_signer() -> None:
    env = sign(AGREEMENT_PAYLOAD, PAYLOAD, GENT)
    signers = {"be-gent": GENT.public, "nl-terneuzen": TERNEUZEN.public}
    with pytest.raises(SignatureInvalid, match="nl-terneuzen"):
        verify(env, payload_type=AGREEMENT_PAYLOAD, signers=signers)


def test_a_signer_with_two_keys_is_verified_against_the_key_its_signature_names() -> None:
    """A partner rotating its key holds two: an envelope signed with either verifies,
    matched by key id, and the call site still names the signer once."""
    successor = NodeSigningKey.generate()
    keys = (GENT.public, successor.public)
    for key in (GENT, successor):
        envelope = sign(AGREEMENT_PAYLOAD, PAYLOAD, key)
        assert verify(envelope, payload_type=AGREEMENT_PAYLOAD, signers={"be-gent": keys}) == (
            PAYLOAD
        )
    both = sign(AGREEMENT_PAYLOAD, PAYLOAD, GENT).with_signature(successor)
    assert verify(both, payload_type=AGREEMENT_PAYLOAD, signers={"be-gent": keys}) == PAYLOAD
    stranger = sign(AGREEMENT_PAYLOAD, PAYLOAD, MALLORY)
    with pytest.raises(SignatureInvalid, match=MALLORY.key_id):
        verify(stranger, payload_type=AGREEMENT_PAYLOAD, signers={"be-gent": keys})


def test_a_signer_with_several_keys_must_still_sign_with_one_of_them() -> None:
    envelope = sign(AGREEMENT_PAYLOAD, PAYLOAD, GENT)
    signers = {"be-gent": (GENT.public,), "nl-terneuzen": (TERNEUZEN.public, MALLORY.public)}
    with pytest.raises(SignatureInvalid, match="lacks the signature of nl-terneuzen"):
        verify(envelope, payload_type=AGREEMENT_PAYLOAD, signers=signers)


def test_envelope_without_any_signature_is_rejected() -> None:
    env = Envelope(AGREEMENT_PAYLOAD, PAYLOAD, ())
    with pytest.raises(SignatureInvalid):
        verify(env, payload_type=AGREEMENT_PAYLOAD, signers={"be-gent": GENT.public})


def test_signature_made_by_another_key_under_the_right_key_id_is_rejected() -> None:
    forged = Signature(GENT.key_id, MALLORY.sign(pae(AGREEMENT_PAYLOAD, PAYLOAD)))
    env = Envelope(AGREEMENT_PAYLOAD, PAYLOAD, (forged,))
    with pytest.raises(SignatureInvalid, match="does not verify"):
        verify(env, payload_type=AGREEMENT_PAYLOAD, signers={"be-gent": GENT.public})


def test_duplicate_signature_by_the_same_key_is_rejected() -> None:
    env = sign(AGREEMENT_PAYLOAD, PAYLOAD, GENT)
    doubled = Envelope(env.payload_type, env.payload, env.signatures * 2)
    with pytest.raises(SignatureInvalid, match="twice"):
        verify(doubled, payload_type=AGREEMENT_PAYLOAD, signers={"be-gent": GENT.public})


def test_envelope_with_too_many_signatures_is_rejected() -> None:
    env = sign(AGREEMENT_PAYLOAD, PAYLOAD, GENT)
    for _ in range(8):
        env = env.with_signature(NodeSigningKey.generate())
    assert len(env.signatures) == 9
    with pytest.raises(InvalidInput, match="more than"):
        verify(env, payload_type=AGREEMENT_PAYLOAD, signers={"be-gent": GENT.public})


# -- with_signature ordering ----------------------------------------------------------


def test_with_signature_keeps_signatures_sorted_by_key_id() -> None:
    keys = [NodeSigningKey.generate() for _ in range(5)]
    env = sign(AGREEMENT_PAYLOAD, PAYLOAD, keys[0])
    for key in keys[1:]:
        env = env.with_signature(key)
    ids = [s.key_id for s in env.signatures]
    assert ids == sorted(ids)
    assert set(ids) == {k.key_id for k in keys}


def test_two_parties_signing_in_opposite_order_hold_equal_envelopes() -> None:
    gent_first = sign(AGREEMENT_PAYLOAD, PAYLOAD, GENT).with_signature(TERNEUZEN)
    terneuzen_first = sign(AGREEMENT_PAYLOAD, PAYLOAD, TERNEUZEN).with_signature(GENT)
    assert gent_first == terneuzen_first


def test_signing_again_with_the_same_key_does_not_add_a_second_signature() -> None:
    env = sign(AGREEMENT_PAYLOAD, PAYLOAD, GENT)
    assert env.with_signature(GENT) == env
    assert len(env.with_signature(GENT).signatures) == 1


def test_signer_key_ids_lists_every_signing_key() -> None:
    env = sign(AGREEMENT_PAYLOAD, PAYLOAD, GENT).with_signature(TERNEUZEN)
    assert env.signer_key_ids == {GENT.key_id, TERNEUZEN.key_id}


# -- fingerprint ----------------------------------------------------------------------


def test_payload_fingerprint_is_four_groups_of_four_base32_characters() -> None:
    assert re.fullmatch(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){3}", payload_fingerprint(PAYLOAD))


def test_payload_fingerprint_is_stable_for_the_same_bytes() -> None:
    assert payload_fingerprint(PAYLOAD) == payload_fingerprint(bytes(PAYLOAD))


def test_payload_fingerprint_differs_for_different_payloads() -> None:
    assert payload_fingerprint(PAYLOAD) != payload_fingerprint(_flip(PAYLOAD, 0))
    assert payload_fingerprint(b"") != payload_fingerprint(b"\x00")


# -- property ---------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    payload=st.binary(min_size=1, max_size=512),
    position=st.integers(min_value=0),
    mask=st.integers(min_value=1, max_value=255),
)
def test_any_single_byte_mutation_of_the_payload_fails_verification(
    payload: bytes, position: int, mask: int
) -> None:
    env = sign(AGREEMENT_PAYLOAD, payload, GENT)
    signers = {"be-gent": GENT.public}
    assert verify(env, payload_type=AGREEMENT_PAYLOAD, signers=signers) == payload
    mutated = Envelope(
        env.payload_type, _flip(payload, position % len(payload), mask), env.signatures
    )
    with pytest.raises(SignatureInvalid):
        verify(mutated, payload_type=AGREEMENT_PAYLOAD, signers=signers)


@settings(max_examples=50, deadline=None)
@given(payload=st.binary(max_size=256))
def test_verification_refusals_are_argos_errors_never_crashes(payload: bytes) -> None:
    env = sign(AGREEMENT_PAYLOAD, payload, MALLORY)
    with pytest.raises(ArgosError):
        verify(env, payload_type=AGREEMENT_PAYLOAD, signers={"be-gent": GENT.public})
