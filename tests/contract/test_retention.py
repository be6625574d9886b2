"""RetentionRepository: which records are past their retention (a clock column and a
cutoff per table), their erasure, and what is held for the report (counts and times).
A record whose clock started exactly at the cutoff is due; one a millisecond later is
not."""

from __future__ import annotations

from datetime import timedelta

from gateway.domain import merkle
from gateway.domain.audit import next_record
from gateway.domain.confirmations import RequestKind, State
from gateway.domain.isc import Screened, Tlp, Verdict
from gateway.domain.times import time_text
from gateway.services.ports import FeedState, Held, HeldConfirmation, Publication
from tests.contract.samples import (
    PARTNER,
    START,
    Tombstone,
    Upsert,
    entry_id,
    hit_id,
    live_digest,
    observed_hit,
    own_entry,
    received_batch,
)

MS = timedelta(milliseconds=1)
DAY = timedelta(days=1)
AGR = "agr-1"


def messages(uow) -> dict[str, int]:
    """Outbox messages per state, states with none left out."""
    return {state: n for state, n in uow.outbox.depth().items() if n}


# -- own entries -----------------------------------------------------------------------


def save_entries(store, *entries) -> None:
    with store.write() as uow:
        uow.own_entries.save(list(entries), "ivan")
        uow.commit()


def test_own_entries_due_are_those_withdrawn_or_expired_at_or_before_the_cutoff(store, clock):
    clock.now = START + DAY
    save_entries(
        store,
        own_entry(1, withdrawn=True, version=2),  # withdrawn at START + 1 day
        own_entry(2, expires_at=START + DAY),  # expired at START + 1 day
        own_entry(3, expires_at=START + DAY + MS),
        own_entry(4),  # live until START + 30 days
    )
    with store.read() as uow:
        assert uow.retention.own_entries_due(START + DAY - MS) == []
        assert uow.retention.own_entries_due(START + DAY) == [entry_id(1), entry_id(2)]
        assert uow.retention.own_entries_due(START + DAY + MS) == [entry_id(i) for i in (1, 2, 3)]
        assert uow.retention.own_entries_due(START + DAY, limit=1) == [entry_id(1)]


def test_an_own_entry_waits_until_every_feed_has_projected_its_change(store, clock):
    save_entries(store, own_entry(1, withdrawn=True, version=2))
    with store.write() as uow:
        uow.feed.save_state(FeedState(AGR, 1, 0, 0, merkle.SET_DIGEST_EMPTY, 0))
        uow.commit()
    with store.read() as uow:
        assert uow.retention.own_entries_due(START + DAY) == []
    with store.write() as uow:
        uow.feed.save_state(FeedState(AGR, 1, 1, 0, merkle.SET_DIGEST_EMPTY, 10))
        uow.commit()
    with store.read() as uow:
        assert uow.retention.own_entries_due(START + DAY) == [entry_id(1)]


def test_erasing_own_entries_removes_them_only(store):
    save_entries(store, own_entry(1, withdrawn=True, version=2), own_entry(2))
    with store.write() as uow:
        assert uow.retention.erase_own_entries([entry_id(1), entry_id(9)]) == 1
        uow.commit()
    with store.read() as uow:
        assert uow.own_entries.get(entry_id(1)) is None
        assert uow.own_entries.get(entry_id(2)) is not None


def test_own_entries_held_counts_the_retired_with_the_oldest_and_the_next_due(store, clock):
    save_entries(store, own_entry(1, withdrawn=True, version=2), own_entry(2))
    now = START + 2 * DAY
    with store.read() as uow:
        assert uow.retention.own_entries_held(now, now - DAY) == Held(1, START, START + DAY, 1)
        assert uow.retention.own_entries_held(now, now - 3 * DAY) == Held(
            1, START, START + 3 * DAY, 0
        )


# -- received entries ------------------------------------------------------------------


def receive(store, *changes) -> None:
    with store.write() as uow:
        state = uow.received.state(AGR, PARTNER)
        batch, envelope = received_batch(AGR, state.cursor, changes)
        uow.received.apply_batch(state, batch, envelope)
        uow.commit()


FAR = int((START + 300 * DAY).timestamp())


def test_received_entries_due_by_receipt_or_by_the_owners_expiry(store, clock):
    receive(store, Upsert(entry_id(1), b"leaf 1", expires_at_s=FAR))
    clock.now = START + DAY
    soon = int((START + 5 * DAY).timestamp())
    receive(
        store,
        Upsert(entry_id(2), b"leaf 2", expires_at_s=FAR),
        Upsert(entry_id(3), b"leaf 3", expires_at_s=soon),
    )
    with store.read() as uow:
        due = uow.retention.received_entries_due
        assert due(AGR, START - MS, START + 2 * DAY) == []
        assert due(AGR, START, START + 2 * DAY) == [entry_id(1)]
        assert due(AGR, START, START + 5 * DAY) == [entry_id(1), entry_id(3)]
        assert due("agr-other", START + DAY, START + 5 * DAY) == []


def test_an_erased_received_entry_still_counts_in_the_providers_set(store, clock):
    receive(store, Upsert(entry_id(1), b"leaf 1"), Upsert(entry_id(2), b"leaf 2"))
    with store.write() as uow:
        assert uow.retention.erase_received_entries(AGR, [entry_id(1)]) == 1
        uow.commit()
    with store.read() as uow:
        assert sorted(uow.received.leaves(AGR)) == [b"leaf 2"]
        state = uow.received.state(AGR, PARTNER)
    assert (state.live_count, state.set_digest) == (2, live_digest([b"leaf 1", b"leaf 2"]))
    # The provider changes the erased entry, then withdraws it: applied as to one held.
    receive(store, Upsert(entry_id(1), b"leaf 1 v2"))
    with store.read() as uow:
        state = uow.received.state(AGR, PARTNER)
    assert (state.live_count, state.set_digest) == (2, live_digest([b"leaf 1 v2", b"leaf 2"]))
    with store.write() as uow:
        uow.retention.erase_received_entries(AGR, [entry_id(2)])
        uow.commit()
    receive(store, Tombstone(entry_id(2)))
    with store.read() as uow:
        state = uow.received.state(AGR, PARTNER)
        assert uow.received.leaves(AGR) == [b"leaf 1 v2"]
    assert (state.live_count, state.set_digest) == (1, live_digest([b"leaf 1 v2"]))


def test_a_purge_of_the_agreement_forgets_the_erased_entries_too(store):
    receive(store, Upsert(entry_id(1), b"leaf 1"))
    with store.write() as uow:
        uow.retention.erase_received_entries(AGR, [entry_id(1)])
        uow.received.purge(AGR)
        uow.commit()
    # Received anew: entry 1 is new here, whatever was erased of it before the purge.
    receive(store, Upsert(entry_id(2), b"leaf 2"))
    receive(store, Upsert(entry_id(1), b"leaf 1 again"))
    with store.read() as uow:
        state = uow.received.state(AGR, PARTNER)
    assert (state.live_count, state.set_digest) == (2, live_digest([b"leaf 2", b"leaf 1 again"]))


def test_received_entries_held_per_agreement(store, clock):
    receive(store, Upsert(entry_id(1), b"leaf 1", expires_at_s=FAR))
    with store.read() as uow:
        held = uow.retention.received_entries_held(AGR, START + 10 * DAY, 10)
        assert held == Held(1, START, START + 10 * DAY, 1)
        assert uow.retention.received_entries_held(AGR, START, 10).past_limit == 0
        assert uow.retention.received_entries_held("agr-other", START, 10).count == 0


# -- confirmations ---------------------------------------------------------------------


def confirmation(n: int, closed_at, agreement_id: str = AGR) -> HeldConfirmation:
    return HeldConfirmation(
        request_id=f"req-{n}",
        outgoing=False,
        kind=RequestKind.HIT_DETAILS.value,
        agreement_id=agreement_id,
        partner=PARTNER,
        state=State.OPEN.value if closed_at is None else State.REFUSED.value,
        created_at=START,
        deadline=START + 12 * timedelta(hours=1),
        hit_id=hit_id(n),
        request_envelope=b"signed request",
        event_envelope=None,
        closed_by="",
        closed_at=closed_at,
        escalated=False,
    )


def test_confirmations_due_are_closed_ones_of_the_agreement_at_or_before_the_cutoff(store):
    with store.write() as uow:
        uow.confirmations.insert(confirmation(1, START))
        uow.confirmations.insert(confirmation(2, START + DAY))
        uow.confirmations.insert(confirmation(3, None))
        uow.confirmations.insert(confirmation(4, START, agreement_id="agr-2"))
        uow.commit()
    with store.read() as uow:
        assert uow.retention.confirmations_due(AGR, START - MS) == []
        assert uow.retention.confirmations_due(AGR, START) == ["req-1"]
        assert uow.retention.confirmations_due(AGR, START + 9 * DAY) == ["req-1", "req-2"]


def test_erasing_a_confirmation_takes_its_messages_with_it(store):
    with store.write() as uow:
        uow.confirmations.insert(confirmation(1, START))
        uow.confirmations.insert(confirmation(2, START))
        uow.outbox.enqueue("confirmation", PARTNER, "req:req-1", b"request")
        uow.outbox.enqueue("confirmation", PARTNER, "evt:req-1", b"answer")
        uow.outbox.enqueue("confirmation", PARTNER, "evt:req-2", b"kept")
        assert uow.retention.erase_confirmations(["req-1"]) == (1, 2)
        uow.commit()
    with store.read() as uow:
        assert uow.confirmations.get("req-1") is None
        assert uow.confirmations.get("req-2") is not None
        assert messages(uow) == {"pending": 1}


def test_confirmations_held_apply_each_agreements_limit(store):
    with store.write() as uow:
        uow.confirmations.insert(confirmation(1, START))
        uow.confirmations.insert(confirmation(2, START + DAY, agreement_id="agr-2"))
        uow.confirmations.insert(confirmation(3, None))
        uow.commit()
    now = START + 5 * DAY
    with store.read() as uow:
        held = uow.retention.confirmations_held({AGR: 5, "agr-2": 2}, 28, now)
    assert held == Held(2, START, START + 3 * DAY, 2)
    with store.read() as uow:
        assert uow.retention.confirmations_held({}, 28, now) == Held(2, START, START + 28 * DAY, 0)


# -- the outbox ------------------------------------------------------------------------


def test_outbox_due_are_closed_messages_but_never_hit_notifications(store, clock):
    with store.write() as uow:
        for kind, key in (
            ("partner_change", "a"),
            ("hit_notification", "b"),
            ("signing_key", "c"),
            ("confirmation", "d"),
        ):
            uow.outbox.enqueue(kind, PARTNER, key, b"payload")
        ids = {m.dedupe_key: m.id for m in uow.outbox.due(START)}
        uow.outbox.delivered(ids["a"])
        uow.outbox.delivered(ids["b"])
        uow.commit()
    clock.now = START + DAY
    with store.write() as uow:
        uow.outbox.refused(ids["c"], "partner refuses it")  # its clock starts now
        uow.commit()
    with store.read() as uow:
        assert uow.retention.outbox_due(START - MS) == []
        assert uow.retention.outbox_due(START) == [ids["a"]]
        assert uow.retention.outbox_due(START + DAY) == [ids["a"], ids["c"]]
        assert uow.retention.outbox_held(START + DAY, 1) == Held(2, START, START + DAY, 1)
    with store.write() as uow:
        assert uow.retention.erase_outbox([ids["a"], ids["c"]]) == 2
        uow.commit()
    with store.read() as uow:
        assert messages(uow) == {"delivered": 1, "pending": 1}


# -- the ISC ---------------------------------------------------------------------------


def indicator(n: int) -> Screened:
    return Screened(
        Verdict.VEHICLE_INDICATOR,
        f"indicator--{n}",
        time_text(START),
        plate="ZZ999",
        country="NL",
        title="Stolen van",
        description="White van",
        tlp=Tlp.AMBER,
    )


def publication(at) -> Publication:
    return Publication(
        publication_id="pub-1",
        kind="statistics",
        subject="2026-W09",
        tlp="green",
        bundle={"type": "bundle", "id": "bundle--1", "objects": []},
        digest="sha256:" + "ab" * 32,
        state="draft",
        created_by="ivan",
        created_at=time_text(at),
        published_by="",
        published_at=None,
    )


def test_isc_records_due_erased_and_held_by_their_clock(store):
    at = time_text(START)
    with store.write() as uow:
        uow.isc.add_candidate("cand-1", indicator(1), at)
        uow.isc.add_candidate("cand-2", indicator(2), at)
        uow.isc.decide("cand-2", "promoted", "ivan", time_text(START + DAY), "ours", "e-1")
        uow.isc.save_publication(publication(START))
        uow.isc.reject("indicator--9", "malformed", at)
        uow.isc.mark_seen(indicator(3), at)
        uow.commit()
    with store.read() as uow:
        due = uow.retention.isc_due
        assert due("candidate", START - MS) == []
        assert due("candidate", START) == ["cand-1"]
        assert due("candidate", START + DAY) == ["cand-1", "cand-2"]
        assert due("publication", START) == ["pub-1"]
        [rejection] = due("rejection", START)
        assert due("seen", START) == [f"indicator--3 {at}"]
        assert uow.retention.isc_held("candidate", START + DAY, 1) == Held(2, START, START + DAY, 1)
    with store.write() as uow:
        assert uow.retention.erase_isc("candidate", ["cand-1"]) == 1
        assert uow.retention.erase_isc("rejection", [rejection]) == 1
        assert uow.retention.erase_isc("seen", [f"indicator--3 {at}"]) == 1
        assert uow.retention.erase_isc("publication", ["pub-1"]) == 1
        uow.commit()
    with store.read() as uow:
        assert uow.isc.candidate("cand-1") is None
        assert uow.isc.candidate("cand-2") is not None
        assert uow.isc.rejections() == []
        assert uow.isc.seen([("indicator--3", at)]) == set()
        assert uow.isc.publication("pub-1") is None


# -- hits, the audit log and backups ---------------------------------------------------


def test_hits_held_count_each_side_with_the_oldest_and_the_soonest_expiry(store):
    with store.write() as uow:
        uow.hits.save_observed(observed_hit(1))
        uow.hits.save_observed(observed_hit(2, observed_at=START + DAY, expires_at=START + 2 * DAY))
        uow.commit()
    with store.read() as uow:
        held = uow.retention.hits_held(START + 2 * DAY)
    assert held["hit"] == Held(2, START, START + 2 * DAY, 1)
    assert held["received_hit"] == Held(0, None, None, 0)


def test_the_audit_log_held_and_the_newest_backup(store):
    records = []
    for i, action in enumerate(("entry.add", "node.backup", "node.backup", "entry.add")):
        records.append(
            next_record(
                records[-1] if records else None,
                at=time_text(START + i * DAY),
                actor_kind="user",
                actor="admin",
                action=action,
                object_type="node",
                object_id="be-gent",
            )
        )
    with store.write() as uow:
        assert uow.retention.newest_backup() is None
        for record in records:
            uow.audit.append(record, head_signature=b"signature")
        uow.commit()
    with store.read() as uow:
        assert uow.retention.newest_backup() == START + 2 * DAY
        assert uow.retention.audit_held(START + 3 * DAY, 2) == Held(4, START, START + 2 * DAY, 2)
