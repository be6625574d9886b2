"""`argos audit verify` passes on an untouched log and names the first bad record when
the SQLite file was edited behind the node's back (edit, delete, insert, swap)."""

from __future__ import annotations

import sqlite3

import pytest


@pytest.fixture
def node_with_history(pair):
    """nl-terneuzen with a dozen audited actions behind it."""
    agreement_id = pair.agree("be-gent", "nl-terneuzen")
    terneuzen = pair["nl-terneuzen"]
    for i in range(3):
        terneuzen.argos("agreement", "suspend", agreement_id, "--reason", f"drill {i}")
        terneuzen.argos("agreement", "resume", agreement_id, "--reason", f"drill {i} over")
    return terneuzen


def _verify(node):
    return node.argos("audit", "verify", check=False)


def _tamper(node, *statements: str) -> None:
    with sqlite3.connect(node.home / "node.sqlite") as db:
        for statement in statements:
            db.execute(statement)


def test_untouched_log_verifies(node_with_history):
    result = _verify(node_with_history)
    assert result.returncode == 0
    assert "audit log intact" in result.stdout


def test_edited_record_is_named(node_with_history):
    _tamper(node_with_history, "UPDATE audit SET justification = 'nothing to see' WHERE seq = 5")
    result = _verify(node_with_history)
    assert result.returncode == 7
    assert "BROKEN at record 5" in result.stderr


def test_deleted_record_is_named(node_with_history):
    _tamper(node_with_history, "DELETE FROM audit WHERE seq = 4")
    result = _verify(node_with_history)
    assert result.returncode == 7
    # The record now standing where 4 was is 5: the gap is found there.
    assert "BROKEN at record 5" in result.stderr
    assert "expected seq 4" in result.stderr


def test_inserted_record_is_named(node_with_history):
    # Make room after record 6, then slip in a forged record 7 that links to record 6.
    _tamper(
        node_with_history,
        "UPDATE audit SET id = id + 1000 WHERE seq >= 7",
        "INSERT INTO audit (id, seq, at, actor_kind, actor, action, object_type, object_id, "
        "justification, recipient, details, prev_hash, hash) SELECT 7, 7, at, actor_kind, "
        "actor, 'agreement.forged', object_type, object_id, justification, recipient, "
        "details, hash, hash FROM audit WHERE seq = 6",
    )
    result = _verify(node_with_history)
    assert result.returncode == 7
    assert "BROKEN at record 7" in result.stderr


def test_swapped_records_are_named(node_with_history):
    _tamper(
        node_with_history,
        "UPDATE audit SET id = -1 WHERE seq = 6",
        "UPDATE audit SET id = (SELECT id FROM audit WHERE seq = 7) - 1 WHERE seq = 7",
        "UPDATE audit SET id = (SELECT id FROM audit WHERE seq = 7) + 1 WHERE seq = 6",
    )
    result = _verify(node_with_history)
    assert result.returncode == 7
    assert "BROKEN at record 7" in result.stderr


def test_records_cut_from_the_end_are_caught_by_the_signed_head(node_with_history):
    _tamper(node_with_history, "DELETE FROM audit WHERE seq = (SELECT max(seq) FROM audit)")
    result = _verify(node_with_history)
    assert result.returncode == 7
    assert "BROKEN at end of log" in result.stderr
