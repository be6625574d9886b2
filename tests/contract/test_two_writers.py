"""Two writers on one database (a second process: a CLI command, a node taking over
from another): the orderings that must hold across writers, not only within one store.

Alert-log positions are given in commit order: a watcher reading `position > cursor`
must never skip a row committed after it read, with a lower position. The audit chain
never forks: two appends never both extend the same head.

Each test holds a first write open with its append done, starts the second writer's
append in a thread, waits until that writer either finished or waits for a lock (on
SQLite its busy wait cannot be seen: the test then goes on once the thread started,
and SQLite's one writer at a time orders them anyway), then commits the first write.
A store that let the second writer through would commit it first, with the higher
position or the same head, and fail the assertions."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta

from gateway.domain.audit import next_record, verify_chain
from gateway.domain.times import time_text
from tests.contract.samples import START

TIMEOUT_S = 30.0


def _wait_until_blocked_or_done(second_writer, done: threading.Event) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while not done.is_set():
        waits = second_writer.waits()
        if waits is None or waits:
            return
        assert time.monotonic() < deadline, "the second writer neither finished nor waited"
        time.sleep(0.02)


def _in_thread(work: Callable[[], None]) -> tuple[threading.Thread, threading.Event, list]:
    done = threading.Event()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as exc:  # re-raised in the test's thread
            errors.append(exc)
        finally:
            done.set()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, done, errors


def test_alert_positions_are_given_in_commit_order_across_writers(store, second_writer):
    committed: list[tuple[str, int]] = []  # (writer, position), in the order committed
    recording = threading.Lock()  # a commit and its note in `committed`, as one step
    with second_writer.open() as second:
        with store.write() as uow:
            first = uow.alert_log.append("feed", "first", START, b"1").position

            def second_append() -> None:
                with second.write() as other:
                    position = other.alert_log.append("feed", "second", START, b"2").position
                    other.commit()
                with recording:
                    committed.append(("second", position))

            thread, done, errors = _in_thread(second_append)
            _wait_until_blocked_or_done(second_writer, done)
            recording.acquire()
            uow.commit()
        committed.append(("first", first))
        recording.release()
        thread.join(TIMEOUT_S)
        assert not errors and done.is_set()
    positions_in_commit_order = [position for _, position in committed]
    assert positions_in_commit_order == sorted(positions_in_commit_order)
    with store.read() as uow:
        rows = uow.alert_log.after(0, 10)
        assert [a.subject for a in rows] == ["first", "second"]
        assert uow.alert_log.newest() == rows[-1].position


def test_the_audit_chain_does_not_fork_across_writers(store, second_writer):
    def append_next(uow, name: str) -> None:
        head = uow.audit.last()
        seq = head.seq if head else 0
        record = next_record(
            head,
            at=time_text(START + timedelta(seconds=seq)),
            actor_kind="system",
            actor=name,
            action="node.test",
            object_type="node",
            object_id=name,
            justification="",
            recipient="",
            details={},
        )
        uow.audit.append(record, head_signature=b"signature")

    with second_writer.open() as second:
        with store.write() as uow:
            append_next(uow, "first")

            def second_append() -> None:
                with second.write() as other:
                    append_next(other, "second")
                    other.commit()

            thread, done, errors = _in_thread(second_append)
            _wait_until_blocked_or_done(second_writer, done)
            uow.commit()
        thread.join(TIMEOUT_S)
        assert not errors and done.is_set()
    with store.read() as uow:
        records = uow.audit.records()
    assert [(r.seq, r.actor) for r in records] == [(1, "first"), (2, "second")]
    assert records[1].prev_hash == records[0].hash
    assert verify_chain(records) is None
