"""ReadBatchRepository: the node's receipt of each (adapter user, batch id), kept once
(a second receipt of the same key changes nothing), given back as kept, found due by
time and beyond a count per adapter user, erased, and counted for the report."""

from __future__ import annotations

from datetime import timedelta

from gateway.services.ports import BatchReceipt
from tests.contract.samples import START, hit_id

MS = timedelta(milliseconds=1)
DAY = timedelta(days=1)


def receipt(batch_id: str, adapter: str = "cam", at=START, **changes) -> BatchReceipt:
    fields = {
        "adapter": adapter,
        "batch_id": batch_id,
        "reads": 3,
        "accepted": 2,
        "hits": 1,
        "rejected": ((2, "read has no plate"),),
        "batch_hits": ((0, hit_id(1), START + timedelta(days=28)),),
        "answered_at": at,
        **changes,
    }
    return BatchReceipt(**fields)


def add(store, *receipts: BatchReceipt) -> list[bool]:
    with store.write() as uow:
        added = [uow.read_batches.add(r) for r in receipts]
        uow.commit()
    return added


def test_a_receipt_is_given_back_as_kept(store):
    kept = receipt("spool-1")
    assert add(store, kept) == [True]
    with store.read() as uow:
        assert uow.read_batches.get("cam", "spool-1") == kept
        assert uow.read_batches.get("cam", "spool-2") is None
        assert uow.read_batches.get("other-cam", "spool-1") is None


def test_a_second_receipt_of_one_adapter_and_batch_id_changes_nothing(store):
    first = receipt("b-1")
    assert add(store, first) == [True]
    assert add(store, receipt("b-1", reads=9, accepted=9, hits=0, batch_hits=())) == [False]
    assert add(store, receipt("b-1", adapter="other-cam")) == [True]  # another adapter's
    with store.read() as uow:
        assert uow.read_batches.get("cam", "b-1") == first


def test_a_receipt_not_committed_is_not_kept(store):
    with store.write() as uow:
        uow.read_batches.add(receipt("b-1"))  # left without commit: rolled back
    with store.read() as uow:
        assert uow.read_batches.get("cam", "b-1") is None


def test_receipts_are_due_at_their_cutoff_and_not_a_millisecond_before(store):
    add(store, receipt("b-1"), receipt("b-2", at=START + MS))
    with store.read() as uow:
        assert uow.read_batches.due(START - MS) == []
        assert uow.read_batches.due(START) == [("cam", "b-1")]
        assert uow.read_batches.due(START + MS) == [("cam", "b-1"), ("cam", "b-2")]
        assert uow.read_batches.due(START + MS, limit=1) == [("cam", "b-1")]


def test_beyond_the_count_the_oldest_of_each_adapter_are_over(store):
    add(
        store,
        *(receipt(f"a-{n}", at=START + n * MS) for n in range(5)),
        *(receipt(f"b-{n}", adapter="cam-b", at=START + n * MS) for n in range(2)),
    )
    with store.read() as uow:
        assert sorted(uow.read_batches.over_count(3)) == [("cam", "a-0"), ("cam", "a-1")]
        assert uow.read_batches.over_count(5) == []
        assert len(uow.read_batches.over_count(1, limit=2)) == 2


def test_erased_receipts_are_gone_and_the_others_kept(store):
    add(store, receipt("b-1"), receipt("b-2"), receipt("b-1", adapter="cam-b"))
    with store.write() as uow:
        assert uow.read_batches.erase([("cam", "b-1"), ("cam-b", "b-1"), ("cam", "none")]) == 2
        uow.commit()
    with store.read() as uow:
        assert uow.read_batches.get("cam", "b-1") is None
        assert uow.read_batches.get("cam-b", "b-1") is None
        assert uow.read_batches.get("cam", "b-2") is not None


def test_what_is_held_counts_receipts_and_those_past_their_days(store):
    with store.read() as uow:
        assert uow.read_batches.held(START, 1) == (0, None, None, 0)
    add(store, receipt("b-1"), receipt("b-2", at=START + DAY))
    with store.read() as uow:
        held = uow.read_batches.held(START + DAY, 1)
    assert held == (2, START, START + DAY, 1)
