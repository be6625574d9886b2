"""ReceivedRepository: what this node holds of its partners' feeds, per agreement: the
entries with the leaves and signed checkpoints that prove them, the cursor, the count
and the set digest, and the matching key of each agreement version."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.domain import merkle
from gateway.domain.times import time_text
from gateway.services.ports import AppliedBatch, ReceivedIndexRow, SyncState
from tests.contract.samples import (
    PARTNER,
    Change,
    Tombstone,
    Upsert,
    entry_id,
    live_digest,
    received_batch,
)

AGR = "agr-1"


def leaf(n: int, variant: int = 0) -> bytes:
    return f"leaf of entry {n}, variant {variant}".encode()


def upsert(n: int, variant: int = 0, **fields) -> Upsert:
    return Upsert(entry_id(n), leaf(n, variant), **fields)


def apply(store, changes: Sequence[Change], agreement_id: str = AGR, version: int = 1):
    """Apply the next batch of the feed; return (the state after, what it changed)."""
    with store.write() as uow:
        state = uow.received.state(agreement_id, PARTNER)
        batch, envelope = received_batch(agreement_id, state.cursor, changes, version=version)
        applied = uow.received.apply_batch(state, batch, envelope)
        uow.commit()
    return state, applied


def held_leaves(store, agreement_id: str = AGR) -> list[bytes]:
    with store.read() as uow:
        return sorted(uow.received.leaves(agreement_id))


def test_the_state_of_a_feed_never_received_is_fresh(store):
    with store.read() as uow:
        state = uow.received.state(AGR, PARTNER)
        assert uow.received.states() == []
        assert uow.received.agreement_ids() == []
    assert state == SyncState(AGR, PARTNER, 0, 0, merkle.SET_DIGEST_EMPTY)


def test_a_saved_state_round_trips_with_every_field(store):
    state = SyncState(
        agreement_id=AGR,
        provider=PARTNER,
        cursor=41,
        live_count=7,
        set_digest=2**256 - 1,
        provider_seq=50,
        last_verified_seq=40,
        last_verified_at="2026-03-01T12:00:00.000Z",
        last_applied_at="2026-03-01T12:00:01.000Z",
        rejected_batches=2,
        last_error="batch continues from seq 3 but this node is at 4",
        max_entry_id=entry_id(9),
        last_head_issued_at="2026-03-01T11:59:58.500Z",
    )
    other = SyncState("agr-0", "nl-rotterdam", 1, 1, 12345)
    with store.write() as uow:
        uow.received.save_state(state)
        uow.received.save_state(other)
        uow.commit()
    with store.read() as uow:
        assert uow.received.state(AGR, PARTNER) == state
        assert sorted(uow.received.states(), key=lambda s: s.agreement_id) == [other, state]
        assert sorted(uow.received.agreement_ids()) == ["agr-0", AGR]


def test_the_time_of_the_last_verified_head_survives_a_batch_and_goes_with_a_purge(store):
    with store.write() as uow:
        state = uow.received.state(AGR, PARTNER)
        state.last_head_issued_at = "2026-03-01T12:00:00.000Z"
        uow.received.save_state(state)
        uow.commit()
    state, _ = apply(store, [upsert(1)])
    assert state.last_head_issued_at == "2026-03-01T12:00:00.000Z"
    with store.read() as uow:
        assert uow.received.state(AGR, PARTNER).last_head_issued_at == state.last_head_issued_at
    with store.write() as uow:
        uow.received.purge(AGR)
        uow.commit()
    with store.read() as uow:
        assert uow.received.state(AGR, PARTNER).last_head_issued_at == ""


def test_a_batch_moves_the_cursor_count_and_set_digest_and_saves_them(store, clock):
    clock.now += timedelta(minutes=3, milliseconds=9)
    state, applied = apply(store, [upsert(1), upsert(2), Tombstone(entry_id(3))])
    assert (state.cursor, state.provider_seq, state.live_count) == (3, 3, 2)
    assert state.set_digest == live_digest([leaf(1), leaf(2)])
    assert state.last_applied_at == time_text(clock.now)
    assert state.max_entry_id == entry_id(2)
    with store.read() as uow:
        assert uow.received.state(AGR, PARTNER) == state
        assert uow.received.agreement_ids() == [AGR]
    assert held_leaves(store) == [leaf(1), leaf(2)]
    assert applied == AppliedBatch(AGR, 1, applied.kept, [0, 1], [])
    assert applied.kept.entry_ids == (entry_id(1), entry_id(2), entry_id(3))


def test_an_upsert_replaces_the_entry_held_and_reports_it_removed(store):
    apply(store, [upsert(1), upsert(2)])
    state, applied = apply(store, [upsert(1, variant=1, plate="XYZ987", country="NL")])
    assert state.cursor == 3 and state.live_count == 2
    assert state.set_digest == live_digest([leaf(1, 1), leaf(2)])
    assert applied.removed == [(entry_id(1), None, "1ABC123", "BE")]
    with store.read() as uow:
        assert uow.received.leaf(AGR, entry_id(1)) == leaf(1, 1)


def test_a_tombstone_deletes_the_entry_and_reports_it_removed(store):
    apply(store, [upsert(1, token=b"t" * 32, plate=None, country=None), upsert(2)])
    state, applied = apply(store, [Tombstone(entry_id(1))])
    assert state.live_count == 1 and state.set_digest == live_digest([leaf(2)])
    assert applied.removed == [(entry_id(1), b"t" * 32, None, None)]
    with store.read() as uow:
        assert uow.received.leaf(AGR, entry_id(1)) is None
        assert [ReceivedIndexRow(*r).entry_id for r in uow.received.index_rows(AGR)] == [
            entry_id(2)
        ]


def test_a_tombstone_for_an_entry_not_held_changes_nothing_held(store):
    before, _ = apply(store, [upsert(1)])
    digest = before.set_digest
    state, applied = apply(store, [Tombstone(entry_id(7))])
    assert (state.cursor, state.live_count, state.set_digest) == (2, 1, digest)
    assert applied.removed == []


def test_an_entry_changed_twice_in_one_batch_is_held_as_last_changed(store):
    state, _ = apply(store, [upsert(1), upsert(2), upsert(1, variant=1)])
    assert state.live_count == 2
    assert state.set_digest == live_digest([leaf(1, 1), leaf(2)])
    assert held_leaves(store) == sorted([leaf(1, 1), leaf(2)])


def test_an_entry_upserted_then_tombstoned_in_one_batch_is_not_held(store):
    state, _ = apply(store, [upsert(1), upsert(2), Tombstone(entry_id(1))])
    assert state.live_count == 1
    assert state.set_digest == live_digest([leaf(2)])
    assert held_leaves(store) == [leaf(2)]


def test_index_rows_hold_what_matching_needs_of_each_entry(store):
    expires = 1_800_000_000
    apply(
        store,
        [
            upsert(1, plate="1ABC123", country="BE", expires_at_s=expires),
            upsert(2, token=b"\x01" * 32, plate=None, country=None, category="wanted_person"),
            upsert(3, token=b"\x02" * 32, plate=None, country=""),
        ],
    )
    with store.read() as uow:
        rows = sorted(ReceivedIndexRow(*r) for r in uow.received.index_rows(AGR))
    default = upsert(0).expires_at_s
    assert rows == [
        ReceivedIndexRow(entry_id(1), "stolen_vehicle", None, "1ABC123", "BE", expires),
        ReceivedIndexRow(entry_id(2), "wanted_person", b"\x01" * 32, None, None, default),
        ReceivedIndexRow(entry_id(3), "stolen_vehicle", b"\x02" * 32, None, "", default),
    ]


def test_every_held_entry_can_be_proven_against_its_signed_checkpoint(store):
    with store.write() as uow:
        state = uow.received.state(AGR, PARTNER)
        first, first_envelope = received_batch(AGR, 0, [upsert(1), upsert(2), upsert(3)])
        uow.received.apply_batch(state, first, first_envelope)
        second, second_envelope = received_batch(AGR, 3, [upsert(2, 1), Tombstone(entry_id(3))])
        uow.received.apply_batch(state, second, second_envelope)
        uow.commit()
    with store.read() as uow:
        proofs = uow.received.proofs(AGR)
    assert {envelope for envelope, _ in proofs.checkpoints.values()} == {
        first_envelope,
        second_envelope,
    }
    assert sorted(e[0] for e in proofs.entries) == [entry_id(1), entry_id(2)]
    for held_id, held_leaf, checkpoint_id, index in proofs.entries:
        _, hashes = proofs.checkpoints[checkpoint_id]
        proof = merkle.inclusion_proof(list(hashes), index)
        root = merkle.root_from_hashes(hashes)
        assert merkle.verify_inclusion(held_leaf, index, len(hashes), proof, root), held_id
    assert dict((e[0], e[1]) for e in proofs.entries) == {
        entry_id(1): leaf(1),
        entry_id(2): leaf(2, 1),
    }


def test_checkpoint_versions_are_those_of_the_batches_held(store):
    apply(store, [upsert(1)], version=1)
    apply(store, [upsert(2)], version=2)
    apply(store, [upsert(3)], version=2)
    with store.read() as uow:
        assert uow.received.checkpoint_versions(AGR) == {1, 2}
        assert uow.received.checkpoint_versions("agr-other") == set()


def test_matching_keys_are_kept_per_agreement_version(store):
    with store.write() as uow:
        uow.received.store_matching_key(AGR, 2, "token", b"k2" * 16)
        uow.received.store_matching_key(AGR, 1, "token", b"k1" * 16)
        uow.received.store_matching_key("agr-other", 1, "plaintext", b"")
        uow.commit()
    with store.read() as uow:
        assert uow.received.matching_key(AGR, 1) == b"k1" * 16
        assert uow.received.matching_key(AGR, 2) == b"k2" * 16
        assert uow.received.matching_key(AGR, 3) is None
        assert uow.received.matching_keys(AGR) == [
            (1, "token", b"k1" * 16),
            (2, "token", b"k2" * 16),
        ]
    with store.write() as uow:
        uow.received.store_matching_key(AGR, 1, "token", b"k3" * 16)
        uow.commit()
    with store.read() as uow:
        assert uow.received.matching_key(AGR, 1) == b"k3" * 16
        assert len(uow.received.matching_keys(AGR)) == 2


def test_purge_erases_everything_of_one_agreement_only(store):
    apply(store, [upsert(1), upsert(2)], agreement_id=AGR)
    kept_state, _ = apply(store, [upsert(1), upsert(3)], agreement_id="agr-2")
    with store.write() as uow:
        uow.received.store_matching_key(AGR, 1, "token", b"k" * 32)
        uow.received.store_matching_key("agr-2", 1, "token", b"j" * 32)
        assert uow.received.purge(AGR) == 2
        uow.commit()
    with store.read() as uow:
        r = uow.received
        assert r.state(AGR, PARTNER) == SyncState(AGR, PARTNER, 0, 0, merkle.SET_DIGEST_EMPTY)
        assert r.leaves(AGR) == [] and list(r.index_rows(AGR)) == []
        assert r.leaf(AGR, entry_id(1)) is None
        assert r.matching_keys(AGR) == [] and r.checkpoint_versions(AGR) == set()
        assert r.proofs(AGR).checkpoints == {} and r.proofs(AGR).entries == []
        assert r.agreement_ids() == ["agr-2"]
        assert r.state("agr-2", PARTNER) == kept_state
        assert sorted(r.leaves("agr-2")) == [leaf(1), leaf(3)]
        assert r.matching_key("agr-2", 1) == b"j" * 32
    with store.write() as uow:
        assert uow.received.purge(AGR) == 0


def test_a_feed_purged_and_received_again_starts_from_nothing(store):
    apply(store, [upsert(1), upsert(2)])
    with store.write() as uow:
        uow.received.purge(AGR)
        uow.commit()
    state, applied = apply(store, [upsert(2, variant=1)])
    assert (state.cursor, state.live_count) == (1, 1)
    assert state.set_digest == live_digest([leaf(2, 1)])
    assert applied.removed == []


def test_a_batch_of_thousands_of_entries_is_applied_and_replaced_whole(store):
    n = 1200
    apply(store, [upsert(i) for i in range(n)])
    state, applied = apply(store, [upsert(i, variant=1) for i in range(n)])
    assert state.live_count == n
    assert state.set_digest == live_digest([leaf(i, 1) for i in range(n)])
    assert len(applied.removed) == n
    assert held_leaves(store) == sorted(leaf(i, 1) for i in range(n))


# One batch: entry number -> None for a tombstone, or the variant of its upsert. A
# compacted feed changes an entry at most once per batch.
batches = st.lists(
    st.dictionaries(st.integers(0, 7), st.none() | st.integers(0, 3), min_size=1),
    min_size=1,
    max_size=6,
)


@settings(deadline=None, max_examples=30)
@given(batches=batches)
def test_the_set_digest_is_always_the_digest_of_the_live_set(open_store, batches):
    with open_store() as (store, _):
        live: dict[str, bytes] = {}
        for batch in batches:
            changes: list[Change] = []
            for n, variant in batch.items():
                if variant is None:
                    changes.append(Tombstone(entry_id(n)))
                    live.pop(entry_id(n), None)
                else:
                    changes.append(upsert(n, variant))
                    live[entry_id(n)] = leaf(n, variant)
            state, _ = apply(store, changes)
            assert state.set_digest == live_digest(list(live.values()))
            assert state.live_count == len(live)
        assert held_leaves(store) == sorted(live.values())
        with store.read() as uow:
            held = [ReceivedIndexRow(*r).entry_id for r in uow.received.index_rows(AGR)]
            assert sorted(held) == sorted(live)
            assert uow.received.state(AGR, PARTNER) == state
