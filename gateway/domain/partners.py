"""A partner node as this node knows it: where to reach it, how to recognise its TLS
certificate, and the Ed25519 keys it signs with, each named by its key id.

A partner usually holds one signing key; while it rotates one it holds two, and an
envelope is verified against the key its signature names (domain.envelope rule 4), so
nothing that verifies a partner's signature needs to know how many keys it has. Stored
history is verified with every key (`keys`); a NEW message must also be signed by a key
its chain accepts now (`check_new`, domain.keychain rule 4).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from gateway.domain.identity import PublicNodeKey
from gateway.domain.keychain import KeyChain
from gateway.domain.peer import PartnerTrust


@dataclass(frozen=True)
class Partner:
    node_id: str
    endpoint: str
    keys: tuple[PublicNodeKey, ...]  # oldest first
    tls_ca_pem: str
    tls_pin_sha256: str
    added_at: datetime
    # The keys with their windows; None: the keys as an administrator registered them.
    chain: KeyChain | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if not self.keys:
            raise ValueError(f"partner {self.node_id} has no signing key")

    @property
    def key_chain(self) -> KeyChain:
        if self.chain is not None:
            return self.chain
        first, *rest = self.keys
        chain = KeyChain.starting_at(self.node_id, first, self.added_at, sequence=None)
        for key in rest:
            chain = chain.with_registered(key, self.added_at)
        return chain

    def check_new(self, key_ids: Iterable[str], now: datetime) -> None:
        """Raise KeyNotAccepted if a key among these may not sign a new message now."""
        if self.chain is not None:
            self.chain.check_new(key_ids, now)

    @property
    def public_key(self) -> PublicNodeKey:
        """The key the partner signs with now: its chain's head (never a pending key)."""
        return self.chain.head.key if self.chain is not None else self.keys[-1]

    def key(self, key_id: str) -> PublicNodeKey | None:
        return next((k for k in self.keys if k.key_id == key_id), None)

    @property
    def trust(self) -> PartnerTrust:
        """What its TLS certificate is checked against (domain.peer)."""
        return PartnerTrust(self.node_id, self.tls_ca_pem, self.tls_pin_sha256)
