"""The hotlist change feed between a provider and a recipient: what a batch and a head
are, and every check the recipient makes before applying one.

Rules a batch must pass, in order (any failure rejects the whole batch, which then
changes nothing):
1. The checkpoint is signed by the provider's node key, and no one else.
2. It names this agreement, this provider, and us as recipient.
3. It continues exactly from our cursor: from_seq == cursor. Lower is a replay, higher
   means changes were skipped; both are refused.
4. The leaves are exactly the ones the checkpoint covers: same count, same RFC 6962
   Merkle root. One signature thereby vouches for every leaf, and each stored leaf
   stays individually provable with an inclusion proof against the checkpoint.
5. Inside the batch, seqs strictly increase, stay in (from_seq, to_seq], and the last
   one is to_seq; every change is under the checkpoint's agreement version. Gaps are
   normal: the feed is compacted, so a changed entry moves to a new seq and leaves
   its old one empty. What the provider signed is exactly what it skipped.
6. Every upsert is in scope of that agreement version (minimise.check_received), and
   every tombstone is for an entry of the provider.
A head must pass rules 1-2; the recipient compares it with its own set only at the
same seq.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from gateway.domain import envelope as env
from gateway.domain import merkle
from gateway.domain.agreement import AgreementTerms
from gateway.domain.envelope import SignerKeys
from gateway.domain.errors import AgreementViolation, InvalidInput, StaleVersion
from gateway.domain.minimise import MinimisedEntry, received_checker

CHECKPOINT_PAYLOAD = "application/vnd.argos.checkpoint.v1+protobuf"
SYNC_HEAD_PAYLOAD = "application/vnd.argos.sync-head.v1+protobuf"
MAX_BATCH = 4000


@dataclass(frozen=True)
class Checkpoint:
    agreement_id: str
    agreement_version: int
    provider: str
    recipient: str
    from_seq: int
    to_seq: int
    leaf_count: int
    merkle_root: bytes
    token_epoch: int = 0


@dataclass(frozen=True)
class SyncHead:
    agreement_id: str
    agreement_version: int
    provider: str
    recipient: str
    seq: int
    count: int
    set_digest: int
    issued_at: datetime
    token_epoch_floor: int = 0


@dataclass(frozen=True)
class Tombstone:
    entry_id: str
    owner: str
    reason: str


class Change(NamedTuple):
    """One feed change: an upsert or a tombstone (a NamedTuple: built per entry)."""

    seq: int
    agreement_version: int
    upsert: MinimisedEntry | None = None
    tombstone: Tombstone | None = None

    @property
    def entry_id(self) -> str:
        return (self.upsert or self.tombstone).entry_id  # type: ignore[union-attr]


@dataclass(frozen=True)
class VerifiedBatch:
    checkpoint: Checkpoint
    changes: tuple[Change, ...]
    leaves: tuple[bytes, ...]
    leaf_hashes: tuple[bytes, ...]


@dataclass(frozen=True)
class Kept:
    """What a recipient keeps of the changes of a verified batch besides their leaves:
    enough to store, match and expire them. Columns, one value per change in batch
    order: a million entries' worth is cheap to build, to hand from one process to
    another, and to write. A tombstone has category None and nothing else."""

    entry_ids: tuple[str, ...]
    categories: tuple[str | None, ...]
    plate_tokens: tuple[bytes | None, ...]
    plates: tuple[str | None, ...]
    # None: a token over a known country; "": a token made without a country.
    countries: tuple[str | None, ...]
    expires_at_s: tuple[int, ...]

    def __len__(self) -> int:
        return len(self.entry_ids)


@dataclass(frozen=True)
class ReceivedBatch:
    """A verified batch as the recipient applies it: the checkpoint, what it keeps of
    each change, and each leaf with its RFC 6962 leaf hash (for later proof)."""

    checkpoint: Checkpoint
    kept: Kept
    leaves: tuple[bytes, ...]
    leaf_hashes: tuple[bytes, ...]


def kept_of(batch: VerifiedBatch) -> Kept:
    """What the recipient keeps of each change of a verified batch."""
    upserts = [c.upsert for c in batch.changes]
    return Kept(
        tuple([c.entry_id for c in batch.changes]),
        tuple([m.category if m else None for m in upserts]),
        tuple([m.plate_token if m else None for m in upserts]),
        tuple([m.plate if m else None for m in upserts]),
        tuple([("" if m.country_unknown else m.country) if m else None for m in upserts]),
        tuple([m.expires_at_us // 1_000_000 if m else 0 for m in upserts]),
    )


@dataclass(frozen=True)
class FeedParty:
    """The recipient's view of one feed: who provides it, and where it stands."""

    agreement_id: str
    provider: str
    recipient: str
    provider_keys: SignerKeys  # the keys the provider signs with (by key id)


def verify_batch(
    party: FeedParty,
    cursor: int,
    leaves: Sequence[bytes],
    checkpoint_envelope: env.Envelope,
    *,
    decode_checkpoint: Callable[[bytes], Checkpoint],
    decode_change: Callable[[bytes], Change],
    terms_for_version: Callable[[int], AgreementTerms | None],
) -> VerifiedBatch:
    payload = env.verify(  # rule 1
        checkpoint_envelope,
        payload_type=CHECKPOINT_PAYLOAD,
        signers={party.provider: party.provider_keys},
    )
    cp = decode_checkpoint(payload)
    _check_names(party, cp.agreement_id, cp.provider, cp.recipient)  # rule 2
    if cp.from_seq != cursor:  # rule 3
        raise StaleVersion(
            f"batch continues from seq {cp.from_seq} but this node is at {cursor}: "
            + ("replayed batch" if cp.from_seq < cursor else "changes were skipped")
        )
    if cp.leaf_count != len(leaves) or not 0 < len(leaves) <= MAX_BATCH:  # rule 4
        raise InvalidInput(
            f"batch carries {len(leaves)} leaves, checkpoint covers {cp.leaf_count} "
            f"(at most {MAX_BATCH})"
        )
    hashes = merkle.leaf_hashes(leaves)
    if merkle.root_from_hashes(hashes) != cp.merkle_root:
        raise AgreementViolation(
            "batch leaves do not match the signed Merkle root: altered or forged entries"
        )
    terms = terms_for_version(cp.agreement_version)
    if terms is None:
        raise AgreementViolation(
            f"agreement {cp.agreement_id} v{cp.agreement_version} is not in force here"
        )
    changes = []
    previous = cp.from_seq
    check = received_checker(terms, party.provider)
    for leaf in leaves:
        change = decode_change(leaf)
        if not previous < change.seq <= cp.to_seq:  # rule 5
            raise InvalidInput(f"change seq {change.seq} out of order after {previous}")
        if change.agreement_version != cp.agreement_version:
            raise InvalidInput("a change is under another agreement version than its batch")
        previous = change.seq
        if change.upsert is not None:  # rule 6
            check(change.upsert)
        elif change.tombstone is not None and change.tombstone.owner != party.provider:
            raise AgreementViolation(
                f"tombstone for an entry of {change.tombstone.owner}, not of {party.provider}"
            )
        changes.append(change)
    if previous != cp.to_seq:
        raise InvalidInput(f"batch ends at seq {previous}, checkpoint says {cp.to_seq}")
    return VerifiedBatch(cp, tuple(changes), tuple(leaves), tuple(hashes))


def verify_head(
    party: FeedParty, head_envelope: env.Envelope, *, decode_head: Callable[[bytes], SyncHead]
) -> SyncHead:
    payload = env.verify(
        head_envelope, payload_type=SYNC_HEAD_PAYLOAD, signers={party.provider: party.provider_keys}
    )
    head = decode_head(payload)
    _check_names(party, head.agreement_id, head.provider, head.recipient)
    return head


def _check_names(party: FeedParty, agreement_id: str, provider: str, recipient: str) -> None:
    if (agreement_id, provider, recipient) != (
        party.agreement_id,
        party.provider,
        party.recipient,
    ):
        raise AgreementViolation(
            f"signed for agreement {agreement_id} from {provider} to {recipient}, expected "
            f"{party.agreement_id} from {party.provider} to {party.recipient}"
        )


def prove_held_entry(
    party: FeedParty,
    leaf: bytes,
    leaf_index: int,
    batch_leaf_hashes: Sequence[bytes],
    checkpoint_envelope: env.Envelope,
    *,
    decode_checkpoint: Callable[[bytes], Checkpoint],
) -> Checkpoint:
    """Show, long after the batch was applied, that a stored leaf came from the provider:
    its inclusion proof leads to the Merkle root the provider signed. Returns the
    checkpoint, or raises SignatureInvalid / AgreementViolation."""
    payload = env.verify(
        checkpoint_envelope,
        payload_type=CHECKPOINT_PAYLOAD,
        signers={party.provider: party.provider_keys},
    )
    cp = decode_checkpoint(payload)
    _check_names(party, cp.agreement_id, cp.provider, cp.recipient)
    if len(batch_leaf_hashes) != cp.leaf_count:
        raise AgreementViolation("stored batch does not have the size its checkpoint signs")
    proof = merkle.inclusion_proof(list(batch_leaf_hashes), leaf_index)
    if not merkle.verify_inclusion(leaf, leaf_index, cp.leaf_count, proof, cp.merkle_root):
        raise AgreementViolation("stored entry is not the one its provider signed")
    return cp
