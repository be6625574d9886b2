"""Alerts for the local control room: every hit of this node's cameras (and every
confirmation needing a person, and every partner feed gone stale), handed at once to
everyone watching. A watcher that falls behind loses its oldest alerts (counted in
`dropped`) rather than slow matching down."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from gateway.domain.hits import ObservedHit, advisories
from gateway.domain.times import epoch_ms

WATCHER_QUEUE = 1000


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


Notice = Alert | ConfirmationNotice | FeedNotice


class AlertHub:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._watchers: list[queue.Queue] = []
        self.dropped = 0

    def publish_notice(self, notice: ConfirmationNotice) -> None:
        self.publish([notice])

    def publish_feed_notice(self, notice: FeedNotice) -> None:
        self.publish([notice])

    def publish(self, alerts: list[Alert] | list[ConfirmationNotice] | list[FeedNotice]) -> None:
        with self._lock:
            watchers = list(self._watchers)
        for q in watchers:
            for alert in alerts:
                while True:
                    try:
                        q.put_nowait(alert)
                        break
                    except queue.Full:
                        try:
                            q.get_nowait()  # drop the oldest: the newest matters most
                            self.dropped += 1
                        except queue.Empty:
                            pass

    def watch(self, stopped: Callable[[], bool], poll_s: float = 0.5) -> Iterator[Notice]:
        """Alerts from now on, until stopped() says so (checked every poll_s)."""
        q: queue.Queue = queue.Queue(maxsize=WATCHER_QUEUE)
        with self._lock:
            self._watchers.append(q)
        try:
            while not stopped():
                try:
                    yield q.get(timeout=poll_s)
                except queue.Empty:
                    continue
        finally:
            with self._lock:
                self._watchers.remove(q)

    @property
    def watchers(self) -> int:
        with self._lock:
            return len(self._watchers)
