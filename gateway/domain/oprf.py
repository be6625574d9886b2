"""RFC 9497 verifiable oblivious pseudo-random function (VOPRF, modeVOPRF = 0x01) over
ristretto255 with SHA-512: the primitive behind the `oblivious` matching mode.

The server (a list's owner) holds skS; the client (a partner) learns F(skS, x) only for
inputs x it submits, blinded, one evaluation each, and the server learns nothing of x.
Each batch carries one DLEQ proof that every evaluation used the key behind pkS, the
public key the owner committed to (RFC 9497 section 2.2), so an owner cannot silently
evaluate one partner's reads under another key.

Names and steps follow RFC 9497 section 3 (protocol), 2.2 (proofs) and 4.1 (the
ristretto255-SHA512 suite); each function cites its section. Group arithmetic is
libsodium's (rbcl); this module only composes it. Randomness (blinds, the proof nonce
r) can be passed in so the tests reproduce the RFC's Appendix A vectors exactly.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import NamedTuple

import rbcl

from gateway.domain.errors import InvalidInput, ProofInvalid

MODE_VOPRF = 0x01
# RFC 9497 section 3.1: "OPRFV1-" || I2OSP(mode, 1) || "-" || identifier.
CONTEXT = b"OPRFV1-" + bytes([MODE_VOPRF]) + b"-ristretto255-SHA512"
HASH_TO_GROUP_DST = b"HashToGroup-" + CONTEXT
HASH_TO_SCALAR_DST = b"HashToScalar-" + CONTEXT
DERIVE_KEY_PAIR_DST = b"DeriveKeyPair" + CONTEXT
SEED_DST = b"Seed-" + CONTEXT

ELEMENT_BYTES = 32  # Ne
SCALAR_BYTES = 32  # Ns
PROOF_BYTES = 2 * SCALAR_BYTES
OUTPUT_BYTES = 64  # Nh: SHA-512
_IDENTITY = bytes(ELEMENT_BYTES)  # the one canonical encoding of the identity

_from_hash = rbcl.crypto_core_ristretto255_from_hash
_mult = rbcl.crypto_scalarmult_ristretto255
_mult_base = rbcl.crypto_scalarmult_ristretto255_base
_add = rbcl.crypto_core_ristretto255_add
_valid = rbcl.crypto_core_ristretto255_is_valid_point
_reduce = rbcl.crypto_core_ristretto255_scalar_reduce
_s_mul = rbcl.crypto_core_ristretto255_scalar_mul
_s_sub = rbcl.crypto_core_ristretto255_scalar_sub
_s_invert = rbcl.crypto_core_ristretto255_scalar_invert
_s_random = rbcl.crypto_core_ristretto255_scalar_random


class KeyPair(NamedTuple):
    secret: bytes  # skS, a scalar
    public: bytes  # pkS = skS * G, an element


class Blinded(NamedTuple):
    """One client input after Blind: the blind stays with the client, the element goes."""

    blind: bytes
    element: bytes


class Evaluation(NamedTuple):
    """The server's answer to one batch: one element per blinded one, one proof."""

    elements: tuple[bytes, ...]
    proof: bytes


def _i2osp2(n: int) -> bytes:
    return n.to_bytes(2, "big")


def _lp(data: bytes) -> bytes:
    """I2OSP(len(data), 2) || data: how every transcript frames its parts."""
    return len(data).to_bytes(2, "big") + data


def expand_message_xmd(msg: bytes, dst: bytes, length: int) -> bytes:
    """RFC 9380 section 5.3.1 with SHA-512 (b_in_bytes 64, s_in_bytes 128)."""
    if len(dst) > 255:
        raise InvalidInput("expand_message_xmd: DST longer than 255 bytes")
    ell = -(-length // 64)
    if ell > 255 or length > 65535:
        raise InvalidInput("expand_message_xmd: output too long")
    dst_prime = dst + bytes([len(dst)])
    b0 = hashlib.sha512(bytes(128) + msg + _i2osp2(length) + b"\x00" + dst_prime).digest()
    bi = hashlib.sha512(b0 + b"\x01" + dst_prime).digest()
    out = [bi]
    for i in range(2, ell + 1):
        bi = hashlib.sha512(
            bytes(a ^ b for a, b in zip(b0, bi, strict=True)) + bytes([i]) + dst_prime
        ).digest()
        out.append(bi)
    return b"".join(out)[:length]


def hash_to_group(data: bytes, dst: bytes = HASH_TO_GROUP_DST) -> bytes:
    """RFC 9497 section 4.1: hash_to_ristretto255 (RFC 9380 appendix B) of 64 uniform
    bytes, i.e. libsodium's one-way map from a 64-byte hash."""
    return _from_hash(expand_message_xmd(data, dst, 64))


def hash_to_scalar(data: bytes, dst: bytes = HASH_TO_SCALAR_DST) -> bytes:
    """RFC 9497 section 4.1: 64 uniform bytes, read little-endian, reduced mod L."""
    return _reduce(expand_message_xmd(data, dst, 64))


def deserialize_element(data: bytes) -> bytes:
    """RFC 9497 section 4.1 DeserializeElement: a canonical ristretto255 encoding, not
    the identity (libsodium accepts the identity as valid, so it is refused here)."""
    if len(data) != ELEMENT_BYTES or data == _IDENTITY or not _valid(data):
        raise InvalidInput("not a valid ristretto255 element")
    return data


def derive_key_pair(seed: bytes, info: bytes) -> KeyPair:
    """RFC 9497 section 3.2.1 DeriveKeyPair."""
    derive_input = seed + _lp(info)
    for counter in range(256):
        sk = hash_to_scalar(derive_input + bytes([counter]), DERIVE_KEY_PAIR_DST)
        if sk != bytes(SCALAR_BYTES):
            return KeyPair(sk, _mult_base(sk))
    raise InvalidInput("DeriveKeyPair: no non-zero scalar in 256 tries")  # pragma: no cover


def blind(data: bytes, blind: bytes | None = None) -> Blinded:
    """RFC 9497 section 3.3.2 Blind: r * HashToGroup(input), r random unless given."""
    r = _s_random() if blind is None else blind
    point = hash_to_group(data)
    if point == _IDENTITY:  # pragma: no cover - needs a SHA-512 preimage
        raise InvalidInput("input maps to the identity element")
    return Blinded(r, _mult(r, point))


def _composite_seed(pk: bytes) -> bytes:
    return hashlib.sha512(_lp(pk) + _lp(SEED_DST)).digest()


def _composite_scalars(pk: bytes, cs: Sequence[bytes], ds: Sequence[bytes]) -> list[bytes]:
    """The d_i of ComputeComposites (RFC 9497 section 2.2.1), one per (C_i, D_i)."""
    seed = _lp(_composite_seed(pk))
    return [
        hash_to_scalar(seed + _i2osp2(i) + _lp(c) + _lp(d) + b"Composite")
        for i, (c, d) in enumerate(zip(cs, ds, strict=True))
    ]


def _weighted_sum(scalars: Sequence[bytes], points: Sequence[bytes]) -> bytes:
    total = _mult(scalars[0], points[0])
    for s, p in zip(scalars[1:], points[1:], strict=True):
        total = _add(total, _mult(s, p))
    return total


def _challenge(pk: bytes, m: bytes, z: bytes, t2: bytes, t3: bytes) -> bytes:
    """RFC 9497 section 2.2.1/2.2.2: the challenge over B, M, Z, t2, t3."""
    return hash_to_scalar(_lp(pk) + _lp(m) + _lp(z) + _lp(t2) + _lp(t3) + b"Challenge")


def _check_batch(blinded: Sequence[bytes], evaluated: Sequence[bytes] | None = None) -> None:
    if not blinded:
        raise InvalidInput("an evaluation batch needs at least one element")
    if evaluated is not None and len(evaluated) != len(blinded):
        raise ProofInvalid(f"the owner answered {len(evaluated)} elements for {len(blinded)} sent")


def blind_evaluate(key: KeyPair, blinded: Sequence[bytes], r: bytes | None = None) -> Evaluation:
    """RFC 9497 section 3.3.2 BlindEvaluate for a batch, with one proof made by
    GenerateProof and ComputeCompositesFast (section 2.2.1). Each blinded element must
    already have passed deserialize_element."""
    _check_batch(blinded)
    evaluated = tuple(_mult(key.secret, c) for c in blinded)
    d = _composite_scalars(key.public, blinded, evaluated)
    m = _weighted_sum(d, blinded)
    z = _mult(key.secret, m)  # ComputeCompositesFast: Z = k * M
    nonce = _s_random() if r is None else r
    t2 = _mult_base(nonce)
    t3 = _mult(nonce, m)
    c = _challenge(key.public, m, z, t2, t3)
    s = _s_sub(nonce, _s_mul(c, key.secret))
    return Evaluation(evaluated, c + s)


def verify_proof(
    public: bytes, blinded: Sequence[bytes], evaluated: Sequence[bytes], proof: bytes
) -> None:
    """RFC 9497 section 2.2.2 VerifyProof with ComputeComposites (section 2.2.1): raise
    ProofInvalid unless every evaluated element is skS times its blinded one for the
    skS behind `public`."""
    _check_batch(blinded, evaluated)
    if len(proof) != PROOF_BYTES:
        raise ProofInvalid("the evaluation proof is malformed")
    try:
        # DeserializeElement of each evaluated element happens in its first use below:
        # libsodium's scalar multiplication refuses a non-canonical or invalid
        # encoding, and the identity (its product is the identity), with -1, which
        # rbcl raises as RuntimeError. No separate check per element.
        d = _composite_scalars(public, blinded, evaluated)
        m = _weighted_sum(d, blinded)
        z = _weighted_sum(d, evaluated)
        c, s = proof[:SCALAR_BYTES], proof[SCALAR_BYTES:]
        t2 = _add(_mult_base(s), _mult(c, public))
        t3 = _add(_mult(s, m), _mult(c, z))
    except (InvalidInput, RuntimeError) as exc:
        # RuntimeError: libsodium refused a scalar (>= L) or a product was the identity.
        raise ProofInvalid("the evaluation proof does not verify") from exc
    if _challenge(public, m, z, t2, t3) != c:
        raise ProofInvalid("the owner's evaluation is not proven under the key it committed to")


def _finalize_hash(data: bytes, element: bytes) -> bytes:
    return hashlib.sha512(_lp(data) + _lp(element) + b"Finalize").digest()


def unblind(data: bytes, blind_scalar: bytes, evaluated: bytes) -> bytes:
    """The output for one input of a batch whose proof has been verified (the last
    steps of RFC 9497 section 3.3.2 Finalize)."""
    return _finalize_hash(data, _mult(_s_invert(blind_scalar), evaluated))


def _invert_all(scalars: Sequence[bytes]) -> list[bytes]:
    """Every scalar's inverse with one inversion (Montgomery's trick): an inversion
    costs about 50 scalar multiplications here, and a batch has hundreds."""
    prefix = [scalars[0]]
    for s in scalars[1:]:
        prefix.append(_s_mul(prefix[-1], s))
    inv = _s_invert(prefix[-1])
    out = [b""] * len(scalars)
    for i in range(len(scalars) - 1, 0, -1):
        out[i] = _s_mul(inv, prefix[i - 1])
        inv = _s_mul(inv, scalars[i])
    out[0] = inv
    return out


def unblind_all(
    inputs: Sequence[bytes], blinds: Sequence[bytes], evaluated: Sequence[bytes]
) -> list[bytes]:
    """unblind for a whole verified batch, the blinds inverted together."""
    inverses = _invert_all(blinds)
    return [
        _finalize_hash(x, _mult(inv, e))
        for x, inv, e in zip(inputs, inverses, evaluated, strict=True)
    ]


def finalize(
    inputs: Sequence[bytes],
    blinds: Sequence[bytes],
    blinded: Sequence[bytes],
    evaluation: Evaluation,
    public: bytes,
) -> list[bytes]:
    """RFC 9497 section 3.3.2 Finalize for a batch: verify the one proof, then unblind
    each evaluated element and hash it with its input."""
    verify_proof(public, blinded, evaluation.elements, evaluation.proof)
    return [unblind(x, b, e) for x, b, e in zip(inputs, blinds, evaluation.elements, strict=True)]


def evaluate(secret: bytes, data: bytes) -> bytes:
    """RFC 9497 section 3.3.2 Evaluate: the server's own PRF output for an input, what
    a client gets from Finalize after Blind and BlindEvaluate of the same input."""
    point = hash_to_group(data)
    if point == _IDENTITY:  # pragma: no cover - needs a SHA-512 preimage
        raise InvalidInput("input maps to the identity element")
    return _finalize_hash(data, _mult(secret, point))


__all__ = [
    "CONTEXT",
    "ELEMENT_BYTES",
    "OUTPUT_BYTES",
    "PROOF_BYTES",
    "Blinded",
    "Evaluation",
    "KeyPair",
    "ProofInvalid",
    "blind",
    "blind_evaluate",
    "derive_key_pair",
    "deserialize_element",
    "evaluate",
    "expand_message_xmd",
    "finalize",
    "hash_to_group",
    "hash_to_scalar",
    "unblind",
    "unblind_all",
    "verify_proof",
]
