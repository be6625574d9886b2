"""The token scheme: the plate leaves as a keyed BLAKE2b hash of normalised plate and
country, under a key that belongs to one agreement version; the recipient fetches that
key and hashes every reading to look it up. Another agreement version, or another
partner, gives another key, so tokens for one plate cannot be linked across them.
Whoever holds the key can hash every plate of a national format: tokens protect the
list from everyone but the partner's gateway itself (docs/threat-model.md)."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from gateway.domain.agreement import MatchingMode
from gateway.domain.errors import AgreementViolation
from gateway.domain.schemes import SharedPlate

if TYPE_CHECKING:
    from gateway.domain.matching import HotlistIndex
    from gateway.domain.minimise import MinimisedEntry
    from gateway.domain.plates import Plate

TOKEN_BYTES = 16
TOKEN_KEY_BYTES = 32
TOKEN_PERSON = b"argos-plate-v1"


def derive_token_key(master: bytes, agreement_id: str, version: int) -> bytes:
    """The token key of one agreement version, derived from the provider's master key:
    distinct per agreement and version, and reproducible without storing it."""
    return hashlib.blake2b(
        f"{agreement_id}\x1f{version}".encode(),
        key=master,
        digest_size=TOKEN_KEY_BYTES,
        person=b"argos-tokenkey1",
    ).digest()


def plate_token(key: bytes, plate: str, country: str) -> bytes:
    """Keyed BLAKE2b of normalised plate and alpha-2 country (empty when unknown)."""
    return hashlib.blake2b(
        f"{plate}\x1f{country}".encode(), key=key, digest_size=TOKEN_BYTES, person=TOKEN_PERSON
    ).digest()


class TokenScheme:
    mode = MatchingMode.TOKEN
    key_from_provider = True
    keyed_by_master = True
    gives_plaintext = False

    def shared_plate(self, plate: Plate, key: bytes) -> SharedPlate:
        return SharedPlate(
            plate_token(key, plate.normalised, plate.country), None, None, not plate.country
        )

    def provider_key(self, master: bytes, agreement_id: str, version: int) -> bytes:
        return derive_token_key(master, agreement_id, version)

    def check_shared(self, m: MinimisedEntry) -> None:
        if m.plate is not None or m.country is not None or not m.plate_token:
            raise AgreementViolation(
                f"entry {m.entry_id} carries a plaintext plate the agreement does not allow"
            )
        if len(m.plate_token) != TOKEN_BYTES:
            raise AgreementViolation(f"entry {m.entry_id} has a malformed plate token")

    def index(self, list_id: str, owner: str, keys: tuple[bytes, ...]) -> HotlistIndex:
        from gateway.domain.matching import HotlistIndex

        # The index hashes each reading under every key held (one per agreement version).
        return HotlistIndex(list_id, owner, keys)

    def index_key(
        self, plate_token: bytes | None, plate: str | None, country: str | None
    ) -> object | None:
        return plate_token


TOKEN = TokenScheme()
