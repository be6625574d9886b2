"""Console sessions: a person at a port signs in with a password and a second factor and
holds a session on the node. Pure rules; the use cases (gateway.services.sessions) apply
them, keep the state and audit each step.

Rules, in the order a log-in and its session meet them:
1. A console password has at least MIN_PASSWORD_LENGTH characters (and at most
   MAX_PASSWORD_LENGTH: hashing an unbounded input is work a stranger could ask for),
   and does not contain the user's name (in any case).
2. Log-in is throttled per user name and per client address: LoginThrottlePolicy.failures
   failed attempts within `window` lock that key for `lockout` from the last of them.
   While locked, an attempt is refused before its password is looked at. A successful
   log-in resets the user's failures (not the address's: one address may be trying
   many names).
3. The second factor is a TOTP code (RFC 6238, 30-second steps). A code is accepted for
   the current step or one step either side (clocks drift); a step, once used by a
   user, is never accepted again for that user, nor is any earlier step (RFC 6238
   section 5.2: a verifier must not accept the second attempt of the same OTP).
4. A session ends after `idle_timeout` without use (at last_seen_at + idle_timeout,
   not a moment before) and at started_at + absolute_timeout at the latest, whatever
   its use. It also ends when its user is disabled or removed, when the user's role is
   no longer the one it started with, and when the user's console credentials are set
   anew. A session that ended stays ended.
5. Use is written at most every TOUCH_INTERVAL (or a tenth of the idle timeout, if
   that is shorter): the idle clock may run from a use up to that much older than the
   last one, which shortens the idle timeout by at most that, never lengthens it.
6. Sensitive acts (SENSITIVE_ACTIONS: agreements, partners, users, the node's keys and
   plate-token secret) through a session need a fresh one: password and second factor
   given again less than `fresh_for` ago (fresh until then, not a moment after). The
   first log-in makes a session fresh too. CLI bearer tokens are machine credentials,
   not sessions: this rule does not apply to them.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from gateway.domain.errors import InvalidInput
from gateway.domain.roles import Action, Role, User, UserState

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
TOTP_STEP_S = 30
TOTP_DIGITS = 6
TOTP_WINDOW = 1  # steps either side of the current one
TOUCH_INTERVAL = timedelta(seconds=30)
# A session's bearer token starts so; a CLI token starts "argos_" (gateway.services.users).
SESSION_TOKEN_PREFIX = "argos-session-"

SENSITIVE_ACTIONS = frozenset(
    {
        Action.AGREEMENT_MANAGE,
        Action.PARTNER_MANAGE,
        Action.USER_MANAGE,
        Action.KEYS_MANAGE,
        Action.TOKEN_SECRET_ROTATE,
    }
)


@dataclass(frozen=True)
class SessionPolicy:
    """How long a session lives and stays fresh ([console] settings of node.toml)."""

    idle_timeout: timedelta = timedelta(minutes=15)
    absolute_timeout: timedelta = timedelta(hours=12)
    fresh_for: timedelta = timedelta(minutes=5)

    def __post_init__(self) -> None:
        for name in ("idle_timeout", "absolute_timeout", "fresh_for"):
            if getattr(self, name) <= timedelta(0):
                raise InvalidInput(f"console session {name} must be positive")


@dataclass(frozen=True)
class LoginThrottlePolicy:
    """Rule 2: `failures` failed attempts within `window` lock a key for `lockout`."""

    failures: int = 5
    window: timedelta = timedelta(minutes=15)
    lockout: timedelta = timedelta(minutes=15)

    def __post_init__(self) -> None:
        if self.failures < 1 or self.window <= timedelta(0) or self.lockout <= timedelta(0):
            raise InvalidInput("console login_failures and the lockout must be above 0")


class EndReason(enum.StrEnum):
    """Why a session ended: recorded in the session and the audit log."""

    LOGOUT = "logout"
    IDLE = "idle"
    ABSOLUTE = "absolute"
    DISABLED = "user_disabled"
    REMOVED = "user_removed"
    ROLE_CHANGED = "role_changed"
    CREDENTIALS_RESET = "credentials_reset"
    ENDED_BY_ADMIN = "ended_by_admin"


class LoginRefusal(enum.StrEnum):
    """Why a log-in step was refused: in the audit record, never in the reply."""

    UNKNOWN_USER = "unknown_user"
    NOT_ACTIVE = "user_not_active"
    NO_CREDENTIALS = "no_console_credentials"
    WRONG_PASSWORD = "wrong_password"
    WRONG_CODE = "wrong_code"
    REPLAYED_CODE = "replayed_code"
    LOGIN_EXPIRED = "login_expired"  # the login id is unknown, used or too old


# What the caller is told of every refused log-in step, whatever the reason.
LOGIN_REFUSED = "user name, password or code not accepted"


@dataclass(frozen=True)
class ConsoleSession:
    """A session as the node keeps it (its token only as a hash, elsewhere)."""

    session_id: str
    user: str
    role: Role
    client_address: str
    started_at: datetime
    last_seen_at: datetime
    fresh_until: datetime | None = None
    ended_at: datetime | None = None
    end_reason: str = ""


# -- rule 1 -----------------------------------------------------------------------------


def check_password(user: str, password: str) -> None:
    """Rule 1: InvalidInput (never repeating the password) unless it may be used."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"a console password needs at least {MIN_PASSWORD_LENGTH} characters; "
            "a passphrase of a few words is easiest to remember"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(f"a console password may have at most {MAX_PASSWORD_LENGTH} characters")
    if user and user.casefold() in password.casefold():
        raise InvalidInput("a console password must not contain the user's name")


# -- rule 2 -----------------------------------------------------------------------------


def recent_failures(
    failures: Iterable[datetime], now: datetime, policy: LoginThrottlePolicy
) -> tuple[datetime, ...]:
    """The failures that still count at `now`: within the window, or part of a lockout
    that has not ended (so a lockout outlives a window shorter than it)."""
    kept = tuple(sorted(failures))
    if is_locked(kept, now, policy):
        return kept[-policy.failures :]
    return tuple(at for at in kept if now - at < policy.window)[-policy.failures :]


def locked_until(failures: tuple[datetime, ...], policy: LoginThrottlePolicy) -> datetime | None:
    """Rule 2: when the lock over these failures ends; None if they lock nothing."""
    if len(failures) < policy.failures:
        return None
    last = failures[-policy.failures :]
    if last[-1] - last[0] >= policy.window:
        return None
    return last[-1] + policy.lockout


def is_locked(failures: tuple[datetime, ...], now: datetime, policy: LoginThrottlePolicy) -> bool:
    """Rule 2: whether an attempt at `now` is refused unseen (locked until then, not
    a moment after)."""
    until = locked_until(failures, policy)
    return until is not None and now < until


# -- rule 3 -----------------------------------------------------------------------------


def totp_step(now: datetime) -> int:
    """The RFC 6238 time step of `now` (T0 = the Unix epoch, X = 30 s)."""
    return int(now.timestamp()) // TOTP_STEP_S


class TotpVerdict(enum.StrEnum):
    ACCEPTED = "accepted"
    WRONG = "wrong"
    REPLAYED = "replayed"


def verify_totp(
    code: str,
    now: datetime,
    last_used_step: int | None,
    code_at: Callable[[int], str],
    matches: Callable[[str, str], bool],
) -> tuple[TotpVerdict, int | None]:
    """Rule 3: the verdict on `code` at `now`, and the step it matched. `code_at(step)`
    computes the code of a step (the library's RFC 6238); `matches` compares two codes
    in constant time. Every step of the window is compared, so the time taken does
    not tell which one matched."""
    current = totp_step(now)
    matched: int | None = None
    for step in range(current - TOTP_WINDOW, current + TOTP_WINDOW + 1):
        if matches(code_at(step), code) and matched is None:
            matched = step
    if matched is None:
        return TotpVerdict.WRONG, None
    if last_used_step is not None and matched <= last_used_step:
        return TotpVerdict.REPLAYED, matched
    return TotpVerdict.ACCEPTED, matched


# -- rules 4 and 5 ----------------------------------------------------------------------


def idle_end(session: ConsoleSession, policy: SessionPolicy) -> datetime:
    return session.last_seen_at + policy.idle_timeout


def absolute_end(session: ConsoleSession, policy: SessionPolicy) -> datetime:
    return session.started_at + policy.absolute_timeout


def ends_at(session: ConsoleSession, policy: SessionPolicy) -> datetime:
    """When the session ends by the clock if nothing else ends it first."""
    return min(idle_end(session, policy), absolute_end(session, policy))


def end_reason(
    session: ConsoleSession, user: User | None, now: datetime, policy: SessionPolicy
) -> EndReason | None:
    """Rule 4: why an open session must end at `now`, or None if it goes on. The user's
    standing first: it is the more telling reason when both apply."""
    if user is None or user.state is UserState.REMOVED:
        return EndReason.REMOVED
    if user.state is UserState.DISABLED:
        return EndReason.DISABLED
    if user.role is not session.role:
        return EndReason.ROLE_CHANGED
    if now >= absolute_end(session, policy):
        return EndReason.ABSOLUTE
    if now >= idle_end(session, policy):
        return EndReason.IDLE
    return None


def touch_due(last_seen_at: datetime, now: datetime, policy: SessionPolicy) -> bool:
    """Rule 5: whether a use at `now` is worth a write."""
    return now - last_seen_at >= min(TOUCH_INTERVAL, policy.idle_timeout / 10)


# -- rule 6 -----------------------------------------------------------------------------


def needs_fresh_session(action: Action) -> bool:
    return action in SENSITIVE_ACTIONS


def is_fresh(fresh_until: datetime | None, now: datetime) -> bool:
    """Rule 6: fresh until `fresh_until`, not a moment after."""
    return fresh_until is not None and now < fresh_until


def fresh_until(session: ConsoleSession, now: datetime, policy: SessionPolicy) -> datetime:
    """Rule 6: a session made fresh at `now` stays so `fresh_for`, never past its end."""
    return min(now + policy.fresh_for, absolute_end(session, policy))
