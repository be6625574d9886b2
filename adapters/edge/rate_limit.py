"""Token buckets per source: each camera may push `rate` requests a second on average and
`burst` at once; a source that is over gets 429 with the seconds until it may try again
(Retry-After), so one camera, or one address guessing secrets, cannot take the spool or
the event loop from the others. The spool's own global limit (spool_max_reads) stays
behind this.

Pure bookkeeping with an injected clock: no I/O, no threads (the listener calls it from
its one event loop)."""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(slots=True)
class TokenBucket:
    rate: float  # tokens a second
    burst: float  # the most it holds
    tokens: float
    at: float  # when `tokens` was counted

    def take(self, now: float) -> float:
        """0.0 if a token was taken, else the seconds until one is there."""
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate

    def empty_for(self, now: float) -> float:
        """Seconds until a token is there (0.0: one is), without taking it."""
        tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.rate


class RateLimits:
    """A bucket per key (a camera id, a source address), made on first use. At most
    `max_keys` are kept: beyond it the least recently used go first, which only ever
    forgives a source (a fresh bucket is full), never blocks one."""

    def __init__(
        self,
        rate: float,
        burst: float,
        *,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._rate, self._burst = rate, burst
        self._max_keys = max_keys
        self._clock = clock
        self._buckets: OrderedDict[str, TokenBucket] = OrderedDict()

    def take(self, key: str, rate: float | None = None, burst: float | None = None) -> float:
        """0.0 if `key` may go on, else the seconds it must wait; `rate` and `burst`
        override the defaults for a key that has its own (a camera's settings)."""
        return self._bucket(key, rate, burst).take(self._clock())

    def empty_for(self, key: str) -> float:
        bucket = self._buckets.get(key)
        return 0.0 if bucket is None else bucket.empty_for(self._clock())

    def _bucket(self, key: str, rate: float | None, burst: float | None) -> TokenBucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            size = burst if burst is not None else self._burst
            bucket = TokenBucket(rate or self._rate, size, size, self._clock())
            self._buckets[key] = bucket
            if len(self._buckets) > self._max_keys:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(key)
        return bucket


def retry_after(seconds: float) -> str:
    """A Retry-After value: whole seconds, at least 1."""
    return str(max(1, math.ceil(seconds)))
