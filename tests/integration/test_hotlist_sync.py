"""Partner ports hold exactly the part of each other's hotlist that their agreement
allows: changes, withdrawals and expiry arrive; narrowing, suspension and revocation
take effect; plates travel as tokens unlinkable between partners."""

from __future__ import annotations

import sqlite3

import pytest

from gateway.wire import feed_codec
from tests.integration.hotlist_support import add_entry, in_step, received, wait_until


@pytest.fixture
def shared(pair):
    """Gent shares with Terneuzen (tokens, stolen_vehicle and wanted_person)."""
    agreement_id = pair.agree(
        "be-gent",
        "nl-terneuzen",
        "--categories",
        "stolen_vehicle,wanted_person",
        "--direction",
        "proposer_to_partner",
    )
    investigator = pair["be-gent"].add_user("ivan", "investigator")
    return pair, agreement_id, investigator


def test_update_withdrawal_and_expiry_reach_the_partner(shared):
    pair, agreement_id, ivan = shared
    gent, terneuzen = pair["be-gent"], pair["nl-terneuzen"]
    kept = add_entry(gent, ivan, "1-ABC-123")
    short = add_entry(
        gent, ivan, "2-XYZ-987", "B", "wanted_person", "--expires-at", _seconds_from_now(4)
    )
    wait_until(lambda: set(received(terneuzen, agreement_id)) == {kept, short}, what="both")
    wait_until(lambda: in_step(gent, terneuzen, agreement_id), what="verified head")

    gent.argos(
        "hotlist",
        "update",
        kept,
        "--action",
        "seize",
        "--justification",
        "escalate",
        token_file=ivan,
    )
    wait_until(
        lambda: (
            feed_codec.change_from_leaf(
                received(terneuzen, agreement_id)[kept]["leaf"]
            ).upsert.action
            == "seize"
        ),
        what="the update",
    )

    # Expiry: the entry leaves the partner's view without anyone doing anything.
    wait_until(lambda: short not in received(terneuzen, agreement_id), what="expiry")
    # The owner is told the expired entry is due for review.
    status = gent.argos("status").stdout
    assert "own hotlist     2 entries" in status
    assert "1 past expiry: due for review" in status

    gent.argos("hotlist", "withdraw", kept, "--justification", "vehicle recovered", token_file=ivan)
    wait_until(lambda: not received(terneuzen, agreement_id), what="withdrawal")
    wait_until(lambda: in_step(gent, terneuzen, agreement_id), what="verified empty head")


def test_category_outside_the_agreement_never_reaches_the_partner(shared):
    pair, agreement_id, ivan = shared
    gent, terneuzen = pair["be-gent"], pair["nl-terneuzen"]
    inside = add_entry(gent, ivan, "1-AAA-111")
    add_entry(gent, ivan, "1-BBB-222", "B", "drug_trafficking")
    wait_until(lambda: in_step(gent, terneuzen, agreement_id) and received(terneuzen, agreement_id))
    assert set(received(terneuzen, agreement_id)) == {inside}


def test_amendment_that_narrows_the_agreement_removes_out_of_scope_entries(shared):
    pair, agreement_id, ivan = shared
    gent, terneuzen = pair["be-gent"], pair["nl-terneuzen"]
    stolen = add_entry(gent, ivan, "1-CAR-001")
    wanted = add_entry(gent, ivan, "1-PER-002", "B", "wanted_person")
    wait_until(lambda: set(received(terneuzen, agreement_id)) == {stolen, wanted})
    before = received(terneuzen, agreement_id)[stolen]["plate_token"]

    gent.argos(
        "agreement",
        "amend",
        agreement_id,
        "--categories",
        "stolen_vehicle",
        "--direction",
        "proposer_to_partner",
        "--justification",
        "narrow",
    )
    terneuzen.argos("agreement", "accept", agreement_id, "--justification", "ok")

    wait_until(lambda: set(received(terneuzen, agreement_id)) == {stolen}, what="narrowing")
    held = wait_until(
        lambda: (r := received(terneuzen, agreement_id)[stolen])["agreement_version"] == 2 and r
    )
    # A new agreement version brings a new token key: old tokens are not reused.
    assert held["plate_token"] != before
    wait_until(lambda: in_step(gent, terneuzen, agreement_id))


def test_suspension_stops_the_feed_and_resumption_restarts_it(shared):
    pair, agreement_id, ivan = shared
    gent, terneuzen = pair["be-gent"], pair["nl-terneuzen"]
    first = add_entry(gent, ivan, "1-SUS-001")
    wait_until(lambda: first in received(terneuzen, agreement_id))
    gent.argos("agreement", "suspend", agreement_id, "--reason", "audit")
    second = add_entry(gent, ivan, "1-SUS-002")
    import time

    time.sleep(3)
    assert second not in received(terneuzen, agreement_id)
    gent.argos("agreement", "resume", agreement_id, "--reason", "audit closed")
    wait_until(lambda: second in received(terneuzen, agreement_id), what="resumed feed")


def test_revocation_purges_received_entries_and_says_so_in_the_audit_log(shared):
    pair, agreement_id, ivan = shared
    gent, terneuzen = pair["be-gent"], pair["nl-terneuzen"]
    for i in range(5):
        add_entry(gent, ivan, f"1-REV-00{i}")
    wait_until(lambda: len(received(terneuzen, agreement_id)) == 5)
    gent.argos("agreement", "revoke", agreement_id, "--reason", "partnership ended")
    wait_until(lambda: not received(terneuzen, agreement_id), what="purge")
    with sqlite3.connect(terneuzen.home / "node.sqlite") as db:
        for table in ("checkpoints", "sync_state", "matching_keys"):
            assert (
                db.execute(
                    f"SELECT count(*) FROM {table} WHERE agreement_id = ?", (agreement_id,)
                ).fetchone()[0]
                == 0
            )
    purges = [
        r
        for r in terneuzen.json("audit", "list", "--limit", "1000")
        if r["action"] == "hotlist.purge"
    ]
    assert purges and '"entries_erased": 5' in purges[-1]["details_json"]


def test_two_partners_receive_unlinkable_tokens_for_the_same_plate(tmp_path, certs):
    from gateway.federation import LocalFederation

    trio = LocalFederation(tmp_path / "nodes", certs, ("be-gent", "nl-terneuzen", "be-antwerpen"))
    try:
        trio.start()
        trio.connect("be-gent", "nl-terneuzen")
        trio.connect("be-gent", "be-antwerpen")
        to_terneuzen = trio.agree("be-gent", "nl-terneuzen")
        to_antwerpen = trio.agree("be-gent", "be-antwerpen")
        ivan = trio["be-gent"].add_user("ivan", "investigator")
        entry = add_entry(trio["be-gent"], ivan, "1-ONE-111")
        a = wait_until(lambda: received(trio["nl-terneuzen"], to_terneuzen).get(entry))
        b = wait_until(lambda: received(trio["be-antwerpen"], to_antwerpen).get(entry))
        assert len(a["plate_token"]) == len(b["plate_token"]) == 16
        assert a["plate_token"] != b["plate_token"]
        assert a["plate"] is None and b["plate"] is None
    finally:
        trio.stop()


def _seconds_from_now(seconds: int) -> str:
    from datetime import UTC, datetime, timedelta

    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()


def test_every_held_entry_stays_provable_and_an_altered_one_is_caught(shared):
    pair, agreement_id, ivan = shared
    gent, terneuzen = pair["be-gent"], pair["nl-terneuzen"]
    for i in range(30):
        add_entry(gent, ivan, f"1-PRF-{i:03d}")
    wait_until(lambda: len(received(terneuzen, agreement_id)) == 30)
    # One entry changes after its batch: its proof must use its own, later checkpoint.
    first = sorted(received(terneuzen, agreement_id))[0]
    gent.argos(
        "hotlist", "update", first, "--action", "seize", "--justification", "x", token_file=ivan
    )
    wait_until(lambda: in_step(gent, terneuzen, agreement_id))
    ok = terneuzen.argos("sync", "verify", agreement_id)
    assert "30 entries proven" in ok.stdout

    with sqlite3.connect(terneuzen.home / "node.sqlite") as db:
        leaf = db.execute(
            "SELECT leaf FROM received_entries WHERE entry_id = ?", (first,)
        ).fetchone()[0]
        altered = leaf.replace(b"seize", b"szeie")
        db.execute("UPDATE received_entries SET leaf = ? WHERE entry_id = ?", (altered, first))
    broken = terneuzen.argos("sync", "verify", agreement_id, check=False)
    assert broken.returncode == 7
    assert f"entry {first}: stored entry is not the one its provider signed" in broken.stderr
