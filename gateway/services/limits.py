"""What no single caller may take of the node: long streams open at once (per caller,
per group, in total), calls per second (a token bucket per caller), and audit records
of refusals per minute (beyond which refusals are counted and summed up, not recorded
one by one). Small, thread-safe, no I/O; the clock is passed in so tests need no sleep.
The federation gate and the ingest use cases apply them; the figures feed /metrics."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from gateway.domain.errors import ResourceExhausted

Monotonic = Callable[[], float]


@dataclass(frozen=True)
class StreamCaps:
    """At most `per_holder` streams of one kind per holder (a partner, a local user),
    `per_group` per group of holders (a role; 0: no group cap) and `total` in all."""

    kind: str  # what the streams are, in refusals and metrics: "feed", "alerts", "reads"
    total: int
    per_holder: int
    per_group: int = 0
    holder_name: str = "caller"  # "partner", "user": in the refusal's words


class StreamSlot:
    """One open stream; release() it when the stream ends (twice is harmless)."""

    def __init__(self, slots: StreamSlots, holder: str, group: str) -> None:
        self._slots = slots
        self.holder = holder
        self.group = group
        self._released = False

    def release(self) -> None:
        if not self._released:
            self._released = True
            self._slots._release(self)

    def __enter__(self) -> StreamSlot:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


class StreamSlots:
    """Counts the long streams of one kind open now and refuses one past a cap."""

    def __init__(self, caps: StreamCaps) -> None:
        self.caps = caps
        self._lock = threading.Lock()
        self._holders: Counter[str] = Counter()
        self._groups: Counter[str] = Counter()
        self._open = 0
        self.refused = 0

    def acquire(self, holder: str, group: str = "") -> StreamSlot:
        """A slot for one more stream of `holder`, or ResourceExhausted saying which
        cap was reached (never anything the caller sent)."""
        caps = self.caps
        with self._lock:
            problem = ""
            if self._holders[holder] >= caps.per_holder:
                problem = f"at most {caps.per_holder} {caps.kind} streams per {caps.holder_name}"
            elif caps.per_group and group and self._groups[group] >= caps.per_group:
                problem = f"at most {caps.per_group} {caps.kind} streams per role {group}"
            elif self._open >= caps.total:
                problem = f"at most {caps.total} {caps.kind} streams in all"
            if problem:
                self.refused += 1
                raise ResourceExhausted(
                    f"too many {caps.kind} streams open: this node serves {problem} at once; "
                    "close one or try again later"
                )
            self._holders[holder] += 1
            if group:
                self._groups[group] += 1
            self._open += 1
        return StreamSlot(self, holder, group)

    def _release(self, slot: StreamSlot) -> None:
        with self._lock:
            self._holders[slot.holder] -= 1
            if self._holders[slot.holder] <= 0:
                del self._holders[slot.holder]
            if slot.group:
                self._groups[slot.group] -= 1
                if self._groups[slot.group] <= 0:
                    del self._groups[slot.group]
            self._open -= 1

    @property
    def open(self) -> int:
        with self._lock:
            return self._open


class TokenBuckets:
    """One token bucket per key: `rate` tokens a second, at most `burst` saved up."""

    def __init__(self, rate: float, burst: int, clock: Monotonic = time.monotonic) -> None:
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)

    def take(self, key: str) -> bool:
        """Spend one token of `key`'s bucket; False when it is empty."""
        now = self._clock()
        with self._lock:
            tokens, at = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - at) * self.rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                return False
            self._buckets[key] = (tokens - 1.0, now)
            return True


@dataclass
class Suppressed:
    """Refusals of one caller counted instead of recorded, since `since`."""

    since: float
    count: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    methods: Counter[str] = field(default_factory=Counter)


# Names kept apart per summary; a stranger chooses the names of the methods it calls.
MAX_NAMES = 8
OTHER = "other"


def _kind(counter: Counter[str], name: str) -> str:
    return name if name in counter or len(counter) < MAX_NAMES else OTHER


class RefusalThrottle:
    """Which refusals get an audit record of their own: per caller, a bucket of
    `burst` records refilled at `per_minute`. Past it a refusal is only counted;
    due() hands out, once per `interval_s` and caller, what was counted, for one
    summary record. Error and method names only: bounded sets of our own words."""

    def __init__(
        self,
        per_minute: float,
        burst: int,
        interval_s: float,
        clock: Monotonic = time.monotonic,
    ) -> None:
        self._buckets = TokenBuckets(per_minute / 60.0, burst, clock)
        self._interval = interval_s
        self._clock = clock
        self._lock = threading.Lock()
        self._suppressed: dict[str, Suppressed] = {}
        self.total_suppressed: Counter[str] = Counter()

    def admit(self, caller: str, method: str, error: str) -> bool:
        """True: record this refusal. False: it was counted for the next summary."""
        if self._buckets.take(caller):
            return True
        with self._lock:
            held = self._suppressed.setdefault(caller, Suppressed(self._clock()))
            held.count += 1
            held.errors[_kind(held.errors, error)] += 1
            held.methods[_kind(held.methods, method)] += 1
            self.total_suppressed[caller] += 1
        return False

    def due(self, *, everything: bool = False) -> list[tuple[str, Suppressed]]:
        """Counts whose interval has passed (all of them with everything=True), each
        handed out once."""
        now = self._clock()
        with self._lock:
            ready = [
                (caller, held)
                for caller, held in self._suppressed.items()
                if everything or now - held.since >= self._interval
            ]
            for caller, _ in ready:
                del self._suppressed[caller]
        return ready
