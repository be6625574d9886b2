"""Console log-in and sessions at the use cases (gateway/services/sessions.py): the two
steps, the throttle, TOTP replays, idle and absolute ends to the millisecond under a
clock the test moves, sessions ending with their user, re-authentication before a
sensitive act, and the audit log of each step. One process, a real SQLite file, real
Argon2id and pyotp; no sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from gateway.domain.errors import (
    AccessDenied,
    IllegalTransition,
    InvalidInput,
    ReauthenticationRequired,
    ResourceExhausted,
    Unauthenticated,
)
from gateway.domain.identity import NodeSigningKey
from gateway.domain.roles import Action, Role
from gateway.domain.sessions import (
    LOGIN_REFUSED,
    SESSION_TOKEN_PREFIX,
    LoginThrottlePolicy,
    SessionPolicy,
)
from gateway.node.config import load_config
from gateway.services.administration import BOOTSTRAP
from gateway.services.console_factors import current_totp_code
from gateway.services.context import NodeContext
from gateway.services.sessions import SessionService
from gateway.services.users import UserService, token_hash
from gateway.store.sqlite import SqliteStore
from tests.unit.app_support import gent_config

MS = timedelta(milliseconds=1)
PASSWORD = "correct horse battery staple"
ADDRESS = "192.0.2.10"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 3, 9, 0, 10, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


class Node:
    def __init__(self, tmp_path) -> None:
        self.clock = Clock()
        self.store = SqliteStore(tmp_path / "node.sqlite", "be-gent", self.clock)
        self.ctx = NodeContext(
            node_id="be-gent",
            signing_key=NodeSigningKey.generate(),
            store=self.store,
            federation=None,  # type: ignore[arg-type] - no partner is called here
            clock=self.clock,
        )
        self.users = UserService(self.ctx, lambda: 0.0)
        self.sessions = SessionService(self.ctx, self.users, SessionPolicy(), clock=lambda: 0.0)
        _, token = self.users.add_user(BOOTSTRAP, "admin", Role.ADMIN)
        self.admin = self.users.authenticate(token)  # a CLI token: not a session
        self.secrets: dict[str, str] = {}

    def person(self, name: str, role: Role) -> str:
        self.users.add_user(self.admin, name, role)
        issued = self.sessions.set_credentials(self.admin, name, PASSWORD)
        assert issued.totp_secret is not None
        self.secrets[name] = issued.totp_secret
        return issued.totp_secret

    def code(self, name: str, at: datetime | None = None) -> str:
        return current_totp_code(self.secrets[name], at or self.clock.now)

    def login(self, name: str, password: str = PASSWORD, address: str = ADDRESS):
        login_id = self.sessions.start_login(name, password, address)
        return self.sessions.finish_login(login_id, self.code(name), address)

    def next_step(self) -> None:
        """Move the clock to the next TOTP step (a code is used once)."""
        self.clock.now += timedelta(seconds=30)

    def records(self, action: str) -> list:
        with self.store.read() as uow:
            return [r for r in uow.audit.records(0, 100_000) if r.action == action]

    def all_text(self) -> str:
        with self.store.read() as uow:
            return "\n".join(repr(r) for r in uow.audit.records(0, 100_000))


def wrong_code(right: str) -> str:
    return f"{(int(right) + 500_000) % 1_000_000:06d}"


@pytest.fixture
def node(tmp_path):
    n = Node(tmp_path)
    yield n
    n.store.close()


def test_two_steps_give_a_session_whose_token_acts_with_the_users_role(node):
    secret = node.person("olga", Role.OPERATOR)
    # What an authenticator app shows is what the node accepts (pyotp, RFC 6238).
    assert pyotp.TOTP(secret).at(node.clock.now) == node.code("olga")
    token, session = node.login("olga")
    assert token.startswith(SESSION_TOKEN_PREFIX)
    caller = node.users.authenticate(token)
    assert (caller.name, caller.role, caller.session_id) == (
        "olga",
        Role.OPERATOR,
        session.session_id,
    )
    with pytest.raises(AccessDenied):
        node.ctx.authorize(caller, Action.USER_MANAGE)
    node.ctx.authorize(caller, Action.ALERTS_WATCH)
    with node.store.read() as uow:
        assert uow.sessions.by_token_hash(token_hash(token)) == session
    [login] = node.records("session.login")
    assert (login.actor, login.object_id) == ("olga", session.session_id)
    assert login.details == {"client_address": ADDRESS, "role": "operator"}


def test_wrong_password_unknown_user_and_wrong_code_get_one_answer_each_audited(node):
    node.person("olga", Role.OPERATOR)
    node.users.add_user(node.admin, "ivan", Role.INVESTIGATOR)  # no console credentials
    for name, password in (("olga", "wrong password!!"), ("nobody", PASSWORD), ("ivan", PASSWORD)):
        with pytest.raises(Unauthenticated) as refused:
            node.sessions.start_login(name, password, ADDRESS)
        assert str(refused.value) == LOGIN_REFUSED
    login_id = node.sessions.start_login("olga", PASSWORD, ADDRESS)
    with pytest.raises(Unauthenticated) as refused:
        node.sessions.finish_login(login_id, wrong_code(node.code("olga")), ADDRESS)
    assert str(refused.value) == LOGIN_REFUSED
    # The login id was used up by the wrong code: the right one no longer opens it.
    with pytest.raises(Unauthenticated):
        node.sessions.finish_login(login_id, node.code("olga"), ADDRESS)
    seen = [
        (r.object_id, r.details["reason"], r.details["step"])
        for r in node.records("session.login_refused")
    ]
    assert seen == [
        ("olga", "wrong_password", "password"),
        ("unknown", "unknown_user", "password"),
        ("ivan", "no_console_credentials", "password"),
        ("olga", "wrong_code", "code"),
        ("unknown", "login_expired", "code"),
    ]
    text = node.all_text()
    assert PASSWORD not in text and "wrong password!!" not in text and "nobody" not in text
    assert node.records("session.login") == []


def test_the_sixth_attempt_of_a_user_name_is_throttled_unseen_and_audited(node):
    node.person("olga", Role.OPERATOR)
    for n in range(5):
        with pytest.raises(Unauthenticated):
            node.sessions.start_login("olga", f"wrong password {n}", f"198.51.100.{n}")
    # The right password from yet another address: the user name is locked.
    with pytest.raises(ResourceExhausted, match="too many failed log-ins"):
        node.sessions.start_login("olga", PASSWORD, "203.0.113.1")
    [throttled] = node.records("session.login_throttled")
    assert throttled.details == {"step": "password", "locked": "user"}
    assert len(node.records("session.login_refused")) == 5
    # Fifteen minutes after the last failure, not a millisecond before, it opens again.
    node.clock.now += timedelta(minutes=15) - MS
    with pytest.raises(ResourceExhausted):
        node.sessions.start_login("olga", PASSWORD, "203.0.113.1")
    node.clock.now += MS
    node.login("olga", address="203.0.113.1")


def test_one_address_trying_many_names_is_throttled_too(node):
    node.person("olga", Role.OPERATOR)
    for n in range(5):
        with pytest.raises(Unauthenticated):
            node.sessions.start_login(f"guess{n}", PASSWORD, ADDRESS)
    with pytest.raises(ResourceExhausted):
        node.sessions.start_login("olga", PASSWORD, ADDRESS)
    node.login("olga", address="192.0.2.99")  # another address is not locked


def test_a_successful_login_forgets_the_users_failures(node):
    node.person("olga", Role.OPERATOR)
    for n in range(4):
        with pytest.raises(Unauthenticated):
            node.sessions.start_login("olga", "wrong password!!", f"198.51.100.{n}")
    node.login("olga", address="198.51.100.50")
    node.next_step()
    for n in range(4):
        with pytest.raises(Unauthenticated):
            node.sessions.start_login("olga", "wrong password!!", f"198.51.100.{10 + n}")
    node.login("olga", address="198.51.100.51")  # four more did not lock it: the count began again


def test_a_totp_code_is_accepted_once(node):
    node.person("olga", Role.OPERATOR)
    node.login("olga")
    login_id = node.sessions.start_login("olga", PASSWORD, ADDRESS)
    with pytest.raises(Unauthenticated) as refused:
        node.sessions.finish_login(login_id, node.code("olga"), ADDRESS)
    assert str(refused.value) == LOGIN_REFUSED
    assert node.records("session.login_refused")[-1].details["reason"] == "replayed_code"
    node.next_step()
    node.login("olga")


def test_idle_timeout_works_a_millisecond_before_and_ends_the_session_at_it(node):
    node.person("olga", Role.OPERATOR)
    token, session = node.login("olga")
    idle = node.sessions.policy.idle_timeout
    node.clock.now = session.last_seen_at + idle - MS
    node.users.authenticate(token)  # a use: the idle clock starts again from here
    seen = node.clock.now
    node.clock.now = seen + idle - MS
    node.users.authenticate(token)
    node.clock.now += idle
    with pytest.raises(Unauthenticated, match="the session has ended \\(idle\\)"):
        node.users.authenticate(token)
    with pytest.raises(Unauthenticated):
        node.users.authenticate(token)
    [ended] = node.records("session.ended")  # recorded once
    assert ended.details == {"user": "olga", "reason": "idle"}
    assert (ended.actor_kind, ended.object_id) == ("system", session.session_id)


def test_a_session_in_use_ends_at_its_absolute_end(node):
    node.person("olga", Role.OPERATOR)
    token, session = node.login("olga")
    end = session.started_at + node.sessions.policy.absolute_timeout
    while node.clock.now < end - timedelta(minutes=10):
        node.clock.now += timedelta(minutes=10)
        node.users.authenticate(token)
    node.clock.now = end - MS
    node.users.authenticate(token)
    node.clock.now = end
    with pytest.raises(Unauthenticated, match="absolute"):
        node.users.authenticate(token)


def test_disabling_the_user_or_setting_credentials_anew_ends_their_sessions(node):
    node.person("olga", Role.OPERATOR)
    token, _ = node.login("olga")
    node.users.disable(node.admin, "olga", "on leave")
    with pytest.raises(Unauthenticated, match="user_disabled"):
        node.users.authenticate(token)
    node.users.enable(node.admin, "olga")
    with pytest.raises(Unauthenticated):
        node.users.authenticate(token)  # an ended session stays ended
    node.next_step()
    token, _ = node.login("olga")
    node.sessions.set_credentials(node.admin, "olga", "another long passphrase")
    with pytest.raises(Unauthenticated, match="credentials_reset"):
        node.users.authenticate(token)
    reasons = [r.details["reason"] for r in node.records("session.ended")]
    assert reasons == ["user_disabled", "credentials_reset"]
    # The TOTP secret was kept (no --new-totp) and its used step with it.
    with pytest.raises(Unauthenticated):
        node.login("olga", password="another long passphrase")
    node.next_step()
    node.login("olga", password="another long passphrase")


def test_removing_a_user_ends_their_sessions_and_their_credentials_go(node):
    node.person("olga", Role.OPERATOR)
    token, _ = node.login("olga")
    node.users.remove(node.admin, "olga", "left")
    with node.store.read() as uow:
        assert uow.sessions.credentials("olga") is None
        assert uow.sessions.open_sessions("olga") == []
    with pytest.raises(Unauthenticated, match="user_removed"):
        node.users.authenticate(token)
    assert node.records("session.credentials_removed")[0].object_id == "olga"
    with pytest.raises(IllegalTransition):
        node.sessions.set_credentials(node.admin, "olga", PASSWORD)


def test_a_sensitive_act_through_a_session_needs_reauthentication_and_is_audited(node):
    node.person("root", Role.ADMIN)
    node.users.add_user(node.admin, "olga", Role.OPERATOR)
    token, session = node.login("root")
    # Fresh from the log-in: allowed.
    node.users.disable(node.users.authenticate(token), "olga")
    node.clock.now += node.sessions.policy.fresh_for
    caller = node.users.authenticate(token)
    with pytest.raises(ReauthenticationRequired) as refused:
        node.users.enable(caller, "olga")
    assert str(refused.value).startswith("reauthentication required")
    [record] = node.records("access.reauthentication_required")
    assert (record.actor, record.object_id) == ("root", "user.manage")
    assert record.details == {"session_id": session.session_id}
    with node.store.read() as uow:
        assert uow.users.get("olga").state.value == "disabled"  # nothing changed
    # Wrong code: refused and audited; then password and code again: fresh.
    with pytest.raises(Unauthenticated):
        node.sessions.reauthenticate(caller, PASSWORD, "12345")
    node.next_step()
    again = node.sessions.reauthenticate(caller, PASSWORD, node.code("root"))
    assert again.fresh_until == node.clock.now + node.sessions.policy.fresh_for
    node.users.enable(node.users.authenticate(token), "olga")
    assert [r.details["reason"] for r in node.records("session.reauthentication_refused")] == [
        "wrong_code"
    ]
    assert len(node.records("session.reauthenticated")) == 1
    # A CLI token is not a session: never asked to re-authenticate.
    node.clock.now += timedelta(hours=1)
    node.users.disable(node.admin, "olga")


def test_administrators_list_and_end_sessions_with_a_justification(node):
    node.person("olga", Role.OPERATOR)
    node.person("otto", Role.OPERATOR)
    token_a, a = node.login("olga")
    node.next_step()
    token_b, b = node.login("olga", address="192.0.2.11")
    node.next_step()
    _, c = node.login("otto")
    assert [s.session_id for s in node.sessions.sessions(node.admin)] == [
        a.session_id,
        b.session_id,
        c.session_id,
    ]
    with pytest.raises(InvalidInput):
        node.sessions.end_sessions(node.admin, user="olga")
    assert (
        node.sessions.end_sessions(node.admin, session_id=a.session_id, justification="lost laptop")
        == 1
    )
    with pytest.raises(IllegalTransition):
        node.sessions.end_sessions(node.admin, session_id=a.session_id, justification="again")
    assert node.sessions.end_sessions(node.admin, user="olga", justification="reset") == 1
    assert [s.session_id for s in node.sessions.sessions(node.admin)] == [c.session_id]
    for token in (token_a, token_b):
        with pytest.raises(Unauthenticated, match="ended_by_admin"):
            node.users.authenticate(token)
    ended = node.records("session.ended")
    assert [(r.actor, r.justification) for r in ended] == [
        ("admin", "lost laptop"),
        ("admin", "reset"),
    ]


def test_log_out_ends_the_callers_own_session(node):
    node.person("olga", Role.OPERATOR)
    token, session = node.login("olga")
    caller = node.users.authenticate(token)
    assert node.sessions.current(caller).session_id == session.session_id
    node.sessions.end(caller)
    with pytest.raises(Unauthenticated, match="logout"):
        node.users.authenticate(token)
    [ended] = node.records("session.ended")
    assert (ended.actor, ended.details["reason"]) == ("olga", "logout")


def test_passwords_are_checked_and_adapters_get_no_console_log_in(node):
    node.users.add_user(node.admin, "olga", Role.OPERATOR)
    node.users.add_user(node.admin, "cam-1", Role.ADAPTER)
    with pytest.raises(InvalidInput, match="at least 12"):
        node.sessions.set_credentials(node.admin, "olga", "short")
    with pytest.raises(InvalidInput, match="user's name"):
        node.sessions.set_credentials(node.admin, "olga", "olga-is-my-password")
    with pytest.raises(InvalidInput, match="adapter"):
        node.sessions.set_credentials(node.admin, "cam-1", PASSWORD)
    with node.store.read() as uow:
        assert uow.sessions.credentials("olga") is None
    issued = node.sessions.set_credentials(node.admin, "olga", PASSWORD)
    assert issued.totp_uri.startswith("otpauth://totp/") and issued.totp_secret in issued.totp_uri
    with node.store.read() as uow:
        held = uow.sessions.credentials("olga")
    assert held.password_hash.startswith("$argon2id$") and PASSWORD not in held.password_hash
    [record] = node.records("session.credentials_set")
    assert record.details == {"new_totp_secret": True, "sessions_ended": 0}
    assert issued.totp_secret not in node.all_text()


def test_console_settings_come_from_node_toml_and_a_bad_one_is_refused_by_name(tmp_path, certs):
    config = gent_config(tmp_path, certs)
    assert config.console.policy == SessionPolicy()
    assert config.console.throttle == LoginThrottlePolicy()
    assert config.console_session_retention_days == 30
    toml = config.home / "node.toml"
    original = toml.read_text()
    toml.write_text(original + "[console]\nidle_timeout_minutes = 0.5\nlogin_failures = 3\n")
    loaded = load_config(config.home)
    assert loaded.console.policy.idle_timeout == timedelta(seconds=30)
    assert loaded.console.throttle.failures == 3
    for bad, says in (
        ("fresh_minutes = 0", "console.fresh_minutes must be above 0"),
        ("idle_minutes = 5", "console.idle_minutes: unknown setting"),
    ):
        toml.write_text(original + f"[console]\n{bad}\n")
        with pytest.raises(InvalidInput, match=says):
            load_config(config.home)
