"""Receipts of batches without hits, written in groups (issue 17).

Nearly every batch of camera reads matches nothing. Its receipt still has to answer a
resend, but a write transaction of its own per batch cost the ingest path a measurable
share of its throughput (`match_reads_per_s`, see the commit). A batch that recorded no
hit has nothing in the database that a second handling could duplicate, so its receipt
need not commit before the batch is answered: it is held here, answers resends at once,
and is written with the others in one transaction once `flush_count` are held or the
oldest has waited `flush_after_s`, on the node's one-second tick and when it stops.

What a node killed before a flush loses is the receipts of at most that last second's
hitless batches: a resend of one of them is matched again as a new batch. That can
record a hit only for a list entry added in between (the first handling recorded
none), so a hit still exists once. A batch with hits keeps its receipt in the
transaction that records them (gateway.services.ingest)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from gateway.services.ports import BatchReceipt, Store

ReceiptKey = tuple[str, str]  # (adapter user, batch id)

FLUSH_COUNT = 256
FLUSH_AFTER_S = 1.0


class PendingReceipts:
    def __init__(
        self,
        store: Store,
        flush_count: int = FLUSH_COUNT,
        flush_after_s: float = FLUSH_AFTER_S,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._flush_count = flush_count
        self._flush_after_s = flush_after_s
        self._monotonic = monotonic
        self._held: dict[ReceiptKey, BatchReceipt] = {}
        self._oldest: float | None = None
        self._lock = threading.Lock()
        self._flushing = threading.Lock()

    def get(self, adapter: str, batch_id: str) -> BatchReceipt | None:
        """The receipt held here (not yet written) for this batch, if any."""
        with self._lock:
            return self._held.get((adapter, batch_id))

    def hold(self, receipt: BatchReceipt) -> BatchReceipt | None:
        """Hold `receipt`; if one of its batch is held already (two streams handed in
        one batch), keep that one and return it."""
        key = (receipt.adapter, receipt.batch_id)
        with self._lock:
            earlier = self._held.get(key)
            if earlier is not None:
                return earlier
            self._held[key] = receipt
            if self._oldest is None:
                self._oldest = self._monotonic()
            return None

    def due(self) -> bool:
        with self._lock:
            if self._oldest is None:
                return False
            waited = self._monotonic() - self._oldest
            return len(self._held) >= self._flush_count or waited >= self._flush_after_s

    def __len__(self) -> int:
        with self._lock:
            return len(self._held)

    def flush(self) -> int:
        """Write every receipt held in one transaction; the number written. A receipt
        stays readable here until its row is committed, so a resend never misses it."""
        with self._flushing:
            with self._lock:
                batch = list(self._held.values())
            if not batch:
                return 0
            with self._store.write() as uow:
                for receipt in batch:
                    # False: a stream with hits committed this id first; its receipt stays.
                    uow.read_batches.add(receipt)
                uow.commit()
            with self._lock:
                for receipt in batch:
                    self._held.pop((receipt.adapter, receipt.batch_id), None)
                self._oldest = self._monotonic() if self._held else None
            return len(batch)
