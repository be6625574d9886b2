"""Verifying large feed batches in a process of their own.

A recipient's initial sync is bound by one interpreter lock: decoding and checking a
million entries and writing them take turns on one core while the machine's other
core idles. Verification is pure (gateway.services.sync.verify_received), so a node
hands big batches to one worker process and applies batch n while the worker checks
batch n+1. Small batches (the live feed) are verified in place: for them the trip to
the worker would cost more than it saves.

The worker holds no state, no keys and no database: it gets the leaves, the signed
checkpoint, the partner's public key and the agreement terms, and returns what the
recipient keeps of each change, or raises the refusal verification raised. If the
worker dies it is started again on the next batch (after three deaths in a row, batches
are verified in place for the rest of the node's life); a node killed outright takes its
worker with it (the worker exits once its parent is gone).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import structlog

from gateway.domain import envelope as env
from gateway.domain import feed as feed_rules
from gateway.domain.agreement import AgreementTerms
from gateway.services.sync import Verifier, verify_received

log = structlog.get_logger(__name__)

# Below this many leaves a batch is verified in the calling thread.
MIN_LEAVES_FOR_WORKER = 256
PARENT_CHECK_S = 1.0
# A worker that dies this many times in a row is not started again: verify in place.
MAX_WORKER_FAILURES = 3


class ProcessVerifier:
    """A Verifier (see gateway.services.sync) that runs big batches in one worker
    process. Thread-safe; one batch at a time goes to the worker per caller."""

    def __init__(
        self, min_leaves: int = MIN_LEAVES_FOR_WORKER, verify: Verifier = verify_received
    ) -> None:
        self._min_leaves = min_leaves
        self._verify = verify
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self._closed = False
        self._failures = 0

    def __call__(
        self,
        party: feed_rules.FeedParty,
        cursor: int,
        leaves: list[bytes],
        checkpoint: env.Envelope,
        terms_by_version: dict[int, AgreementTerms],
    ) -> tuple[feed_rules.Checkpoint, feed_rules.Kept, tuple[bytes, ...]]:
        args = (party, cursor, leaves, checkpoint, terms_by_version)
        if len(leaves) < self._min_leaves:
            return self._verify(*args)
        pool = self._worker()
        if pool is None:  # closing down: do it here rather than not at all
            return self._verify(*args)
        try:
            result = pool.submit(self._verify, *args).result()
        except BrokenProcessPool:
            with self._lock:
                if self._pool is pool:
                    self._pool = None
                    self._failures += 1
                    if self._failures >= MAX_WORKER_FAILURES:
                        self._closed = True  # verify in place from now on
                        log.error("sync.verifier_disabled", failures=self._failures)
                    else:
                        log.warning("sync.verifier_restarted", failures=self._failures)
            return self._verify(*args)
        self._failures = 0
        return result

    def _worker(self) -> ProcessPoolExecutor | None:
        with self._lock:
            if self._closed:
                return None
            if self._pool is None:
                # spawn, not fork: forking a process that runs gRPC threads is unsafe.
                self._pool = ProcessPoolExecutor(
                    max_workers=1,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_watch_parent,
                    initargs=(os.getpid(),),
                )
            return self._pool

    def close(self) -> None:
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _watch_parent(parent_pid: int) -> None:
    """In the worker: exit as soon as the node that started it is gone, even when the
    node was killed and could not say so."""

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(PARENT_CHECK_S)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
