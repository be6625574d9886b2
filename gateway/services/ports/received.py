"""What this node received from partners, per agreement: every entry with the exact
leaf bytes and signed checkpoint that prove its origin, the sync cursor and set digest,
and the matching key of each agreement version."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from gateway.domain.envelope import Envelope
from gateway.domain.feed import Kept, ReceivedBatch


@dataclass
class SyncState:
    """The recipient's side of one feed."""

    agreement_id: str
    provider: str
    cursor: int
    live_count: int
    set_digest: int
    provider_seq: int = 0
    last_verified_seq: int = 0
    last_verified_at: str = ""
    last_applied_at: str = ""
    rejected_batches: int = 0
    last_error: str = ""
    # Highest entry id held: ids above it cannot be held yet (ids are time-ordered).
    max_entry_id: str = ""
    # When the provider signed the last head verified against what is held (its
    # issued_at, or when it arrived if that was earlier): how fresh the copy is.
    last_head_issued_at: str = ""


# What a matching index needs to find an entry again: id, token, plate, country.
MatchFields = tuple[str, bytes | None, str | None, str | None]


@dataclass(frozen=True)
class AppliedBatch:
    """What a batch changed, for whoever keeps an index of received entries: the kept
    columns of the batch, the positions in them of the entries now held as the batch
    left them (each entry's last change, if an upsert), and the entries held before the
    batch that it changed or removed."""

    agreement_id: str
    agreement_version: int
    kept: Kept
    upserted: list[int]
    removed: list[MatchFields]


class ReceivedIndexRow(NamedTuple):
    entry_id: str
    category: str
    plate_token: bytes | None
    plate: str | None
    country: str | None  # None: a token over a known country; "": made without one
    expires_at_s: int


class HeldProofs(NamedTuple):
    """Everything needed to prove again that each held entry came from its provider."""

    checkpoints: dict[int, tuple[Envelope, tuple[bytes, ...]]]  # id -> (signed, leaf hashes)
    entries: list[tuple[str, bytes, int, int]]  # (entry id, leaf, checkpoint id, leaf index)


class ReceivedRepository(Protocol):
    def state(self, agreement_id: str, provider: str) -> SyncState:
        """The feed's state; a fresh one (cursor 0) when nothing was received yet."""

    def states(self) -> list[SyncState]: ...

    def save_state(self, state: SyncState) -> None: ...

    def agreement_ids(self) -> list[str]:
        """Agreements under which something is held."""

    def apply_batch(
        self, state: SyncState, batch: ReceivedBatch, checkpoint_envelope: Envelope
    ) -> AppliedBatch:
        """Store a verified batch: its checkpoint, its upserts and deletions; move the
        cursor and the set digest in `state` and save it."""

    def purge(self, agreement_id: str) -> int:
        """Erase everything received under an agreement; return how many entries went."""

    def matching_key(self, agreement_id: str, version: int, epoch: int = 0) -> bytes | None: ...

    def store_matching_key(
        self, agreement_id: str, version: int, mode: str, key: bytes, epoch: int = 0
    ) -> None: ...

    def matching_keys(self, agreement_id: str) -> list[tuple[int, str, bytes]]:
        """(agreement version, matching mode, key) held, oldest version first (every
        token epoch held)."""

    def matching_key_epochs(self, agreement_id: str) -> list[int]:
        """The token epochs of the keys held for an agreement, oldest first."""

    def erase_matching_keys_before(self, agreement_id: str, epoch: int) -> int:
        """Erase the keys of epochs older than `epoch`; return how many went."""

    def checkpoint_versions(self, agreement_id: str) -> set[int]:
        """Agreement versions of the checkpoints held (0: stored before versions were)."""

    def index_rows(self, agreement_id: str) -> Iterator[tuple]:
        """Every held entry as a tuple in ReceivedIndexRow's field order (plain tuples:
        millions are read at start)."""

    def leaf(self, agreement_id: str, entry_id: str) -> bytes | None: ...

    def leaves(self, agreement_id: str) -> list[bytes]: ...

    def proofs(self, agreement_id: str) -> HeldProofs: ...
