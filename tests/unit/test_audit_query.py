"""The audit log read with filters and counted by the node (issue 18): the filters of
gateway.domain.audit_query applied by the store over the whole log (a real SQLite file
through the real application), newest first and paged, the counts per action and per
actor, each reading audited, a refused role refused and recorded."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from gateway.bootstrap import Application, build_application
from gateway.domain.audit_query import AuditQuery
from gateway.domain.errors import AccessDenied, InvalidInput
from gateway.domain.roles import Role
from gateway.services.context import Caller
from tests.unit.app_support import NoPartners, gent_config

ADMIN = Caller("user", "admin", Role.ADMIN)
AUDITOR = Caller("user", "dora", Role.AUDITOR)
START = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def app(tmp_path, certs) -> Iterator[Application]:
    """Gent: initialised on 3 December (records 1, 2), three investigators added that
    day (3..5), three operators on 4 December (6..8), one disabled on 5 December (9)."""
    clock = Clock()
    app = build_application(gent_config(tmp_path, certs), federation=NoPartners(), clock=clock)
    app.administration.initialise("admin")
    for name in ("ivan", "olga", "joris"):
        app.users.add_user(ADMIN, name, Role.INVESTIGATOR)
    clock.now = START + timedelta(days=1)
    for name in ("piet", "joke", "els"):
        app.users.add_user(ADMIN, name, Role.OPERATOR)
    clock.now = START + timedelta(days=2)
    app.users.disable(ADMIN, "els", "left the port")
    yield app
    app.close()


def _log(app: Application) -> list:
    with app.store.read() as uow:
        return uow.audit.records()


def _read(app: Application, query: AuditQuery, **kwargs) -> list[tuple[int, str, str]]:
    records = app.administration.audit_records(AUDITOR, 0, 1000, query, **kwargs)
    return [(r.seq, r.action, r.object_id) for r in records]


def test_filters_apply_over_the_whole_log_and_combine(app):
    added = _read(app, AuditQuery(action="user.add"))
    # The first administrator was added by `argos init` (record 2).
    assert [o for _, _, o in added] == ["admin", "ivan", "olga", "joris", "piet", "joke", "els"]
    assert _read(app, AuditQuery(action="user.add", object_id="piet")) == [added[4]]
    assert _read(app, AuditQuery(actor="admin", object_id="els")) == [
        r for r in _read(app, AuditQuery()) if r[2] == "els"
    ]
    assert _read(app, AuditQuery(action="user.ad")) == []  # exact, not a substring


def test_an_action_ending_in_a_dot_is_the_whole_family(app):
    family = {a for _, a, _ in _read(app, AuditQuery(action="user."))}
    assert family == {"user.add", "user.disable"}


def test_a_period_is_bounded_at_the_precision_given(app):
    day_two = _read(app, AuditQuery(action="user.", since="2026-12-04", until="2026-12-04"))
    assert [o for _, _, o in day_two] == ["piet", "joke", "els"]
    from_day_two = _read(app, AuditQuery(action="user.", since="2026-12-04"))
    assert [o for _, _, o in from_day_two] == ["piet", "joke", "els", "els"]
    assert _read(app, AuditQuery(action="user.", until="2026-12-03T08:59")) == []


def test_newest_first_pages_back_from_before_seq(app):
    everything = _read(app, AuditQuery(action="user.add"))
    newest = app.administration.audit_records(
        AUDITOR, 0, 2, AuditQuery(action="user.add"), newest_first=True
    )
    assert [r.seq for r in newest] == [everything[-1][0], everything[-2][0]]
    older = app.administration.audit_records(
        AUDITOR, 0, 2, AuditQuery(action="user.add"), newest_first=True, before_seq=newest[-1].seq
    )
    assert [r.seq for r in older] == [everything[-3][0], everything[-4][0]]


def test_counts_per_action_and_per_actor_over_a_period(app):
    stats = app.administration.audit_statistics(AUDITOR, AuditQuery(since="2026-12-04"))
    assert dict(stats.by_action) == {"user.add": 3, "user.disable": 1}
    assert stats.total == 4
    assert [(k, a, n) for k, a, n in stats.by_actor] == [("user", "admin", 4)]
    whole = app.administration.audit_statistics(AUDITOR, AuditQuery())
    assert whole.total == len(_log(app)) - 1  # the statistics' own record came after


def test_each_reading_is_audited_with_its_filters(app):
    _read(app, AuditQuery(action="user.add", since="2026-12-04"))
    app.administration.audit_statistics(AUDITOR, AuditQuery(since="2026-12-04"))
    read, counted = _log(app)[-2:]
    # Counted since 4 December: three user.add, one user.disable and the reading above.
    assert (read.action, read.actor) == ("audit.read", "dora")
    assert read.details["action"] == "user.add" and read.details["since"] == "2026-12-04"
    assert (counted.action, counted.actor, counted.details["count"]) == (
        "audit.statistics",
        "dora",
        5,
    )


def test_a_role_that_may_not_read_the_log_is_refused_and_the_refusal_recorded(app):
    before = _log(app)
    piet = Caller("user", "piet", Role.OPERATOR)
    with pytest.raises(AccessDenied, match=r"audit\.read needs admin or auditor"):
        app.administration.audit_statistics(piet, AuditQuery())
    after = _log(app)
    assert after[: len(before)] == before
    (denied,) = after[len(before) :]
    assert (denied.action, denied.actor, denied.object_id) == (
        "access.denied",
        "piet",
        "audit.read",
    )


@pytest.mark.parametrize("since", ["yesterday", "2026-12-3", "2026-12-03 16:40", "2026-12-03Z"])
def test_a_time_not_in_the_stored_form_is_refused_by_name(since):
    with pytest.raises(InvalidInput, match="the audit filter since must be a UTC time"):
        AuditQuery(since=since)
