"""Specification of the hash-chained audit log's tamper detection."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.domain.audit import (
    GENESIS_HASH,
    AuditHead,
    AuditRecord,
    ChainBreak,
    next_record,
    record_digest,
    verify_chain,
)


def make_chain(n: int) -> list[AuditRecord]:
    records: list[AuditRecord] = []
    previous: AuditRecord | None = None
    for i in range(1, n + 1):
        previous = next_record(
            previous,
            at=f"2026-11-22T13:40:{i % 60:02d}.{i:03d}Z",
            actor_kind=("user", "partner", "system")[i % 3],
            actor=f"officer-{i}",
            action="hotlist.consult",
            object_type="hotlist_entry",
            object_id=f"entry-{i}",
            justification=f"case {i}",
            recipient="node-b" if i % 2 else "",
            details={"count": i, "urgent": i % 2 == 0, "batch": f"b{i}", "ref": None},
        )
        records.append(previous)
    return records


def head_of(records: list[AuditRecord]) -> AuditHead:
    return AuditHead(seq=records[-1].seq, hash=records[-1].hash)


def rehash(record: AuditRecord, prev_hash: str) -> AuditRecord:
    """What an attacker with write access does to hide an edit."""
    relinked = dataclasses.replace(record, prev_hash=prev_hash)
    digest = record_digest(
        relinked.seq,
        relinked.at,
        relinked.actor_kind,
        relinked.actor,
        relinked.action,
        relinked.object_type,
        relinked.object_id,
        relinked.justification,
        relinked.recipient,
        relinked.details,
        relinked.prev_hash,
    )
    return dataclasses.replace(relinked, hash=digest)


# --- building records ---------------------------------------------------------


def test_first_record_starts_at_seq_1_and_links_to_genesis() -> None:
    first = make_chain(1)[0]
    assert first.seq == 1
    assert first.prev_hash == GENESIS_HASH


def test_each_record_links_to_the_hash_of_its_predecessor() -> None:
    records = make_chain(3)
    assert [r.seq for r in records] == [1, 2, 3]
    assert records[1].prev_hash == records[0].hash
    assert records[2].prev_hash == records[1].hash


def test_records_hash_as_they_always_have() -> None:
    # Known answers: an existing log must keep verifying after any change to this code.
    first = next_record(
        None,
        at="2026-11-22T13:40:01.123Z",
        actor_kind="user",
        actor="alice",
        action="agreement.propose",
        object_type="agreement",
        object_id="ag-1",
        justification="pilot",
        recipient="nl-terneuzen",
        details={"version": 1, "urgent": False, "note": None, "zone": "Gent-Zuid"},
    )
    second = next_record(
        first,
        at="2026-11-22T13:40:02.000Z",
        actor_kind="partner",
        actor="nl-terneuzen",
        action="agreement.accept",
        object_type="agreement",
        object_id="ag-1",
    )
    assert first.hash == "efd22f2b8c1b995dc8fe738be8ce8f38e6b45a53e6a119a6331c66712ababccf"
    assert second.hash == "c46435c83770569828c75e8aed792fb4527e53502e30f510d35601127e1819d3"


def test_digest_depends_on_field_boundaries_not_just_concatenation() -> None:
    common = ("2026-11-22T13:40:01.123Z", "user", "alice", "x.y")
    a = record_digest(1, *common, "ab", "c", "", "", {}, GENESIS_HASH)
    b = record_digest(1, *common, "a", "bc", "", "", {}, GENESIS_HASH)
    assert a != b


def test_digest_is_independent_of_details_insertion_order() -> None:
    args = (1, "2026-11-22T13:40:01.123Z", "user", "alice", "x.y", "t", "i", "", "")
    assert record_digest(*args, {"a": 1, "b": 2}, GENESIS_HASH) == record_digest(
        *args, {"b": 2, "a": 1}, GENESIS_HASH
    )


@pytest.mark.parametrize("bad", [1.5, [1], {"nested": 1}, b"bytes", object()])
def test_invalid_details_value_is_rejected(bad: object) -> None:
    with pytest.raises(ValueError, match="details\\['k'\\]"):
        next_record(
            None,
            at="2026-11-22T13:40:01.123Z",
            actor_kind="system",
            actor="gateway",
            action="x.y",
            object_type="t",
            object_id="i",
            details={"k": bad},  # type: ignore[dict-item]
        )


def test_non_str_details_key_is_rejected() -> None:
    with pytest.raises(ValueError, match="key"):
        record_digest(1, "a", "user", "b", "c", "d", "e", "", "", {1: 2}, GENESIS_HASH)  # type: ignore[dict-item]


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"actor_kind": "admin"}, "actor_kind must be one of"),
        ({"actor": ""}, "actor must be"),
        ({"action": ""}, "action must be"),
        ({"at": "2026-11-22T13:40:01Z"}, "milliseconds"),
        ({"at": "2026-11-22 13:40:01.123+00:00"}, "milliseconds"),
        ({"at": "2026-13-22T13:40:01.123Z"}, "real calendar"),
    ],
)
def test_next_record_rejects_invalid_input_with_precise_message(
    override: dict[str, str], message: str
) -> None:
    kwargs = {
        "at": "2026-11-22T13:40:01.123Z",
        "actor_kind": "user",
        "actor": "alice",
        "action": "agreement.propose",
        "object_type": "agreement",
        "object_id": "agr-1",
    } | override
    with pytest.raises(ValueError, match=message):
        next_record(None, **kwargs)


def test_caller_mutating_details_afterwards_does_not_change_the_record() -> None:
    details: dict[str, str | int | bool | None] = {"count": 1}
    record = next_record(
        None,
        at="2026-11-22T13:40:01.123Z",
        actor_kind="user",
        actor="alice",
        action="hotlist.consult",
        object_type="hotlist",
        object_id="h-1",
        details=details,
    )
    details["count"] = 999
    assert record.details["count"] == 1
    assert verify_chain([record]) is None


# --- intact logs --------------------------------------------------------------


def test_untouched_chain_passes() -> None:
    records = make_chain(10)
    assert verify_chain(records, head_of(records)) is None
    assert verify_chain(records) is None


def test_empty_log_without_head_passes() -> None:
    assert verify_chain([]) is None


def test_empty_log_with_head_at_seq_0_passes() -> None:
    assert verify_chain([], AuditHead(seq=0, hash=GENESIS_HASH)) is None


def test_verification_streams_a_one_shot_iterator() -> None:
    records = make_chain(5)

    def one_shot() -> Iterator[AuditRecord]:
        yield from records

    assert verify_chain(one_shot(), head_of(records)) is None


# --- (a) edit -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("at", "2026-11-22T23:59:59.999Z"),
        ("actor_kind", "system"),
        ("actor", "mallory"),
        ("action", "hotlist.erase"),
        ("object_type", "agreement"),
        ("object_id", "entry-999"),
        ("justification", "no reason"),
        ("recipient", "node-evil"),
        ("details", {"count": 999, "urgent": True, "batch": "b7", "ref": None}),
    ],
)
def test_edited_record_is_caught_at_that_record(field: str, value: object) -> None:
    records = make_chain(10)
    records[6] = dataclasses.replace(records[6], **{field: value})
    assert verify_chain(records, head_of(records)) == ChainBreak(
        seq=7, position=6, reason="record 7: hash does not match its contents (edited?)"
    )


def test_details_edited_to_an_unencodable_value_is_reported_not_raised() -> None:
    records = make_chain(5)
    records[2] = dataclasses.replace(records[2], details={"count": 1.5})
    brk = verify_chain(records)
    assert brk is not None
    assert (brk.seq, brk.position) == (3, 2)
    assert "cannot be encoded" in brk.reason


# --- (b) delete ---------------------------------------------------------------


def test_deleted_record_is_caught_at_the_record_now_in_its_place() -> None:
    records = make_chain(10)
    del records[4]  # record 5
    assert verify_chain(records) == ChainBreak(
        seq=6,
        position=4,
        reason="record 5: expected seq 5, found 6 (record deleted or reordered?)",
    )


def test_deleted_first_record_is_caught_at_position_0() -> None:
    records = make_chain(3)
    del records[0]
    brk = verify_chain(records)
    assert brk is not None
    assert (brk.seq, brk.position) == (2, 0)


def test_deleted_last_record_is_caught_only_by_the_head() -> None:
    records = make_chain(10)
    head = head_of(records)
    del records[-1]
    assert verify_chain(records) is None
    assert verify_chain(records, head) == ChainBreak(
        seq=None,
        position=9,
        reason="log ends at record 9 but the signed head says 10 (records removed from the end?)",
    )


def test_fully_emptied_log_is_caught_by_the_head() -> None:
    records = make_chain(3)
    brk = verify_chain([], head_of(records))
    assert brk is not None
    assert (brk.seq, brk.position) == (None, 0)


# --- (c) insert ---------------------------------------------------------------


def test_inserted_naive_forgery_is_caught_at_its_own_position() -> None:
    # Forged with seq 4 between records 3 and 4, but hash not recomputed.
    records = make_chain(10)
    forged = dataclasses.replace(records[3], justification="planted")
    records.insert(3, forged)
    brk = verify_chain(records)
    assert brk is not None
    assert (brk.seq, brk.position) == (4, 3)
    assert "hash does not match" in brk.reason


def test_inserted_forgery_with_valid_hash_is_caught_at_the_displaced_record() -> None:
    # A perfectly linked forgery is indistinguishable on its own; the original
    # record it displaced then carries a seq one too low.
    records = make_chain(10)
    forged = next_record(
        records[2],
        at="2026-11-22T13:40:03.500Z",
        actor_kind="user",
        actor="mallory",
        action="hotlist.consult",
        object_type="hotlist_entry",
        object_id="entry-x",
    )
    assert forged.seq == 4
    records.insert(3, forged)
    assert verify_chain(records) == ChainBreak(
        seq=4,
        position=4,
        reason="record 5: expected seq 5, found 4 (record duplicated, inserted or reordered?)",
    )


def test_forgery_appended_at_the_end_is_caught_only_by_the_head() -> None:
    records = make_chain(5)
    head = head_of(records)
    records.append(
        next_record(
            records[-1],
            at="2026-11-22T13:41:00.000Z",
            actor_kind="system",
            actor="gateway",
            action="hotlist.erase",
            object_type="hotlist_entry",
            object_id="entry-1",
        )
    )
    assert verify_chain(records) is None
    brk = verify_chain(records, head)
    assert brk is not None
    assert (brk.seq, brk.position) == (None, 6)
    assert "log ends at record 6 but the signed head says 5" in brk.reason


def test_duplicated_record_is_caught() -> None:
    records = make_chain(6)
    records.insert(2, records[2])  # copy of record 3 stored twice in a row
    brk = verify_chain(records)
    assert brk is not None
    assert (brk.seq, brk.position) == (3, 3)


# --- (d) swap -----------------------------------------------------------------


def test_swapped_adjacent_records_are_caught_at_the_first_of_the_pair() -> None:
    records = make_chain(10)
    records[3], records[4] = records[4], records[3]  # records 4 and 5
    assert verify_chain(records) == ChainBreak(
        seq=5,
        position=3,
        reason="record 4: expected seq 4, found 5 (record deleted or reordered?)",
    )


def test_swap_with_seqs_renumbered_is_caught_by_the_link() -> None:
    records = make_chain(10)
    a, b = records[3], records[4]
    records[3] = dataclasses.replace(b, seq=4)
    records[4] = dataclasses.replace(a, seq=5)
    brk = verify_chain(records)
    assert brk is not None
    assert (brk.seq, brk.position) == (4, 3)
    assert "prev_hash does not link to record 3" in brk.reason


# --- (e) edit and re-hash -----------------------------------------------------


def test_edited_and_rehashed_record_is_caught_at_the_next_record() -> None:
    records = make_chain(10)
    edited = dataclasses.replace(records[6], justification="covered up")
    records[6] = rehash(edited, records[6].prev_hash)
    assert verify_chain(records, head_of(make_chain(10))) == ChainBreak(
        seq=8,
        position=7,
        reason="record 8: prev_hash does not link to record 7 "
        "(inserted, reordered or predecessor rewritten?)",
    )


def test_edited_and_rehashed_last_record_is_caught_by_the_head() -> None:
    records = make_chain(10)
    head = head_of(records)
    edited = dataclasses.replace(records[9], recipient="node-evil")
    records[9] = rehash(edited, records[9].prev_hash)
    assert verify_chain(records) is None
    assert verify_chain(records, head) == ChainBreak(
        seq=None,
        position=10,
        reason="record 10: hash differs from the signed head (log rewritten and re-hashed?)",
    )


def test_rehash_all_after_edit_is_caught_only_by_the_head() -> None:
    records = make_chain(10)
    head = head_of(records)
    records[2] = dataclasses.replace(records[2], actor="mallory")
    prev = GENESIS_HASH
    for i, record in enumerate(records):
        records[i] = rehash(record, prev)
        prev = records[i].hash
    assert verify_chain(records) is None
    brk = verify_chain(records, head)
    assert brk is not None
    assert (brk.seq, brk.position) == (None, 10)
    assert "hash differs from the signed head" in brk.reason


def test_head_mismatch_on_an_intact_chain_is_reported() -> None:
    records = make_chain(4)
    brk = verify_chain(records, AuditHead(seq=4, hash="f" * 64))
    assert brk is not None
    assert brk.seq is None
    assert "signed head" in brk.reason


# --- property -----------------------------------------------------------------

_EDITS: dict[str, object] = {
    "seq": 999,
    "at": "1999-01-01T00:00:00.000Z",
    "actor_kind": "forged",
    "actor": "mallory",
    "action": "forged.action",
    "object_type": "forged",
    "object_id": "forged",
    "justification": "forged",
    "recipient": "forged",
    "details": {"forged": True},
    "prev_hash": "f" * 64,
    "hash": "e" * 64,
}


@st.composite
def tampered_chains(
    draw: st.DrawFn,
) -> tuple[list[AuditRecord], AuditHead, int]:
    """A chain of 1-40 records, its true head, and one tampering at a position."""
    records = make_chain(draw(st.integers(min_value=1, max_value=40)))
    head = head_of(records)
    n = len(records)
    kinds = ["edit", "delete", "insert_copy"] + (["swap"] if n >= 2 else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "edit":
        pos = draw(st.integers(0, n - 1))
        name = draw(st.sampled_from(sorted(_EDITS)))
        records[pos] = dataclasses.replace(records[pos], **{name: _EDITS[name]})
    elif kind == "delete":
        pos = draw(st.integers(0, n - 1))
        del records[pos]
    elif kind == "insert_copy":
        source = draw(st.integers(0, n - 1))
        pos = draw(st.integers(0, n))
        records.insert(pos, records[source])
    else:
        pos = draw(st.integers(0, n - 2))
        records[pos], records[pos + 1] = records[pos + 1], records[pos]
    return records, head, pos


@given(tampered_chains())
def test_any_single_tampering_is_reported_at_or_just_after_its_position(
    case: tuple[list[AuditRecord], AuditHead, int],
) -> None:
    records, head, tampered_at = case
    brk = verify_chain(iter(records), head)
    assert brk is not None
    assert brk.position <= tampered_at + 1
