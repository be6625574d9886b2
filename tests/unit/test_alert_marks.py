"""Claiming and acknowledging a hit alert (IngestService.mark, the console's a and c):
the mark is logged after the alert, so a watch from before it is given both in order;
it is audited with the hit's id; a position that holds no hit alert, an unknown mark
and a role that may not watch are refused, the refusal audited, nothing logged."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, timedelta

import pytest

from gateway.bootstrap import Application, build_application
from gateway.domain.errors import AccessDenied, InvalidInput, NotFound
from gateway.domain.roles import Role
from gateway.domain.times import epoch_ms
from gateway.services.context import Caller
from gateway.services.matching import IncomingRead
from gateway.wire.alerts_codec import watch_response_pb
from tests.contract.samples import START, own_entry
from tests.unit.app_support import NoPartners, gent_config

CAM = Caller("user", "cam", Role.ADAPTER)
OLGA = Caller("user", "olga", Role.OPERATOR)
ANNA = Caller("user", "anna", Role.AUDITOR)
NOW = START + timedelta(hours=1)


@pytest.fixture
def app(tmp_path, certs) -> Iterator[Application]:
    application = build_application(
        gent_config(tmp_path, certs), federation=NoPartners(), clock=lambda: NOW
    )
    with application.store.write() as uow:
        uow.own_entries.save([own_entry(1)], "ivan")
        uow.commit()
    yield application
    application.close()


def _hit(app: Application) -> tuple[int, str]:
    """A camera read of the own entry: its alert's position and the hit id."""
    read = IncomingRead("1ABC123", "BE", (), "cam-1", "gate", epoch_ms(NOW), "in", "")
    answer = app.ingest.submit(CAM, [read], "")
    (hit,) = answer.hits
    return app.alerts.newest(), hit.hit_id


def _log(app: Application) -> list:
    with app.store.read() as uow:
        return uow.alert_log.after(0, 1000)


def _audit(app: Application) -> list:
    with app.store.read() as uow:
        return uow.audit.records()


def test_a_mark_follows_its_alert_in_the_log_and_is_audited(app):
    position, hit_id = _hit(app)
    claimed = app.ingest.mark(OLGA, position, "claimed")
    acked = app.ingest.mark(OLGA, position, "acknowledged")
    assert position < claimed.position < acked.position
    # A watch from before the alert is given the alert, then its marks, in order.
    stop = iter([False] * 3 + [True] * 100)
    items = [watch_response_pb(i) for i in app.alerts.watch(lambda: next(stop), position - 1)]
    assert [_kind(i) for i in items] == [
        "alert",
        "mark",
        "mark",
    ]
    first, second = items[1].mark, items[2].mark
    assert (first.alert_position, first.hit_id, first.by) == (position, hit_id, "olga")
    assert first.mark != second.mark
    assert second.at.ToDatetime(tzinfo=UTC) == NOW
    marks = [r for r in _audit(app) if r.action.startswith("alert.")]
    assert [(r.action, r.actor, r.object_type, r.object_id) for r in marks] == [
        ("alert.claimed", "olga", "hit", hit_id),
        ("alert.acknowledged", "olga", "hit", hit_id),
    ]
    assert marks[0].details == {"position": position}


def _kind(item) -> str:
    for name in ("alert", "confirmation", "feed", "behind", "mark"):
        if item.HasField(name):
            return name
    return ""


def test_a_position_without_a_hit_alert_is_refused_and_nothing_is_logged(app):
    position, _ = _hit(app)
    marked = app.ingest.mark(OLGA, position, "claimed").position  # a mark, not a hit
    log = _log(app)
    for wrong in (0, marked, marked + 1, 10_000):
        with pytest.raises(NotFound, match=f"no hit alert is kept at position {wrong}"):
            app.ingest.mark(OLGA, wrong, "claimed")
    with pytest.raises(InvalidInput, match="claimed or acknowledged, not 'seen'"):
        app.ingest.mark(OLGA, position, "seen")
    assert _log(app) == log


def test_a_role_that_may_not_watch_alerts_is_refused_and_the_refusal_audited(app):
    position, _ = _hit(app)
    log, before = _log(app), _audit(app)
    with pytest.raises(AccessDenied, match=r"alerts\.watch"):
        app.ingest.mark(ANNA, position, "claimed")
    assert _log(app) == log
    (denied,) = _audit(app)[len(before) :]
    assert (denied.action, denied.actor, denied.object_id) == (
        "access.denied",
        "anna",
        "alerts.watch",
    )
