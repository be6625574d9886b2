"""The unit of work (gateway/services/ports/unit_of_work.py): what a write keeps and
undoes, what a read and a snapshot see, and the store's clock.

Users stand in for "something written": any repository would do, and users are the
smallest aggregate.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from gateway.domain.errors import InvalidInput
from gateway.domain.roles import Role, User
from gateway.services.ports import Store, UnitOfWork
from tests.contract.samples import START


class Refusal(Exception):
    """A rule refused something half-way through a write."""


def add_user(uow: UnitOfWork, name: str) -> None:
    uow.users.add(User(name, Role.INVESTIGATOR, START), token_sha256=f"token-of-{name}")


def names(uow: UnitOfWork) -> list[str]:
    return [u.name for u in uow.users.all()]


def committed_names(store: Store) -> list[str]:
    with store.read() as uow:
        return names(uow)


def test_a_committed_write_is_seen_by_a_later_read(store):
    with store.write() as uow:
        add_user(uow, "ivan")
        uow.commit()
    assert committed_names(store) == ["ivan"]


def test_a_write_left_without_commit_is_rolled_back(store):
    with store.write() as uow:
        add_user(uow, "ivan")
    assert committed_names(store) == []


def test_a_refetchable_write_keeps_and_undoes_like_any_other(store):
    with store.write(refetchable=True) as uow:
        add_user(uow, "ivan")
        uow.commit()
    with store.write(refetchable=True) as uow:
        add_user(uow, "ines")
    assert committed_names(store) == ["ivan"]


def test_only_a_refetchable_write_skips_waiting_for_the_disk_on_postgresql(store):
    if not hasattr(store, "_pool"):
        pytest.skip("SQLite: no commit waits for the disk (WAL, synchronous=NORMAL)")

    def setting(uow) -> str:
        return uow.conn.raw.execute("SHOW synchronous_commit").fetchone()[0]

    with store.write(refetchable=True) as uow:
        assert setting(uow) == "off"
    # SET LOCAL ends with its transaction: the pooled connection is back to the
    # server's setting for the next unit, whichever connection the pool lends.
    for _ in range(3):
        with store.write() as uow:
            assert setting(uow) == "on"


def test_an_exception_inside_a_write_rolls_everything_back_and_propagates(store):
    with pytest.raises(Refusal), store.write() as uow:
        add_user(uow, "ivan")
        add_user(uow, "ines")
        raise Refusal
    assert committed_names(store) == []


def test_an_exception_after_commit_still_rolls_the_write_back(store):
    # commit() marks the unit as to be kept; the block must also end normally.
    with pytest.raises(Refusal), store.write() as uow:
        add_user(uow, "ivan")
        uow.commit()
        raise Refusal
    assert committed_names(store) == []


def test_the_store_is_writable_again_after_a_write_failed(store):
    with pytest.raises(Refusal), store.write() as uow:
        add_user(uow, "ivan")
        raise Refusal
    with store.write() as uow:
        add_user(uow, "ines")
        uow.commit()
    assert committed_names(store) == ["ines"]


def test_a_read_inside_a_write_of_the_same_thread_sees_that_writes_changes(store):
    with store.write() as uow:
        add_user(uow, "ivan")
        with store.read() as inner:
            assert names(inner) == ["ivan"]
        uow.commit()


def test_a_nested_write_that_commits_keeps_its_changes_for_the_outer_commit(store):
    with store.write() as outer:
        add_user(outer, "ivan")
        with store.write() as inner:
            add_user(inner, "ines")
            inner.commit()
        assert names(outer) == ["ines", "ivan"]
        outer.commit()
    assert committed_names(store) == ["ines", "ivan"]


def test_a_nested_write_left_without_commit_undoes_only_its_own_changes(store):
    with store.write() as outer:
        add_user(outer, "ivan")
        with store.write() as inner:
            add_user(inner, "ines")
        assert names(outer) == ["ivan"]
        outer.commit()
    assert committed_names(store) == ["ivan"]


def test_an_exception_in_a_nested_write_undoes_only_its_changes_when_caught(store):
    with store.write() as outer:
        add_user(outer, "ivan")
        with pytest.raises(Refusal), store.write() as inner:
            add_user(inner, "ines")
            raise Refusal
        add_user(outer, "ilse")
        outer.commit()
    assert committed_names(store) == ["ilse", "ivan"]


def test_a_nested_commit_is_undone_with_an_outer_write_left_without_commit(store):
    with store.write(), store.write() as inner:
        add_user(inner, "ines")
        inner.commit()
    assert committed_names(store) == []


def test_nested_writes_nest_more_than_one_level(store):
    with store.write() as first:
        add_user(first, "ivan")
        with store.write() as second:
            add_user(second, "ines")
            with store.write() as third:
                add_user(third, "ilse")
            second.commit()
        first.commit()
    assert committed_names(store) == ["ines", "ivan"]


def test_commit_on_a_read_unit_raises(store):
    with store.read() as uow, pytest.raises(RuntimeError):
        uow.commit()


def test_commit_on_a_snapshot_raises(store):
    with store.snapshot() as uow, pytest.raises(RuntimeError):
        uow.commit()


def test_a_snapshot_does_not_see_a_write_committed_after_its_first_read(store):
    with store.snapshot() as snap:
        assert names(snap) == []
        with store.write() as uow:
            add_user(uow, "ivan")
            uow.commit()
        assert names(snap) == []
    assert committed_names(store) == ["ivan"]


def test_a_snapshot_does_not_see_a_write_committed_after_it_began(store):
    with store.snapshot() as snap:
        with store.write() as uow:
            add_user(uow, "ivan")
            uow.commit()
        assert names(snap) == []


def test_a_snapshot_sees_what_was_committed_before_it_began(store):
    with store.write() as uow:
        add_user(uow, "ivan")
        uow.commit()
    with store.snapshot() as snap:
        assert names(snap) == ["ivan"]


class ReaderThread:
    """A thread of its own that reads the committed users whenever asked."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._asked = threading.Semaphore(0)
        self._answered = threading.Semaphore(0)
        self._answer: list[str] = []
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while self._asked.acquire() and not self._stop:
            self._answer = committed_names(self._store)
            self._answered.release()

    def names(self) -> list[str]:
        self._asked.release()
        assert self._answered.acquire(timeout=5), "a read waited for the writer"
        return self._answer

    def stop(self) -> None:
        self._stop = True
        self._asked.release()
        self._thread.join(timeout=10)


def test_a_read_from_another_thread_during_an_open_write_sees_the_committed_state(store):
    with store.write() as uow:
        add_user(uow, "ivan")
        uow.commit()
    reader = ReaderThread(store)
    try:
        assert reader.names() == ["ivan"]
        with store.write() as uow:
            add_user(uow, "ines")
            assert reader.names() == ["ivan"]
            uow.commit()
        assert reader.names() == ["ines", "ivan"]
    finally:
        reader.stop()


def test_the_first_read_of_a_new_thread_does_not_wait_for_an_open_write(store):
    reader = None
    try:
        with store.write() as uow:
            add_user(uow, "ines")
            reader = ReaderThread(store)
            assert reader.names() == []
            uow.commit()
    finally:
        if reader is not None:
            reader.stop()


def test_a_write_from_another_thread_waits_for_the_open_write_and_sees_it(store):
    order: list[str] = []

    def write_elsewhere() -> None:
        with store.write() as uow:
            order.append("second began")
            names_then = names(uow)
            add_user(uow, "ines")
            uow.commit()
        order.append(f"second saw {names_then}")

    with store.write() as uow:
        add_user(uow, "ivan")
        writer = threading.Thread(target=write_elsewhere)
        writer.start()
        writer.join(timeout=0.2)  # it must be waiting, not writing beside us
        order.append("first committed")
        uow.commit()
    writer.join(timeout=10)
    assert not writer.is_alive()
    assert order == ["first committed", "second began", "second saw ['ivan']"]
    assert committed_names(store) == ["ines", "ivan"]


def test_the_store_clock_stamps_what_the_store_stamps(store, clock):
    clock.now = START + timedelta(hours=5, milliseconds=7)
    with store.write() as uow:
        assert uow.outbox.enqueue("hit.notify", "nl-terneuzen", "key-1", b"payload")
        uow.commit()
    with store.read() as uow:
        assert uow.outbox.next_due() == clock.now
        assert uow.outbox.due(clock.now - timedelta(milliseconds=1)) == []
        assert [m.dedupe_key for m in uow.outbox.due(clock.now)] == ["key-1"]


def test_copy_to_writes_a_new_file_while_a_write_is_open(store, tmp_path):
    """A store copies itself to a file, or (PostgreSQL: its own tools back it up) says
    why not in copy_refusal and refuses with that text, writing nothing and leaving
    the open write as it was."""
    with store.write() as uow:
        add_user(uow, "ivan")
        uow.commit()
    target = tmp_path / "copy"
    with store.write() as uow:
        add_user(uow, "ines")
        if store.copy_refusal is None:
            store.copy_to(target)
        else:
            with pytest.raises(InvalidInput) as refused:
                store.copy_to(target)
            assert str(refused.value) == store.copy_refusal
        uow.commit()
    if store.copy_refusal is None:
        assert target.is_file() and target.stat().st_size > 0
    else:
        assert not target.exists()
    assert committed_names(store) == ["ines", "ivan"]
