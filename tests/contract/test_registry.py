"""PartnerRepository and UserRepository: who this node knows, registered once each."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from gateway.domain.errors import Conflict, NotFound
from gateway.domain.identity import NodeSigningKey
from gateway.domain.partners import Partner
from gateway.domain.roles import Role, User
from tests.contract.samples import OTHER_PARTNER, PARTNER, START


def key(n: int):
    return NodeSigningKey(bytes([n]) * 32).public


def partner(node_id: str = PARTNER, *keys, **changes) -> Partner:
    values = {
        "node_id": node_id,
        "endpoint": f"{node_id}.example.invalid:7443",
        "keys": keys or (key(1),),
        "tls_ca_pem": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        "tls_pin_sha256": "ab" * 32,
        "added_at": START + timedelta(milliseconds=250),
    }
    values.update(changes)
    return Partner(**values)


def add_partner(store, p: Partner) -> None:
    with store.write() as uow:
        uow.partners.add(p)
        uow.commit()


def test_a_partner_round_trips_with_its_keys_oldest_first(store):
    rotating = partner(PARTNER, key(1), key(2))
    add_partner(store, rotating)
    with store.read() as uow:
        held = uow.partners.get(PARTNER)
    assert held == rotating
    assert held.public_key == key(2)
    assert held.key(key(1).key_id) == key(1)


def test_an_unknown_partner_is_none(store):
    with store.read() as uow:
        assert uow.partners.get(PARTNER) is None
        assert uow.partners.all() == []


def test_a_partner_registered_twice_is_a_conflict_and_the_first_stays(store):
    first = partner(PARTNER, key(1))
    add_partner(store, first)
    with pytest.raises(Conflict), store.write() as uow:
        uow.partners.add(partner(PARTNER, key(2), endpoint="elsewhere:1"))
    with store.read() as uow:
        assert uow.partners.get(PARTNER) == first


def test_partners_are_listed_by_node_id(store):
    add_partner(store, partner(PARTNER))
    add_partner(store, partner(OTHER_PARTNER, key(3)))
    add_partner(store, partner("de-aachen", key(4)))
    with store.read() as uow:
        assert [p.node_id for p in uow.partners.all()] == ["de-aachen", OTHER_PARTNER, PARTNER]


def test_a_removed_partner_is_forgotten_with_its_keys(store):
    add_partner(store, partner(PARTNER, key(1), key(2)))
    add_partner(store, partner(OTHER_PARTNER, key(3)))
    with store.write() as uow:
        uow.partners.remove(PARTNER)
        uow.commit()
    with store.read() as uow:
        assert uow.partners.get(PARTNER) is None
        assert [p.node_id for p in uow.partners.all()] == [OTHER_PARTNER]
    again = partner(PARTNER, key(5))
    add_partner(store, again)
    with store.read() as uow:
        assert uow.partners.get(PARTNER).keys == (key(5),)


def test_removing_a_partner_that_is_not_registered_is_not_found(store):
    add_partner(store, partner(OTHER_PARTNER))
    with pytest.raises(NotFound), store.write() as uow:
        uow.partners.remove(PARTNER)
    with store.read() as uow:
        assert [p.node_id for p in uow.partners.all()] == [OTHER_PARTNER]


def test_a_partners_endpoint_and_tls_trust_change_in_place_and_nothing_else(store):
    add_partner(store, partner(PARTNER, key(1), key(2)))
    add_partner(store, partner(OTHER_PARTNER, key(3)))
    other_before = partner(OTHER_PARTNER, key(3))
    changed = partner(
        PARTNER,
        key(1),
        key(2),
        endpoint="moved.example.invalid:8443",
        tls_ca_pem="-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n",
        tls_pin_sha256="",
    )
    with store.write() as uow:
        # Keys and registration time given differently are not the update's business.
        uow.partners.update(dataclasses.replace(changed, keys=(key(9),), added_at=START))
        uow.commit()
    with store.read() as uow:
        assert uow.partners.get(PARTNER) == changed
        assert uow.partners.get(OTHER_PARTNER) == other_before


def test_updating_a_partner_that_is_not_registered_is_not_found_and_adds_nothing(store):
    with pytest.raises(NotFound), store.write() as uow:
        uow.partners.update(partner(PARTNER))
    with store.read() as uow:
        assert uow.partners.all() == []


def test_an_update_not_committed_leaves_the_partner_as_it_was(store):
    first = partner(PARTNER)
    add_partner(store, first)
    with store.write() as uow:
        uow.partners.update(dataclasses.replace(first, tls_pin_sha256="cd" * 32))
    with store.read() as uow:
        assert uow.partners.get(PARTNER) == first


def user(name: str, role: Role = Role.INVESTIGATOR) -> User:
    return User(name, role, START + timedelta(seconds=1, milliseconds=1))


def test_a_user_is_found_by_the_hash_of_its_token(store):
    with store.write() as uow:
        uow.users.add(user("ivan"), "hash-ivan")
        uow.users.add(user("ada", Role.ADAPTER), "hash-ada")
        uow.commit()
    with store.read() as uow:
        assert uow.users.by_token_hash("hash-ivan") == user("ivan")
        assert uow.users.by_token_hash("hash-ada") == user("ada", Role.ADAPTER)
        assert uow.users.by_token_hash("hash-nobody") is None


def test_a_user_name_taken_is_a_conflict_and_the_first_user_stays(store):
    with store.write() as uow:
        uow.users.add(user("ivan"), "hash-1")
        uow.commit()
    with pytest.raises(Conflict), store.write() as uow:
        uow.users.add(user("ivan", Role.ADMIN), "hash-2")
    with store.read() as uow:
        assert uow.users.all() == [user("ivan")]
        assert uow.users.by_token_hash("hash-2") is None


def test_users_are_listed_by_name_with_every_role(store):
    with store.write() as uow:
        for n, role in enumerate(Role):
            uow.users.add(user(f"user-{5 - n}", role), f"hash-{n}")
        uow.commit()
    with store.read() as uow:
        listed = uow.users.all()
    assert [u.name for u in listed] == sorted(u.name for u in listed)
    assert {u.role for u in listed} == set(Role)
