"""OutboxRepository: messages to partners, queued once per dedupe key, due at the
store's clock, retried at the time asked, until delivered or refused."""

from __future__ import annotations

from datetime import timedelta

from gateway.services.ports import OutboxMessage
from tests.contract.samples import OTHER_PARTNER, PARTNER, START

MS = timedelta(milliseconds=1)
LATER = START + timedelta(days=1)


def enqueue(store, *keys: str, kind: str = "hit.notify", partner: str = PARTNER) -> list[bool]:
    with store.write() as uow:
        queued = [uow.outbox.enqueue(kind, partner, k, f"payload {k}".encode()) for k in keys]
        uow.commit()
    return queued


def due(store, now=LATER, limit: int = 100) -> list[str]:
    with store.read() as uow:
        return [m.dedupe_key for m in uow.outbox.due(now, limit)]


def message_id(store, key: str) -> int:
    with store.read() as uow:
        return next(
            m.id for m in uow.outbox.due(LATER + timedelta(days=999)) if m.dedupe_key == key
        )


def test_a_queued_message_is_due_at_the_store_clock_as_it_was_queued(store, clock):
    clock.now = START + timedelta(minutes=1, milliseconds=1)
    assert enqueue(store, "k1") == [True]
    with store.read() as uow:
        assert uow.outbox.due(clock.now - MS) == []
        (message,) = uow.outbox.due(clock.now)
        assert uow.outbox.next_due() == clock.now
    assert message == OutboxMessage(message.id, "hit.notify", PARTNER, "k1", b"payload k1", 0)


def test_queuing_a_message_twice_is_a_no_op(store):
    assert enqueue(store, "k1") == [True]
    with store.write() as uow:
        assert not uow.outbox.enqueue("other.kind", OTHER_PARTNER, "k1", b"something else")
        uow.commit()
    with store.read() as uow:
        (message,) = uow.outbox.due(LATER)
    assert (message.kind, message.partner, message.payload) == (
        "hit.notify",
        PARTNER,
        b"payload k1",
    )


def test_due_messages_are_oldest_first_up_to_the_limit(store, clock):
    enqueue(store, "b-first")
    clock.now += MS
    enqueue(store, "a-second", "c-third")
    assert due(store) == ["b-first", "a-second", "c-third"]
    assert due(store, limit=2) == ["b-first", "a-second"]


def test_a_message_retried_later_is_not_due_before_then(store):
    enqueue(store, "k1", "k2")
    retry = START + timedelta(minutes=5)
    with store.write() as uow:
        uow.outbox.retry_at(message_id(store, "k1"), retry, "partner unreachable")
        uow.commit()
    assert due(store, START) == ["k2"]
    assert due(store, retry - MS) == ["k2"]
    assert due(store, retry) == ["k1", "k2"]
    with store.read() as uow:
        assert uow.outbox.next_due() == START  # k2 is still due first
        assert [m.attempts for m in uow.outbox.due(retry)] == [1, 0]


def test_next_due_is_the_soonest_pending_attempt(store):
    with store.read() as uow:
        assert uow.outbox.next_due() is None
    enqueue(store, "k1")
    first_id = message_id(store, "k1")
    with store.write() as uow:
        uow.outbox.retry_at(first_id, START + timedelta(hours=2), "busy")
        uow.commit()
    with store.read() as uow:
        assert uow.outbox.next_due() == START + timedelta(hours=2)
    with store.write() as uow:
        uow.outbox.delivered(first_id)
        uow.commit()
    with store.read() as uow:
        assert uow.outbox.next_due() is None


def test_a_delivered_message_is_no_longer_due_and_counts_as_sent(store):
    enqueue(store, "k1", "k2", "k3")
    with store.write() as uow:
        uow.outbox.delivered(message_id(store, "k1"))
        uow.commit()
    assert due(store) == ["k2", "k3"]
    with store.read() as uow:
        assert uow.outbox.sent_for(["k1", "k2", "unknown"]) == {"k1"}
        assert uow.outbox.depth() == {"pending": 2, "delivered": 1, "refused": 0}


def test_a_refused_message_is_kept_but_never_retried_nor_sent(store):
    enqueue(store, "k1", "k2")
    with store.write() as uow:
        uow.outbox.refused(message_id(store, "k1"), "agreement revoked")
        uow.commit()
    assert due(store, LATER + timedelta(days=365)) == ["k2"]
    with store.read() as uow:
        assert uow.outbox.sent_for(["k1"]) == set()
        assert uow.outbox.depth() == {"pending": 1, "delivered": 0, "refused": 1}
    assert enqueue(store, "k1") == [False]  # still held: queuing it again is a no-op


def test_depth_counts_every_state_even_when_empty(store):
    with store.read() as uow:
        assert uow.outbox.depth() == {"pending": 0, "delivered": 0, "refused": 0}
        assert uow.outbox.depth_by_partner() == {}
        assert uow.outbox.depth_by_kind() == {}


def test_depth_by_partner_and_by_kind(store):
    enqueue(store, "k1", "k2", kind="hit.notify", partner=PARTNER)
    enqueue(store, "k3", kind="confirmation", partner=OTHER_PARTNER)
    with store.write() as uow:
        uow.outbox.delivered(message_id(store, "k2"))
        uow.commit()
    with store.read() as uow:
        assert uow.outbox.depth_by_partner() == {
            (PARTNER, "pending"): 1,
            (PARTNER, "delivered"): 1,
            (OTHER_PARTNER, "pending"): 1,
        }
        assert uow.outbox.depth_by_kind() == {
            ("hit.notify", "pending"): 1,
            ("hit.notify", "delivered"): 1,
            ("confirmation", "pending"): 1,
        }


def test_erase_removes_the_message_about_one_object_in_any_state(store):
    enqueue(store, "pending", "delivered", "refused", "other")
    with store.write() as uow:
        uow.outbox.delivered(message_id(store, "delivered"))
        uow.outbox.refused(message_id(store, "refused"), "no")
        uow.commit()
    with store.write() as uow:
        assert [uow.outbox.erase(k) for k in ("pending", "delivered", "refused")] == [1, 1, 1]
        assert uow.outbox.erase("pending") == 0
        assert uow.outbox.erase("never queued") == 0
        uow.commit()
    with store.read() as uow:
        assert uow.outbox.depth() == {"pending": 1, "delivered": 0, "refused": 0}
        assert uow.outbox.sent_for(["delivered"]) == set()
    assert enqueue(store, "pending") == [True]  # erased: it may be queued anew


def test_sent_for_answers_for_many_keys_at_once(store):
    keys = [f"k{n:04d}" for n in range(1_100)]
    enqueue(store, *keys)
    with store.read() as uow:
        ids = {m.dedupe_key: m.id for m in uow.outbox.due(LATER, limit=2_000)}
    with store.write() as uow:
        for k in keys[::3]:
            uow.outbox.delivered(ids[k])
        uow.commit()
    with store.read() as uow:
        assert uow.outbox.sent_for(keys) == set(keys[::3])
        assert uow.outbox.sent_for([]) == set()
