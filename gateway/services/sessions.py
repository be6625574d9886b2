"""Console log-in and the sessions the node holds (issue 18): the two steps of a log-in
(password, then a TOTP code), each session's check on every call it makes (the
console presents its token as a bearer token, and UserService hands tokens of the
session form here), re-authentication before sensitive acts, log-out, and the
administrators' use cases: list and end sessions, set a user's console credentials.
The rules are gateway.domain.sessions; here they are applied and every step audited.

What the audit log holds: each log-in (`session.login`), each refused log-in step
(`session.login_refused`, with its reason; the reply never says which), throttled
attempts (`session.login_throttled`, rate-limited per client address and summed up
past the rate), each re-authentication and refused one, each session's end
(`session.ended`, once, with its reason: logout, idle, absolute, user disabled or
removed, role changed, credentials reset, ended by an administrator) and each setting
of credentials. Never a password, a code, a TOTP secret or a token.

A session ends when its user is disabled or removed in the same transaction as that
change (UserService calls `user_changed`); a session past its idle or absolute end is
ended by the first call that finds it so."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import structlog

from gateway.domain.errors import (
    IllegalTransition,
    InvalidInput,
    NotFound,
    ResourceExhausted,
    Unauthenticated,
)
from gateway.domain.roles import Action, Role, User, UserState
from gateway.domain.sessions import (
    MAX_PASSWORD_LENGTH,
    SESSION_TOKEN_PREFIX,
    ConsoleSession,
    EndReason,
    LoginRefusal,
    LoginThrottlePolicy,
    SessionPolicy,
    TotpVerdict,
    check_password,
    end_reason,
    ends_at,
    fresh_until,
    touch_due,
    verify_totp,
)
from gateway.services import console_factors as factors
from gateway.services.access import requires
from gateway.services.context import SYSTEM, Caller, NodeContext
from gateway.services.limits import Monotonic
from gateway.services.login_throttle import LoginGuard
from gateway.services.ports import ConsoleCredentials, UnitOfWork
from gateway.services.users import UNKNOWN, UserService, token_hash

log = structlog.get_logger(__name__)

LOGIN_ID_LIFETIME = timedelta(minutes=5)
MAX_PENDING_LOGINS = 1_000
MAX_ADDRESS_CHARS = 64
_USER_ENDINGS = {UserState.DISABLED: EndReason.DISABLED, UserState.REMOVED: EndReason.REMOVED}


@dataclass(frozen=True)
class PendingLogin:
    """A password accepted, waiting for its second factor (single use, in memory)."""

    user: str
    client_address: str
    expires_at: datetime


@dataclass(frozen=True)
class IssuedCredentials:
    """What set_credentials hands back once: a new TOTP secret and its URI, if one was
    issued."""

    totp_secret: str | None
    totp_uri: str | None


class SessionService:
    def __init__(
        self,
        ctx: NodeContext,
        users: UserService,
        policy: SessionPolicy | None = None,
        throttle: LoginThrottlePolicy | None = None,
        clock: Monotonic = time.monotonic,
    ) -> None:
        self._ctx = ctx
        self._users = users
        self.policy = policy or SessionPolicy()
        self._guard = LoginGuard(ctx, throttle or LoginThrottlePolicy(), clock)
        self._lock = threading.Lock()
        self._pending: dict[str, PendingLogin] = {}
        # Bumped after every committed change of a session (end, freshness, credentials):
        # a stream's SessionCheck looks at the store again only then, or when its clock
        # says so.
        self.generation = 0
        users.accept_sessions(self)

    # -- log-in ------------------------------------------------------------------------

    def start_login(self, user: str, password: str, client_address: str) -> str:
        """Step 1: the password. A login id for step 2, valid LOGIN_ID_LIFETIME, once."""
        now = self._ctx.now()
        address = _address(client_address)
        self._guard.admit(user, address, now, "password")
        known, credentials = self._login_state(user)
        # A password longer than any allowed is wrong: not worth hashing (rule 1).
        password_ok = len(password) <= MAX_PASSWORD_LENGTH and factors.verify_password(
            credentials.password_hash if credentials else None, password
        )
        refusal = _refusal(known, credentials, password_ok)
        if refusal is not None:
            self._guard.refused(known, user, address, refusal, "password", now)
        assert known is not None and credentials is not None
        if factors.needs_rehash(credentials.password_hash):
            self._rehash(known.name, password)
        login_id = secrets.token_urlsafe(24)
        with self._lock:
            self._pending = {k: p for k, p in self._pending.items() if p.expires_at > now}
            if len(self._pending) >= MAX_PENDING_LOGINS:
                raise ResourceExhausted("too many log-ins under way: try again in a minute")
            self._pending[login_id] = PendingLogin(known.name, address, now + LOGIN_ID_LIFETIME)
        return login_id

    def finish_login(
        self, login_id: str, code: str, client_address: str
    ) -> tuple[str, ConsoleSession]:
        """Step 2: the TOTP code. Opens a session: its token (shown once, kept hashed)
        and the session."""
        now = self._ctx.now()
        address = _address(client_address)
        with self._lock:
            pending = self._pending.pop(login_id, None)
        if pending is None or pending.expires_at <= now or pending.client_address != address:
            self._guard.refused(None, UNKNOWN, address, LoginRefusal.LOGIN_EXPIRED, "code", now)
        name = pending.user
        self._guard.admit(name, address, now, "code")
        known, credentials = self._login_state(name)
        refusal = _refusal(known, credentials, True)
        if refusal is not None:
            self._guard.refused(known, name, address, refusal, "code", now)
        assert known is not None and credentials is not None
        token = SESSION_TOKEN_PREFIX + secrets.token_urlsafe(32)
        started = ConsoleSession(
            session_id="s-" + secrets.token_hex(8),
            user=name,
            role=known.role,
            client_address=address,
            started_at=now,
            last_seen_at=now,
        )
        session = replace(started, fresh_until=fresh_until(started, now, self.policy))
        refusal = None
        with self._ctx.store.write() as uow:
            refusal = self._second_factor(uow, credentials, code, now)
            if refusal is None:
                uow.sessions.add(session, token_hash(token))
                self._ctx.record(
                    _as(known),
                    "session.login",
                    "session",
                    session.session_id,
                    uow=uow,
                    details={"client_address": address, "role": known.role.value},
                )
                uow.commit()
        if refusal is not None:
            self._guard.refused(known, name, address, refusal, "code", now)
        self._guard.succeeded(name)
        log.info("session.login", user=name, session_id=session.session_id)
        return token, session

    def _second_factor(
        self, uow: UnitOfWork, credentials: ConsoleCredentials, code: str, now: datetime
    ) -> LoginRefusal | None:
        """Rule 3, with the step marked used in the same unit as what it opens."""
        verdict, step = verify_totp(
            code,
            now,
            credentials.last_totp_step,
            lambda s: factors.totp_code_at(credentials.totp_secret, s),
            factors.codes_match,
        )
        if verdict is TotpVerdict.WRONG:
            return LoginRefusal.WRONG_CODE
        if verdict is TotpVerdict.REPLAYED or not uow.sessions.use_totp_step(
            credentials.user,
            step,  # type: ignore[arg-type]
        ):
            return LoginRefusal.REPLAYED_CODE
        return None

    def _login_state(self, name: str) -> tuple[User | None, ConsoleCredentials | None]:
        with self._ctx.store.read() as uow:
            user = uow.users.get(name) if name else None
            return user, uow.sessions.credentials(name) if user else None

    def _rehash(self, name: str, password: str) -> None:
        try:
            with self._ctx.store.write() as uow:
                uow.sessions.set_password_hash(name, factors.hash_password(password))
                uow.commit()
        except Exception:  # the log-in goes on; next time again
            log.exception("session.rehash_failed", user=name)

    # -- each call of a session ---------------------------------------------------------

    def check(self, token: str) -> SessionCheck:
        """The session a bearer token of the session form belongs to, as a check to
        repeat (streams do, before each message); Unauthenticated if it has ended."""
        check = SessionCheck(self, token_hash(token))
        check.check()
        return check

    def resolve(self, token_sha256: str) -> ConsoleSession:
        """Rules 4 and 5 on the session of a token hash: ended now if it must end;
        its use noted if due."""
        now = self._ctx.now()
        with self._ctx.store.read() as uow:
            session = uow.sessions.by_token_hash(token_sha256)
            user = uow.users.get(session.user) if session is not None else None
        if session is None:
            self._guard.session_refused(UNKNOWN, "unknown")
            raise Unauthenticated("the session is not valid on this node: sign in again")
        if session.ended_at is not None:
            self._guard.session_refused(session.user, session.end_reason)
            raise Unauthenticated(f"the session has ended ({session.end_reason}): sign in again")
        reason = end_reason(session, user, now, self.policy)
        if reason is not None:
            self._end_one(session, reason, SYSTEM, now)
            raise Unauthenticated(f"the session has ended ({reason.value}): sign in again")
        if touch_due(session.last_seen_at, now, self.policy):
            try:
                with self._ctx.store.write() as uow:
                    uow.sessions.touch(session.session_id, now)
                    uow.commit()
                session = replace(session, last_seen_at=now)
            except Exception:  # a failed note of use does not fail the call
                log.exception("session.touch_failed", session_id=session.session_id)
        return session

    def summarise_refusals(self, *, everything: bool = False) -> int:
        """Throttled log-ins and refused session tokens counted past their rate, summed
        up in one record per address (or session user)."""
        return self._guard.summarise_refusals(everything=everything)

    # -- the caller's own session --------------------------------------------------------

    def current(self, caller: Caller) -> ConsoleSession:
        """The caller's own session (GetSession)."""
        with self._ctx.store.read() as uow:
            session = uow.sessions.get(_session_id(caller))
        if session is None or session.ended_at is not None:
            raise Unauthenticated("the session has ended: sign in again")
        return session

    def reauthenticate(self, caller: Caller, password: str, code: str) -> ConsoleSession:
        """Password and code again: the session is fresh for sensitive acts (rule 6)."""
        session = self.current(caller)
        now = self._ctx.now()
        address, name = session.client_address, session.user
        self._guard.admit(name, address, now, "reauthentication")
        known, credentials = self._login_state(name)
        ok = factors.verify_password(credentials.password_hash if credentials else None, password)
        refusal = _refusal(known, credentials, ok)
        if refusal is None:
            assert credentials is not None
            with self._ctx.store.write() as uow:
                refusal = self._second_factor(uow, credentials, code, now)
                if refusal is None:
                    until = fresh_until(session, now, self.policy)
                    uow.sessions.set_fresh_until(session.session_id, until, now)
                    self._ctx.record(
                        caller,
                        "session.reauthenticated",
                        "session",
                        session.session_id,
                        uow=uow,
                        details={"fresh_until": until.isoformat(timespec="seconds")},
                    )
                    uow.commit()
        if refusal is not None:
            self._guard.reauthentication_refused(caller, session, refusal, now)
        self._guard.succeeded(name)
        self._bump()
        return replace(session, fresh_until=until, last_seen_at=now)

    def end(self, caller: Caller) -> None:
        """Log out: the caller's own session ends."""
        session = self.current(caller)
        self._end_one(session, EndReason.LOGOUT, caller, self._ctx.now())

    # -- administrators ------------------------------------------------------------------

    @requires(Action.USER_MANAGE)
    def sessions(self, caller: Caller, user: str = "") -> list[ConsoleSession]:
        """Every open session (of `user`), oldest first."""
        with self._ctx.store.read() as uow:
            return uow.sessions.open_sessions(user or None)

    @requires(Action.USER_MANAGE)
    def end_sessions(
        self, caller: Caller, *, session_id: str = "", user: str = "", justification: str = ""
    ) -> int:
        """End one session by its id, or every open session of a user."""
        if bool(session_id) == bool(user):
            raise InvalidInput("name one session (by its id) or one user whose sessions end")
        if not justification.strip():
            raise InvalidInput("say why the sessions end (--justification)")
        now = self._ctx.now()
        with self._ctx.store.write() as uow:
            if session_id:
                session = uow.sessions.get(session_id)
                if session is None:
                    raise NotFound(f"no session {session_id} on this node")
                if session.ended_at is not None:
                    raise IllegalTransition(
                        f"session {session_id} ended already ({session.end_reason})"
                    )
                targets = [session]
            else:
                if uow.users.get(user) is None:
                    raise NotFound(f"no user {user} on this node")
                targets = uow.sessions.open_sessions(user)
            ended = self._end_in(uow, targets, EndReason.ENDED_BY_ADMIN, caller, now, justification)
            uow.commit()
        self._bump()
        return ended

    @requires(Action.USER_MANAGE)
    def set_credentials(
        self, caller: Caller, user: str, password: str, *, new_totp_secret: bool = False
    ) -> IssuedCredentials:
        """A user's console password (and a new TOTP secret when asked, or when the user
        has none: returned once, kept for the codes). Ends the user's open sessions."""
        now = self._ctx.now()
        with self._ctx.store.write() as uow:
            target = uow.users.get(user)
            if target is None:
                raise NotFound(f"no user {user} on this node")
            if target.state is UserState.REMOVED:
                raise IllegalTransition(f"user {user} was removed and gets no console log-in")
            if target.role is Role.ADAPTER:
                raise InvalidInput(
                    f"user {user} is an adapter (a process, not a person): no console log-in"
                )
            check_password(user, password)
            held = uow.sessions.credentials(user)
            issue = new_totp_secret or held is None
            secret = factors.new_totp_secret() if issue else held.totp_secret  # type: ignore[union-attr]
            # A kept secret keeps its last used step: a code used before stays used.
            last_step = None if issue else held.last_totp_step  # type: ignore[union-attr]
            uow.sessions.set_credentials(
                ConsoleCredentials(user, factors.hash_password(password), secret, last_step, now)
            )
            ended = self._end_in(
                uow, uow.sessions.open_sessions(user), EndReason.CREDENTIALS_RESET, caller, now
            )
            self._ctx.record(
                caller,
                "session.credentials_set",
                "user",
                user,
                uow=uow,
                details={"new_totp_secret": issue, "sessions_ended": ended},
            )
            uow.commit()
        self._bump()
        if not issue:
            return IssuedCredentials(None, None)
        return IssuedCredentials(secret, factors.totp_uri(secret, user, self._ctx.node_id))

    # -- endings ---------------------------------------------------------------------------

    def user_changed(self, uow: UnitOfWork, caller: Caller, after: User) -> None:
        """Called by UserService inside the unit that changes a user: a disabled or
        removed user's sessions end with it; a removed user's credentials go."""
        reason = _USER_ENDINGS.get(after.state)
        if reason is None:
            return
        self._end_in(uow, uow.sessions.open_sessions(after.name), reason, caller, self._ctx.now())
        if after.state is UserState.REMOVED and uow.sessions.remove_credentials(after.name):
            self._ctx.record(caller, "session.credentials_removed", "user", after.name, uow=uow)

    def committed(self) -> None:
        """UserService committed a change of a user: sessions' checks look again."""
        self._bump()

    def _end_one(
        self, session: ConsoleSession, reason: EndReason, caller: Caller, now: datetime
    ) -> None:
        with self._ctx.store.write() as uow:
            self._end_in(uow, [session], reason, caller, now)
            uow.commit()
        self._bump()

    def _end_in(
        self,
        uow: UnitOfWork,
        sessions: list[ConsoleSession],
        reason: EndReason,
        caller: Caller,
        now: datetime,
        justification: str = "",
    ) -> int:
        """End each open session once, with one audit record each."""
        ended = 0
        for session in sessions:
            if not uow.sessions.end(session.session_id, now, reason.value):
                continue  # ended meanwhile, and recorded then
            ended += 1
            self._ctx.record(
                caller,
                "session.ended",
                "session",
                session.session_id,
                uow=uow,
                justification=justification,
                details={"user": session.user, "reason": reason.value},
            )
            log.info("session.ended", session_id=session.session_id, reason=reason.value)
        return ended

    def _bump(self) -> None:
        with self._lock:
            self.generation += 1

    def ends_at(self, session: ConsoleSession) -> datetime:
        return ends_at(session, self.policy)


class SessionCheck:
    """One session's token, checked again before each message a long stream serves
    (the same shape as users.TokenCheck)."""

    def __init__(self, sessions: SessionService, token_sha256: str) -> None:
        self._sessions = sessions
        self._hash = token_sha256
        self._seen = (-1, -1)
        self.session: ConsoleSession | None = None
        self.refusal: Unauthenticated | None = None

    @property
    def caller(self) -> Caller:
        s = self.session
        assert s is not None
        return Caller("user", s.user, s.role, session_id=s.session_id, fresh_until=s.fresh_until)

    def check(self) -> None:
        """Unauthenticated once the session has ended. Looks at the store only when a
        session or user changed on this node, or the session's clock says so."""
        sessions = self._sessions
        now = sessions._ctx.now()
        seen = (sessions.generation, sessions._users.generation)
        s = self.session
        if (
            s is None
            or seen != self._seen
            or now >= sessions.ends_at(s)
            or touch_due(s.last_seen_at, now, sessions.policy)
        ):
            self.session = sessions.resolve(self._hash)
            self._seen = seen

    def still_works(self) -> bool:
        try:
            self.check()
        except Unauthenticated as refusal:
            self.refusal = refusal
            return False
        return True


def _refusal(
    user: User | None, credentials: ConsoleCredentials | None, password_ok: bool
) -> LoginRefusal | None:
    if user is None or user.state is UserState.REMOVED:
        return LoginRefusal.UNKNOWN_USER
    if user.state is not UserState.ACTIVE:
        return LoginRefusal.NOT_ACTIVE
    if credentials is None:
        return LoginRefusal.NO_CREDENTIALS
    if not password_ok:
        return LoginRefusal.WRONG_PASSWORD
    return None


def _as(user: User) -> Caller:
    return Caller("user", user.name, user.role)


def _session_id(caller: Caller) -> str:
    if caller.session_id is None:
        raise InvalidInput("only a console session has a session (a CLI token is not one)")
    return caller.session_id


def _address(text: str) -> str:
    """The client address as the console gave it, bounded and printable (it goes into
    the audit log)."""
    cleaned = "".join(c for c in text if c.isprintable())[:MAX_ADDRESS_CHARS]
    return cleaned or "unknown"
