"""Scheduled signing-key rotation on a running federation (issue 15): partners receive the
statement through the outbox (also after being down), new checkpoints and hit
notifications verify under the new key, everything stored before still verifies, and
after the overlap the old key is refused for a new message. A partner's key changed in
place by the local administrator keeps agreements and everything received.

Real node processes over mutual TLS. The one stand-in is a sender still signing with a
rotated-away key after its overlap ended (it holds nl-terneuzen's real TLS certificate
and its old key, as a forgotten process on Terneuzen's machine would)."""

from __future__ import annotations

import json
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
from gateway.domain.identity import NodeSigningKey
from gateway.domain.ids import new_entry_id
from gateway.wire import codec, hits_codec
from gateway.wire.argos.v1 import federation_pb2 as fpb
from tests.integration.federation_support import federation_stub, signing_key
from tests.integration.hits_support import hits, read, reads_file
from tests.integration.hotlist_support import add_entry, in_step, received, wait_until


def keys_of(node, partner: str) -> list[dict]:
    return node.json("partner", "keys", "show", partner)["keys"]


def audit(node, action: str) -> list[dict]:
    records = node.json("audit", "list", "--limit", "10000")
    return [
        {**r, "details": json.loads(r.get("details_json") or "{}")}
        for r in records
        if r["action"] == action
    ]


def audit_intact(node) -> bool:
    return node.argos("audit", "verify").stdout.startswith("audit log intact")


def notification(agreement_id: str, entry_id: str, key: NodeSigningKey) -> env.Envelope:
    n = HitNotification(
        hit_id=new_entry_id(),
        agreement_id=agreement_id,
        agreement_version=1,
        observer="nl-terneuzen",
        owner="be-gent",
        entry_id=entry_id,
        entry_version=1,
        observed_at=datetime.now(UTC).replace(microsecond=0),
        location=NotifiedLocation(site="kennedy-tunnel"),
        match=MatchKind.EXACT,
        country_inferred=False,
    )
    return env.sign(HIT_NOTIFICATION_PAYLOAD, hits_codec.notification_payload(n), key)


@pytest.fixture
def shared(pair):
    """Gent shares stolen vehicles with Terneuzen; one entry already synced."""
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
    first = add_entry(gent, ivan, "1-ABC-123", "B")
    wait_until(lambda: first in received(terneuzen, agreement_id), what="the entry to sync")
    wait_until(lambda: in_step(gent, terneuzen, agreement_id), what="a verified head")
    return {"pair": pair, "agreement_id": agreement_id, "ivan": ivan, "first": first}


def test_a_rotation_reaches_a_partner_that_was_down_and_history_still_verifies(shared, certs):
    pair, agreement_id, ivan = shared["pair"], shared["agreement_id"], shared["ivan"]
    gent, terneuzen = pair["be-gent"], pair["nl-terneuzen"]
    old_gent = signing_key(gent)

    # Terneuzen is down while Gent rotates: the outbox keeps the statement for it.
    terneuzen.stop()
    rotated = gent.json("keys", "rotate", "signing", "--overlap", "1d")
    new_gent = rotated["key"]["key_id"]
    assert new_gent != old_gent.key_id and rotated["partners"] == ["nl-terneuzen"]
    assert signing_key(gent).key_id == new_gent  # node.key is the new key
    assert (gent.home / "keys" / (old_gent.key_id.replace(":", "-") + ".key")).is_file()
    second = add_entry(gent, ivan, "2-DEF-456", "B")  # its checkpoint: new key only
    terneuzen.start()

    def states() -> dict[str, str]:
        return {k["key_id"]: k["state"] for k in keys_of(terneuzen, "be-gent")}

    wait_until(lambda: states().get(new_gent) == "current", what="the statement at Terneuzen")
    assert states()[old_gent.key_id] == "overlap"
    rotated_record = audit(terneuzen, "partner.key_rotated")[-1]
    assert rotated_record["details"]["key_id"] == new_gent
    # The checkpoint signed with the new key verifies; so does everything held before.
    # (A batch pulled before the statement arrived was refused; sync retries with backoff.)
    wait_until(
        lambda: second in received(terneuzen, agreement_id), timeout=90, what="the new entry"
    )
    wait_until(lambda: in_step(gent, terneuzen, agreement_id), what="a head under the new key")
    verified = terneuzen.argos("sync", "verify", agreement_id).stdout
    assert verified.startswith("2 entries proven")
    # Gent's audit log: records before the rotation, head signed by the new key.
    assert audit_intact(gent)

    # Terneuzen rotates too, with an overlap that ends at once; its hit notifications are
    # signed with its new key and Gent takes them.
    old_terneuzen = signing_key(terneuzen)
    terneuzen.argos("keys", "rotate", "signing", "--overlap", "0s")
    new_terneuzen = signing_key(terneuzen).key_id
    wait_until(
        lambda: any(k["key_id"] == new_terneuzen for k in keys_of(gent, "nl-terneuzen")),
        what="Terneuzen's statement at Gent",
    )
    cam = terneuzen.add_user("cam", "adapter")
    terneuzen.argos(
        "reads",
        "replay",
        str(reads_file(pair.workdir / "r.jsonl", [read("1ABC123")])),
        token_file=cam,
    )
    wait_until(lambda: len(hits(gent, ivan)) == 1, what="the hit at Gent")

    # A sender still signing with Terneuzen's old key, after its overlap: refused.
    before = hits(gent, ivan)
    stub = federation_stub(gent, certs, "nl-terneuzen")
    stale = notification(agreement_id, shared["first"], old_terneuzen)
    with pytest.raises(grpc.RpcError) as refused:
        stub.NotifyHit(fpb.NotifyHitRequest(notification=codec.envelope_to_pb(stale)))
    assert refused.value.code() is grpc.StatusCode.UNAUTHENTICATED
    assert old_terneuzen.key_id in refused.value.details()
    assert "accepted for new messages until" in refused.value.details()
    assert hits(gent, ivan) == before  # nothing stored
    recorded = audit(gent, "federation.refused")[-1]
    assert recorded["object_id"] == "NotifyHit"
    assert old_terneuzen.key_id in recorded["justification"]
    assert recorded["details"]["error"] == "KeyNotAccepted"
    # Both logs still verify end to end.
    assert audit_intact(gent)
    assert audit_intact(terneuzen)


def test_a_partner_key_changed_in_place_keeps_agreements_and_everything_received(
    shared, certs, tmp_path
):
    """Terneuzen lost its key folder and made a new key by hand; Gent's administrator
    checked it by phone and registers it in place."""
    pair, agreement_id, ivan = shared["pair"], shared["agreement_id"], shared["ivan"]
    gent, terneuzen = pair["be-gent"], pair["nl-terneuzen"]
    held_before = received(terneuzen, agreement_id)
    old = signing_key(terneuzen)
    new = NodeSigningKey.generate()
    key_file = tmp_path / "terneuzen.pub"
    key_file.write_text(new.public.raw.hex())

    added = gent.json(
        "partner",
        "keys",
        "add",
        "nl-terneuzen",
        "--key",
        str(key_file),
        "--justification",
        "read out by Terneuzen's administrator, ticket 77",
    )
    assert added[0]["key_id"] == new.key_id and added[0]["state"] == "current"
    gent.argos(
        "partner",
        "keys",
        "retire",
        "nl-terneuzen",
        old.key_id,
        "--justification",
        "Terneuzen's old key folder was lost",
    )
    states = {k["key_id"]: k["state"] for k in keys_of(gent, "nl-terneuzen")}
    assert states == {old.key_id: "retired", new.key_id: "current"}

    assert gent.json("agreement", "show", agreement_id)["state"] == "active"
    assert received(terneuzen, agreement_id) == held_before  # nothing purged
    # A message under the new key is accepted; under the retired key refused.
    stub = federation_stub(gent, certs, "nl-terneuzen")
    accepted = notification(agreement_id, shared["first"], new)
    assert not stub.NotifyHit(
        fpb.NotifyHitRequest(notification=codec.envelope_to_pb(accepted))
    ).duplicate
    with pytest.raises(grpc.RpcError) as refused:
        stub.NotifyHit(
            fpb.NotifyHitRequest(
                notification=codec.envelope_to_pb(notification(agreement_id, shared["first"], old))
            )
        )
    assert "accepted for new messages until" in refused.value.details()
    assert len(hits(gent, ivan)) == 1
    actions = [r["action"] for r in gent.json("audit", "list", "--limit", "10000")]
    assert "partner.key_added" in actions and "partner.key_retired" in actions
    assert audit_intact(gent)


def test_a_backup_after_a_rotation_carries_every_key_and_the_chain(pair, tmp_path):
    """Restored, the node signs with its current key and still verifies its audit log,
    whose earlier records were sealed under the key it rotated away from."""
    gent = pair["be-gent"]
    old = signing_key(gent)
    gent.argos("keys", "rotate", "signing", "--overlap", "1h")
    new = signing_key(gent)
    passphrase = tmp_path / "backup.passphrase"
    passphrase.write_bytes(b"correct horse battery staple 2026\n")
    passphrase.chmod(0o600)
    archive = tmp_path / "gent.argosbak"
    gent.argos(
        "backup",
        "--out",
        str(archive),
        "--passphrase-file",
        str(passphrase),
        "--justification",
        "after the rotation",
    )
    restored = tmp_path / "restored"
    out = gent.argos(
        "restore", str(archive), "--home", str(restored), "--passphrase-file", str(passphrase)
    )
    assert "audit log intact" in out.stdout
    assert signing_key(type(gent)("be-gent", restored, gent.certs)).key_id == new.key_id
    kept = restored / "keys" / (old.key_id.replace(":", "-") + ".key")
    assert kept.read_text().strip() == old.seed.hex()
    assert kept.stat().st_mode & 0o077 == 0
    chain = json.loads((restored / "keys" / "chain.json").read_text())
    assert [k["key_id"] for k in chain["keys"]] == [old.key_id, new.key_id]
    assert len(chain["statements"]) == 1
