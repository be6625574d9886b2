"""Specification of the audit log's erasure behind a signed anchor (domain rules, no
store): the kept log verifies from the anchor as it would from genesis, and every kind
of tampering just after the anchor is still caught."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from gateway.domain.audit import AuditHead, AuditRecord, verify_chain
from gateway.domain.audit_anchor import (
    DEFAULT_RETENTION_DAYS,
    MIN_RETENTION_DAYS,
    AuditAnchor,
    anchor_message,
    anchors_problem,
    check_retention_days,
    erasure_cutoff,
)
from gateway.domain.errors import InvalidInput
from tests.unit.test_audit_chain import head_of, make_chain, rehash

ERASED = 4  # records 1..4 erased, 5..10 kept


def truncated(n: int = 10) -> tuple[AuditAnchor, list[AuditRecord], AuditHead]:
    records = make_chain(n)
    last_erased = records[ERASED - 1]
    anchor = AuditAnchor(
        "be-gent",
        last_erased.seq,
        last_erased.hash,
        last_erased.at,
        "2029-11-22T13:40:00.000Z",
        "ed25519:" + "ab" * 16,
    )
    return anchor, records[ERASED:], head_of(records)


def test_retention_is_three_years_by_default_and_never_below_half_a_year() -> None:
    assert DEFAULT_RETENTION_DAYS == 1095
    assert check_retention_days(MIN_RETENTION_DAYS) == 180
    with pytest.raises(InvalidInput, match="audit_retention_days must be at least 180"):
        check_retention_days(179)
    with pytest.raises(InvalidInput):
        check_retention_days(True)  # a TOML `true` is not a number of days


def test_cutoff_is_the_retention_before_now_in_the_stored_form() -> None:
    now = datetime(2029, 11, 22, 13, 40, 1, 123000, tzinfo=UTC)
    assert erasure_cutoff(now, 1095) == "2026-11-23T13:40:01.123Z"


def test_kept_log_verifies_from_its_anchor() -> None:
    anchor, kept, head = truncated()
    assert verify_chain(kept, head, anchor) is None


def test_kept_log_without_its_anchor_is_caught_at_its_first_record() -> None:
    _, kept, head = truncated()
    brk = verify_chain(kept, head)
    assert brk is not None
    assert brk.seq == ERASED + 1
    assert "erased without a signed anchor" in brk.reason


def test_edit_just_after_the_anchor_is_caught_at_that_record() -> None:
    anchor, kept, head = truncated()
    kept[0] = dataclasses.replace(kept[0], justification="nothing to see")
    brk = verify_chain(kept, head, anchor)
    assert brk is not None
    assert (brk.seq, brk.position) == (5, 0)
    assert "hash does not match its contents" in brk.reason


def test_edit_just_after_the_anchor_rehashed_is_caught_by_the_anchor_link_or_next() -> None:
    anchor, kept, head = truncated()
    kept[0] = rehash(dataclasses.replace(kept[0], actor="mallory"), kept[0].prev_hash)
    brk = verify_chain(kept, head, anchor)
    assert brk is not None
    assert brk.seq == 6
    assert "does not link to record 5" in brk.reason


def test_deletion_just_after_the_anchor_is_caught() -> None:
    anchor, kept, head = truncated()
    del kept[0]
    brk = verify_chain(kept, head, anchor)
    assert brk is not None
    assert brk.seq == 6
    assert brk.reason == "record 5: expected seq 5, found 6 (record deleted or reordered?)"


def test_insertion_just_after_the_anchor_is_caught_even_with_a_valid_hash() -> None:
    anchor, kept, head = truncated()
    forged = rehash(dataclasses.replace(kept[0], action="agreement.forged"), anchor.hash)
    kept.insert(0, forged)
    brk = verify_chain(kept, head, anchor)
    assert brk is not None
    assert (brk.seq, brk.position) == (5, 1)
    assert "expected seq 6, found 5" in brk.reason


def test_swap_just_after_the_anchor_is_caught() -> None:
    anchor, kept, head = truncated()
    kept[0], kept[1] = kept[1], kept[0]
    brk = verify_chain(kept, head, anchor)
    assert brk is not None
    assert (brk.seq, brk.position) == (6, 0)


def test_an_anchor_whose_hash_does_not_lead_to_the_first_kept_record_is_caught() -> None:
    anchor, kept, head = truncated()
    forged = dataclasses.replace(anchor, hash="f" * 64)
    brk = verify_chain(kept, head, forged)
    assert brk is not None
    assert brk.seq == 5
    assert "does not link to the signed anchor (record 4)" in brk.reason


def test_an_anchor_that_claims_more_or_fewer_erased_records_is_caught() -> None:
    anchor, kept, head = truncated()
    for seq in (3, 5):
        brk = verify_chain(kept, head, dataclasses.replace(anchor, seq=seq))
        assert brk is not None
        assert f"expected seq {seq + 1}, found 5" in brk.reason


def test_a_log_erased_up_to_its_head_verifies_from_the_anchor_alone() -> None:
    records = make_chain(3)
    last = records[-1]
    anchor = AuditAnchor("be-gent", 3, last.hash, last.at, "2029-01-01T00:00:00.000Z", "k")
    assert verify_chain([], head_of(records), anchor) is None
    assert verify_chain([], AuditHead(2, records[1].hash), anchor) is not None


def test_anchor_signatures_cover_every_field_and_cannot_pass_for_a_head() -> None:
    anchor, _, _ = truncated()
    message = anchor_message(anchor)
    assert message.startswith(b"argos-audit-anchor-v1\n")
    for field in ("node_id", "hash", "at", "erased_at", "key_id"):
        assert anchor_message(dataclasses.replace(anchor, **{field: "x"})) != message
    assert anchor_message(dataclasses.replace(anchor, seq=5)) != message


def test_anchors_must_each_cut_further_than_the_one_before() -> None:
    anchor, _, _ = truncated()
    later = dataclasses.replace(anchor, seq=8, erased_at="2029-12-22T13:40:00.000Z")
    assert anchors_problem([anchor, later]) is None
    assert anchors_problem([]) is None
    problem = anchors_problem([later, anchor])
    assert problem is not None
    assert "does not cut further" in problem
