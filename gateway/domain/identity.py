"""Node identity: node ids, Ed25519 signing keys and the key ids derived from them.

A node id names a port node ("be-gent"); a key id names one of its signing keys and is
derived from the public key alone, so anyone can recompute and compare it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

from gateway.domain.errors import InvalidInput

NODE_ID_PATTERN = re.compile(r"^[a-z]{2}-[a-z0-9-]{2,40}$")
PUBLIC_KEY_BYTES = 32


def check_node_id(node_id: str) -> str:
    """Return node_id if it has the form "<country>-<name>", else raise InvalidInput."""
    if not NODE_ID_PATTERN.match(node_id):
        raise InvalidInput(
            f"node id {node_id!r} is not of the form '<country>-<name>' (lowercase, e.g. 'be-gent')"
        )
    return node_id


def key_id(public_key: bytes) -> str:
    """Key id of an Ed25519 public key: 'ed25519:' + hex of the first 16 bytes of SHA-256."""
    if len(public_key) != PUBLIC_KEY_BYTES:
        raise InvalidInput(
            f"an Ed25519 public key has {PUBLIC_KEY_BYTES} bytes, got {len(public_key)}"
        )
    return "ed25519:" + hashlib.sha256(public_key).hexdigest()[:32]


@dataclass(frozen=True)
class PublicNodeKey:
    """A partner's (or our own) verification key."""

    raw: bytes

    def __post_init__(self) -> None:
        key_id(self.raw)  # validates the length

    @property
    def key_id(self) -> str:
        return key_id(self.raw)

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            VerifyKey(self.raw).verify(message, signature)
        except (BadSignatureError, ValueError):
            return False
        return True


class NodeSigningKey:
    """This node's Ed25519 signing key. Its repr never shows the secret."""

    def __init__(self, seed: bytes) -> None:
        self._key = SigningKey(seed)

    @classmethod
    def generate(cls) -> NodeSigningKey:
        return cls(bytes(SigningKey.generate()))

    @property
    def seed(self) -> bytes:
        return bytes(self._key)

    @property
    def public(self) -> PublicNodeKey:
        return PublicNodeKey(bytes(self._key.verify_key))

    @property
    def key_id(self) -> str:
        return self.public.key_id

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message).signature

    def __repr__(self) -> str:
        return f"NodeSigningKey(key_id={self.key_id!r})"
