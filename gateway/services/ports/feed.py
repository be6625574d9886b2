"""The feeds this node provides: per agreement, the latest leaf of every entry ever
shared, ordered by seq, with the running count and set digest of the live ones."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple, Protocol


@dataclass
class FeedState:
    agreement_id: str
    agreement_version: int
    last_seq: int
    live_count: int
    set_digest: int
    projected_change_seq: int
    # The plate-token epoch the projector's pass is under (0: the first master secret),
    # and the epoch every live entry is under since that pass went through.
    token_epoch: int = 0
    token_epoch_complete: int = 0


class FeedRow(NamedTuple):
    seq: int
    entry_id: str
    agreement_version: int
    leaf: bytes
    token_epoch: int = 0


class FeedWrite(NamedTuple):
    """One change appended to a feed; content_hash and expires_at are None for a
    tombstone."""

    seq: int
    entry_id: str
    agreement_version: int
    live: bool
    leaf: bytes
    leaf_hash: bytes
    content_hash: bytes | None
    expires_at: datetime | None
    token_epoch: int = 0


@dataclass(frozen=True)
class TokenEpoch:
    """One plate-token master secret of this node as a provider: when it began, when
    its overlap with its successor ends, and when its secret was erased."""

    epoch: int
    created_at: datetime
    overlap_ends_at: datetime | None = None
    retired_at: datetime | None = None


class FeedRepository(Protocol):
    def state(self, agreement_id: str) -> FeedState | None: ...

    def save_state(self, state: FeedState) -> None: ...

    def live_hashes(
        self, agreement_id: str, entry_ids: Sequence[str]
    ) -> dict[str, tuple[bytes, bytes]]:
        """entry_id -> (leaf hash, content hash) of those of entry_ids live in the feed."""

    def append(self, agreement_id: str, rows: Sequence[FeedWrite]) -> None:
        """Append changes; each replaces the entry's earlier change (compaction)."""

    def rows_after(self, agreement_id: str, after_seq: int) -> Iterator[FeedRow]:
        """Changes after `after_seq`, in seq order."""

    def drop(self, agreement_id: str) -> None:
        """Forget the feed (the agreement was revoked)."""

    def token_epochs(self) -> list[TokenEpoch]:
        """Every epoch recorded, oldest first (none: only epoch 0 ever existed)."""

    def save_token_epoch(self, epoch: TokenEpoch) -> None: ...
