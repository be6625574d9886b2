"""PartnerChangeRepository: partners' announcements of a move, held exactly as signed
until decided, and this node's own announcements, numbered from 1."""

from __future__ import annotations

from datetime import timedelta

from gateway.domain import envelope as env
from gateway.domain.partner_change import (
    PARTNER_CHANGE_PAYLOAD,
    ChangeState,
    HeldChange,
    PartnerChange,
)
from gateway.wire import codec
from gateway.wire.partner_change_codec import partner_change_payload
from tests.contract.samples import OTHER_PARTNER, PARTNER, PARTNER_KEY, START


def held(sequence: int, partner: str = PARTNER, state=ChangeState.PENDING) -> HeldChange:
    change = PartnerChange(
        partner, sequence, START, endpoint=f"{partner}.example.invalid:{7000 + sequence}"
    )
    envelope = env.sign(PARTNER_CHANGE_PAYLOAD, partner_change_payload(change), PARTNER_KEY)
    return HeldChange(
        change,
        env.payload_fingerprint(envelope.payload),
        codec.envelope_bytes(envelope),
        START + timedelta(seconds=sequence),
        state,
    )


def add(store, *changes: HeldChange) -> None:
    with store.write() as uow:
        for c in changes:
            uow.partner_changes.add(c)
        uow.commit()


def test_an_announcement_round_trips_exactly_as_signed(store):
    first = held(1)
    add(store, first)
    with store.read() as uow:
        assert uow.partner_changes.by_fingerprint(PARTNER, first.fingerprint) == first
        assert uow.partner_changes.by_fingerprint(OTHER_PARTNER, first.fingerprint) is None
        assert uow.partner_changes.newest(PARTNER) == first
        assert uow.partner_changes.newest(OTHER_PARTNER) is None


def test_the_newest_is_the_highest_sequence_and_pending_ones_are_listed_by_partner(store):
    add(store, held(2), held(1, state=ChangeState.REJECTED), held(5, OTHER_PARTNER))
    with store.write() as uow:
        uow.partner_changes.decide(PARTNER, 2, ChangeState.ACCEPTED, START + timedelta(hours=1))
        uow.commit()
    with store.read() as uow:
        newest = uow.partner_changes.newest(PARTNER)
        assert newest is not None and newest.change.sequence == 2
        assert newest.state is ChangeState.ACCEPTED
        assert newest.decided_at == START + timedelta(hours=1)
        pending = uow.partner_changes.listed()
        assert [(h.change.node_id, h.change.sequence) for h in pending] == [(OTHER_PARTNER, 5)]
        everything = uow.partner_changes.listed(PARTNER, pending_only=False)
        assert [h.change.sequence for h in everything] == [1, 2]


def test_a_change_not_committed_is_not_held(store):
    with store.write() as uow:
        uow.partner_changes.add(held(1))
    with store.read() as uow:
        assert uow.partner_changes.newest(PARTNER) is None


def test_own_announcements_are_numbered_from_one(store):
    with store.write() as uow:
        assert uow.partner_changes.next_own_sequence() == 1
        uow.partner_changes.add_own(1, "AAAA-BBBB-CCCC-DDDD", b"signed", START)
        assert uow.partner_changes.next_own_sequence() == 2
        uow.commit()
    with store.read() as uow:
        assert uow.partner_changes.next_own_sequence() == 2
