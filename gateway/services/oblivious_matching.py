"""Oblivious matching, the partner's side (issue 20): the readings a batch of reads
would be looked up by in a list held under an oblivious agreement are blinded, sent to
the list's owner in batches (EvaluatePlates), and the answers verified against the
owner's committed public key before they are unblinded (RFC 9497 Finalize). The
16-byte outputs are then looked up as a token list's keys are.

Reads wait for the owner only in memory: while it is unreachable they are held, at
most MAX_HELD_READS and for HOLD_S, then dropped and counted. Nothing of a read, of
its blinded elements or of their outputs is stored, logged or counted by value."""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import NamedTuple

import structlog

from gateway.domain import oprf
from gateway.domain.errors import NotFound, ProofInvalid, ResourceExhausted
from gateway.domain.schemes.oblivious import OUTPUT_BYTES, CommittedKey, ObliviousIndex
from gateway.services.context import NodeContext

log = structlog.get_logger(__name__)

# Elements per EvaluatePlates call: big enough that a call's overhead is small beside
# its ~150 us of owner CPU per element, small enough that while the owner evaluates
# one call the partner blinds the next and verifies the last: with two workers a core
# (rbcl releases the GIL) a 1,000-read batch keeps both sides' cores busy. Measured
# on 2 cores shared by both nodes: 128 a call and 4 workers ran 3,040 reads/s, 256 a
# call and 2 workers 1,950 (both under other load). Never more than the owner's cap
# (services.oblivious).
ELEMENTS_PER_CALL = 128
# How long a small request waits for others to share its call.
WINDOW_S = 0.005
MAX_HELD_READS = 20_000
HOLD_S = 60.0
# The partner keeps under the owner's budget itself (services.oblivious): calls no
# bigger than the owner's bucket holds, paced at a little under its rate, so that reads
# beyond the agreed rate wait here, in memory, instead of being refused there (a
# refused call fails its whole batch of reads, and a batch bigger than a second's
# budget was refused at every retry until it was dropped).
PACE_SHARE = 0.9
# A call that would wait longer than this for the budget fails as if refused: its
# reads are held (HeldReads) and tried again.
MAX_PACE_WAIT_S = 10.0


class Pace:
    """The owner's budget as the partner keeps to it: a bucket of PACE_SHARE of
    per_s elements, refilled at that rate. take() waits for its share, or raises
    ResourceExhausted when that would take longer than MAX_PACE_WAIT_S."""

    def __init__(
        self,
        per_s: int,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.per_s = per_s
        self.rate = per_s * PACE_SHARE
        self.call_size = max(1, min(ELEMENTS_PER_CALL, int(self.rate)))
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        self._tokens = float(self.call_size)
        self._at = clock()

    def take(self, n: int) -> None:
        with self._lock:
            now = self._clock()
            self._tokens = min(float(self.call_size), self._tokens + (now - self._at) * self.rate)
            self._at = now
            wait = max(0.0, (n - self._tokens) / self.rate)
            if wait > MAX_PACE_WAIT_S:
                raise ResourceExhausted(
                    f"{n} evaluations would wait {wait:.0f} s for the agreed budget of "
                    f"{self.per_s} a second"
                )
            self._tokens -= n  # below zero: whoever comes next waits for this too
        if wait:
            self._sleep(wait)


class HeldBatch(NamedTuple):
    """Reads whose lookups in one oblivious list wait for its owner (memory only)."""

    list_id: str
    reads: Sequence  # IncomingRead
    fuzzy: bool
    now_s: int
    until: float  # monotonic seconds


class _Pending:
    """Small requests gathered for one call (see ObliviousResolver._coalesced)."""

    def __init__(self) -> None:
        self.items: list[tuple[Sequence[bytes], Future]] = []
        self.count = 0
        self.full = threading.Event()


class ObliviousResolver:
    """Evaluates readings under an owner's committed keys, both cores at work."""

    def __init__(self, ctx: NodeContext, workers: int | None = None) -> None:
        self._ctx = ctx
        self._pool = ThreadPoolExecutor(
            max_workers=workers or 2 * (os.cpu_count() or 2),
            thread_name_prefix="oblivious",
        )
        self.proofs_refused = 0
        self._lock = threading.Lock()
        self._pending: dict[tuple[str, CommittedKey], _Pending] = {}
        self._paces: dict[str, Pace] = {}

    def resolve(
        self, index: ObliviousIndex, inputs: Sequence[bytes]
    ) -> dict[bytes, tuple[bytes, ...]]:
        """Each input's outputs, one per key committed for the list. Raises
        PartnerUnreachable while the owner is, ProofInvalid if an answer is not proven
        under the committed key (nothing of that answer is used)."""
        if not inputs or not index.committed:
            return {}
        with self._ctx.store.read() as uow:
            partner = uow.partners.get(index.owner)
            agreement = uow.agreements.get(index.list_id)
        if partner is None:
            raise NotFound(f"{index.owner} is no longer a registered partner")
        terms = agreement.in_force(self._ctx.now()) if agreement is not None else None
        pace = self._pace(index.list_id, terms.oblivious_evaluations_per_s if terms else 0)
        outputs: dict[bytes, list[bytes]] = {}
        for key in index.committed:  # one key, or two while an epoch's overlap lasts
            outs = self._coalesced(partner, index.list_id, key, inputs, pace)
            for x, out in zip(inputs, outs, strict=True):
                outputs.setdefault(x, []).append(out)
        return {x: tuple(v) for x, v in outputs.items()}

    def _pace(self, agreement_id: str, per_s: int) -> Pace | None:
        """The agreement's pace for the budget in force (None: no budget agreed)."""
        if per_s <= 0:
            return None
        with self._lock:
            pace = self._paces.get(agreement_id)
            if pace is None or pace.per_s != per_s:
                pace = self._paces[agreement_id] = Pace(per_s)
            return pace

    def _coalesced(
        self,
        partner,
        agreement_id: str,
        key: CommittedKey,
        xs: Sequence[bytes],
        pace: Pace | None,
    ) -> list[bytes]:
        """Small requests (a batch of a read or a few) wait up to WINDOW_S for others
        to the same owner and key, and go in one call: fewer calls (the owner admits
        partner_calls_per_s) and fuller proofs, for a few milliseconds of delay. The
        first to arrive sends for all; each gets its own outputs, or the call's error."""
        size = pace.call_size if pace is not None else ELEMENTS_PER_CALL
        if len(xs) >= size:
            return self._evaluate_all(partner, agreement_id, key, xs, pace)
        slot = (agreement_id, key)
        mine: Future[list[bytes]] = Future()
        with self._lock:
            pending = self._pending.get(slot)
            leader = pending is None
            if pending is None:
                pending = self._pending[slot] = _Pending()
            pending.items.append((xs, mine))
            pending.count += len(xs)
            if pending.count >= size:
                pending.full.set()
        if leader:
            pending.full.wait(WINDOW_S)
            with self._lock:
                del self._pending[slot]  # who comes now starts the next call
            together = [x for part, _ in pending.items for x in part]
            try:
                outs = self._evaluate_all(partner, agreement_id, key, together, pace)
            except BaseException as exc:
                for _, waiting in pending.items:
                    waiting.set_exception(exc)
            else:
                at = 0
                for part, waiting in pending.items:
                    waiting.set_result(outs[at : at + len(part)])
                    at += len(part)
        return mine.result()

    def _evaluate_all(
        self,
        partner,
        agreement_id: str,
        key: CommittedKey,
        xs: Sequence[bytes],
        pace: Pace | None,
    ) -> list[bytes]:
        size = pace.call_size if pace is not None else ELEMENTS_PER_CALL
        chunks = [xs[i : i + size] for i in range(0, len(xs), size)]

        def one(chunk: Sequence[bytes]) -> list[bytes]:
            if pace is not None:
                pace.take(len(chunk))
            return self._evaluate(partner, agreement_id, key, chunk)

        if len(chunks) == 1:
            return one(chunks[0])
        return [out for outs in self._pool.map(one, chunks) for out in outs]

    def _evaluate(
        self, partner, agreement_id: str, key: CommittedKey, xs: Sequence[bytes]
    ) -> list[bytes]:
        mine = [oprf.blind(x) for x in xs]
        elements = [m.element for m in mine]
        evaluated, proof = self._ctx.federation.evaluate_plates(
            partner, agreement_id, key.agreement_version, key.token_epoch, elements
        )
        try:
            oprf.verify_proof(key.public_key, elements, evaluated, proof)
        except ProofInvalid:
            self.proofs_refused += 1
            raise
        outputs = oprf.unblind_all(xs, [m.blind for m in mine], evaluated)
        return [out[:OUTPUT_BYTES] for out in outputs]


class HeldReads:
    """Batches of reads waiting for an unreachable owner: bounded in count and time."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._held: deque[HeldBatch] = deque()
        self.count = 0
        self.dropped = 0

    def hold(self, list_id: str, reads: Sequence, fuzzy: bool, now_s: int) -> None:
        with self._lock:
            self._expire()
            room = MAX_HELD_READS - self.count
            if room < len(reads):
                self.dropped += len(reads) - max(room, 0)
                reads = reads[: max(room, 0)]
            if reads:
                until = self._clock() + HOLD_S
                self._held.append(HeldBatch(list_id, reads, fuzzy, now_s, until))
                self.count += len(reads)

    def take(self) -> list[HeldBatch]:
        with self._lock:
            self._expire()
            out = list(self._held)
            self._held.clear()
            self.count = 0
            return out

    def put_back(self, batches: list[HeldBatch]) -> None:
        with self._lock:
            self._held.extendleft(reversed(batches))
            self.count += sum(len(b.reads) for b in batches)
            self._expire()

    def _expire(self) -> None:
        now = self._clock()
        while self._held and self._held[0].until <= now:
            gone = self._held.popleft()
            self.count -= len(gone.reads)
            self.dropped += len(gone.reads)
            log.warning("matching.oblivious_reads_dropped", reads=len(gone.reads))
