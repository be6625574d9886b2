"""Who may try to log in to the console now, and the audit records of refused tries.

LoginThrottle is the memory: recent failed attempts per user name and per client
address (gateway.domain.sessions rule 2 decides what they mean). Held in the node's
memory: a restart forgets them, which gives an attacker one more round of attempts per
restart, not a way around the lockout. Bounded: keys without a recent failure are
dropped once there are many. LoginGuard applies it for the session use cases and
records each refused step (`session.login_refused`, `.reauthentication_refused`),
throttled attempts (`session.login_throttled`) and refused session tokens
(`session.refused`): the last two a few a minute per address (or user), the rest
counted and summed up (`session.refusals_summarised`)."""

from __future__ import annotations

import threading
import time
from datetime import datetime
from typing import NoReturn

import structlog

from gateway.domain.errors import ResourceExhausted, Unauthenticated
from gateway.domain.roles import User
from gateway.domain.sessions import (
    LOGIN_REFUSED,
    ConsoleSession,
    LoginRefusal,
    LoginThrottlePolicy,
    is_locked,
    recent_failures,
)
from gateway.services.context import Caller, NodeContext
from gateway.services.limits import Monotonic, RefusalThrottle
from gateway.services.users import UNKNOWN

log = structlog.get_logger(__name__)

MAX_KEYS = 10_000
THROTTLED = "too many failed log-ins from this user name or address: try again later"
# Audit records of throttled attempts and refused session tokens: a few one by one,
# then a summary a minute per client address (or session user).
REFUSAL_RECORD_BURST = 3
REFUSAL_RECORDS_PER_MINUTE = 2.0
REFUSAL_SUMMARY_INTERVAL_S = 60.0


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


class LoginGuard:
    def __init__(
        self, ctx: NodeContext, policy: LoginThrottlePolicy, clock: Monotonic = time.monotonic
    ) -> None:
        self._ctx = ctx
        self._throttle = LoginThrottle(policy)
        self._refusals = RefusalThrottle(
            REFUSAL_RECORDS_PER_MINUTE, REFUSAL_RECORD_BURST, REFUSAL_SUMMARY_INTERVAL_S, clock
        )

    def admit(self, name: str, address: str, now: datetime, step: str) -> None:
        """Rule 2: ResourceExhausted, unseen, while the user name or the address is
        locked."""
        locked = self._throttle.locked((user_key(name), address_key(address)), now)
        if locked is None:
            return
        by = locked.partition(":")[0]
        if self._refusals.admit(address, step, "throttled"):
            log.warning("session.login_throttled", by=by)
            self._ctx.record(
                Caller("user", UNKNOWN),
                "session.login_throttled",
                "login",
                address,
                details={"step": step, "locked": by},
            )
        raise ResourceExhausted(THROTTLED)

    def refused(
        self,
        user: User | None,
        name: str,
        address: str,
        reason: LoginRefusal,
        step: str,
        now: datetime,
    ) -> NoReturn:
        """A refused log-in step: counted against the name and the address, recorded
        with its reason, answered with the one message every refusal gets."""
        self._throttle.failed((user_key(name), address_key(address)), now)
        # A name nobody has is recorded as "unknown": people type passwords into the
        # user field, and the audit log must not keep one.
        who = user.name if user is not None else UNKNOWN
        log.warning("session.login_refused", user=who, reason=reason.value, step=step)
        self._ctx.record(
            Caller("user", user.name, user.role) if user is not None else Caller("user", UNKNOWN),
            "session.login_refused",
            "user",
            who,
            details={"reason": reason.value, "step": step, "client_address": address},
        )
        raise Unauthenticated(LOGIN_REFUSED)

    def reauthentication_refused(
        self, caller: Caller, session: ConsoleSession, reason: LoginRefusal, now: datetime
    ) -> NoReturn:
        address = session.client_address
        self._throttle.failed((user_key(session.user), address_key(address)), now)
        log.warning("session.reauthentication_refused", user=session.user, reason=reason.value)
        self._ctx.record(
            caller,
            "session.reauthentication_refused",
            "session",
            session.session_id,
            details={"reason": reason.value, "client_address": address},
        )
        raise Unauthenticated(LOGIN_REFUSED)

    def succeeded(self, name: str) -> None:
        """Rule 2: a successful log-in (or re-authentication) clears the user's count."""
        self._throttle.succeeded(user_key(name))

    def session_refused(self, name: str, reason: str) -> None:
        """A call with a session token that is unknown or ended."""
        if not self._refusals.admit(f"session:{name}", "session", reason):
            return
        self._ctx.record(
            Caller("user", name), "session.refused", "user", name, details={"reason": reason}
        )

    def summarise_refusals(self, *, everything: bool = False) -> int:
        summed = 0
        for key, held in self._refusals.due(everything=everything):
            summed += held.count
            self._ctx.record(
                Caller("user", UNKNOWN),
                "session.refusals_summarised",
                "login",
                key,
                justification=f"{held.count} more refused log-in attempts or session calls",
                details={
                    "refusals": held.count,
                    "reasons": ",".join(f"{k}={n}" for k, n in sorted(held.errors.items())),
                },
            )
        return summed
