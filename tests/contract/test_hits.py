"""HitRepository: hits of this node's cameras (observed) and partners' notifications of
hits on this node's entries (received), each kept until the time it must be erased."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from gateway.domain.hits import ReceivedHit
from gateway.services.ports import ExpiredHit, HitFact
from tests.contract.samples import (
    NODE,
    OTHER_PARTNER,
    PARTNER,
    START,
    entry_id,
    hit_id,
    observed_hit,
)

MINUTE = timedelta(minutes=1)


def own_hit(n: int, **changes):
    """A hit of this node's cameras on one of its own entries."""
    values = {
        "entry_owner": NODE,
        "agreement_id": None,
        "agreement_version": None,
        "action": None,
        "flags": (),
        "owner_notified": False,
    }
    values.update(changes)
    return observed_hit(n, **values)


def received_hit(n: int, **changes) -> ReceivedHit:
    hit = ReceivedHit(
        hit_id=hit_id(n),
        agreement_id="agr-1",
        agreement_version=2,
        observer=PARTNER,
        entry_id=entry_id(n),
        entry_version=3,
        observed_at=START,
        camera=None,
        site="site-7",
        zone="zone-south",
        match="fuzzy",
        country_inferred=True,
        envelope=b"signed notification",
        received_at=START + timedelta(seconds=2, milliseconds=5),
        expires_at=START + timedelta(days=28),
    )
    return dataclasses.replace(hit, **changes)


def save(store, *observed, received=()) -> list[bool]:
    with store.write() as uow:
        for h in observed:
            uow.hits.save_observed(h)
        stored = [uow.hits.save_received(h) for h in received]
        uow.commit()
    return stored


def test_an_observed_hit_round_trips(store):
    on_partner = observed_hit(
        1, country_inferred=True, observed_at=START + timedelta(seconds=8, milliseconds=571)
    )
    on_own = own_hit(2)
    save(store, on_partner, on_own)
    with store.read() as uow:
        assert uow.hits.observed(on_partner.hit_id) == on_partner
        assert uow.hits.observed(on_own.hit_id) == on_own
        assert uow.hits.observed(hit_id(9)) is None


def test_observed_hits_are_listed_newest_first_and_filtered(store):
    save(
        store,
        observed_hit(1, observed_at=START),
        own_hit(2, observed_at=START + 3 * MINUTE),
        observed_hit(3, observed_at=START + 2 * MINUTE, entry_id=entry_id(1)),
        own_hit(4, observed_at=START + MINUTE),
    )
    with store.read() as uow:

        def listed(**kwargs) -> list[str]:
            return [h.hit_id for h in uow.hits.list_observed(**kwargs)]

        assert listed(own_only=None) == [hit_id(2), hit_id(3), hit_id(4), hit_id(1)]
        assert listed(own_only=True) == [hit_id(2), hit_id(4)]
        assert listed(own_only=False) == [hit_id(3), hit_id(1)]
        assert listed(own_only=None, entry_id=entry_id(1)) == [hit_id(3), hit_id(1)]
        assert listed(own_only=None, limit=2) == [hit_id(2), hit_id(3)]


def test_a_received_hit_is_stored_once_and_round_trips(store):
    first = received_hit(1)
    assert save(store, received=[first]) == [True]
    assert save(store, received=[received_hit(1, zone="elsewhere")]) == [False]
    with store.read() as uow:
        assert uow.hits.received(first.hit_id) == first
        assert uow.hits.received(hit_id(2)) is None


def test_a_received_hit_without_any_location_round_trips(store):
    bare = received_hit(1, camera=None, site=None, zone=None, country_inferred=False)
    save(store, received=[bare])
    with store.read() as uow:
        assert uow.hits.received(bare.hit_id) == bare


def test_received_hits_are_listed_newest_first_and_filtered(store):
    save(
        store,
        received=[
            received_hit(1, observed_at=START + MINUTE),
            received_hit(2, observed_at=START + 3 * MINUTE, entry_id=entry_id(1)),
            received_hit(3, observed_at=START),
        ],
    )
    with store.read() as uow:
        assert [h.hit_id for h in uow.hits.list_received()] == [hit_id(2), hit_id(1), hit_id(3)]
        assert [h.hit_id for h in uow.hits.list_received(entry_id=entry_id(1))] == [
            hit_id(2),
            hit_id(1),
        ]
        assert [h.hit_id for h in uow.hits.list_received(limit=1)] == [hit_id(2)]


def test_hits_past_their_retention_are_expired_of_both_kinds(store):
    day = timedelta(days=1)
    save(
        store,
        observed_hit(1, expires_at=START + day),
        own_hit(2, expires_at=START + 3 * day),
        received=[
            received_hit(3, expires_at=START + day),
            received_hit(4, expires_at=START + 5 * day),
        ],
    )
    with store.read() as uow:
        assert uow.hits.expired(START + day - timedelta(milliseconds=1)) == []
        assert sorted(uow.hits.expired(START + day)) == [
            ExpiredHit("observed", hit_id(1), entry_id(1), "agr-1"),
            ExpiredHit("received", hit_id(3), entry_id(3), "agr-1"),
        ]
        assert len(uow.hits.expired(START + 4 * day)) == 3
        assert sorted(uow.hits.expired(START + 4 * day))[1] == ExpiredHit(
            "observed", hit_id(2), entry_id(2), None
        )


def test_expired_returns_at_most_limit_hits_of_a_kind(store):
    save(store, *(observed_hit(n, expires_at=START) for n in range(5)))
    with store.read() as uow:
        assert len(uow.hits.expired(START + MINUTE, limit=3)) == 3


def test_an_erased_hit_is_gone_and_only_that_one(store):
    save(store, observed_hit(1), observed_hit(2), received=[received_hit(1), received_hit(3)])
    with store.write() as uow:
        uow.hits.erase("observed", hit_id(1))
        uow.hits.erase("received", hit_id(3))
        uow.commit()
    with store.read() as uow:
        assert uow.hits.observed(hit_id(1)) is None
        assert uow.hits.observed(hit_id(2)) is not None
        assert uow.hits.received(hit_id(1)) is not None  # same id, other kind: kept
        assert uow.hits.received(hit_id(3)) is None


def test_held_counts_are_by_kind_and_partner(store):
    save(
        store,
        own_hit(1),
        own_hit(2),
        observed_hit(3),
        observed_hit(4, entry_owner=OTHER_PARTNER),
        observed_hit(5, entry_owner=OTHER_PARTNER),
        received=[received_hit(6), received_hit(7, observer=OTHER_PARTNER)],
    )
    with store.read() as uow:
        assert uow.hits.held_counts() == {
            ("own", ""): 2,
            ("observed", PARTNER): 1,
            ("observed", OTHER_PARTNER): 2,
            ("received", PARTNER): 1,
            ("received", OTHER_PARTNER): 1,
        }


def test_held_counts_of_no_hits_are_empty(store):
    with store.read() as uow:
        assert uow.hits.held_counts() == {}


def test_facts_are_the_hits_of_this_nodes_cameras_observed_in_a_half_open_window(store):
    save(
        store,
        observed_hit(1, observed_at=START - timedelta(milliseconds=1)),
        observed_hit(2, observed_at=START, zone="zone-a", category="wanted_person"),
        own_hit(3, observed_at=START + MINUTE, zone="zone-b"),
        observed_hit(4, observed_at=START + 2 * MINUTE),
        received=[received_hit(5, observed_at=START + MINUTE)],
    )
    with store.read() as uow:
        facts = uow.hits.facts(START, START + 2 * MINUTE)
    assert sorted(facts) == [
        HitFact(START, "zone-a", "wanted_person"),
        HitFact(START + MINUTE, "zone-b", "stolen_vehicle"),
    ]
