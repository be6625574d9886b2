"""A real node erases audit records older than its retention behind a signed anchor;
`argos audit verify` passes afterwards, and still names what was done when the SQLite
file is edited just after the anchor (edit, deletion, insertion, swap) or the anchor
itself is altered, forged or removed. Each tamper: node stopped, file edited, node
started, verify through the CLI."""

from __future__ import annotations

import json
import sqlite3

import pytest
from nacl.signing import SigningKey

from gateway.domain.audit import record_digest
from gateway.domain.audit_anchor import AuditAnchor, anchor_message
from gateway.domain.identity import key_id
from tests.integration.audit_support import AgedNode, aged_node, anchors, audit_records, tamper


@pytest.fixture
def aged(tmp_path, certs):
    aged = aged_node(tmp_path, certs)
    yield aged
    aged.node.stop()


def verify(aged: AgedNode):
    return aged.node.argos("audit", "verify", token_file=aged.auditor, check=False)


def test_the_purge_loop_erased_the_old_records_and_verification_starts_at_the_anchor(aged):
    ((seq, anchor_hash, anchor_key),) = anchors(aged.node)
    assert seq == aged.erased
    assert anchor_key == aged.node.identity()["key_id"]
    records = audit_records(aged.node, aged.auditor)
    assert int(records[0]["seq"]) == seq + 1  # uint64: a string in the JSON form
    assert records[0]["prev_hash"] == anchor_hash
    erasure = next(r for r in records if r["action"] == "audit.erased")
    assert erasure["actor"] == "node"
    details = json.loads(erasure["details_json"])
    assert (details["records"], details["first_seq"], details["through_seq"]) == (
        aged.erased,
        1,
        seq,
    )
    result = verify(aged)
    assert result.returncode == 0, result.stderr
    assert "audit log intact" in result.stdout


def first_kept(aged: AgedNode) -> int:
    return aged.erased + 1


def test_an_edit_just_after_the_anchor_is_named(aged):
    k = first_kept(aged)
    tamper(aged.node, f"UPDATE audit SET justification = 'nothing to see' WHERE seq = {k}")
    result = verify(aged)
    assert result.returncode == 7
    assert f"BROKEN at record {k}: record {k}: hash does not match its contents" in result.stderr


def test_a_deletion_just_after_the_anchor_is_named(aged):
    k = first_kept(aged)
    tamper(aged.node, f"DELETE FROM audit WHERE seq = {k}")
    result = verify(aged)
    assert result.returncode == 7
    assert f"BROKEN at record {k + 1}: record {k}: expected seq {k}, found {k + 1}" in result.stderr


def test_an_insertion_just_after_the_anchor_is_named_even_with_its_hash_recomputed(aged):
    """The forger links a record of their own to the anchor and computes its hash right;
    the genuine first record then stands where the forged one's successor should be."""
    k = first_kept(aged)
    ((_, anchor_hash, _),) = anchors(aged.node)
    with sqlite3.connect(aged.node.home / "node.sqlite") as db:
        row = db.execute(
            "SELECT id, at, actor_kind, actor, object_type, object_id, recipient "
            "FROM audit WHERE seq = ?",
            (k,),
        ).fetchone()
    row_id, at, actor_kind, actor, object_type, object_id, recipient = row
    forged_hash = record_digest(
        k,
        at,
        actor_kind,
        actor,
        "user.forged",
        object_type,
        object_id,
        "",
        recipient,
        {},
        anchor_hash,
    )
    tamper(
        aged.node,
        # The erased records' ids are free: the forgery goes right before the first kept.
        "INSERT INTO audit (id, seq, at, actor_kind, actor, action, object_type, object_id, "
        "justification, recipient, details, prev_hash, hash) "
        "VALUES (?, ?, ?, ?, ?, 'user.forged', ?, ?, '', ?, '{}', ?, ?)",
        params=(
            row_id - 1,
            k,
            at,
            actor_kind,
            actor,
            object_type,
            object_id,
            recipient,
            anchor_hash,
            forged_hash,
        ),
    )
    result = verify(aged)
    assert result.returncode == 7
    assert f"BROKEN at record {k}: record {k + 1}: expected seq {k + 1}, found {k}" in result.stderr


def test_a_swap_just_after_the_anchor_is_named(aged):
    k = first_kept(aged)
    tamper(
        aged.node,
        f"UPDATE audit SET id = -1 WHERE seq = {k}",
        f"UPDATE audit SET id = (SELECT id FROM audit WHERE seq = {k + 1}) - 1 WHERE seq = {k + 1}",
        f"UPDATE audit SET id = (SELECT id FROM audit WHERE seq = {k + 1}) + 1 WHERE seq = {k}",
    )
    result = verify(aged)
    assert result.returncode == 7
    assert f"BROKEN at record {k + 1}: record {k}: expected seq {k}, found {k + 1}" in result.stderr


def test_an_altered_anchor_is_caught_by_its_signature(aged):
    ((seq, _, _),) = anchors(aged.node)
    tamper(aged.node, f"UPDATE audit_anchor SET seq = {seq - 2}")
    result = verify(aged)
    assert result.returncode == 7
    assert "BROKEN at the signed anchor" in result.stderr
    assert f"the audit anchor at record {seq - 2} does not verify under key" in result.stderr


def test_an_anchor_signed_by_another_key_is_caught(aged):
    """Stand-in for a forger without the node's key: the anchor re-signed with a key of
    their own, moved to hide two more records."""
    ((seq, _, _),) = anchors(aged.node)
    thief = SigningKey.generate()
    thief_id = key_id(bytes(thief.verify_key))
    with sqlite3.connect(aged.node.home / "node.sqlite") as db:
        at, hash_ = db.execute("SELECT at, hash FROM audit WHERE seq = ?", (seq + 2,)).fetchone()
        erased_at = db.execute("SELECT erased_at FROM audit_anchor").fetchone()[0]
    forged = AuditAnchor("be-gent", seq + 2, hash_, at, erased_at, thief_id)
    signature = thief.sign(anchor_message(forged)).signature
    tamper(
        aged.node,
        f"DELETE FROM audit WHERE seq <= {seq + 2}",
        "UPDATE audit_anchor SET seq = ?, hash = ?, at = ?, key_id = ?, signature = ?",
        params=(seq + 2, hash_, at, thief_id, signature),
    )
    result = verify(aged)
    assert result.returncode == 7
    assert f"names key {thief_id}, which is not one of this node's signing keys" in result.stderr


def test_a_removed_anchor_is_caught_at_the_first_kept_record(aged):
    k = first_kept(aged)
    tamper(aged.node, "DELETE FROM audit_anchor")
    result = verify(aged)
    assert result.returncode == 7
    assert f"BROKEN at record {k}: record 1: expected seq 1, found {k}" in result.stderr
    assert "erased without a signed anchor" in result.stderr
