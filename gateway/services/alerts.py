"""Alerts for the local control room: every hit of this node's cameras (and every
confirmation needing a person, and every partner feed gone stale), logged at a position
in the node's alert log and handed at once to everyone watching.

The rules a watch keeps (AlertHub.watch):
1. An alert is logged in the unit of work of the change that raised it (a hit's alert
   with its hit) and published to live watchers only after that commit.
2. A watcher is given positions in increasing order, each at most once: its cursor is
   the last position it was given.
3. A watcher given a cursor is first replayed every alert still kept after it, from the
   log, in pages; then follows live.
4. A live alert whose position is not the next one expected (another writer's commit
   published later, an alert erased since) sends the watcher to the log from its cursor
   instead of skipping anything: the log holds every committed position in order.
5. A watcher whose live queue is full is not given the newest or the oldest in silence:
   publishing stops for it, it is told it fell behind (FellBehind) and reads the log
   from its cursor, then goes back to live. Matching is never slowed by a watcher.
6. `stopped()` is asked before every page and every poll.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from gateway.domain.hits import ObservedHit, advisories
from gateway.domain.times import epoch_ms
from gateway.services.ports import Store, UnitOfWork
from gateway.services.ports.alert_log import CONFIRMATION, FEED, HIT, MARK, LoggedAlert

WATCHER_QUEUE = 1000
REPLAY_PAGE = 500


@dataclass(frozen=True)
class Alert:
    hit_id: str
    observed_ms: int
    camera: str
    site: str
    zone: str
    direction: str
    image_ref: str
    plate: str
    country: str
    country_inferred: bool
    match: str
    matched: str
    entry_owner: str
    entry_id: str
    agreement_id: str
    category: str
    action: str
    flags: tuple[str, ...]
    advisories: tuple[str, ...]
    owner_notified: bool

    def __repr__(self) -> str:  # never show a plate
        return f"Alert(hit_id={self.hit_id!r}, entry_id={self.entry_id!r})"

    @classmethod
    def of(cls, hit: ObservedHit, read_plate: str) -> Alert:
        """The alert for a hit just recorded, with the plate as the camera read it."""
        return cls(
            hit_id=hit.hit_id,
            observed_ms=epoch_ms(hit.observed_at),
            camera=hit.camera,
            site=hit.site,
            zone=hit.zone,
            direction=hit.direction,
            image_ref=hit.image_ref,
            plate=read_plate,
            country=hit.country,
            country_inferred=hit.country_inferred,
            match=hit.match,
            matched=hit.matched,
            entry_owner=hit.entry_owner,
            entry_id=hit.entry_id,
            agreement_id=hit.agreement_id or "",
            category=hit.category,
            action=hit.action or "",
            flags=hit.flags,
            advisories=advisories(hit.action, hit.flags, foreign=hit.agreement_id is not None),
            owner_notified=hit.owner_notified,
        )


@dataclass(frozen=True)
class ConfirmationNotice:
    """A confirmation that needs a person: incoming, near its deadline, expired, or
    answered, refused or withdrawn by the other side."""

    request_id: str
    kind: str
    what: str
    partner: str
    deadline: datetime
    urgency: str


@dataclass(frozen=True)
class FeedNotice:
    """A partner's feed went stale (its last verified signed head is older than the
    bound), or is fresh again. Ids and times only."""

    agreement_id: str
    partner: str
    what: str  # "stale" or "fresh"
    last_head_at: datetime | None  # when the provider signed the last verified head
    age_s: float | None
    matching_stopped: bool  # reads are not matched against that list while stale


@dataclass(frozen=True)
class AlertMark:
    """A person's mark on a hit alert, for everyone watching: "claimed" (they deal with
    it) or "acknowledged" (seen, nothing more to do). The latest mark of an alert holds."""

    alert_position: int
    hit_id: str
    mark: str
    by: str
    at: datetime


MARKS = ("claimed", "acknowledged")

Notice = Alert | ConfirmationNotice | FeedNotice | AlertMark


@dataclass(frozen=True)
class FellBehind:
    """Said to a watcher whose live queue overflowed (rule 5): it is replayed from the
    log after `resumes_after`; `newest` was the newest position then."""

    resumes_after: int
    newest: int


WatchItem = LoggedAlert | FellBehind


def _kind_and_subject(notice: Notice) -> tuple[str, str]:
    if isinstance(notice, ConfirmationNotice):
        return CONFIRMATION, notice.request_id
    if isinstance(notice, FeedNotice):
        return FEED, notice.agreement_id
    if isinstance(notice, AlertMark):
        return MARK, notice.hit_id
    return HIT, notice.hit_id


class _Watcher:
    def __init__(self, size: int) -> None:
        self.queue: queue.Queue[LoggedAlert] = queue.Queue(maxsize=size)
        self.behind = threading.Event()


class AlertHub:
    """The alert log's writer and its live watchers. `encode` turns a notice into the
    bytes the log keeps (the wire form: gateway.wire.alerts_codec.notice_body)."""

    def __init__(
        self,
        store: Store,
        encode: Callable[[Notice], bytes],
        clock: Callable[[], datetime],
        *,
        queue_size: int = WATCHER_QUEUE,
        page: int = REPLAY_PAGE,
    ) -> None:
        self._store = store
        self._encode = encode
        self._clock = clock
        self._queue_size = queue_size
        self._page = page
        self._lock = threading.Lock()
        self._watchers: list[_Watcher] = []
        self.fell_behind = 0  # watchers told so, since start (a metric)

    # -- raising ---------------------------------------------------------------------

    def log(self, uow: UnitOfWork, notice: Notice) -> LoggedAlert:
        """Log a notice in the caller's unit of work (rule 1); publish it after commit."""
        kind, subject = _kind_and_subject(notice)
        return uow.alert_log.append(kind, subject, self._clock(), self._encode(notice))

    def raise_notice(self, notice: ConfirmationNotice | FeedNotice) -> LoggedAlert:
        """Log a notice in a small write of its own, then publish it."""
        with self._store.write() as uow:
            logged = self.log(uow, notice)
            uow.commit()
        self.publish([logged])
        return logged

    def publish(self, logged: list[LoggedAlert]) -> None:
        """Hand committed alerts to every live watcher; one whose queue is full is marked
        behind and given nothing more until it has caught up from the log (rule 5)."""
        if not logged:
            return
        with self._lock:
            watchers = list(self._watchers)
        for w in watchers:
            if w.behind.is_set():
                continue
            for item in logged:
                try:
                    w.queue.put_nowait(item)
                except queue.Full:
                    w.behind.set()
                    break

    # -- watching --------------------------------------------------------------------

    def newest(self) -> int:
        with self._store.read() as uow:
            return uow.alert_log.newest()

    def kept_after(self, position: int) -> int:
        with self._store.read() as uow:
            return uow.alert_log.count_after(position)

    def watch(
        self, stopped: Callable[[], bool], after: int | None = None, poll_s: float = 0.5
    ) -> Iterator[WatchItem]:
        """Alerts after position `after` (None: from now on, "now" being this call, not
        the first read of the stream), until stopped() says so (checked before every
        page and every poll)."""
        cursor = self.newest() if after is None else after
        return self._follow(stopped, cursor, poll_s)

    def _follow(
        self, stopped: Callable[[], bool], cursor: int, poll_s: float
    ) -> Iterator[WatchItem]:
        w = _Watcher(self._queue_size)
        with self._lock:
            self._watchers.append(w)
        try:
            # Registered first, then the log read from the cursor: whatever committed
            # before is in the log, whatever after is queued too, and its queued copy is
            # skipped (rule 2).
            catching_up = True
            while not stopped():
                if catching_up:
                    if w.behind.is_set():
                        # Full while it read the log: nothing to tell, the log has it all.
                        # Emptied before the read, so whatever the read misses is queued.
                        w.behind.clear()
                        _drain(w.queue)
                    page = self._read(cursor)
                    for logged in page:
                        yield logged
                        cursor = logged.position
                    catching_up = len(page) == self._page
                    continue
                if w.behind.is_set():
                    newest = self.newest()
                    w.behind.clear()
                    _drain(w.queue)  # all of it is in the log
                    self.fell_behind += 1
                    yield FellBehind(cursor, newest)
                    catching_up = True
                    continue
                try:
                    logged = w.queue.get(timeout=poll_s)
                except queue.Empty:
                    continue
                if logged.position <= cursor:
                    continue  # already given from the log
                if logged.position != cursor + 1:
                    catching_up = True  # rule 4: the log has whatever lies between
                    continue
                yield logged
                cursor = logged.position
        finally:
            with self._lock:
                self._watchers.remove(w)

    def _read(self, cursor: int) -> list[LoggedAlert]:
        with self._store.read() as uow:
            return uow.alert_log.after(cursor, self._page)

    @property
    def watchers(self) -> int:
        with self._lock:
            return len(self._watchers)


def _drain(q: queue.Queue) -> None:
    while True:
        try:
            q.get_nowait()
        except queue.Empty:
            return
