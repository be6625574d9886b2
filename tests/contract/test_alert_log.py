"""AlertLogRepository: every alert and notice at a position that only grows and is never
given again (not even after the newest is erased), read back in position order from a
cursor; a hit's alert goes with its hit, in the same transaction."""

from __future__ import annotations

from datetime import timedelta

from tests.contract.samples import START, hit_id, observed_hit

MS = timedelta(milliseconds=1)


def append(store, *subjects: str, kind: str = "hit") -> list[int]:
    with store.write() as uow:
        logged = [uow.alert_log.append(kind, s, START, f"body {s}".encode()) for s in subjects]
        uow.commit()
    return [a.position for a in logged]


def kept(store, after: int = 0, limit: int = 100) -> list[str]:
    with store.read() as uow:
        return [a.subject for a in uow.alert_log.after(after, limit)]


def test_positions_increase_and_are_read_back_in_order_after_a_cursor(store):
    with store.read() as uow:
        assert uow.alert_log.newest() == 0 and uow.alert_log.after(0, 10) == []
    first = append(store, "a", "b", "c")
    assert first == sorted(first) and len(set(first)) == 3
    assert kept(store) == ["a", "b", "c"]
    assert kept(store, after=first[0]) == ["b", "c"]
    assert kept(store, after=first[0], limit=1) == ["b"]
    with store.read() as uow:
        (row,) = uow.alert_log.after(first[1], 10)
        assert (row.kind, row.raised_at, row.body) == ("hit", START, b"body c")
        assert uow.alert_log.newest() == first[2]
        assert uow.alert_log.count_after(first[0]) == 2


def test_a_position_is_never_given_again_even_after_the_newest_is_erased(store):
    with store.write() as uow:
        uow.hits.save_observed(observed_hit(1))
        uow.commit()
    (position,) = append(store, hit_id(1))
    with store.write() as uow:
        uow.hits.erase("observed", hit_id(1))
        uow.commit()
    assert kept(store) == []
    (after,) = append(store, "next")
    assert after > position
    with store.read() as uow:
        assert uow.alert_log.newest() == after


def test_a_rolled_back_alert_is_not_kept(store):
    (first,) = append(store, "kept")
    with store.write() as uow:
        uow.alert_log.append("hit", "undone", START, b"x")  # no commit
    assert kept(store) == ["kept"]
    (second,) = append(store, "then")
    assert second > first


def test_erasing_a_hit_erases_its_alert_and_nothing_else(store):
    with store.write() as uow:
        uow.hits.save_observed(observed_hit(1))
        uow.hits.save_observed(observed_hit(2))
        uow.commit()
    append(store, hit_id(1), hit_id(2))
    append(store, hit_id(1), kind="confirmation")  # a notice with the same subject text
    with store.write() as uow:
        uow.hits.erase("observed", hit_id(1))
        uow.commit()
    with store.read() as uow:
        assert [(a.kind, a.subject) for a in uow.alert_log.after(0, 10)] == [
            ("hit", hit_id(2)),
            ("confirmation", hit_id(1)),
        ]


def test_notices_are_due_their_retention_after_raising_and_hit_alerts_never_by_that_rule(
    store, clock
):
    append(store, "hit-1")
    append(store, "req-1", kind="confirmation")
    append(store, "agr-1", kind="feed")
    with store.read() as uow:
        assert uow.retention.alert_notices_due(START - MS) == []
        due = uow.retention.alert_notices_due(START)
        held = uow.retention.alert_notices_held(START + timedelta(days=7), 7)
    assert len(due) == 2
    assert (held.count, held.oldest, held.next_due, held.past_limit) == (
        2,
        START,
        START + timedelta(days=7),
        2,
    )
    with store.write() as uow:
        assert uow.retention.erase_alert_notices(due) == 2
        uow.commit()
    assert kept(store) == ["hit-1"]
