"""The node's receipts of adapters' batches of reads (issue 17): what it answered for
each (adapter user, batch id), so that a batch handed in again is answered from here
instead of being matched and recorded twice. A receipt holds no read content: counts,
refusal reasons (never a plate) and the batch's hits by position."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple, Protocol

from gateway.services.ports.retention import Held


class BatchReceipt(NamedTuple):
    adapter: str
    batch_id: str
    reads: int  # how many reads the batch held
    accepted: int
    hits: int
    rejected: tuple[tuple[int, str], ...]  # (position, reason)
    batch_hits: tuple[tuple[int, str, datetime], ...]  # (position, hit id, expires at)
    answered_at: datetime


ReceiptKey = tuple[str, str]  # (adapter user, batch id)


class ReadBatchRepository(Protocol):
    def add(self, receipt: BatchReceipt) -> bool:
        """Keep the receipt; False (and nothing changed) if one of its adapter and batch
        id is held already."""

    def get(self, adapter: str, batch_id: str) -> BatchReceipt | None: ...

    def due(self, cutoff: datetime, limit: int = 1000) -> list[ReceiptKey]:
        """Receipts answered at or before `cutoff`, oldest first."""

    def over_count(self, keep: int, limit: int = 1000) -> list[ReceiptKey]:
        """Per adapter user, its receipts beyond the newest `keep`, oldest first."""

    def erase(self, keys: Sequence[ReceiptKey]) -> int: ...

    def held(self, now: datetime, days: int) -> Held:
        """Receipts held; past limit: answered `days` or more before `now`."""
