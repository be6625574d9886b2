"""ConfirmationRepository: confirmation requests as this node keeps them, open until an
event closes them, listed newest first and watched for their deadlines."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from gateway.domain.confirmations import RequestKind, State
from gateway.services.ports import HeldConfirmation
from tests.contract.samples import PARTNER, START, hit_id

HOUR = timedelta(hours=1)


def held(n: int, **changes) -> HeldConfirmation:
    request = HeldConfirmation(
        request_id=f"req-{n:03d}",
        outgoing=True,
        kind=RequestKind.ALERT_CONFIRMATION.value,
        agreement_id="agr-1",
        partner=PARTNER,
        state=State.OPEN.value,
        created_at=START + n * timedelta(minutes=1),
        deadline=START + 12 * HOUR,
        hit_id=hit_id(n),
        request_envelope=b"signed request %d" % n,
        event_envelope=None,
        closed_by="",
        closed_at=None,
        escalated=False,
    )
    return dataclasses.replace(request, **changes)


def insert(store, *requests: HeldConfirmation) -> list[bool]:
    with store.write() as uow:
        stored = [uow.confirmations.insert(r) for r in requests]
        uow.commit()
    return stored


def get(store, n: int) -> HeldConfirmation | None:
    with store.read() as uow:
        return uow.confirmations.get(f"req-{n:03d}")


def close(store, n: int, state: State, *, at=START + HOUR, event: bytes | None = b"event"):
    with store.write() as uow:
        uow.confirmations.close(
            f"req-{n:03d}", state.value, event_envelope=event, closed_by="ivan", closed_at=at
        )
        uow.commit()


def test_a_confirmation_round_trips_and_is_stored_once(store):
    incoming = held(1, outgoing=False, kind=RequestKind.RETRO_QUERY.value)
    assert insert(store, incoming) == [True]
    assert insert(store, held(1, partner="nl-rotterdam")) == [False]
    assert get(store, 1) == incoming
    assert get(store, 2) is None


def test_a_closed_confirmation_keeps_its_event_who_closed_it_and_when(store):
    insert(store, held(1), held(2))
    closed_at = START + HOUR + timedelta(milliseconds=42)
    close(store, 1, State.ANSWERED, at=closed_at, event=b"signed answer")
    assert get(store, 1) == held(
        1,
        state="answered",
        event_envelope=b"signed answer",
        closed_by="ivan",
        closed_at=closed_at,
    )
    assert get(store, 2) == held(2)


def test_a_confirmation_expired_without_an_event_keeps_none(store):
    insert(store, held(1))
    close(store, 1, State.EXPIRED, event=None)
    assert get(store, 1).event_envelope is None
    assert get(store, 1).state == "expired"


def test_an_escalated_confirmation_stays_escalated(store):
    insert(store, held(1), held(2))
    with store.write() as uow:
        uow.confirmations.mark_escalated("req-001")
        uow.commit()
    assert get(store, 1) == held(1, escalated=True)
    assert not get(store, 2).escalated


def test_confirmations_are_listed_newest_first(store):
    insert(store, held(2), held(3), held(1))
    close(store, 3, State.REFUSED)
    with store.read() as uow:
        listing = uow.confirmations.listing
        assert [c.request_id for c in listing(open_only=False, limit=10)] == [
            "req-003",
            "req-002",
            "req-001",
        ]
        assert [c.request_id for c in listing(open_only=True, limit=10)] == ["req-002", "req-001"]
        assert [c.request_id for c in listing(open_only=False, limit=1)] == ["req-003"]


def test_open_requests_due_by_a_moment_are_listed_soonest_deadline_first(store):
    insert(
        store,
        held(1, deadline=START + 3 * HOUR),
        held(2, deadline=START + HOUR),
        held(3, deadline=START + 2 * HOUR),
        held(4, deadline=START + HOUR),
        held(5, deadline=START + 9 * HOUR),
    )
    close(store, 4, State.WITHDRAWN)
    with store.read() as uow:
        due = uow.confirmations.open_due_before(START + 3 * HOUR)  # at the deadline: due
        assert [c.request_id for c in due] == ["req-002", "req-003", "req-001"]
        assert uow.confirmations.open_due_before(START) == []


def test_open_count_counts_only_open_requests(store):
    with store.read() as uow:
        assert uow.confirmations.open_count() == 0
    insert(store, held(1), held(2), held(3))
    close(store, 2, State.ANSWERED)
    with store.read() as uow:
        assert uow.confirmations.open_count() == 2
