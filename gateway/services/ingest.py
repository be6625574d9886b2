"""Camera reads in, hits out, as one use case: the path of a batch of reads, in named
steps - match every read against every list held (gateway.services.matching), record
each hit with its audit record and the owner's notification in one unit of work, alert
the control room (gateway.services.hits), count the batch for `argos status`. A read
that matches nothing leaves no trace. Operators' alert streams are the other end.

A batch handed in under a batch id is answered exactly once (issue 17): the node keeps
its receipt (the answer, the number of reads, no read content) in the transaction that
records the batch's hits (a batch without hits: written with others within a second,
gateway.services.receipts), and a batch handed in again under the same adapter user and
id is answered from that receipt, `repeated`, without matching, recording, alerting or
notifying again. A batch id names one batch: the same id with another number of reads
is refused. Without an id nothing is remembered (and nothing is exactly once).

Both are long streams on the admin server's thread pool: each kind has caps of its own
(per user, per role, in all), so neither alert watchers nor read streams can take the
threads the other kind, or any other local call, needs."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from gateway.domain.errors import InvalidInput, NotFound
from gateway.domain.roles import Action
from gateway.services.access import requires
from gateway.services.alerts import MARKS, AlertHub, AlertMark, WatchItem
from gateway.services.context import Caller, NodeContext
from gateway.services.hits import HitService, RecordedHit
from gateway.services.limits import StreamCaps, StreamSlot, StreamSlots
from gateway.services.matching import BatchOutcome, IncomingRead, MatchingService
from gateway.services.ports import BatchReceipt, UnitOfWork
from gateway.services.ports.alert_log import HIT, LoggedAlert
from gateway.services.receipts import PendingReceipts

MAX_BATCH_ID = 128  # characters of an adapter's batch id


@dataclass(frozen=True)
class IngestLimits:
    """See gateway.node.config.LimitsConfig for the reasons behind each default."""

    alert_watchers: int = 8
    alert_watchers_per_role: int = 6
    alert_watchers_per_user: int = 3
    read_streams: int = 8
    read_streams_per_user: int = 4


@dataclass(frozen=True)
class BatchHit:
    """A hit of one read of a batch: the read's position in the batch, the hit, and
    when the node erases it (the adapter keeps the read's image that long, no longer)."""

    index: int
    hit_id: str
    expires_at: datetime


@dataclass(frozen=True)
class BatchAnswer:
    """What the adapter is told of its batch: the counts, the reads refused, and which
    reads hit (every other read matched nothing and leaves no trace here)."""

    outcome: BatchOutcome
    hits: tuple[BatchHit, ...] = ()
    # Answered from the receipt of the batch handed in before under the same id.
    repeated: bool = False


class _AnsweredAlready(Exception):
    """Inside the batch's transaction: another stream's batch of the same id won."""


class IngestService:
    def __init__(
        self,
        ctx: NodeContext,
        matching: MatchingService,
        hits: HitService,
        alerts: AlertHub,
        limits: IngestLimits | None = None,
    ) -> None:
        limits = limits or IngestLimits()
        self._ctx = ctx
        self._matching = matching
        self._hits = hits
        self._alerts = alerts
        self._pending = PendingReceipts(ctx.store)
        self.watchers = StreamSlots(
            StreamCaps(
                "alert",
                limits.alert_watchers,
                limits.alert_watchers_per_user,
                limits.alert_watchers_per_role,
                holder_name="user",
            )
        )
        self.read_streams = StreamSlots(
            StreamCaps(
                "read", limits.read_streams, limits.read_streams_per_user, holder_name="user"
            )
        )

    @requires(Action.READS_SUBMIT)
    def submit(
        self, caller: Caller, reads: Sequence[IncomingRead], batch_id: str = ""
    ) -> BatchAnswer:
        """One batch of reads from an adapter: matched, hits recorded and alerted. With
        a batch id, answered once: a batch of an id already answered gets that answer
        (`repeated`), a batch of that id with another number of reads is refused."""
        if batch_id:
            if len(batch_id) > MAX_BATCH_ID:
                raise InvalidInput(f"a batch id has at most {MAX_BATCH_ID} characters")
            held = self._held(caller, batch_id)
            if held is not None:
                return self._repeat(caller, held, len(reads))
        read_hits, outcome = self._matching.match_batch(reads)
        if not read_hits:
            if batch_id:
                # No hit, nothing to duplicate: its receipt is written with others'.
                answered = BatchAnswer(outcome)
                receipt = _receipt(caller.name, batch_id, len(reads), answered, self._ctx.now())
                earlier = self._pending.hold(receipt)
                if earlier is not None:
                    return self._repeat(caller, earlier, len(reads))
                if self._pending.due():
                    self._pending.flush()
            self._matching.seen_from(caller.name, outcome)
            return BatchAnswer(outcome)
        # A ReadHit holds the very read it was matched from: its position by identity.
        position = {id(read): index for index, read in enumerate(reads)}

        def answer(recorded: list[RecordedHit]) -> BatchAnswer:
            hits = tuple(
                BatchHit(position[id(read_hits[r.read].read)], r.hit_id, r.expires_at)
                for r in recorded
            )
            return BatchAnswer(outcome, hits)

        def keep_receipt(uow: UnitOfWork, recorded: list[RecordedHit]) -> None:
            receipt = _receipt(caller.name, batch_id, len(reads), answer(recorded), self._ctx.now())
            if not uow.read_batches.add(receipt):
                raise _AnsweredAlready

        try:
            recorded = self._hits.record(read_hits, then=keep_receipt if batch_id else None)
        except _AnsweredAlready:
            # Two streams handed in one batch: the other committed first and this one
            # recorded nothing (rolled back). Its answer, as for any repeat.
            held = self._held(caller, batch_id)
            assert held is not None  # the receipt that won is committed
            return self._repeat(caller, held, len(reads))
        self._matching.seen_from(caller.name, outcome)
        return answer(recorded)

    def flush_receipts(self) -> int:
        """Write the receipts of batches without hits held in memory (the node's tick
        and its stop call this; see gateway.services.receipts)."""
        return self._pending.flush()

    def _held(self, caller: Caller, batch_id: str) -> BatchReceipt | None:
        """The receipt of this adapter user's batch id: held in memory, or stored."""
        held = self._pending.get(caller.name, batch_id)
        if held is not None:
            return held
        with self._ctx.store.read() as uow:
            return uow.read_batches.get(caller.name, batch_id)

    def _repeat(self, caller: Caller, held: BatchReceipt, reads: int) -> BatchAnswer:
        """The answer kept in `held`, marked repeated. Refused (and audited) when the
        number of reads differs: a batch id names one batch."""
        if held.reads != reads:
            self._ctx.record(
                caller,
                "reads.batch_refused",
                "read_batch",
                held.batch_id,
                details={"reads": reads, "held_reads": held.reads},
            )
            raise InvalidInput(
                f"batch {held.batch_id!r} was handed in with {held.reads} reads and now "
                f"with {reads}: a batch id names one batch"
            )
        self._matching.repeated_from(caller.name)
        outcome = BatchOutcome(held.accepted, held.hits, list(held.rejected))
        hits = tuple(BatchHit(i, hit_id, at) for i, hit_id, at in held.batch_hits)
        return BatchAnswer(outcome, hits, repeated=True)

    @requires(Action.READS_SUBMIT)
    def reading(self, caller: Caller) -> StreamSlot:
        """A slot for one stream of read batches; release it when the stream ends.
        ResourceExhausted when the adapter user, or all of them, hold their cap."""
        return self.read_streams.acquire(caller.name)

    @requires(Action.ALERTS_WATCH)
    def watch(
        self, caller: Caller, stopped: Callable[[], bool], after_position: int | None = None
    ) -> Iterator[WatchItem]:
        """Alerts and notices after `after_position` still kept (None: from now on),
        then live, until stopped() says so. Opening the stream is a consultation, and
        is recorded (with the cursor and how many alerts it replays: counts only).
        ResourceExhausted (not recorded: a local user, counted in /metrics) past the
        caps on watchers; InvalidInput for a cursor this node never gave."""
        details: dict[str, int] = {}
        if after_position is not None:
            newest = self._alerts.newest()
            if after_position > newest:
                raise InvalidInput(
                    f"after_position {after_position} is past the newest position {newest} "
                    "of this node's alert log: a cursor from another node, or from before "
                    "a restore; open without one (or from 0) and dedupe by id"
                )
            details = {
                "after_position": after_position,
                "replayed": self._alerts.kept_after(after_position),
            }
        role = caller.role.value if caller.role else caller.kind
        slot = self.watchers.acquire(caller.name, role)
        try:
            self._ctx.record(caller, "alerts.watch", "alerts", "local", details=details or None)
        except BaseException:
            slot.release()
            raise
        return _holding(slot, self._alerts.watch(stopped, after_position))

    @requires(Action.ALERTS_WATCH)
    def mark(self, caller: Caller, position: int, mark: str) -> LoggedAlert:
        """Mark the hit alert at `position` for everyone watching ("claimed" or
        "acknowledged"): the mark is logged after it, published, and audited (the hit's
        id and the position, nothing of the read). NotFound when no hit alert is kept
        there (never raised, a notice, or erased by retention)."""
        if mark not in MARKS:
            raise InvalidInput(f"an alert is marked {' or '.join(MARKS)}, not {mark!r}")
        with self._ctx.store.write() as uow:
            kept = uow.alert_log.after(position - 1, 1) if position > 0 else []
            if not kept or kept[0].position != position or kept[0].kind != HIT:
                raise NotFound(
                    f"no hit alert is kept at position {position}: it was never raised, "
                    "is a notice, or was erased by retention"
                )
            hit_id = kept[0].subject
            logged = self._alerts.log(
                uow, AlertMark(position, hit_id, mark, caller.name, self._ctx.now())
            )
            self._ctx.record(
                caller,
                f"alert.{mark}",
                "hit",
                hit_id,
                uow=uow,
                details={"position": position},
            )
            uow.commit()
        self._alerts.publish([logged])
        return logged


def _receipt(
    adapter: str, batch_id: str, reads: int, answer: BatchAnswer, at: datetime
) -> BatchReceipt:
    """The node's receipt of a batch: its answer, without any read's content."""
    o = answer.outcome
    return BatchReceipt(
        adapter,
        batch_id,
        reads,
        o.accepted,
        o.hits,
        tuple(o.rejected),
        tuple((h.index, h.hit_id, h.expires_at) for h in answer.hits),
        at,
    )


def _holding(slot: StreamSlot, items: Iterator) -> Iterator:
    """`items`, holding `slot` until they end or the stream is closed."""
    with slot:
        yield from items
