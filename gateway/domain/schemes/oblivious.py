"""The oblivious scheme (issue 20): the plate leaves as the first 16 bytes of an RFC 9497
VOPRF output under a key that never leaves the owner; the recipient learns whether a
reading is listed only by having the owner evaluate it, blinded, one element each
(gateway/domain/oprf.py), within the agreement's evaluation budget.

- Input of the PRF: normalised plate \\x1f alpha-2 country ("" when unknown), the same
  bytes the token scheme hashes.
- Owner key: derived per agreement version and plate-token epoch from the owner's
  token master (as the token key, another personalisation), so it is reproducible
  without storing it and is erased with its epoch's master.
- Public key commitment: the owner signs an ObliviousKeyCommitment naming agreement,
  version, epoch, provider, recipient and pkS with its node key, and hands it to the
  recipient in GetMatchingKey's answer (the channel a token key travels in, per
  version and epoch). The recipient verifies it before it stores pkS, and refuses
  every evaluation whose proof does not hold for that pkS.
- Truncation: 16 bytes. With N entries in a list, a reading that is not listed
  collides with one that is with probability about N / 2^128 (2.9e-33 for a million
  entries): far below any other source of a false hit.

The recipient's database holds only pkS, which tests nothing offline.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gateway.domain import envelope as env
from gateway.domain import oprf
from gateway.domain.agreement import MatchingMode
from gateway.domain.errors import AgreementViolation, InvalidInput
from gateway.domain.matching import EntryRef, HotlistIndex
from gateway.domain.schemes import SharedPlate

if TYPE_CHECKING:
    from gateway.domain.minimise import MinimisedEntry
    from gateway.domain.plates import Plate

OUTPUT_BYTES = 16
KEY_COMMITMENT_PAYLOAD = "application/vnd.argos.oprf-key.v1+protobuf"
_KEY_INFO = b"argos oblivious matching v1"


def derive_oblivious_key(master: bytes, agreement_id: str, version: int) -> oprf.KeyPair:
    """The owner's VOPRF key pair of one agreement version (RFC 9497 DeriveKeyPair over
    a seed keyed by the token master; the personalisation differs from the token
    key's, so neither key says anything about the other)."""
    seed = hashlib.blake2b(
        f"{agreement_id}\x1f{version}".encode(),
        key=master,
        digest_size=32,
        person=b"argos-oprfkey1",
    ).digest()
    return oprf.derive_key_pair(seed, _KEY_INFO)


def plate_input(plate: str, country: str) -> bytes:
    return f"{plate}\x1f{country}".encode()


def shared_output(secret: bytes, plate: str, country: str) -> bytes:
    """What the owner publishes for an entry: its PRF output, truncated."""
    return oprf.evaluate(secret, plate_input(plate, country))[:OUTPUT_BYTES]


@dataclass(frozen=True)
class KeyCommitment:
    """The owner's signed word that pkS is its key for one agreement version and epoch."""

    agreement_id: str
    agreement_version: int
    token_epoch: int
    provider: str
    recipient: str
    public_key: bytes


@dataclass(frozen=True)
class CommittedKey:
    """What a recipient keeps of a verified commitment: pkS and where it applies. Held in
    the matching-key store as 40 bytes (pkS, version and epoch, big-endian)."""

    public_key: bytes
    agreement_version: int
    token_epoch: int

    def encode(self) -> bytes:
        return (
            self.public_key
            + self.agreement_version.to_bytes(4, "big")
            + self.token_epoch.to_bytes(4, "big")
        )

    @classmethod
    def decode(cls, data: bytes) -> CommittedKey:
        if len(data) != oprf.ELEMENT_BYTES + 8:
            raise InvalidInput("a held oblivious key is malformed")
        return cls(
            data[:32], int.from_bytes(data[32:36], "big"), int.from_bytes(data[36:40], "big")
        )


def verify_commitment(
    envelope: env.Envelope,
    *,
    provider: str,
    provider_keys: env.SignerKeys,
    recipient: str,
    agreement_id: str,
    version: int,
    epoch: int,
    decode: Callable[[bytes], KeyCommitment],
) -> CommittedKey:
    """The committed key, if the provider signed it (its node key, no one else's) for
    exactly this agreement, version, epoch and pair of parties, and it is a valid
    element; SignatureInvalid / AgreementViolation / InvalidInput otherwise."""
    payload = env.verify(
        envelope, payload_type=KEY_COMMITMENT_PAYLOAD, signers={provider: provider_keys}
    )
    c = decode(payload)
    named = (c.agreement_id, c.agreement_version, c.token_epoch, c.provider, c.recipient)
    if named != (agreement_id, version, epoch, provider, recipient):
        raise AgreementViolation(
            f"key commitment names agreement {c.agreement_id} v{c.agreement_version} "
            f"epoch {c.token_epoch} from {c.provider} to {c.recipient}, expected "
            f"{agreement_id} v{version} epoch {epoch} from {provider} to {recipient}"
        )
    return CommittedKey(oprf.deserialize_element(c.public_key), version, epoch)


class ObliviousIndex(HotlistIndex):
    """A list held under an oblivious agreement: entries by truncated PRF output, and
    the committed keys under which readings must be evaluated. It cannot look a
    reading up by itself (that needs the owner): see WantedReadings and ResolvedList."""

    def __init__(self, list_id: str, owner: str, keys: tuple[CommittedKey, ...]) -> None:
        super().__init__(list_id, owner)
        self.committed = keys

    def lookup(self, plate: str, country: str) -> list[tuple[EntryRef, str]]:
        return []  # never without the owner's evaluations


def _countries(index: HotlistIndex, country: str) -> tuple[str, ...]:
    # As HotlistIndex.lookup: an entry of unknown country matches under any (rule 2).
    return (country, "") if index.countryless and country else (country,)


class WantedReadings:
    """Stands in for an oblivious list during a first pass of the match engine over a
    batch: notes every (reading, country) input the engine looks up, so the readings
    tried are exactly those tried under token (read, candidates, fuzzy variants)."""

    def __init__(self, index: ObliviousIndex) -> None:
        self.index = index
        self.list_id, self.owner = index.list_id, index.owner
        self.inputs: dict[bytes, None] = {}

    def lookup(self, plate: str, country: str) -> list[tuple[EntryRef, str]]:
        for c in _countries(self.index, country):
            self.inputs[plate_input(plate, c)] = None
        return []


class ResolvedList:
    """Stands in for an oblivious list during the second pass: looks each input's
    outputs (one per committed key, from the owner's verified evaluations) up."""

    def __init__(self, index: ObliviousIndex, outputs: Mapping[bytes, tuple[bytes, ...]]) -> None:
        self.index = index
        self.list_id, self.owner = index.list_id, index.owner
        self._outputs = outputs

    def lookup(self, plate: str, country: str) -> list[tuple[EntryRef, str]]:
        found: list[tuple[EntryRef, str]] = []
        entries = self.index.entries
        for c in _countries(self.index, country):
            for out in self._outputs.get(plate_input(plate, c), ()):
                if out in entries:
                    self.index._collect(out, c, found)
        return found


class ObliviousScheme:
    mode = MatchingMode.OBLIVIOUS
    key_from_provider = False  # the partner fetches a signed public key, never a secret
    keyed_by_master = True
    gives_plaintext = False

    def shared_plate(self, plate: Plate, key: bytes) -> SharedPlate:
        return SharedPlate(
            shared_output(key, plate.normalised, plate.country), None, None, not plate.country
        )

    def provider_key(self, master: bytes, agreement_id: str, version: int) -> bytes:
        return derive_oblivious_key(master, agreement_id, version).secret

    def check_shared(self, m: MinimisedEntry) -> None:
        if m.plate is not None or m.country is not None or not m.plate_token:
            raise AgreementViolation(
                f"entry {m.entry_id} carries a plaintext plate the agreement does not allow"
            )
        if len(m.plate_token) != OUTPUT_BYTES:
            raise AgreementViolation(f"entry {m.entry_id} has a malformed oblivious output")

    def index(self, list_id: str, owner: str, keys: tuple[bytes, ...]) -> HotlistIndex:
        return ObliviousIndex(list_id, owner, tuple(CommittedKey.decode(k) for k in keys))

    def index_key(
        self, plate_token: bytes | None, plate: str | None, country: str | None
    ) -> object | None:
        return plate_token


OBLIVIOUS = ObliviousScheme()
