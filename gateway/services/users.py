"""Local users over their lifetime: who a bearer token belongs to (and whether it still
works), and the administrators' use cases that add, list, disable, enable, re-issue
and remove users. The rules are gateway.domain.users; here they are applied, each
change and each refused token audited.

A refused token is recorded under the user it belonged to ("unknown" for a token never
issued here), at most a few records a minute per user (RefusalThrottle); the rest are
counted and summed up in one record a minute, so a script hammering with an old token
cannot grow the audit log without limit.

Long streams (an adapter's reads, an operator's alerts) hold a TokenCheck and ask it
before each message they serve. It looks at the database again only when a user's
standing changed on this node since it last looked (all such changes go through this
service, in this process) or when the token's expiry has come: a stream does not read
the database per batch, and it ends at its next message once its user is disabled,
removed, re-issued or expired."""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

import structlog

from gateway.domain.errors import ArgosError, Conflict, InvalidInput, NotFound, Unauthenticated
from gateway.domain.roles import Action, Role, User, UserState
from gateway.domain.sessions import SESSION_TOKEN_PREFIX
from gateway.domain.users import (
    TokenRefusal,
    check_admin_remains,
    check_change,
    check_rotation,
    last_use_due,
    refusal_message,
    token_expiry,
    token_refusal,
)
from gateway.services.access import requires
from gateway.services.context import Caller, NodeContext
from gateway.services.limits import Monotonic, RefusalThrottle

if TYPE_CHECKING:
    from gateway.services.sessions import SessionService

log = structlog.get_logger(__name__)

USER_NAME = re.compile(r"^[a-z][a-z0-9._-]{1,63}$")
TOKEN_PREFIX = "argos_"
UNKNOWN = "unknown"  # the name refusals of a token never issued here are recorded under
# A few records one by one (a person mistyping, a forgotten script), then a summary a
# minute per user.
REFUSAL_RECORD_BURST = 3
REFUSAL_RECORDS_PER_MINUTE = 2.0
REFUSAL_SUMMARY_INTERVAL_S = 60.0


def token_hash(token: str) -> str:
    # Tokens are 256-bit random, so a fast hash is enough: nothing to brute-force.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class UserService:
    def __init__(self, ctx: NodeContext, clock: Monotonic = time.monotonic) -> None:
        self._ctx = ctx
        self._throttle = RefusalThrottle(
            REFUSAL_RECORDS_PER_MINUTE, REFUSAL_RECORD_BURST, REFUSAL_SUMMARY_INTERVAL_S, clock
        )
        self._lock = threading.Lock()
        # Bumped after every committed change of a user's standing or token: a stream's
        # TokenCheck looks again only then.
        self._generation = 0
        self._last_written: dict[str, datetime] = {}
        self._sessions: SessionService | None = None

    def accept_sessions(self, sessions: SessionService) -> None:
        """Issue 18: bearer tokens of console sessions are checked by `sessions`, which
        also hears of every change of a user (its sessions end with a disable or
        removal, in the same unit)."""
        self._sessions = sessions

    @property
    def generation(self) -> int:
        """How many changes of users' standing or tokens this node has committed."""
        return self._generation

    # -- who is calling -----------------------------------------------------------------

    def authenticate(self, token: str | None) -> Caller:
        """The local user a bearer token belongs to; Unauthenticated (audited) if the
        token is not one of an active user, or has expired."""
        return self.check_token(token).caller

    def check_token(self, token: str | None) -> BearerCheck:
        """As authenticate, for a long stream: the check to repeat before each message."""
        if not token:
            raise Unauthenticated(
                "no credentials: give a token with --token-file or ARGOS_TOKEN_FILE"
            )
        if token.startswith(SESSION_TOKEN_PREFIX) and self._sessions is not None:
            return self._sessions.check(token)  # a console session's (issue 18)
        check = TokenCheck(self, token_hash(token))
        check.check()
        return check

    def _resolve(self, token_sha256: str) -> User:
        """Rule 1 of gateway.domain.users, from the store."""
        now = self._ctx.now()
        with self._ctx.store.read() as uow:
            user = uow.users.by_token_hash(token_sha256)
            retired = user is None
            if retired:
                user = uow.users.by_retired_token_hash(token_sha256)
        refusal = token_refusal(user, retired=retired, now=now)
        if refusal is not None:
            self._refused(user, refusal)
            raise Unauthenticated(refusal_message(refusal, user))
        assert user is not None
        return user

    def _refused(self, user: User | None, reason: TokenRefusal) -> None:
        name = user.name if user is not None else UNKNOWN
        if not self._throttle.admit(name, "token", reason.value):
            return  # counted; summed up by summarise_refusals()
        log.warning("user.token_refused", user=name, reason=reason.value)
        self._ctx.record(
            Caller("user", name, user.role if user else None),
            "user.token_refused",
            "user",
            name,
            details={"reason": reason.value},
        )

    def summarise_refusals(self, *, everything: bool = False) -> int:
        """One record per user for the refused tokens counted past the rate, once its
        interval is over (all of them with everything=True, at shutdown)."""
        summed = 0
        for name, held in self._throttle.due(everything=everything):
            summed += held.count
            log.warning("user.token_refusals_summarised", user=name, refusals=held.count)
            self._ctx.record(
                Caller("user", name),
                "user.token_refusals_summarised",
                "user",
                name,
                justification=f"{held.count} more refused calls with a token of {name}",
                details={
                    "refusals": held.count,
                    "reasons": ",".join(f"{k}={n}" for k, n in sorted(held.errors.items())),
                },
            )
        return summed

    def _used(self, name: str) -> None:
        """Rule 4: the last use, written at most once a minute per user. A failed write
        does not fail the call it was made for."""
        now = self._ctx.now()
        with self._lock:
            if not last_use_due(self._last_written.get(name), now):
                return
            self._last_written[name] = now
        try:
            with self._ctx.store.write() as uow:
                uow.users.touch(name, now)
                uow.commit()
        except Exception:
            log.exception("user.last_use_not_written", user=name)

    # -- administration -------------------------------------------------------------------

    @requires(Action.USER_MANAGE)
    def add_user(
        self,
        caller: Caller,
        name: str,
        role: Role | None,
        *,
        expires_at: datetime | None = None,
        lifetime: timedelta | None = None,
    ) -> tuple[User, str]:
        """Create a user; return it and its token, which is shown once and stored hashed.
        The first administrator is made by `argos init` as the BOOTSTRAP caller."""
        if role is None:
            raise InvalidInput("a user needs a role: admin, investigator, operator or auditor")
        if not USER_NAME.match(name):
            raise InvalidInput(
                f"user name {name!r} must be 2-64 lowercase letters, digits, '.', '_' or '-'"
            )
        if name == UNKNOWN:
            raise InvalidInput(f"user name {UNKNOWN!r} is kept for tokens never issued here")
        now = self._ctx.now()
        token = _new_token()
        user = User(
            name, role, now, token_expires_at=token_expiry(now, at=expires_at, lifetime=lifetime)
        )
        with self._ctx.store.write() as uow:
            existing = uow.users.get(name)
            if existing is not None and existing.state is UserState.REMOVED:
                raise Conflict(
                    f"user {name} was removed; a name is never given to another user "
                    "(the audit log names users): choose another name"
                )
            uow.users.add(user, token_hash(token))
            self._ctx.record(
                caller, "user.add", "user", name, uow=uow, details=_details(user, role=role.value)
            )
            uow.commit()
        return user, token

    @requires(Action.USER_MANAGE)
    def users(self, caller: Caller) -> list[User]:
        with self._ctx.store.read() as uow:
            return uow.users.all()

    @requires(Action.USER_MANAGE)
    def disable(self, caller: Caller, name: str, justification: str = "") -> User:
        """The user's token stops working from its next call, until enabled again."""
        return self._set_state(caller, name, UserState.DISABLED, "user.disable", justification)

    @requires(Action.USER_MANAGE)
    def enable(self, caller: Caller, name: str, justification: str = "") -> User:
        """A disabled user's token works again (unless it has expired meanwhile)."""
        return self._set_state(caller, name, UserState.ACTIVE, "user.enable", justification)

    @requires(Action.USER_MANAGE)
    def remove(self, caller: Caller, name: str, justification: str = "") -> User:
        """For good: the token never works again; the record stays, shown as removed,
        and the name is never given to anyone else."""
        return self._set_state(caller, name, UserState.REMOVED, "user.remove", justification)

    @requires(Action.USER_MANAGE)
    def rotate_token(
        self,
        caller: Caller,
        name: str,
        *,
        expires_at: datetime | None = None,
        lifetime: timedelta | None = None,
        justification: str = "",
    ) -> tuple[User, str]:
        """A new token for the user (with a new expiry, or none); the old one is refused
        from its next call on. The user's state is left as it is."""
        now = self._ctx.now()
        token = _new_token()

        def change(uow, user: User) -> User:
            check_rotation(user)
            expiry = token_expiry(now, at=expires_at, lifetime=lifetime)
            after = User(
                user.name, user.role, user.created_at, user.state, expiry, user.last_used_at
            )
            if user.role is Role.ADMIN:
                check_admin_remains(uow.users.all(), after, now)
            uow.users.replace_token(name, token_hash(token), expiry, now)
            return after

        user = self._change(caller, name, "user.rotate_token", justification, change)
        return user, token

    def _set_state(
        self, caller: Caller, name: str, state: UserState, action: str, justification: str
    ) -> User:
        now = self._ctx.now()

        def change(uow, user: User) -> User:
            check_change(user, state)
            after = User(
                user.name,
                user.role,
                user.created_at,
                state,
                user.token_expires_at,
                user.last_used_at,
            )
            if user.role is Role.ADMIN:
                check_admin_remains(uow.users.all(), after, now)
            uow.users.set_state(name, state)
            return after

        return self._change(caller, name, action, justification, change)

    def _change(self, caller: Caller, name: str, action: str, justification: str, change) -> User:
        """Apply `change(uow, user)` to the named user with its audit record, in one
        unit; a refusal is rolled back, then recorded (as `action`_refused) and raised."""
        try:
            with self._ctx.store.write() as uow:
                user = uow.users.get(name)
                if user is None:
                    raise NotFound(f"no user {name} on this node")
                after = change(uow, user)
                if self._sessions is not None:
                    self._sessions.user_changed(uow, caller, after)
                self._ctx.record(
                    caller,
                    action,
                    "user",
                    name,
                    uow=uow,
                    justification=justification,
                    details=_details(after, previous=user.state.value),
                )
                uow.commit()
        except ArgosError as refusal:
            self._ctx.record(caller, f"{action}_refused", "user", name, justification=str(refusal))
            raise
        with self._lock:
            self._generation += 1
        if self._sessions is not None:
            self._sessions.committed()
        log.info(action, user=name, state=after.state.value)
        return after


class BearerCheck(Protocol):
    """A caller's bearer token (a CLI token, or a console session's), checked again
    before each message a long stream serves."""

    refusal: Unauthenticated | None

    @property
    def caller(self) -> Caller: ...

    def check(self) -> None: ...

    def still_works(self) -> bool: ...


class TokenCheck:
    """One caller's token, checked again before each message a long stream serves."""

    def __init__(self, users: UserService, token_sha256: str) -> None:
        self._users = users
        self._hash = token_sha256
        self._generation = -1
        self.user: User | None = None
        self.refusal: Unauthenticated | None = None  # why still_works() said no

    @property
    def caller(self) -> Caller:
        assert self.user is not None
        return Caller("user", self.user.name, self.user.role)

    def check(self) -> None:
        """Unauthenticated (audited) once the token no longer works; else the use is
        noted (at most one write a minute)."""
        users = self._users
        expires = self.user.token_expires_at if self.user else None
        if (
            self.user is None
            or self._generation != users._generation
            or (expires is not None and users._ctx.now() >= expires)
        ):
            generation = users._generation
            self.user = users._resolve(self._hash)
            self._generation = generation
        users._used(self.user.name)

    def still_works(self) -> bool:
        """check(), as a yes or no (for a stream that polls)."""
        try:
            self.check()
        except Unauthenticated as refusal:
            self.refusal = refusal
            return False
        return True


def _new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def _details(user: User, **more: str) -> dict[str, str]:
    expiry = user.token_expires_at
    return {
        **more,
        "state": user.state.value,
        "token_expires_at": expiry.isoformat(timespec="seconds") if expiry else "",
    }
