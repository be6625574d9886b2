"""AuditRepository: records appended in the caller's unit of work, read back in the
order they were appended, the signed head that pins the end of the log, and the
signed anchors that stand in for an erased prefix."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.domain.audit import AuditHead, AuditRecord, next_record, verify_chain
from gateway.domain.audit_anchor import AuditAnchor
from gateway.domain.audit_query import AuditQuery
from gateway.domain.times import time_text
from tests.contract.samples import NODE, START


def chain(n: int) -> list[AuditRecord]:
    records: list[AuditRecord] = []
    for i in range(n):
        records.append(
            next_record(
                records[-1] if records else None,
                at=time_text(START + timedelta(seconds=i, milliseconds=i)),
                actor_kind=("user", "partner", "system")[i % 3],
                actor="ivan" if i % 3 == 0 else "nl-terneuzen",
                action="entry.add",
                object_type="entry",
                object_id=f"entry-{i}",
                justification="case 42" if i % 2 else "",
                recipient="nl-terneuzen" if i % 2 else "",
                details={"n": i, "ok": True, "note": None},
            )
        )
    return records


def append(store, records: list[AuditRecord]) -> None:
    with store.write() as uow:
        for record in records:
            uow.audit.append(record, head_signature=b"signature of %d" % record.seq)
        uow.commit()


def test_an_empty_log_has_no_last_record_and_no_head(store):
    with store.read() as uow:
        assert uow.audit.last() is None
        assert uow.audit.head() is None
        assert uow.audit.count() == 0
        assert uow.audit.records() == []


def test_appended_records_are_read_back_in_order_with_the_newest_as_head(store):
    records = chain(5)
    append(store, records[:2])
    append(store, records[2:])
    with store.read() as uow:
        assert uow.audit.records() == records
        assert uow.audit.last() == records[-1]
        assert uow.audit.count() == 5
        head, signature = uow.audit.head()
    assert head == AuditHead(5, records[-1].hash)
    assert signature == b"signature of 5"
    assert verify_chain(records, head) is None


def test_records_after_a_seq_up_to_a_limit(store):
    records = chain(6)
    append(store, records)
    with store.read() as uow:
        assert uow.audit.records(after_seq=4) == records[4:]
        assert uow.audit.records(after_seq=1, limit=2) == records[1:3]
        assert uow.audit.records(after_seq=6) == []


def test_the_next_record_chains_to_the_last_one_stored(store):
    records = chain(3)
    append(store, records)
    with store.read() as uow:
        following = next_record(
            uow.audit.last(),
            at=time_text(START + timedelta(days=1)),
            actor_kind="system",
            actor="purge",
            action="hit.erased",
            object_type="hit",
            object_id="hit-1",
        )
    append(store, [following])
    with store.read() as uow:
        stored = uow.audit.records()
        assert verify_chain(stored, uow.audit.head()[0]) is None
    assert stored[-1].prev_hash == records[-1].hash


def test_a_record_appended_without_commit_moves_neither_log_nor_head(store):
    records = chain(2)
    append(store, records[:1])
    with store.write() as uow:
        uow.audit.append(records[1], b"never kept")
    with store.read() as uow:
        assert uow.audit.count() == 1
        assert uow.audit.head() == (AuditHead(1, records[0].hash), b"signature of 1")


detail_values = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=20)
details = st.dictionaries(st.text(max_size=10), detail_values, max_size=5)


@settings(deadline=None, max_examples=30)
@given(details=st.lists(details, min_size=1, max_size=4))
def test_any_chain_of_records_round_trips_and_still_verifies(open_store, details):
    records: list[AuditRecord] = []
    for i, d in enumerate(details):
        records.append(
            next_record(
                records[-1] if records else None,
                at=time_text(START + timedelta(milliseconds=i)),
                actor_kind="user",
                actor="ivan",
                action="entry.add",
                object_type="entry",
                object_id=f"entry-{i}",
                details=d,
            )
        )
    with open_store() as (store, _):
        append(store, records)
        with store.read() as uow:
            stored = uow.audit.records()
            head, _ = uow.audit.head()
    assert stored == records
    assert [dict(r.details) for r in stored] == details
    assert verify_chain(stored, head) is None


# -- retention and export (issue 16) -----------------------------------------------------


def test_the_oldest_records_are_the_prefix_before_a_time_up_to_a_limit(store):
    records = chain(6)
    append(store, records)
    with store.read() as uow:
        assert uow.audit.oldest(records[3].at, 100) == records[:3]
        assert uow.audit.oldest(records[3].at, 2) == records[:2]
        assert uow.audit.oldest(records[0].at, 100) == []


def test_the_prefix_stops_at_the_first_record_still_kept_even_if_later_ones_look_older(store):
    records = chain(3)
    late = next_record(
        records[-1],
        at=time_text(START - timedelta(days=1)),  # the clock once stepped back
        actor_kind="system",
        actor="node",
        action="x.y",
        object_type="t",
        object_id="i",
    )
    append(store, [*records, late])
    with store.read() as uow:
        assert uow.audit.oldest(records[1].at, 100) == records[:1]


def test_erasing_the_first_records_keeps_the_rest_and_the_head(store):
    records = chain(5)
    append(store, records)
    with store.write() as uow:
        assert uow.audit.erase_first(3) == 3
        uow.commit()
    with store.read() as uow:
        assert uow.audit.records() == records[3:]
        assert uow.audit.last() == records[-1]
        assert uow.audit.head()[0] == AuditHead(5, records[-1].hash)


def test_anchors_are_kept_in_order_with_their_signatures_and_only_on_commit(store):
    records = chain(4)
    first = AuditAnchor(NODE, 2, records[1].hash, records[1].at, records[3].at, "ed25519:k1")
    second = AuditAnchor(NODE, 3, records[2].hash, records[2].at, records[3].at, "ed25519:k2")
    with store.write() as uow:
        uow.audit.add_anchor(first, b"signature 1")
        uow.commit()
    with store.write() as uow:
        uow.audit.add_anchor(second, b"never kept")
    with store.read() as uow:
        assert uow.audit.anchors() == [(first, b"signature 1")]
    with store.write() as uow:
        uow.audit.add_anchor(second, b"signature 2")
        uow.commit()
    with store.read() as uow:
        assert uow.audit.anchors() == [(first, b"signature 1"), (second, b"signature 2")]


def test_records_between_two_times_are_a_contiguous_run(store):
    records = chain(6)
    append(store, records)
    with store.read() as uow:
        assert uow.audit.between(records[1].at, records[4].at) == records[1:4]
        assert uow.audit.between(records[0].at, time_text(START + timedelta(days=1))) == records
        assert uow.audit.between(time_text(START + timedelta(days=1)), "9999") == []


def varied_chain() -> list[AuditRecord]:
    """Six records over two days: three actions of two families, two actors."""
    steps = [
        ("agreement.proposed", "ivan", 0),
        ("agreement.accepted", "olga", 1),
        ("entry.add", "ivan", 2),
        ("agreement.suspended", "ivan", 25),
        ("entry.add", "olga", 26),
        ("entry.add", "ivan", 27),
    ]
    records: list[AuditRecord] = []
    for action, actor, hours in steps:
        records.append(
            next_record(
                records[-1] if records else None,
                at=time_text(START + timedelta(hours=hours)),
                actor_kind="user",
                actor=actor,
                action=action,
                object_type=action.split(".")[0],
                object_id=f"{action}-{len(records)}",
            )
        )
    return records


def test_find_filters_the_whole_log_by_action_family_actor_and_period(store):
    records = varied_chain()
    append(store, records)
    day_two = time_text(START + timedelta(hours=24))[:10]
    with store.read() as uow:
        assert uow.audit.find(AuditQuery(action="agreement.")) == [*records[:2], records[3]]
        assert uow.audit.find(AuditQuery(action="entry.add", actor="ivan")) == [
            records[2],
            records[5],
        ]
        assert uow.audit.find(AuditQuery(since=day_two)) == records[3:]
        assert uow.audit.find(AuditQuery(until=time_text(START)[:10])) == records[:3]
        assert uow.audit.find(AuditQuery(), newest_first=True, limit=2) == [
            records[5],
            records[4],
        ]
        assert uow.audit.find(AuditQuery(), after_seq=2, before_seq=5) == records[2:4]


def test_counts_are_per_action_and_per_actor_largest_first(store):
    append(store, varied_chain())
    with store.read() as uow:
        total, by_action, by_actor = uow.audit.counts(AuditQuery())
        assert total == 6
        assert by_action == [
            ("entry.add", 3),
            ("agreement.accepted", 1),
            ("agreement.proposed", 1),
            ("agreement.suspended", 1),
        ]
        assert by_actor == [("user", "ivan", 4), ("user", "olga", 2)]
        assert uow.audit.counts(AuditQuery(action="agreement.", actor="ivan"))[0] == 2
