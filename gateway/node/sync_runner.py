"""Keeps this node's copy of every partner hotlist it may hold in step with the partner:
one thread per agreement under which the partner shares with us, pulling from the
stored cursor, then following live; reconnecting with backoff after any failure."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator

import grpc
import structlog

from gateway.domain.agreement import Agreement
from gateway.domain.envelope import Envelope
from gateway.domain.errors import ArgosError, FeedBehindCursor, PartnerUnreachable
from gateway.domain.partners import Partner
from gateway.domain.retry import Backoff
from gateway.node.federation_client import GrpcFederationClient
from gateway.services.context import SYSTEM
from gateway.services.sync import SyncService

log = structlog.get_logger(__name__)

SUPERVISE_INTERVAL_S = 1.0
# Batches received but not yet applied: lets the provider keep sending while we apply.
READ_AHEAD = 8
BACKOFF_START_S = 0.5
BACKOFF_MAX_S = 30.0


class SyncRunner:
    def __init__(
        self, sync: SyncService, client: GrpcFederationClient, *, stream_deadline_s: float = 300.0
    ) -> None:
        self._sync = sync
        self._client = client
        self._deadline = stream_deadline_s
        self._stop = threading.Event()
        self._threads: dict[str, threading.Thread] = {}
        self._cancel: dict[str, threading.Event] = {}
        self._streams: dict[str, object] = {}
        self._restart: set[str] = set()
        sync.on_reset.append(self.restart)

    def restart(self, agreement_id: str) -> None:
        """Drop the open stream of an agreement (after a resync) and reconnect at once."""
        self._restart.add(agreement_id)
        stream = self._streams.get(agreement_id)
        if stream is not None:
            stream.cancel()

    def start(self) -> None:
        threading.Thread(target=self._supervise, name="sync-supervisor", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()
        for event in self._cancel.values():
            event.set()

    def _supervise(self) -> None:
        while not self._stop.is_set():
            try:
                wanted = {a.agreement_id: a for a, _ in self._sync.received_agreements()}
            except Exception:
                log.exception("sync.supervise_failed")
                wanted = {}
            for agreement_id, thread in list(self._threads.items()):
                if agreement_id not in wanted or not thread.is_alive():
                    self._cancel[agreement_id].set()
                    if not thread.is_alive():
                        del self._threads[agreement_id]
            for agreement_id in wanted:
                if agreement_id not in self._threads:
                    cancel = threading.Event()
                    thread = threading.Thread(
                        target=self._run,
                        args=(agreement_id, cancel),
                        name=f"sync-{agreement_id[:8]}",
                        daemon=True,
                    )
                    self._cancel[agreement_id] = cancel
                    self._threads[agreement_id] = thread
                    thread.start()
            self._stop.wait(SUPERVISE_INTERVAL_S)

    def _current(self, agreement_id: str) -> Agreement | None:
        return self._sync.received_agreement(agreement_id)

    def _run(self, agreement_id: str, cancel: threading.Event) -> None:
        backoff = Backoff(BACKOFF_START_S, BACKOFF_MAX_S, jitter=0.5)
        while not cancel.is_set() and not self._stop.is_set():
            agreement = self._current(agreement_id)
            if agreement is None:
                return
            try:
                if self._follow(agreement, cancel):
                    continue  # our cursor moved under us: reconnect without waiting
                backoff.reset()
            except PartnerUnreachable as exc:
                log.info(
                    "sync.partner_unreachable", agreement_id=agreement_id, reason=str(exc)[:200]
                )
            except FeedBehindCursor:
                # The provider's feed is behind our cursor (restored from a backup): only
                # a full resync can make the sets equal again.
                self._sync.resync(SYSTEM, agreement_id, "provider feed behind our cursor")
            except ArgosError as exc:
                self._sync.record_rejection(agreement, exc)
            except Exception as exc:  # one bad stream must not end syncing for good
                log.exception("sync.failed", agreement_id=agreement_id)
                self._sync.record_rejection(agreement, exc)
            cancel.wait(backoff.next())

    def _follow(self, agreement: Agreement, cancel: threading.Event) -> bool:
        """Follow the partner's feed; True when the stream must restart at once."""
        record = self._sync.partner_record(agreement.partner)
        cursor = self._sync.cursor(agreement)
        agreement_id = agreement.agreement_id
        self._restart.discard(agreement_id)
        opened: list[grpc.Call] = []

        def on_open(call: grpc.Call) -> None:  # lets restart() cancel the call from another thread
            opened.append(call)
            self._streams[agreement_id] = call

        stream = self._client.pull_changes(
            record, agreement_id, cursor, follow=True, deadline_s=self._deadline, on_open=on_open
        )

        def verified(items: Iterator) -> Iterator:
            # Runs on the read-ahead thread: batch n+1 is received and verified while
            # batch n is written (SQLite lets go of the GIL while it writes).
            expected = cursor
            try:
                for item in items:
                    if isinstance(item, Envelope):
                        yield item
                        continue
                    leaves, checkpoint = item
                    current = self._current(agreement_id) or agreement
                    batch = self._sync.verify_batch(current, leaves, checkpoint, cursor=expected)
                    expected = batch.checkpoint.to_seq
                    yield batch, checkpoint
            finally:
                items.close()  # a refused batch ends the call here and now

        try:
            return self._consume(
                agreement, record, cursor, read_ahead(verified(stream), READ_AHEAD), cancel
            )
        finally:
            # Whatever ended the loop (a refused batch, a resync, the agreement gone) ends
            # the call too: the provider serves a few feed streams per partner at once,
            # and a call left to the garbage collector holds one until its deadline (a
            # partner whose first batches were refused was then refused for minutes).
            for call in opened:
                call.cancel()
            if self._streams.get(agreement_id) in opened:
                del self._streams[agreement_id]

    def _consume(
        self,
        agreement: Agreement,
        record: Partner,
        cursor: int,
        items: Iterator,
        cancel: threading.Event,
    ) -> bool:
        keys_held: set[tuple[int, int]] = set()  # (version, epoch) seen held on this stream
        for item in items:
            if cancel.is_set():
                return False
            # Re-read: a status change or amendment may have arrived meanwhile.
            agreement = self._current(agreement.agreement_id)
            if agreement is None:
                return False
            if isinstance(item, Envelope):
                if self._sync.cursor(agreement) != cursor:
                    return True  # reset under us (resync): reconnect from the new cursor
                if self._sync.check_head(agreement, item).resynced:
                    return True  # reconnect from cursor 0
                continue
            batch, checkpoint = item
            held = (batch.checkpoint.agreement_version, batch.checkpoint.token_epoch)
            if held not in keys_held:
                version, epoch = held
                if self._sync.needs_key(agreement.agreement_id, version, epoch):
                    mode, key = self._client.matching_key(
                        record, agreement.agreement_id, version, epoch
                    )
                    self._sync.store_key(agreement.agreement_id, version, mode, key, epoch)
                keys_held.add(held)
            if not self._sync.apply(agreement, batch, checkpoint):
                return True  # our cursor moved under us (a resync): reconnect from it
            cursor = batch.checkpoint.to_seq
        return agreement.agreement_id in self._restart


def read_ahead(items: Iterator, depth: int) -> Iterator:
    """Iterate `items` on a helper thread, up to `depth` ahead of the consumer, so that
    receiving the next batch overlaps verifying and applying this one. Errors raised
    by `items` are raised here, in order."""
    buffer: queue.Queue = queue.Queue(maxsize=depth)
    done = object()
    stop = threading.Event()

    def pump() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        buffer.put(item, timeout=0.5)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            buffer.put(done)
        except BaseException as exc:  # handed to the consumer, which raises it
            buffer.put(exc)

    threading.Thread(target=pump, name="sync-read-ahead", daemon=True).start()
    try:
        while True:
            item = buffer.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
