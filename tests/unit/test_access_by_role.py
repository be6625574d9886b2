"""Authorization lives in the application, not in any interface: each use case declares
the action it needs, and calling it directly - no gRPC, no CLI - with a caller whose
role does not allow that action is refused before it does anything, and the refusal
is in the audit log. Walked for every role against every use case, on a real node
folder and SQLite file."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest

from gateway.bootstrap import Application, build_application
from gateway.domain.errors import AccessDenied, ReauthenticationRequired
from gateway.domain.roles import PERMISSIONS, Action, Role
from gateway.domain.sessions import SENSITIVE_ACTIONS, needs_fresh_session
from gateway.services.access import required_action
from gateway.services.context import SYSTEM, Caller
from tests.unit.app_support import NoPartners, gent_config

MINUTE = timedelta(minutes=1)
SERVICES = (
    "administration",
    "agreements",
    "hotlist",
    "feed",
    "sync",
    "matching",
    "hits",
    "ingest",
    "confirmations",
    "outbox",
    "isc",
    "local_export",
    "operations",
    "users",
    "partner_changes",
    "signing_keys",
    "partner_keys",
    "token_rotation",
    "tls",
    "retention",
    "audit",
    "sessions",
)


@pytest.fixture
def app(tmp_path, certs) -> Iterator[Application]:
    config = gent_config(tmp_path, certs)
    application = build_application(config, federation=NoPartners())
    yield application
    application.close()


def use_cases(app: Application) -> list[tuple[str, Callable[..., object], Action]]:
    """(name, bound method, action) of every use case that declares an action."""
    found = []
    for service_name in SERVICES:
        service = getattr(app, service_name)
        for name, function in inspect.getmembers(type(service), inspect.isfunction):
            action = required_action(function)
            if action is not None:
                found.append((f"{service_name}.{name}", getattr(service, name), action))
    return found


def call_with_placeholders(method: Callable[..., object], caller: Caller) -> object:
    """Call a use case as `caller` with None for every other argument: a refusal comes
    before any argument is looked at."""
    parameters = list(inspect.signature(method).parameters.values())[1:]  # after caller
    positional = [None for p in parameters if p.kind is p.POSITIONAL_OR_KEYWORD]
    keywords = {p.name: None for p in parameters if p.kind is p.KEYWORD_ONLY}
    return method(caller, *positional, **keywords)


def denied_records(app: Application, actor: str) -> list[str]:
    with app.store.read() as uow:
        return [
            r.object_id
            for r in uow.audit.records()
            if r.action == "access.denied" and r.actor == actor
        ]


def test_every_action_is_declared_by_some_use_case(app):
    assert {action for _, _, action in use_cases(app)} == set(Action)


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_a_role_is_refused_every_use_case_it_may_not_perform_and_each_refusal_is_audited(app, role):
    caller = Caller("user", f"someone-{role.value}", role)
    refused = [(name, m, a) for name, m, a in use_cases(app) if role not in PERMISSIONS[a]]
    assert refused, f"{role.value} may do everything?"
    for name, method, action in refused:
        with pytest.raises(AccessDenied) as denied:
            call_with_placeholders(method, caller)
        assert action.value in str(denied.value), name
    assert denied_records(app, caller.name) == [action.value for _, _, action in refused]


def test_a_partner_node_may_call_no_local_use_case(app):
    caller = Caller("partner", "nl-terneuzen")
    cases = use_cases(app)
    for _, method, _ in cases:
        with pytest.raises(AccessDenied):
            call_with_placeholders(method, caller)
    assert len(denied_records(app, caller.name)) == len(cases)


def test_a_user_without_a_role_may_call_no_use_case(app):
    caller = Caller("user", "nobody")
    for _, method, _ in use_cases(app):
        with pytest.raises(AccessDenied):
            call_with_placeholders(method, caller)


def test_an_allowed_role_is_not_refused_by_the_check(app):
    """The other half: the check lets through every role the table allows (the call may
    then fail on its placeholder arguments, but not with AccessDenied)."""
    for name, method, action in use_cases(app):
        for role in PERMISSIONS[action]:
            try:
                result = call_with_placeholders(method, Caller("user", "allowed", role))
                if inspect.isgenerator(result):
                    result.close()
            except AccessDenied:
                pytest.fail(f"{role.value} was refused {name}")
            except Exception:  # noqa: S110 - None arguments are not a valid call
                pass
    assert denied_records(app, "allowed") == []
    # The node itself acts without a role (its own loops: purge, deadlines, ISC pull).
    assert app.operations.status(SYSTEM).figures.own_entries == 0


def test_through_a_session_that_is_not_fresh_every_sensitive_use_case_is_refused(app):
    """Issue 18: an administrator acting through a console session must give password
    and code again before any sensitive act; the refusal comes before the use case
    runs and is audited. A fresh session, and a CLI token, get through the check."""
    stale = Caller("user", "root-console", Role.ADMIN, session_id="s-1", fresh_until=None)
    sensitive = [(n, m, a) for n, m, a in use_cases(app) if needs_fresh_session(a)]
    assert {action for _, _, action in sensitive} == SENSITIVE_ACTIONS
    for name, method, _ in sensitive:
        with pytest.raises(ReauthenticationRequired) as refused:
            call_with_placeholders(method, stale)
        assert str(refused.value).startswith("reauthentication required"), name
    with app.store.read() as uow:
        refused = [
            r.object_id
            for r in uow.audit.records()
            if r.action == "access.reauthentication_required" and r.actor == "root-console"
        ]
    assert refused == [action.value for _, _, action in sensitive]
    fresh = Caller(
        "user", "root-fresh", Role.ADMIN, session_id="s-2", fresh_until=app.ctx.now() + MINUTE
    )
    for caller in (fresh, Caller("user", "root-cli", Role.ADMIN)):
        for name, method, _ in sensitive:
            try:
                result = call_with_placeholders(method, caller)
                if inspect.isgenerator(result):
                    result.close()
            except ReauthenticationRequired:
                pytest.fail(f"{caller.name} was asked to re-authenticate for {name}")
            except Exception:  # noqa: S110 - None arguments are not a valid call
                pass
