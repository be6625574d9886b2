"""Users over their lifetime, at the use cases: which tokens still work, the guard on
the last administrator, expiry and last use under a clock the test moves, and how many
audit records a caller hammering with a dead token can make. One process, a real
SQLite file, no sleeping: the node's clock and the throttle's monotonic clock are the
test's."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from gateway.domain.errors import Conflict, IllegalTransition, InvalidInput, Unauthenticated
from gateway.domain.identity import NodeSigningKey
from gateway.domain.roles import Role, User, UserState
from gateway.domain.users import Standing, standing
from gateway.services.administration import BOOTSTRAP
from gateway.services.context import NodeContext
from gateway.services.users import REFUSAL_RECORD_BURST, UserService, token_hash
from gateway.store.sqlite import SqliteStore


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


class Monotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def node(tmp_path):
    clock, monotonic = Clock(), Monotonic()
    store = SqliteStore(tmp_path / "node.sqlite", "be-gent", clock)
    ctx = NodeContext(
        node_id="be-gent",
        signing_key=NodeSigningKey.generate(),
        store=store,
        federation=None,  # type: ignore[arg-type] - no partner is called here
        clock=clock,
    )
    users = UserService(ctx, monotonic)
    _, admin_token = users.add_user(BOOTSTRAP, "admin", Role.ADMIN)
    admin = users.authenticate(admin_token)
    yield users, admin, clock, monotonic, store
    store.close()


def records(store, action: str) -> list:
    with store.read() as uow:
        return [r for r in uow.audit.records(0, 100_000) if r.action == action]


def listed(users: UserService, admin, name: str) -> User:
    return next(u for u in users.users(admin) if u.name == name)


def test_a_token_with_an_expiry_works_until_that_moment_and_is_refused_from_then_on(node):
    users, admin, clock, _, store = node
    _, token = users.add_user(admin, "ivan", Role.INVESTIGATOR, lifetime=timedelta(days=90))
    clock.now += timedelta(days=90) - timedelta(milliseconds=1)
    assert users.authenticate(token).name == "ivan"
    clock.now += timedelta(milliseconds=1)
    with pytest.raises(Unauthenticated) as refused:
        users.authenticate(token)
    assert "expired at 2027-03-03T09:00:00+00:00" in str(refused.value)
    assert "ivan" not in str(refused.value)
    assert standing(listed(users, admin, "ivan"), clock.now) is Standing.EXPIRED
    [record] = records(store, "user.token_refused")
    assert (record.actor, record.details["reason"]) == ("ivan", "expired")


def test_a_long_stream_is_refused_at_its_next_message_once_its_token_expires(node):
    users, admin, clock, _, _ = node
    _, token = users.add_user(admin, "cam", Role.ADAPTER, lifetime=timedelta(hours=1))
    check = users.check_token(token)
    check.check()
    clock.now += timedelta(hours=1)
    assert not check.still_works()
    assert "expired" in str(check.refusal)


def test_a_stream_learns_of_a_disable_without_reading_the_store_for_each_message(node):
    users, admin, _, _, store = node
    _, token = users.add_user(admin, "cam", Role.ADAPTER)
    check = users.check_token(token)
    reads = []
    original = store.read

    def counting_read():
        reads.append(1)
        return original()

    store.read = counting_read
    for _ in range(100):
        check.check()
    assert reads == []  # the check is in memory while nothing changed
    users.disable(admin, "cam")
    with pytest.raises(Unauthenticated):
        check.check()


def test_last_use_is_written_at_most_once_a_minute(node):
    users, admin, clock, _, _ = node
    _, token = users.add_user(admin, "ivan", Role.INVESTIGATOR)
    assert listed(users, admin, "ivan").last_used_at is None
    first = clock.now
    users.authenticate(token)
    for _ in range(50):
        clock.now += timedelta(seconds=1)
        users.authenticate(token)
    assert listed(users, admin, "ivan").last_used_at == first
    clock.now = first + timedelta(minutes=1)
    users.authenticate(token)
    assert listed(users, admin, "ivan").last_used_at == clock.now


def test_a_caller_hammering_with_a_dead_token_makes_a_few_records_and_one_summary(node):
    users, admin, _, monotonic, store = node
    _, token = users.add_user(admin, "olga", Role.OPERATOR)
    users.disable(admin, "olga")
    for _ in range(500):
        with pytest.raises(Unauthenticated):
            users.authenticate(token)
    assert len(records(store, "user.token_refused")) == REFUSAL_RECORD_BURST
    assert users.summarise_refusals() == 0  # the minute is not over
    monotonic.now += 60
    assert users.summarise_refusals() == 500 - REFUSAL_RECORD_BURST
    [summary] = records(store, "user.token_refusals_summarised")
    assert summary.actor == "olga"
    assert summary.details["reasons"] == f"disabled={500 - REFUSAL_RECORD_BURST}"


def test_an_unknown_token_is_refused_as_before_and_recorded_under_no_name(node):
    users, _, _, _, store = node
    with pytest.raises(Unauthenticated) as refused:
        users.authenticate("argos_not-a-real-token")
    assert str(refused.value) == "the token is not valid on this node"
    [record] = records(store, "user.token_refused")
    assert (record.actor, record.details["reason"]) == ("unknown", "unknown")


@pytest.mark.parametrize(
    "change",
    [
        lambda users, admin: users.disable(admin, "admin"),
        lambda users, admin: users.remove(admin, "admin"),
    ],
    ids=["disable", "remove"],
)
def test_no_change_leaves_the_node_without_an_active_administrator(node, change):
    users, admin, _, _, store = node
    # Another administrator who cannot act: disabled.
    users.add_user(admin, "root", Role.ADMIN)
    users.disable(admin, "root")
    before = users.users(admin)
    with pytest.raises(IllegalTransition, match="last active administrator"):
        change(users, admin)
    assert users.users(admin) == before
    refusals = records(store, "user.disable_refused") + records(store, "user.remove_refused")
    assert len(refusals) == 1 and "last active administrator" in refusals[0].justification


def test_an_expired_administrator_does_not_count_as_one_who_remains(node):
    users, admin, clock, _, _ = node
    users.add_user(admin, "root", Role.ADMIN, lifetime=timedelta(days=1))
    clock.now += timedelta(days=2)
    with pytest.raises(IllegalTransition, match="last active administrator"):
        users.disable(admin, "admin")


def test_a_removed_user_stays_removed_and_its_name_is_never_given_again(node):
    users, admin, _, _, store = node
    users.add_user(admin, "ivan", Role.INVESTIGATOR)
    users.remove(admin, "ivan", "left the service")
    for change in (users.enable, users.disable, users.remove):
        with pytest.raises(IllegalTransition, match="removed"):
            change(admin, "ivan")
    with pytest.raises(IllegalTransition, match="removed"):
        users.rotate_token(admin, "ivan")
    with pytest.raises(Conflict, match="never given to another user"):
        users.add_user(admin, "ivan", Role.OPERATOR)
    assert listed(users, admin, "ivan").state is UserState.REMOVED
    [removal] = records(store, "user.remove")
    assert (removal.actor, removal.justification) == ("admin", "left the service")


@pytest.mark.parametrize(
    ("keywords", "problem"),
    [
        ({"lifetime": timedelta(0)}, "must be positive"),
        ({"lifetime": timedelta(days=3000)}, "at most"),
        ({"expires_at": datetime(2026, 12, 3, 8, 0, tzinfo=UTC)}, "not in the future"),
    ],
)
def test_an_expiry_that_protects_nothing_is_refused(node, keywords, problem):
    users, admin, _, _, _ = node
    with pytest.raises(InvalidInput, match=problem):
        users.add_user(admin, "ivan", Role.INVESTIGATOR, **keywords)
    assert [u.name for u in users.users(admin)] == ["admin"]


def test_no_token_or_token_hash_reaches_the_audit_log(node):
    users, admin, _, _, store = node
    _, first = users.add_user(admin, "ivan", Role.INVESTIGATOR)
    _, second = users.rotate_token(admin, "ivan", lifetime=timedelta(days=30))
    with pytest.raises(Unauthenticated):
        users.authenticate(first)
    with store.read() as uow:
        text = json.dumps([r.__dict__ for r in uow.audit.records(0, 1000)], default=str)
    for token in (first, second):
        assert token not in text
        assert token_hash(token) not in text
        assert token.removeprefix("argos_")[:16] not in text
