"""How long to wait before trying again: exponential backoff, written once.

Every retry in the gateway (sync streams, status-change delivery, the outbox, the
adapters' forwarder and webhook) waits first_s, then twice that, and so on up to
max_s. Jitter spreads reconnecting clients so that a partner coming back is not hit by
every stream at the same instant: the wait is drawn from [delay * (1 - jitter), delay].
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Backoff:
    first_s: float = 0.5
    max_s: float = 30.0
    jitter: float = 0.0
    attempts: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        if not (0 < self.first_s <= self.max_s) or not (0.0 <= self.jitter < 1.0):
            raise ValueError("backoff needs 0 < first_s <= max_s and 0 <= jitter < 1")

    def delay(self, attempts: int) -> float:
        """The wait after `attempts` failed tries in a row (deterministic: no jitter)."""
        return min(self.first_s * 2 ** min(max(attempts, 0), 60), self.max_s)

    def next(self) -> float:
        """The wait after one more failure, with jitter; counts the failure."""
        wait = self.delay(self.attempts)
        self.attempts += 1
        if self.jitter:
            wait *= random.uniform(1.0 - self.jitter, 1.0)
        return wait

    def reset(self) -> None:
        """A success: the next failure waits first_s again."""
        self.attempts = 0
