"""A stolen signing key (issue 15, done-means 2): be-gent revokes it; every partner applies
the revocation at once, reports what it holds that the key signed since the leak, and
refuses whatever the thief signs with it afterwards; Gent's replacement key is refused
until each partner's administrator confirms its fingerprint, then Gent's messages flow
again. Agreements stay in force; nothing stored is lost.

Three real node processes over mutual TLS. The stand-in is the thief: it holds a copy of
Gent's node folder (the stolen signing key and Gent's real TLS certificate and key), so
it can open mutual-TLS calls as be-gent to every partner."""

from __future__ import annotations

import json
from concurrent import futures
from datetime import UTC, datetime, timedelta

import grpc
import pytest

from gateway.domain import envelope as env
from gateway.domain.hits import (
    HIT_NOTIFICATION_PAYLOAD,
    HitNotification,
    MatchKind,
    NotifiedLocation,
)
from gateway.domain.identity import NodeSigningKey
from gateway.domain.ids import new_entry_id
from gateway.domain.keychain import ROTATION_PAYLOAD, RotationStatement
from gateway.federation import LocalFederation
from gateway.wire import codec, feed_codec, hits_codec, keys_codec
from gateway.wire.argos.v1 import federation_pb2 as fpb
from gateway.wire.argos.v1 import federation_pb2_grpc
from tests.integration.federation_support import federation_stub, signing_key
from tests.integration.hits_support import configure, hits, read, reads_file
from tests.integration.hotlist_support import add_entry, received, wait_until

PARTNERS = ("nl-terneuzen", "be-antwerpen")
PLATES = {"nl-terneuzen": "1-ABC-123", "be-antwerpen": "2-DEF-456"}


def audit(node, action: str) -> list[dict]:
    return [
        {**r, "details": json.loads(r.get("details_json") or "{}")}
        for r in node.json("audit", "list", "--limit", "10000")
        if r["action"] == action
    ]


def audit_intact(node) -> bool:
    return node.argos("audit", "verify").stdout.startswith("audit log intact")


def chain_at(node) -> dict[str, dict]:
    return {k["key_id"]: k for k in node.json("partner", "keys", "show", "be-gent")["keys"]}


@pytest.fixture
def federation(tmp_path, certs):
    """Terneuzen and Antwerpen each share an entry with Gent, which has a camera."""
    nodes = LocalFederation(tmp_path / "nodes", certs, ("be-gent", *PARTNERS))
    try:
        nodes.start()
        gent = nodes["be-gent"]
        gent.stop()
        configure(gent, outbox_max_backoff_s=1.0)
        gent.start()
        shared = {}
        for partner in PARTNERS:
            nodes.connect("be-gent", partner)
            agreement_id = nodes.agree(
                "be-gent",
                partner,
                "--categories",
                "stolen_vehicle",
                "--direction",
                "partner_to_proposer",
                "--granularity",
                "site",
            )
            investigator = nodes[partner].add_user("ines", "investigator")
            entry_id = add_entry(nodes[partner], investigator, PLATES[partner], "B")
            shared[partner] = {
                "agreement_id": agreement_id,
                "entry_id": entry_id,
                "investigator": investigator,
            }
        for partner, s in shared.items():
            wait_until(
                lambda s=s: s["entry_id"] in received(gent, s["agreement_id"]),
                what=f"{partner}'s entry at Gent",
            )
        yield nodes, shared, gent.add_user("cam", "adapter")
    finally:
        nodes.stop()


def forged_hit(partner: str, s: dict, key: NodeSigningKey) -> env.Envelope:
    n = HitNotification(
        hit_id=new_entry_id(),
        agreement_id=s["agreement_id"],
        agreement_version=1,
        observer="be-gent",
        owner=partner,
        entry_id=s["entry_id"],
        entry_version=1,
        observed_at=datetime.now(UTC).replace(microsecond=0),
        location=NotifiedLocation(site="kennedy-tunnel"),
        match=MatchKind.EXACT,
        country_inferred=False,
    )
    return env.sign(HIT_NOTIFICATION_PAYLOAD, hits_codec.notification_payload(n), key)


def test_a_stolen_key_is_revoked_and_whatever_the_thief_signs_is_refused_everywhere(
    federation, certs, tmp_path
):
    nodes, shared, cam = federation
    gent, terneuzen = nodes["be-gent"], nodes["nl-terneuzen"]
    leaked_at = datetime.now(UTC) - timedelta(seconds=1)
    # Gent's camera sees Terneuzen's plate after the leak, before anyone knows of it.
    reads = reads_file(tmp_path / "first.jsonl", [read(PLATES["nl-terneuzen"])])
    gent.argos("reads", "replay", str(reads), token_file=cam)
    ines = shared["nl-terneuzen"]["investigator"]
    wait_until(lambda: len(hits(terneuzen, ines)) == 1, what="the hit at Terneuzen")
    signed_after_leak = hits(terneuzen, ines)[0]["hit_id"]

    stolen = signing_key(gent)  # the thief's copy
    revoked = gent.json(
        "keys",
        "revoke-signing",
        "--since",
        leaked_at.isoformat(),
        "--justification",
        "node folder copied off the backup disk, incident 2026-113",
    )
    assert revoked["revoked"]["key_id"] == stolen.key_id
    assert revoked["revoked"]["state"] == "revoked"
    replacement = revoked["current"]
    assert signing_key(gent).key_id == replacement["key_id"] != stolen.key_id
    assert sorted(revoked["partners"]) == sorted(PARTNERS)

    # Every partner applies the revocation at once and holds the replacement pending.
    for partner in PARTNERS:
        node = nodes[partner]
        wait_until(
            lambda node=node: chain_at(node).get(stolen.key_id, {}).get("state") == "revoked",
            what=f"the revocation at {partner}",
        )
        assert chain_at(node)[replacement["key_id"]]["state"] == "pending"
    # Terneuzen reports what it holds that the stolen key signed since the leak.
    shown = terneuzen.json("partner", "keys", "show", "be-gent")
    assert shown["held_signed_by_revoked"] == [
        {
            "key_id": stolen.key_id,
            "kind": "hit_notification",
            "count": 1,
            "ids": [signed_after_leak],
        }
    ]
    record = audit(terneuzen, "partner.key_revoked")[-1]
    assert record["details"]["key_id"] == stolen.key_id
    assert record["details"]["held_hit_notification"] == 1
    assert record["details"]["pending_key_id"] == replacement["key_id"]

    # The thief, with Gent's real TLS certificate, signs with the stolen key: refused by
    # every partner, naming the revoked key; nothing is stored; the refusal is audited.
    for partner in PARTNERS:
        node, s = nodes[partner], shared[partner]
        before_hits = hits(node, s["investigator"])
        before_chain = chain_at(node)
        stub = federation_stub(node, certs, "be-gent")
        with pytest.raises(grpc.RpcError) as refused:
            stub.NotifyHit(
                fpb.NotifyHitRequest(
                    notification=codec.envelope_to_pb(forged_hit(partner, s, stolen))
                )
            )
        assert refused.value.code() is grpc.StatusCode.UNAUTHENTICATED
        assert f"signing key {stolen.key_id} of be-gent is revoked since" in (
            refused.value.details()
        )
        # ... nor may it rotate the chain to a key of its own.
        thief_key = NodeSigningKey.generate()
        statement = RotationStatement(
            "be-gent", 1, thief_key.public, datetime.now(UTC), datetime.now(UTC), "0" * 64
        )
        fork = env.sign(
            ROTATION_PAYLOAD, keys_codec.rotation_payload(statement), stolen
        ).with_signature(thief_key)
        with pytest.raises(grpc.RpcError) as refused_rotation:
            stub.AnnounceSigningKey(
                fpb.AnnounceSigningKeyRequest(statement=codec.envelope_to_pb(fork))
            )
        assert stolen.key_id in refused_rotation.value.details()
        assert "revoked since" in refused_rotation.value.details()
        assert hits(node, s["investigator"]) == before_hits
        assert chain_at(node) == before_chain
        refusals = audit(node, "federation.refused")
        assert {r["object_id"] for r in refusals} >= {"NotifyHit", "AnnounceSigningKey"}
        assert all(stolen.key_id in r["justification"] for r in refusals[-2:])

    # Gent's own new key is refused while it is pending, with the reason.
    antwerpen, s = nodes["be-antwerpen"], shared["be-antwerpen"]
    reads = reads_file(tmp_path / "second.jsonl", [read(PLATES["be-antwerpen"])])
    gent.argos("reads", "replay", str(reads), token_file=cam)
    wait_until(
        lambda: any(
            "awaits confirmation" in r["justification"]
            for r in audit(antwerpen, "federation.refused")
        ),
        what="the pending key refused at Antwerpen",
    )
    assert hits(antwerpen, s["investigator"]) == []
    # Antwerpen's administrator hears the fingerprint on the phone and confirms it.
    antwerpen.argos(
        "partner",
        "keys",
        "confirm",
        "be-gent",
        replacement["fingerprint"],
        "--justification",
        "fingerprint read out by Gent's duty officer, call 14:02",
    )
    assert chain_at(antwerpen)[replacement["key_id"]]["state"] == "current"
    wait_until(
        lambda: len(hits(antwerpen, s["investigator"])) == 1,
        timeout=60,
        what="Gent's hit under its confirmed key at Antwerpen",
    )
    # Agreements stay in force; every log still verifies.
    for partner in PARTNERS:
        agreement = nodes[partner].json("agreement", "show", shared[partner]["agreement_id"])
        assert agreement["state"] == "active"
        assert audit_intact(nodes[partner])
    assert audit_intact(gent)
    assert len(hits(terneuzen, ines)) == 1  # nothing received was purged


def test_a_checkpoint_signed_with_the_revoked_key_is_refused_and_changes_nothing(pair, certs):
    """The thief also takes over Gent's address (a stand-in provider serving Gent's feed
    with Gent's real TLS certificate and the stolen key) after Gent revoked the key."""
    from tests.integration.test_sync_rejections import ScriptedProvider, _batch, _entry, _state

    gent, terneuzen = pair["be-gent"], pair["nl-terneuzen"]
    agreement_id = pair.agree(
        "be-gent",
        "nl-terneuzen",
        "--categories",
        "stolen_vehicle",
        "--direction",
        "proposer_to_partner",
    )
    ivan = gent.add_user("ivan", "investigator")
    entry_id = add_entry(gent, ivan, "1-ABC-123", "B")
    wait_until(lambda: entry_id in received(terneuzen, agreement_id), what="the entry to sync")
    stolen = signing_key(gent)
    gent.argos(
        "keys",
        "revoke-signing",
        "--since",
        datetime.now(UTC).isoformat(),
        "--justification",
        "node folder stolen",
    )
    wait_until(
        lambda: chain_at(terneuzen).get(stolen.key_id, {}).get("state") == "revoked",
        what="the revocation at Terneuzen",
    )
    held = received(terneuzen, agreement_id)
    cursor, live, rejected, _ = _state(terneuzen, agreement_id)

    gent.stop()
    provider = ScriptedProvider()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    federation_pb2_grpc.add_FederationServiceServicer_to_server(provider, server)
    creds = grpc.ssl_server_credentials(
        [
            (
                (certs / "be-gent" / "key.pem").read_bytes(),
                (certs / "be-gent" / "cert.pem").read_bytes(),
            )
        ],
        root_certificates=(certs / "ca.pem").read_bytes(),
        require_client_auth=True,
    )
    server.add_secure_port(gent.endpoint, creds)
    server.start()
    try:
        leaf = feed_codec.upsert_leaf(cursor + 1, 1, _entry("planted-by-thief"))
        provider.scripts.put([_batch(stolen, agreement_id, cursor, [leaf])])
        wait_until(lambda: _state(terneuzen, agreement_id)[2] > rejected, what="the batch refused")
    finally:
        server.stop(0)
    state = _state(terneuzen, agreement_id)
    assert f"signing key {stolen.key_id} of be-gent is revoked since" in state[3]
    assert state[:2] == (cursor, live)
    assert received(terneuzen, agreement_id) == held
    rejection = audit(terneuzen, "hotlist.batch_rejected")[-1]
    assert rejection["details"]["error"] == "KeyNotAccepted"
    assert stolen.key_id in rejection["justification"]
