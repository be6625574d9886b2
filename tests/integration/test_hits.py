"""Camera reads matched at the observer, hits alerted there and delivered to the entry's
owner exactly once, with only the location the agreement allows; reads that match
nothing leave no trace anywhere. Two real node processes over mutual TLS."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime

import grpc
import pytest

from gateway.domain import envelope as env
from gateway.domain.hits import (
    HIT_NOTIFICATION_PAYLOAD,
    HitNotification,
    MatchKind,
    NotifiedLocation,
)
from gateway.domain.ids import new_entry_id
from gateway.domain.schemes.token import plate_token
from gateway.wire import codec, hits_codec
from gateway.wire.argos.v1 import federation_pb2 as fpb
from tests.integration.federation_support import federation_stub, signing_key
from tests.integration.hits_support import (
    configure,
    hits,
    read,
    reads_file,
    wait_watching,
    watch,
)
from tests.integration.hotlist_support import add_entry, in_step, received, wait_until


@pytest.fixture
def watched(pair, tmp_path):
    """Gent shares stolen vehicles with Terneuzen (tokens, site granularity); Terneuzen
    has an adapter and an operator; Gent has an investigator with one entry."""
    gent, terneuzen = pair["be-gent"], pair["nl-terneuzen"]
    agreement_id = pair.agree(
        "be-gent",
        "nl-terneuzen",
        "--categories",
        "stolen_vehicle",
        "--direction",
        "proposer_to_partner",
        "--granularity",
        "site",
    )
    ivan = gent.add_user("ivan", "investigator")
    entry_id = add_entry(gent, ivan, "1-ABC-123", "B")
    wait_until(lambda: entry_id in received(terneuzen, agreement_id), what="the entry to sync")
    wait_until(lambda: in_step(gent, terneuzen, agreement_id), what="a verified head")
    return {
        "pair": pair,
        "agreement_id": agreement_id,
        "entry_id": entry_id,
        "ivan": ivan,
        "adapter": terneuzen.add_user("cam", "adapter"),
        "operator": terneuzen.add_user("olga", "operator"),
        "tmp": tmp_path,
    }


def test_exact_and_fuzzy_reads_alert_the_observer_and_reach_the_owner(watched):
    pair, tmp = watched["pair"], watched["tmp"]
    gent, terneuzen = pair["be-gent"], pair["nl-terneuzen"]
    watcher = watch(terneuzen, watched["operator"], 2)
    try:
        wait_watching(terneuzen)
        reads = reads_file(
            tmp / "reads.jsonl",
            [read("1ABC123"), read("9XYZ999"), read("1ABC1Z3")],
        )
        out = terneuzen.argos(
            "reads", "replay", str(reads), "--json", token_file=watched["adapter"]
        )
        assert json.loads(out.stdout) == {
            "reads": 3,
            "accepted": 3,
            "hits": 2,
            "rejected": 0,
            "problems": [],
        }
        stdout, _ = watcher.communicate(timeout=30)
    finally:
        watcher.kill()
    alerts = [json.loads(line) for line in stdout.splitlines()]
    assert [a["match"] for a in alerts] == ["MATCH_KIND_EXACT", "MATCH_KIND_FUZZY"]
    assert [a["matched"] for a in alerts] == ["1ABC123", "1ABC123"]
    assert alerts[1]["plate"] == "1ABC1Z3"  # what the camera read
    assert {a["entry_id"] for a in alerts} == {watched["entry_id"]}
    assert all(a["entry_owner"] == "be-gent" and a["owner_notified"] for a in alerts)
    assert "discreet check — do not alert occupants" in alerts[0]["advisories"]

    at_owner = wait_until(
        lambda: len(h := hits(gent, watched["ivan"])) == 2 and h, what="both hits at Gent"
    )
    assert {h["hit_id"] for h in at_owner} == {a["hit_id"] for a in alerts}
    assert sorted(h["match"] for h in at_owner) == ["MATCH_KIND_EXACT", "MATCH_KIND_FUZZY"]
    for hit in at_owner:
        assert hit["observer"] == "nl-terneuzen"
        assert hit["location"]["site"] == "kennedy-tunnel"
        assert "camera" not in hit["location"]  # site granularity: no camera id
        assert "image_ref" not in hit


def test_a_hit_reaches_its_owner_exactly_once_across_outages_of_both_sides(watched):
    pair, tmp = watched["pair"], watched["tmp"]
    gent, terneuzen = pair["be-gent"], pair["nl-terneuzen"]
    terneuzen.stop()
    configure(terneuzen, outbox_max_backoff_s=1.0)
    terneuzen.start()
    gent.stop()  # the owner is away while its plate is seen a thousand times
    first = reads_file(tmp / "first.jsonl", [read("1ABC123") for _ in range(500)])
    second = reads_file(tmp / "second.jsonl", [read("1-abc-123") for _ in range(500)])
    adapter = watched["adapter"]
    terneuzen.argos("reads", "replay", str(first), "--batch", "100", token_file=adapter)
    terneuzen.kill()  # the observer dies with its outbox full
    terneuzen.start()
    terneuzen.argos("reads", "replay", str(second), "--batch", "100", token_file=adapter)
    ines = terneuzen.add_user("ines", "investigator")
    observed = hits(terneuzen, ines, "--observed", "--limit", "1000")
    assert len(observed) == 1000
    gent.start()
    at_owner = wait_until(
        lambda: len(h := hits(gent, watched["ivan"], "--limit", "1000")) == 1000 and h,
        timeout=120,
        what="every hit at the owner",
    )
    assert sorted(h["hit_id"] for h in at_owner) == sorted(h["hit_id"] for h in observed)
    wait_until(
        lambda: all(
            h.get("owner_notified") for h in hits(terneuzen, ines, "--observed", "--limit", "1000")
        ),
        what="the observer to know every notification arrived",
    )
    # Delivered in groups (one commit marks several), every disclosure is audited once.
    disclosed = terneuzen.json("audit", "list", "--action", "hit.disclosed", "--limit", "2000")
    assert sorted(r["object_id"] for r in disclosed) == sorted(h["hit_id"] for h in observed)


def test_without_hit_notification_the_observer_alerts_and_sends_nothing(pair, tmp_path):
    gent, terneuzen = pair["be-gent"], pair["nl-terneuzen"]
    agreement_id = pair.agree(
        "be-gent",
        "nl-terneuzen",
        "--direction",
        "proposer_to_partner",
        "--no-hit-notification",
    )
    ivan = gent.add_user("ivan", "investigator")
    entry_id = add_entry(gent, ivan, "1-ABC-123", "B")
    wait_until(lambda: entry_id in received(terneuzen, agreement_id), what="the entry to sync")
    operator = terneuzen.add_user("olga", "operator")
    watcher = watch(terneuzen, operator, 1)
    try:
        wait_watching(terneuzen)
        reads = reads_file(tmp_path / "r.jsonl", [read("1ABC123")])
        terneuzen.argos(
            "reads", "replay", str(reads), token_file=terneuzen.add_user("cam", "adapter")
        )
        stdout, _ = watcher.communicate(timeout=30)
    finally:
        watcher.kill()
    (alert,) = [json.loads(line) for line in stdout.splitlines()]
    assert alert["entry_id"] == entry_id
    assert not alert.get("owner_notified", False)
    with sqlite3.connect(terneuzen.home / "node.sqlite") as db:
        assert db.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0
    assert hits(gent, ivan) == []


def test_zone_granularity_never_gives_the_owner_a_camera_id(pair, tmp_path):
    gent, terneuzen = pair["be-gent"], pair["nl-terneuzen"]
    terneuzen.stop()
    with (terneuzen.home / "node.toml").open("a") as f:
        f.write('\n[zones]\n"kennedy-tunnel" = "zeeland-west"\n')
    terneuzen.start()
    agreement_id = pair.agree(
        "be-gent", "nl-terneuzen", "--direction", "proposer_to_partner", "--granularity", "zone"
    )
    ivan = gent.add_user("ivan", "investigator")
    entry_id = add_entry(gent, ivan, "1-ABC-123", "B")
    wait_until(lambda: entry_id in received(terneuzen, agreement_id), what="the entry to sync")
    reads = reads_file(tmp_path / "r.jsonl", [read("1ABC123")])
    terneuzen.argos("reads", "replay", str(reads), token_file=terneuzen.add_user("cam", "adapter"))
    (hit,) = wait_until(lambda: hits(gent, ivan), what="the hit at Gent")
    assert hit["location"] == {"zone": "zeeland-west"}
    envelope = _stored_notification(gent, hit["hit_id"])
    assert b"cam-7" not in envelope and b"kennedy-tunnel" not in envelope


def _stored_notification(node, hit_id: str) -> bytes:
    with sqlite3.connect(node.home / "node.sqlite") as db:
        return db.execute(
            "SELECT envelope FROM received_hits WHERE hit_id = ?", (hit_id,)
        ).fetchone()[0]


def test_a_read_that_matches_nothing_leaves_no_trace_on_either_node(watched):
    """Prüm's hit/no-hit principle: the plate of a read without a hit is in no table,
    no log line and no message, in plaintext or as its plate token."""
    pair, tmp = watched["pair"], watched["tmp"]
    gent, terneuzen = pair["be-gent"], pair["nl-terneuzen"]
    secret = "7QXZ991"
    reads = reads_file(
        tmp / "mixed.jsonl",
        [read("7-QXZ-991"), read("1ABC123"), read(secret, candidates=["7QXZ99I"])],
    )
    out = terneuzen.argos("reads", "replay", str(reads), "--json", token_file=watched["adapter"])
    assert json.loads(out.stdout)["hits"] == 1
    wait_until(lambda: hits(gent, watched["ivan"]), what="the one hit at Gent")
    with sqlite3.connect(terneuzen.home / "node.sqlite") as db:
        key = db.execute(
            "SELECT token_key FROM matching_keys WHERE agreement_id = ?",
            (watched["agreement_id"],),
        ).fetchone()[0]
    token = plate_token(key, secret, "BE")
    needles = [secret.encode(), b"7-QXZ-991", b"7QXZ99I", token, token.hex().encode()]
    for node in (gent, terneuzen):
        node.stop()  # flush the WAL and every log line
        for path in node.home.rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                for needle in needles:
                    assert needle not in data, f"{needle!r} found in {path.name}"
    assert secret not in out.stdout + out.stderr


def test_an_own_entry_matches_until_it_is_withdrawn_and_under_its_new_plate_once_changed(
    pair, tmp_path
):
    gent = pair["be-gent"]
    ivan = gent.add_user("ivan", "investigator")
    camera = gent.add_user("cam", "adapter")
    changed = add_entry(gent, ivan, "1-ABC-123", "B")
    withdrawn = add_entry(gent, ivan, "2-DEF-456", "B")

    def hits_for(*plates: str) -> int:
        reads = reads_file(tmp_path / "r.jsonl", [read(p) for p in plates])
        out = gent.argos("reads", "replay", str(reads), "--json", token_file=camera)
        return json.loads(out.stdout)["hits"]

    assert hits_for("1ABC123", "2DEF456") == 2
    gent.argos("hotlist", "withdraw", withdrawn, "--justification", "found", token_file=ivan)
    gent.argos(
        "hotlist",
        "update",
        changed,
        "--plate",
        "1-ABC-124",
        "--justification",
        "typo",
        token_file=ivan,
    )
    assert hits_for("2DEF456") == 0
    assert hits_for("1ABC123") == 0
    assert hits_for("1ABC124") == 1
    own = hits(gent, ivan)
    assert [h["entry_id"] for h in own].count(changed) == 2
    assert all(h["observer"] == "be-gent" for h in own)


def test_the_owner_refuses_a_notification_finer_than_agreed_or_under_no_notification(
    watched, certs
):
    """A partner that sends more than its agreement allows is refused with the reason,
    and nothing is stored."""
    pair = watched["pair"]
    gent, terneuzen = pair["be-gent"], pair["nl-terneuzen"]

    def notification(**location) -> env.Envelope:
        n = HitNotification(
            hit_id=new_entry_id(),
            agreement_id=watched["agreement_id"],
            agreement_version=1,
            observer="nl-terneuzen",
            owner="be-gent",
            entry_id=watched["entry_id"],
            entry_version=1,
            observed_at=datetime.now(UTC).replace(microsecond=0),
            location=NotifiedLocation(**location),
            match=MatchKind.EXACT,
            country_inferred=False,
        )
        payload = hits_codec.notification_payload(n)
        return env.sign(HIT_NOTIFICATION_PAYLOAD, payload, signing_key(terneuzen))

    stub = federation_stub(gent, certs, "nl-terneuzen")
    finer = notification(camera="cam-7", site="kennedy-tunnel", zone="z")
    with pytest.raises(grpc.RpcError) as refused:
        stub.NotifyHit(fpb.NotifyHitRequest(notification=codec.envelope_to_pb(finer)))
    assert refused.value.code() is grpc.StatusCode.PERMISSION_DENIED
    assert "camera" in refused.value.details()
    fine = notification(site="kennedy-tunnel", zone="z")
    assert not stub.NotifyHit(
        fpb.NotifyHitRequest(notification=codec.envelope_to_pb(fine))
    ).duplicate
    assert stub.NotifyHit(fpb.NotifyHitRequest(notification=codec.envelope_to_pb(fine))).duplicate
    assert len(hits(gent, watched["ivan"])) == 1
