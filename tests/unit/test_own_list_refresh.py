"""This node's own entries in matching (MatchingService.refresh_own): an entry changed
through the hotlist service is matched from the next batch on; one changed in the store
by other means (a validity tick re-saving it) within OWN_LOOK_S; in between, batches
ask the store nothing about the own list (on PostgreSQL each ask is a round trip)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest

from gateway.bootstrap import Application, build_application
from gateway.domain.roles import Role
from gateway.domain.times import epoch_ms
from gateway.services import matching
from gateway.services.context import Caller
from gateway.services.hotlist import EntryDraft
from gateway.services.matching import IncomingRead
from tests.contract.samples import START, own_entry
from tests.unit.app_support import NoPartners, gent_config

CAM = Caller("user", "cam", Role.ADAPTER)
IVAN = Caller("user", "ivan", Role.INVESTIGATOR)
NOW = START + timedelta(hours=1)


class Monotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Monotonic:
    fake = Monotonic()
    monkeypatch.setattr(matching.time, "monotonic", fake)
    return fake


@pytest.fixture
def app(tmp_path, certs, clock) -> Iterator[Application]:
    application = build_application(
        gent_config(tmp_path, certs), federation=NoPartners(), clock=lambda: NOW
    )
    yield application
    application.close()


def _hits(app: Application, plate: str) -> int:
    read = IncomingRead(plate, "BE", (), "cam-1", "gate", epoch_ms(NOW), "in", "")
    return app.ingest.submit(CAM, [read], "").outcome.hits


def test_an_entry_added_through_the_hotlist_is_matched_by_the_next_batch(app):
    assert _hits(app, "1XYZ987") == 0
    draft = EntryDraft(
        "1-XYZ-987", "B", "stolen_vehicle", "discreet_check", NOW + timedelta(days=5)
    )
    app.hotlist.add(IVAN, draft, "test")
    assert _hits(app, "1XYZ987") == 1


def test_an_entry_changed_in_the_store_otherwise_is_matched_once_the_look_is_due(app, clock):
    assert _hits(app, "1ABC123") == 0  # the first batch looked at the own list
    with app.store.write() as uow:
        uow.own_entries.save([own_entry(1)], "system")
        uow.commit()
    looks: list[int] = []
    original = app.matching._ctx.store.read

    def counted():
        looks.append(1)
        return original()

    app.matching._ctx.store.read = counted  # type: ignore[method-assign]
    assert _hits(app, "1ABC123") == 0  # not yet looked for: no ask of the store
    assert looks == []
    clock.now += matching.OWN_LOOK_S
    app.matching._ctx.store.read = original  # type: ignore[method-assign]
    assert _hits(app, "1ABC123") == 1


def test_a_batch_arriving_while_another_looks_at_the_own_list_waits_for_that_look(app):
    """Two adapters' batches at once: the first looks at the own list, the second must
    not match the list that look is about to change (it did: the look was marked done
    before it was made, and the second batch missed the entry)."""
    with app.store.write() as uow:
        uow.own_entries.save([own_entry(1)], "system")  # not told: found by the look
        uow.commit()
    looking, release = threading.Event(), threading.Event()
    original = app.matching._ctx.store.read

    def slow_first_look():
        if threading.current_thread().name == "first":
            looking.set()
            release.wait(30)
        return original()

    app.matching._ctx.store.read = slow_first_look  # type: ignore[method-assign]
    found: dict[str, int] = {}

    def batch(name: str) -> None:
        found[name] = _hits(app, "1ABC123")

    first = threading.Thread(target=batch, args=("first",), name="first")
    first.start()
    assert looking.wait(30)
    second = threading.Thread(target=batch, args=("second",), name="second")
    second.start()
    second.join(2)  # the old code answered here at once, without the entry
    release.set()
    first.join(30)
    second.join(30)
    assert found == {"first": 1, "second": 1}
