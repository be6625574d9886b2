"""Signed envelopes (DSSE style): payload bytes plus signatures over exactly those bytes.

Rules enforced here:
1. A signature covers PAE(payload_type, payload) - the type is signed too, so a payload
   cannot be replayed as another kind of document.
2. Verification works on the bytes as received and never re-serialises a decoded
   message; the payload is decoded only by the caller, after verify() succeeded.
3. Every required signer must have a valid signature; unknown extra signatures are an
   error, not ignored, so the set of signers is exactly what the caller expects.
4. A signer may hold several keys (a key being rotated): each signature is matched to
   its signer by the key id it names, never by trying keys.
"""

from __future__ import annotations

import hashlib
from base64 import b32encode
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from gateway.domain.errors import InvalidInput, SignatureInvalid
from gateway.domain.identity import NodeSigningKey, PublicNodeKey

AGREEMENT_PAYLOAD = "application/vnd.argos.agreement.v1+protobuf"
AGREEMENT_STATUS_PAYLOAD = "application/vnd.argos.agreement-status.v1+protobuf"
MAX_SIGNATURES = 8

# The keys a signer may sign with: one key, or several (rule 4).
SignerKeys = PublicNodeKey | Collection[PublicNodeKey]


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE pre-authentication encoding: 'DSSEv1' SP len(type) SP type SP len(body) SP body."""
    t = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(payload), payload)


@dataclass(frozen=True)
class Signature:
    key_id: str
    sig: bytes


@dataclass(frozen=True)
class Envelope:
    payload_type: str
    payload: bytes
    signatures: tuple[Signature, ...]

    @property
    def signer_key_ids(self) -> frozenset[str]:
        return frozenset(s.key_id for s in self.signatures)

    def with_signature(self, key: NodeSigningKey) -> Envelope:
        """The same payload with key's signature added; signatures kept sorted by key id,
        so two parties that hold the same signatures hold byte-identical envelopes."""
        if key.key_id in self.signer_key_ids:
            return self
        sig = Signature(key.key_id, key.sign(pae(self.payload_type, self.payload)))
        return Envelope(
            self.payload_type,
            self.payload,
            tuple(sorted((*self.signatures, sig), key=lambda s: s.key_id)),
        )


def sign(payload_type: str, payload: bytes, key: NodeSigningKey) -> Envelope:
    return Envelope(payload_type, payload, ()).with_signature(key)


def payload_fingerprint(payload: bytes) -> str:
    """Short, phone-readable fingerprint of signed bytes: 80 bits of SHA-256, base32."""
    digest = b32encode(hashlib.sha256(payload).digest()[:10]).decode("ascii")
    return "-".join(digest[i : i + 4] for i in range(0, 16, 4))


def verify(
    envelope: Envelope,
    *,
    payload_type: str,
    signers: Mapping[str, SignerKeys],
) -> bytes:
    """Return the payload if every node in `signers` (node id -> its keys) signed it with
    one of its keys, and no one else did. Raise SignatureInvalid naming the first
    missing or bad signer."""
    if envelope.payload_type != payload_type:
        raise InvalidInput(f"expected a {payload_type!r} envelope, got {envelope.payload_type!r}")
    if len(envelope.signatures) > MAX_SIGNATURES:
        raise InvalidInput(f"envelope carries more than {MAX_SIGNATURES} signatures")
    by_key_id = {}
    for s in envelope.signatures:
        if s.key_id in by_key_id:
            raise SignatureInvalid(f"key {s.key_id} signed the envelope twice")
        by_key_id[s.key_id] = s
    owner: dict[str, tuple[str, PublicNodeKey]] = {}  # rule 4: key id -> (node, key)
    for node, keys in signers.items():
        for key in (keys,) if isinstance(keys, PublicNodeKey) else keys:
            owner[key.key_id] = (node, key)
    strangers = sorted(set(by_key_id) - set(owner))
    if strangers:
        raise SignatureInvalid(
            f"envelope is signed by key {strangers[0]}, which belongs to none of "
            f"{', '.join(sorted(signers))}"
        )
    message = pae(envelope.payload_type, envelope.payload)
    signed_by = {owner[key_id][0] for key_id in by_key_id}
    for node in sorted(signers):
        if node not in signed_by:
            keys = signers[node]
            named = keys.key_id if isinstance(keys, PublicNodeKey) else "any of its keys"
            raise SignatureInvalid(f"envelope lacks the signature of {node} (key {named})")
    for key_id, s in sorted(by_key_id.items()):
        node, key = owner[key_id]
        if not key.verify(message, s.sig):
            raise SignatureInvalid(
                f"signature of {node} (key {key_id}) does not verify: "
                "the envelope was altered or signed with another key"
            )
    return envelope.payload
