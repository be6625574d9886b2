"""Specification of gateway.node.verifier.ProcessVerifier: a big batch is verified in a
real worker process (spawned, as in a node) with exactly the outcome of verifying it in
place, refusals included; small batches never leave the caller."""

from __future__ import annotations

import os

import pytest

from gateway.domain.errors import AgreementViolation, SignatureInvalid, StaleVersion
from gateway.domain.feed import kept_of
from gateway.node.verifier import ProcessVerifier
from gateway.services.sync import verify_received
from tests.unit.test_feed_rules import (
    OTHER_KEY,
    PARTY,
    TERMS,
    checkpoint_for,
    good_leaves,
    signed,
    upsert,
    verify,
)

TERMS_BY_VERSION = {1: TERMS}


@pytest.fixture
def worker_verifier():
    v = ProcessVerifier(min_leaves=10)
    yield v
    v.close()


def test_a_big_batch_verified_in_the_worker_keeps_what_verifying_here_keeps(worker_verifier):
    leaves = good_leaves(300)
    checkpoint = signed(checkpoint_for(leaves))
    there = worker_verifier(PARTY, 0, leaves, checkpoint, TERMS_BY_VERSION)
    here = verify_received(PARTY, 0, leaves, checkpoint, TERMS_BY_VERSION)
    assert there == here
    assert there[1] == kept_of(verify(leaves, checkpoint))
    # Tombstones are kept as such: an id and no category.
    assert there[1].categories[2] is None and there[1].entry_ids[2] == "entry-2"


@pytest.mark.parametrize(
    ("damage", "refusal"),
    [
        ("forged", SignatureInvalid),
        ("altered_leaf", AgreementViolation),
        ("replayed", StaleVersion),
        ("out_of_scope", AgreementViolation),
    ],
)
def test_a_refusal_in_the_worker_reaches_the_caller_as_itself(worker_verifier, damage, refusal):
    leaves = good_leaves(60, from_seq=100)
    cursor = 100
    checkpoint = signed(checkpoint_for(leaves, from_seq=100))
    if damage == "forged":
        checkpoint = signed(checkpoint_for(leaves, from_seq=100), OTHER_KEY)
    elif damage == "altered_leaf":
        leaves = [*leaves[:5], leaves[5][:-1] + bytes([leaves[5][-1] ^ 1]), *leaves[6:]]
    elif damage == "replayed":
        cursor = 160
    elif damage == "out_of_scope":
        leaves = [*leaves[:-1], upsert(160, 160, category="wanted_person")]
        checkpoint = signed(checkpoint_for(leaves, from_seq=100))
    with pytest.raises(refusal) as raised:
        worker_verifier(PARTY, cursor, leaves, checkpoint, TERMS_BY_VERSION)
    with pytest.raises(refusal) as in_place:
        verify_received(PARTY, cursor, leaves, checkpoint, TERMS_BY_VERSION)
    assert str(raised.value) == str(in_place.value)


def test_small_batches_are_verified_in_the_calling_process():
    calls = []

    def recording(*args):
        calls.append(os.getpid())
        return verify_received(*args)

    v = ProcessVerifier(min_leaves=10, verify=recording)
    try:
        leaves = good_leaves(3)
        v(PARTY, 0, leaves, signed(checkpoint_for(leaves)), TERMS_BY_VERSION)
        assert calls == [os.getpid()]
        assert v._pool is None  # no worker was ever started
    finally:
        v.close()


def test_a_dead_worker_is_replaced_and_the_batch_still_verified(worker_verifier):
    leaves = good_leaves(30)
    checkpoint = signed(checkpoint_for(leaves))
    worker_verifier(PARTY, 0, leaves, checkpoint, TERMS_BY_VERSION)
    pool = worker_verifier._pool
    for process in pool._processes.values():
        process.kill()
        process.join()
    assert worker_verifier(PARTY, 0, leaves, checkpoint, TERMS_BY_VERSION) == verify_received(
        PARTY, 0, leaves, checkpoint, TERMS_BY_VERSION
    )
    worker_verifier(PARTY, 0, leaves, checkpoint, TERMS_BY_VERSION)
    assert worker_verifier._pool is not pool
