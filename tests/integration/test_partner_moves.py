"""A partner that moves while agreements are in force: to a new port, to a new CA (both
CAs trusted during the changeover), to a renewed pinned certificate; changed by the
local administrator, or announced by the partner itself in a signed statement that is
held until the local administrator accepts it. Each time the agreement stays active,
nothing received is purged, and sync, hits and confirmations go on. Real nodes, mutual
TLS, SQLite and the CLI throughout; new certificates come from the dev PKI generator.

Stand-ins, only where a peer must misbehave (said again at each): a raw federation
client presenting be-gent's real certificate sends a forged, a replayed and a stale
announcement; another presents be-gent's old certificate after its CA was dropped."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import grpc
import pytest

from gateway.domain import envelope as env
from gateway.domain.identity import NodeSigningKey
from gateway.domain.partner_change import PARTNER_CHANGE_PAYLOAD, PartnerChange
from gateway.domain.peer import certificate_fingerprint
from gateway.federation import free_port
from gateway.wire import codec
from gateway.wire.argos.v1 import federation_pb2 as fpb
from gateway.wire.partner_change_codec import partner_change_payload
from tests.conftest import load_pki_generator
from tests.integration.federation_support import federation_stub, signing_key
from tests.integration.hits_support import hits, read, reads_file
from tests.integration.hotlist_support import add_entry, received, wait_until
from tests.integration.tls_support import renewed, serve_on, serve_with


def _partner_row(node, partner: str) -> tuple:
    """(endpoint, CA or pinned certificate PEM, pin) as stored."""
    with sqlite3.connect(node.home / "node.sqlite") as db:
        return db.execute(
            "SELECT endpoint, tls_ca_pem, tls_pin_sha256 FROM partners WHERE node_id = ?",
            (partner,),
        ).fetchone()


def _audit(node, action: str) -> list[dict]:
    return [r for r in node.json("audit", "list", "--limit", "10000") if r["action"] == action]


def _details(record: dict) -> dict:
    return json.loads(record["details_json"])


def _reach(node, partner: str) -> str:
    for line in node.argos("status").stdout.splitlines():
        if line.strip().startswith(partner):
            return line
    raise AssertionError(f"{partner} not in the status of {node.node_id}")


def _pending(node) -> list[dict]:
    return node.json("partner", "changes")


def _still_in_force(gent, terneuzen, agreement_id: str, held: dict) -> None:
    """The agreement is active on both sides and everything received is still held."""
    for node in (gent, terneuzen):
        assert node.json("agreement", "show", agreement_id)["state"] == "active"
    now_held = received(terneuzen, agreement_id)
    assert {k: now_held[k] for k in held} == held


def _no_pem_or_plate(records: list[dict]) -> None:
    text = json.dumps(records)
    assert "CERTIFICATE" not in text and "KEY" not in text and "1ABC123" not in text


@pytest.fixture
def shared(pair):
    """Gent shares with Terneuzen (site granularity); Terneuzen holds Gent's first entry
    and has a camera adapter; both have an investigator."""
    agreement_id = pair.agree(
        "be-gent", "nl-terneuzen", "--direction", "proposer_to_partner", "--granularity", "site"
    )
    gent, terneuzen = pair["be-gent"], pair["nl-terneuzen"]
    ivan = gent.add_user("ivan", "investigator")
    first = add_entry(gent, ivan, "1-ABC-123", "B")
    wait_until(lambda: first in received(terneuzen, agreement_id), what="the first entry")
    return {
        "gent": gent,
        "terneuzen": terneuzen,
        "agreement_id": agreement_id,
        "ivan": ivan,
        "ines": terneuzen.add_user("ines", "investigator"),
        "camera": terneuzen.add_user("cam", "adapter"),
    }


def _sighting(s: dict, tmp: Path) -> str:
    """A Terneuzen camera sees Gent's listed plate; the hit id at Terneuzen."""
    reads = reads_file(tmp / f"r{datetime.now(UTC).timestamp()}.jsonl", [read("1ABC123")])
    before = {h["hit_id"] for h in hits(s["terneuzen"], s["ines"], "--observed")}
    s["terneuzen"].argos("reads", "replay", str(reads), token_file=s["camera"])
    (new,) = wait_until(
        lambda: [
            h for h in hits(s["terneuzen"], s["ines"], "--observed") if h["hit_id"] not in before
        ],
        what="the hit at Terneuzen",
    )
    return new["hit_id"]


# -- the local administrator changes a partner ------------------------------------------


def test_a_partner_that_moved_to_a_new_port_is_reached_there_once_its_endpoint_is_changed(
    shared, tmp_path
):
    s = shared
    gent, terneuzen, agreement_id = s["gent"], s["terneuzen"], s["agreement_id"]
    held = received(terneuzen, agreement_id)
    old_endpoint = gent.endpoint
    serve_on(gent, free_port())
    assert "UNREACHABLE" in _reach(terneuzen, "be-gent")  # still dialled at the old port
    waiting_hit = _sighting(s, tmp_path)  # queued at Terneuzen for Gent, undelivered

    out = terneuzen.json(
        "partner", "update", "be-gent", "--endpoint", gent.endpoint,
        "--justification", "Gent moved its gateway (letter of 2026-11-20)",
    )  # fmt: skip
    assert out["endpoint"] == f"{old_endpoint} -> {gent.endpoint}"
    assert terneuzen.json("partner", "show", "be-gent")["endpoint"] == gent.endpoint

    # The hit queued before the change reaches Gent at its new address, without a restart
    # of Terneuzen; a new entry syncs; a confirmation goes there and its answer comes back.
    wait_until(
        lambda: waiting_hit in {h["hit_id"] for h in hits(gent, s["ivan"])},
        timeout=90,
        what="the queued hit at Gent's new endpoint",
    )
    later = add_entry(gent, s["ivan"], "2-XYZ-987")
    wait_until(
        lambda: later in received(terneuzen, agreement_id), timeout=90, what="an entry after it"
    )
    asked = terneuzen.json(
        "confirm", "request", "--kind", "alert", "--hit", waiting_hit,
        "--purpose", "criminal_investigation", "--case-reference", "PV-TNZ-9",
        token_file=s["ines"],
    )  # fmt: skip
    request_id = asked["request"]["request_id"]
    wait_until(
        lambda: (
            gent.argos(
                "confirm", "show", request_id, "--json", token_file=s["ivan"], check=False
            ).returncode
            == 0
        ),
        timeout=60,
        what="the confirmation request at Gent",
    )
    gent.argos(
        "confirm", "answer", request_id, "--outcome", "confirmed", token_file=s["ivan"]
    )  # fmt: skip
    wait_until(
        lambda: (
            "ANSWERED"
            in terneuzen.json("confirm", "show", request_id, token_file=s["ines"])["state"]
        ),
        timeout=60,
        what="the answer at Terneuzen",
    )
    assert "reachable;" in _reach(terneuzen, "be-gent")
    _still_in_force(gent, terneuzen, agreement_id, held)

    [change] = _audit(terneuzen, "partner.trust_change")
    assert change["actor"] == "admin" and change["object_id"] == "be-gent"
    details = _details(change)
    assert (details["old_endpoint"], details["new_endpoint"]) == (old_endpoint, gent.endpoint)
    assert details["old_ca_sha256"] == details["new_ca_sha256"]
    _no_pem_or_plate([change])


def test_a_partner_changing_over_to_a_new_ca_is_trusted_under_both_then_under_the_new_alone(
    shared, certs, tmp_path
):
    s = shared
    gent, terneuzen, agreement_id = s["gent"], s["terneuzen"], s["agreement_id"]
    held = received(terneuzen, agreement_id)
    new_pki = tmp_path / "gent-2027"
    load_pki_generator().ensure_pki(new_pki, ["be-gent"], ca_name="Gent CA 2027")
    old_ca, new_ca = (certs / "ca.pem").read_text(), (new_pki / "ca.pem").read_text()
    bundle = tmp_path / "gent-bundle.pem"
    bundle.write_text(old_ca + new_ca)
    old_sha, new_sha = certificate_fingerprint(old_ca), certificate_fingerprint(new_ca)

    # 1. Before Gent switches: both CAs, in one change.
    out = terneuzen.json(
        "partner", "update", "be-gent", "--ca", str(bundle),
        "--justification", "Gent changes over to its 2027 CA (fingerprints by phone)",
    )  # fmt: skip
    assert out["ca_sha256"] == f"{old_sha} -> {old_sha},{new_sha}"
    shown = terneuzen.json("partner", "show", "be-gent")
    assert [c["sha256"] for c in shown["ca"]] == [old_sha, new_sha]
    assert all(datetime.fromisoformat(c["not_after"]) > datetime.now(UTC) for c in shown["ca"])
    text = terneuzen.argos("partner", "show", "be-gent").stdout
    assert f"CA: sha256 {old_sha} valid until" in text and f"CA: sha256 {new_sha}" in text
    still_old = add_entry(gent, s["ivan"], "3-OLD-333")
    wait_until(lambda: still_old in received(terneuzen, agreement_id), what="under the old CA")

    # 2. Gent switches to a certificate of its new CA: no change needed here, no gap.
    serve_with(gent, new_pki / "be-gent" / "cert.pem", new_pki / "be-gent" / "key.pem",
               new_pki / "ca.pem")  # fmt: skip
    under_new = add_entry(gent, s["ivan"], "4-NEW-444")
    wait_until(
        lambda: under_new in received(terneuzen, agreement_id),
        timeout=90,
        what="an entry from Gent's new certificate",
    )
    assert "reachable;" in _reach(terneuzen, "be-gent")
    assert "reachable;" in _reach(gent, "nl-terneuzen")  # let in under the new CA

    # 3. The changeover over: the old CA is dropped.
    out = terneuzen.json(
        "partner", "update", "be-gent", "--ca", str(new_pki / "ca.pem"),
        "--justification", "Gent's changeover is over: its old CA is retired",
    )  # fmt: skip
    assert out["ca_sha256"] == f"{old_sha},{new_sha} -> {new_sha}"
    after = add_entry(gent, s["ivan"], "5-AFT-555")
    wait_until(lambda: after in received(terneuzen, agreement_id), timeout=90, what="after")
    assert "reachable;" in _reach(gent, "nl-terneuzen")
    # Stand-in: a client still presenting Gent's old certificate (old CA) is now refused.
    refused_before = len(_audit(terneuzen, "federation.refused"))
    old_cert = federation_stub(terneuzen, certs, "be-gent")
    with pytest.raises(grpc.RpcError) as refused:
        old_cert.GetNodeInfo(fpb.GetNodeInfoRequest(), timeout=10)
    assert refused.value.code() is grpc.StatusCode.UNAUTHENTICATED
    assert "not issued by the CA registered for it" in refused.value.details()
    assert len(_audit(terneuzen, "federation.refused")) > refused_before
    _still_in_force(gent, terneuzen, agreement_id, held)

    changes = [_details(r) for r in _audit(terneuzen, "partner.trust_change")]
    assert [(c["old_ca_sha256"], c["new_ca_sha256"]) for c in changes] == [
        (old_sha, f"{old_sha},{new_sha}"),
        (f"{old_sha},{new_sha}", new_sha),
    ]


# -- the partner announces its own move -------------------------------------------------


def test_a_pinned_partner_announces_its_renewed_certificate_and_is_served_once_accepted(
    shared, certs, tmp_path
):
    s = shared
    gent, terneuzen, agreement_id = s["gent"], s["terneuzen"], s["agreement_id"]
    old_pin = gent.identity()["tls_cert_sha256"]
    terneuzen.argos(
        "partner", "update", "be-gent", "--pin-sha256", old_pin, "--justification", "pin Gent",
    )  # fmt: skip
    held = received(terneuzen, agreement_id)
    cert, key = renewed(certs, "be-gent", tmp_path / "renewed")
    new_pin = certificate_fingerprint(cert.read_bytes())

    # Gent announces its renewed certificate BEFORE serving it: the announcement
    # travels over the certificate Terneuzen still pins.
    announced = gent.json(
        "partner", "announce", "--cert", str(cert),
        "--justification", "certificate renewal 2027",
    )  # fmt: skip
    assert announced["partners"] == ["nl-terneuzen"] and announced["sequence"] == 1
    fingerprint = announced["fingerprint"]
    (pending,) = wait_until(lambda: _pending(terneuzen), what="the announcement at Terneuzen")
    assert pending["fingerprint"] == fingerprint and pending["state"] == "pending"
    assert pending["cert_sha256"] == new_pin and pending["partner"] == "be-gent"
    listed = terneuzen.argos("partner", "changes").stdout  # as read out on the phone
    assert f"be-gent #1 pending  fingerprint {fingerprint}" in listed
    assert f"certificate sha256: {new_pin}" in listed
    assert _partner_row(terneuzen, "be-gent")[2] == old_pin  # nothing applied yet
    [sent] = _audit(gent, "partner_change.sent")
    assert sent["recipient"] == "nl-terneuzen"
    [arrived] = _audit(terneuzen, "partner.change_announced")
    assert _details(arrived)["fingerprint"] == fingerprint

    serve_with(gent, cert, key, certs / "ca.pem")
    waiting = add_entry(gent, s["ivan"], "6-PIN-666")
    out = terneuzen.json(
        "partner", "changes", "accept", "be-gent", fingerprint,
        "--justification", "fingerprint read out by Gent's administrator",
    )  # fmt: skip
    assert out["pin_sha256"] == f"{old_pin} -> {new_pin}" and out["state"] == "accepted"
    assert _pending(terneuzen) == []

    # Served to (Terneuzen calls Gent's new certificate) and served (Gent is let in).
    wait_until(lambda: waiting in received(terneuzen, agreement_id), timeout=90, what="entry after")
    assert "reachable;" in _reach(gent, "nl-terneuzen")
    assert "reachable;" in _reach(terneuzen, "be-gent")
    _still_in_force(gent, terneuzen, agreement_id, held)
    [accepted] = _audit(terneuzen, "partner.change_accepted")
    assert accepted["actor"] == "admin"
    details = _details(accepted)
    assert (details["old_pin_sha256"], details["new_pin_sha256"]) == (old_pin, new_pin)
    assert details["fingerprint"] == fingerprint and details["sequence"] == 1
    _no_pem_or_plate([accepted, arrived, sent])


def test_an_announced_move_is_pending_until_accepted_and_forged_or_replayed_ones_are_refused(
    shared, certs, tmp_path
):
    s = shared
    gent, terneuzen, agreement_id = s["gent"], s["terneuzen"], s["agreement_id"]
    held = received(terneuzen, agreement_id)
    old_endpoint, new_port = gent.endpoint, free_port()
    new_endpoint = f"127.0.0.1:{new_port}"

    # Non-administrators may neither announce nor decide.
    denied = gent.argos(
        "partner", "announce", "--endpoint", new_endpoint, "--justification", "t",
        token_file=s["ivan"], check=False,
    )  # fmt: skip
    assert denied.returncode != 0 and "partner.manage needs admin" in denied.stderr

    # A first announcement, rejected: nothing changes.
    first = gent.json(
        "partner", "announce", "--endpoint", "127.0.0.1:1", "--justification", "a mistake"
    )
    wait_until(lambda: _pending(terneuzen), what="the first announcement")
    out = terneuzen.json(
        "partner", "changes", "reject", "be-gent", first["fingerprint"],
        "--justification", "Gent's administrator says it was sent by mistake",
    )  # fmt: skip
    assert out["state"] == "rejected" and out["endpoint"] == old_endpoint
    row = _partner_row(terneuzen, "be-gent")

    # The real move: announced, then Gent moves, then Terneuzen accepts.
    moved = gent.json(
        "partner", "announce", "--endpoint", new_endpoint,
        "--justification", "gateway moves to its new address",
    )  # fmt: skip
    assert moved["sequence"] == 2
    (pending,) = wait_until(lambda: _pending(terneuzen), what="the move announcement")
    assert pending["endpoint"] == new_endpoint and pending["fingerprint"] == moved["fingerprint"]
    assert _partner_row(terneuzen, "be-gent") == row  # pending changes nothing

    olga = terneuzen.add_user("olga", "operator")
    refused = terneuzen.argos(
        "partner", "changes", "accept", "be-gent", moved["fingerprint"],
        "--justification", "t", token_file=olga, check=False,
    )  # fmt: skip
    assert refused.returncode != 0 and "partner.manage needs admin" in refused.stderr
    assert any(r["actor"] == "olga" for r in _audit(terneuzen, "access.denied"))
    assert _partner_row(terneuzen, "be-gent") == row

    serve_on(gent, new_port)
    out = terneuzen.json(
        "partner", "changes", "accept", "be-gent", moved["fingerprint"],
        "--justification", "fingerprint compared by phone",
    )  # fmt: skip
    assert out["endpoint"] == f"{old_endpoint} -> {new_endpoint}"
    later = add_entry(gent, s["ivan"], "7-MOV-777")
    wait_until(lambda: later in received(terneuzen, agreement_id), timeout=90, what="entry")
    _still_in_force(gent, terneuzen, agreement_id, held)
    row = _partner_row(terneuzen, "be-gent")

    # Deciding again is refused and audited; nothing changes.
    again = terneuzen.argos(
        "partner", "changes", "accept", "be-gent", first["fingerprint"],
        "--justification", "t", check=False,
    )  # fmt: skip
    assert again.returncode != 0 and "is rejected; nothing changed" in again.stderr
    assert _details(_audit(terneuzen, "partner.change_refused")[-1])["decision"] == "accepted"

    # Stand-ins presenting Gent's real certificate, as a thief on Gent's network would.
    stub = federation_stub(terneuzen, certs, "be-gent")
    audited = len(_audit(terneuzen, "federation.refused"))

    def announce(envelope: env.Envelope) -> grpc.RpcError:
        request = fpb.AnnouncePartnerChangeRequest(announcement=codec.envelope_to_pb(envelope))
        with pytest.raises(grpc.RpcError) as error:
            stub.AnnouncePartnerChange(request, timeout=10)
        return error.value

    def change(sequence: int, endpoint: str) -> bytes:
        return partner_change_payload(
            PartnerChange("be-gent", sequence, datetime.now(UTC), endpoint=endpoint)
        )

    # Forged: signed by a key that is not Gent's.
    thief = NodeSigningKey.generate()
    forged = announce(env.sign(PARTNER_CHANGE_PAYLOAD, change(9, "10.6.6.6:443"), thief))
    assert "belongs to none of be-gent" in forged.details()
    # Replayed: the accepted announcement, exactly as Gent signed it.
    with sqlite3.connect(gent.home / "node.sqlite") as db:
        (replay,) = db.execute(
            "SELECT envelope FROM own_partner_changes WHERE sequence = 2"
        ).fetchone()
    replayed = announce(codec.envelope_from_bytes(replay))
    assert "is a replay or stale" in replayed.details()
    # Stale: signed with Gent's own key (stolen, say), but numbered below what is held.
    stale = announce(env.sign(PARTNER_CHANGE_PAYLOAD, change(1, "10.6.6.6:443"), signing_key(gent)))
    assert "is a replay or stale" in stale.details()
    # Another node's move, delivered by Gent.
    other = partner_change_payload(
        PartnerChange("nl-rotterdam", 7, datetime.now(UTC), endpoint="10.6.6.6:443")
    )
    named = announce(env.sign(PARTNER_CHANGE_PAYLOAD, other, signing_key(gent)))
    assert "naming nl-rotterdam came from be-gent" in named.details()
    # A node that is no partner (a valid certificate of the same CA), announcing a move.
    stranger = federation_stub(terneuzen, certs, "nl-vlissingen")
    own_move = partner_change_payload(
        PartnerChange("nl-vlissingen", 1, datetime.now(UTC), endpoint="10.6.6.6:443")
    )
    with pytest.raises(grpc.RpcError) as unknown:
        stranger.AnnouncePartnerChange(
            fpb.AnnouncePartnerChangeRequest(
                announcement=codec.envelope_to_pb(env.sign(PARTNER_CHANGE_PAYLOAD, own_move, thief))
            ),
            timeout=10,
        )
    assert "nl-vlissingen is not a registered partner" in unknown.value.details()

    refusals = _audit(terneuzen, "federation.refused")[audited:]
    assert [r["object_id"] for r in refusals] == ["AnnouncePartnerChange"] * 5
    assert [_details(r)["error"] for r in refusals] == [
        "SignatureInvalid", "StaleVersion", "StaleVersion", "PeerIdentityMismatch",
        "PartnerUnknown",
    ]  # fmt: skip
    assert _partner_row(terneuzen, "be-gent") == row
    assert _pending(terneuzen) == []
    states = [(c["sequence"], c["state"]) for c in terneuzen.json("partner", "changes", "--all")]
    assert states == [(1, "rejected"), (2, "accepted")]
    decided = _audit(terneuzen, "partner.change_rejected") + _audit(
        terneuzen, "partner.change_accepted"
    )
    assert [_details(r)["sequence"] for r in decided] == [1, 2]
    _no_pem_or_plate(decided + refusals)


def test_a_removed_partners_pending_announcement_ends_with_it_and_cannot_come_back(pair, certs):
    gent, terneuzen = pair["be-gent"], pair["nl-terneuzen"]
    moved = gent.json(
        "partner", "announce", "--endpoint", "127.0.0.1:1", "--justification", "a move"
    )
    wait_until(lambda: _pending(terneuzen), what="the announcement")
    terneuzen.argos("partner", "remove", "be-gent", "--justification", "leaves the federation")
    [removed] = _audit(terneuzen, "partner.remove")
    assert _details(removed) == {"pending_changes_dropped": 1}
    assert _pending(terneuzen) == []
    info = gent.identity()
    terneuzen.argos(
        "partner", "add", "be-gent", "--endpoint", info["endpoint"],
        "--public-key", info["public_key"], "--ca-cert", str(certs / "ca.pem"),
    )  # fmt: skip
    states = [(c["fingerprint"], c["state"]) for c in terneuzen.json("partner", "changes", "--all")]
    assert states == [(moved["fingerprint"], "superseded")]
    accept = terneuzen.argos(
        "partner", "changes", "accept", "be-gent", moved["fingerprint"],
        "--justification", "t", check=False,
    )  # fmt: skip
    assert accept.returncode != 0 and "is superseded; nothing changed" in accept.stderr
    # Stand-in presenting Gent's real certificate: the old announcement, replayed.
    with sqlite3.connect(gent.home / "node.sqlite") as db:
        (replay,) = db.execute("SELECT envelope FROM own_partner_changes").fetchone()
    stub = federation_stub(terneuzen, certs, "be-gent")
    request = fpb.AnnouncePartnerChangeRequest(
        announcement=codec.envelope_to_pb(codec.envelope_from_bytes(replay))
    )
    with pytest.raises(grpc.RpcError) as replayed:
        stub.AnnouncePartnerChange(request, timeout=10)
    assert "is a replay or stale" in replayed.value.details()
    assert _partner_row(terneuzen, "be-gent")[0] == info["endpoint"]
