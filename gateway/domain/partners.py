"""A partner node as this node knows it: where to reach it, how to recognise its TLS
certificate, and the Ed25519 keys it signs with, each named by its key id.

A partner usually holds one signing key; while it rotates one it holds two, and an
envelope is verified against the key its signature names (domain.envelope rule 4), so
nothing that verifies a partner's signature needs to know how many keys it has.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gateway.domain.identity import PublicNodeKey
from gateway.domain.peer import PartnerTrust


@dataclass(frozen=True)
class Partner:
    node_id: str
    endpoint: str
    keys: tuple[PublicNodeKey, ...]  # oldest first
    tls_ca_pem: str
    tls_pin_sha256: str
    added_at: datetime

    def __post_init__(self) -> None:
        if not self.keys:
            raise ValueError(f"partner {self.node_id} has no signing key")

    @property
    def public_key(self) -> PublicNodeKey:
        """The partner's newest signing key (what an administrator registered last)."""
        return self.keys[-1]

    def key(self, key_id: str) -> PublicNodeKey | None:
        return next((k for k in self.keys if k.key_id == key_id), None)

    @property
    def trust(self) -> PartnerTrust:
        """What its TLS certificate is checked against (domain.peer)."""
        return PartnerTrust(self.node_id, self.tls_ca_pem, self.tls_pin_sha256)
