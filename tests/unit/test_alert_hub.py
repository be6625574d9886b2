"""The alert hub's watch (gateway/services/alerts.py, its rules 1-6) over a real SQLite
alert log: from now on or from a cursor, each position at most once and in order;
a gap in the live stream (another writer's commit published later, an alert erased)
read from the log instead of skipped; a watcher whose live queue overflows told it fell
behind and caught up from its cursor, nothing lost; a stopped watch ends."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from gateway.services.alerts import AlertHub, ConfirmationNotice, FellBehind
from gateway.store.sqlite import SqliteStore
from gateway.wire.alerts_codec import notice_body
from gateway.wire.argos.v1 import ingest_pb2
from tests.contract.samples import NODE, PARTNER, START

WAIT_S = 20.0


def wait_until(predicate: Callable[[], object], what: str) -> object:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.005)
    raise AssertionError(f"timed out waiting for {what}")


def notice(n: int) -> ConfirmationNotice:
    return ConfirmationNotice(
        f"req-{n}", "alert_confirmation", "incoming", PARTNER, START, "urgent"
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    s = SqliteStore(tmp_path / "node.sqlite", NODE, lambda: START)
    yield s
    s.close()


def hub_of(store: SqliteStore, queue_size: int = 1000, page: int = 500) -> AlertHub:
    return AlertHub(store, notice_body, lambda: START, queue_size=queue_size, page=page)


class Watching:
    """A watch run on a thread of its own, collecting what it is given."""

    def __init__(self, hub: AlertHub, after: int | None = None) -> None:
        self.items: list = []
        self.stop = threading.Event()
        before = hub.watchers
        self._items = hub.watch(self.stop.is_set, after, poll_s=0.01)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        wait_until(lambda: hub.watchers > before, "the watcher to register")

    def _run(self) -> None:
        for item in self._items:
            self.items.append(item)

    def requests(self) -> list[str]:
        return [
            ingest_pb2.WatchAlertsResponse.FromString(i.body).confirmation.request_id
            for i in self.items
            if not isinstance(i, FellBehind)
        ]

    def positions(self) -> list[int]:
        return [i.position for i in self.items if not isinstance(i, FellBehind)]

    def close(self) -> None:
        self.stop.set()
        self._thread.join(WAIT_S)
        assert not self._thread.is_alive()


def raised(hub: AlertHub, *numbers: int) -> list[int]:
    return [hub.raise_notice(notice(n)).position for n in numbers]


def test_a_watch_without_a_cursor_gets_what_is_raised_from_now_on_in_order(store):
    hub = hub_of(store)
    raised(hub, 1)
    w = Watching(hub)
    positions = raised(hub, 2, 3, 4)
    wait_until(lambda: len(w.items) == 3, "three notices")
    w.close()
    assert w.requests() == ["req-2", "req-3", "req-4"] and w.positions() == positions
    assert hub.watchers == 0


def test_a_watch_from_a_cursor_is_replayed_what_followed_it_then_follows_live(store):
    hub = hub_of(store, page=2)  # the replay takes several pages
    positions = raised(hub, 1, 2, 3, 4, 5)
    w = Watching(hub, after=positions[1])
    wait_until(lambda: len(w.items) == 3, "the replay")
    raised(hub, 6)
    wait_until(lambda: len(w.items) == 4, "the live notice")
    w.close()
    assert w.requests() == ["req-3", "req-4", "req-5", "req-6"]
    assert w.positions() == sorted(set(w.positions()))


def test_a_live_alert_published_before_an_earlier_one_is_given_after_it_and_once(store):
    hub = hub_of(store)
    w = Watching(hub)
    logged = []
    for n in (1, 2):
        with store.write() as uow:
            logged.append(hub.log(uow, notice(n)))
            uow.commit()
    hub.publish([logged[1]])  # the second writer published first: a gap
    wait_until(lambda: len(w.items) == 2, "both, from the log")
    hub.publish([logged[0]])  # late: already given
    raised(hub, 3)
    wait_until(lambda: len(w.items) == 3, "the next live notice")
    w.close()
    assert w.requests() == ["req-1", "req-2", "req-3"]


def test_an_alert_erased_before_it_was_given_is_stepped_over_not_waited_for(store):
    hub = hub_of(store)
    w = Watching(hub)
    logged = []
    for n in (1, 2, 3):
        with store.write() as uow:
            logged.append(hub.log(uow, notice(n)))
            uow.commit()
    with store.write() as uow:
        uow.retention.erase_alert_notices([logged[1].position])
        uow.commit()
    hub.publish([logged[0], logged[2]])
    wait_until(lambda: len(w.items) == 2, "the two kept")
    raised(hub, 4)
    wait_until(lambda: len(w.items) == 3, "the next live notice")
    w.close()
    assert w.requests() == ["req-1", "req-3", "req-4"]


def test_a_watcher_that_reads_nothing_is_told_it_fell_behind_and_misses_nothing(store):
    hub = hub_of(store, queue_size=3, page=4)
    stop = threading.Event()
    items = hub.watch(stop.is_set, None, poll_s=0.01)
    got: list = []
    first = threading.Thread(target=lambda: got.append(next(items)), daemon=True)
    first.start()
    wait_until(lambda: hub.watchers == 1, "the watcher to register")
    (one,) = raised(hub, 1)
    first.join(WAIT_S)
    # The watcher now reads nothing while ten are raised: its queue holds three.
    positions = raised(hub, *range(2, 12))
    behind = next(items)
    assert behind == FellBehind(resumes_after=one, newest=positions[-1])
    assert hub.fell_behind == 1
    rest = [next(items) for _ in range(10)]
    assert [r.position for r in rest] == positions
    # Back to live afterwards.
    (twelve,) = raised(hub, 12)
    assert next(items).position == twelve
    stop.set()
    assert list(items) == []
    assert [g.position for g in got] == [one]


def test_a_stopped_watch_ends_and_leaves_the_hub(store):
    hub = hub_of(store)
    w = Watching(hub, after=0)
    w.close()
    assert hub.watchers == 0
    assert w.items == []


def test_a_notice_is_kept_in_the_log_at_the_hub_clock_and_in_its_wire_form(store):
    hub = hub_of(store)
    logged = hub.raise_notice(notice(1))
    with store.read() as uow:
        (row,) = uow.alert_log.after(0, 10)
    assert row == logged and row.kind == "confirmation" and row.subject == "req-1"
    assert row.raised_at == START
    item = ingest_pb2.WatchAlertsResponse.FromString(row.body)
    assert item.confirmation.request_id == "req-1" and item.position == 0
