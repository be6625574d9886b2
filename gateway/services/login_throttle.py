"""The console log-in throttle's memory: recent failed attempts per user name and per
client address (gateway.domain.sessions rule 2 decides what they mean). Held in the
node's memory: a restart forgets them, which gives an attacker one more round of
attempts per restart, not a way around the lockout. Bounded: keys without a recent
failure are dropped once there are many."""

from __future__ import annotations

import threading
from datetime import datetime

from gateway.domain.sessions import LoginThrottlePolicy, is_locked, recent_failures

MAX_KEYS = 10_000


class LoginThrottle:
    def __init__(self, policy: LoginThrottlePolicy) -> None:
        self.policy = policy
        self._lock = threading.Lock()
        self._failures: dict[str, tuple[datetime, ...]] = {}

    def locked(self, keys: tuple[str, ...], now: datetime) -> str | None:
        """The first of `keys` locked at `now`, or None."""
        with self._lock:
            for key in keys:
                if is_locked(self._failures.get(key, ()), now, self.policy):
                    return key
        return None

    def failed(self, keys: tuple[str, ...], now: datetime) -> None:
        with self._lock:
            for key in keys:
                held = self._failures.get(key, ())
                self._failures[key] = recent_failures((*held, now), now, self.policy)
            if len(self._failures) > MAX_KEYS:
                self._prune(now)

    def succeeded(self, key: str) -> None:
        """A successful log-in forgets the user's failures (rule 2)."""
        with self._lock:
            self._failures.pop(key, None)

    def _prune(self, now: datetime) -> None:
        for key in list(self._failures):
            kept = recent_failures(self._failures[key], now, self.policy)
            if kept:
                self._failures[key] = kept
            else:
                del self._failures[key]


def user_key(name: str) -> str:
    return "user:" + name.casefold()[:64]


def address_key(address: str) -> str:
    return "address:" + address
