"""A recipient refuses a tampered, replayed or out-of-scope batch, records why, and
keeps exactly what it held. The provider here is a stand-in gRPC server that holds
be-gent's real certificate and signing key but serves crafted batches - the only way
to put a forged batch on the wire from a real, authenticated peer."""

from __future__ import annotations

import queue
import sqlite3
import time
from concurrent import futures
from datetime import UTC, datetime, timedelta

import grpc
import pytest

from gateway.domain import envelope as env
from gateway.domain import feed as feed_rules
from gateway.domain import merkle
from gateway.domain.identity import NodeSigningKey
from gateway.domain.minimise import MinimisedEntry, epoch_us
from gateway.wire import codec, feed_codec
from gateway.wire.argos.v1 import agreement_pb2, federation_pb2_grpc, hotlist_pb2
from gateway.wire.argos.v1 import federation_pb2 as pb
from tests.integration.hotlist_support import received, wait_until


class ScriptedProvider(federation_pb2_grpc.FederationServiceServicer):
    def __init__(self) -> None:
        self.scripts: queue.Queue = queue.Queue()
        # Keep each stream open after its script, as a real provider's follow stream
        # stays open waiting for changes, until the recipient ends the call.
        self.hold_open = False
        self.streams_ended = 0

    def GetMatchingKey(self, request, context):
        return pb.GetMatchingKeyResponse(
            matching_mode=agreement_pb2.MATCHING_MODE_TOKEN, token_key=b"k" * 32
        )

    def PullHotlistChanges(self, request, context):
        try:
            script = self.scripts.get(timeout=5)
        except queue.Empty:
            context.abort(grpc.StatusCode.UNAVAILABLE, "nothing scripted")
        if self.hold_open:
            # Called when the call ends, however it ends (gRPC stops iterating this
            # generator at once when the recipient cancels while a batch is in flight).
            context.add_callback(self._ended)
        yield from script
        while self.hold_open and context.is_active():
            time.sleep(0.05)

    def _ended(self) -> None:
        self.streams_ended += 1


@pytest.fixture
def stand_in(pair, certs):
    """Gent's node is replaced on its own address by the scripted provider."""
    agreement_id = pair.agree(
        "be-gent",
        "nl-terneuzen",
        "--categories",
        "stolen_vehicle",
        "--direction",
        "proposer_to_partner",
    )
    gent = pair["be-gent"]
    key = NodeSigningKey(bytes.fromhex((gent.home / "node.key").read_text().strip()))
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
        yield provider, key, agreement_id, pair["nl-terneuzen"]
    finally:
        server.stop(0)


def _entry(entry_id: str, category: str = "stolen_vehicle") -> MinimisedEntry:
    now = datetime.now(UTC)
    return MinimisedEntry(
        entry_id=entry_id,
        owner="be-gent",
        version=1,
        category=category,
        valid_from_us=epoch_us(now - timedelta(days=1)),
        expires_at_us=epoch_us(now + timedelta(days=10)),
        plate_token=b"t" * 16,
        action="discreet_check",
    )


def _batch(key, agreement_id, from_seq, leaves, *, signed_leaves=None):
    """A checkpointed batch signed with key; signed_leaves, if given, are what the
    signature's Merkle root covers (to put altered leaves under a genuine signature)."""
    covered = signed_leaves or leaves
    cp = feed_rules.Checkpoint(
        agreement_id=agreement_id,
        agreement_version=1,
        provider="be-gent",
        recipient="nl-terneuzen",
        from_seq=from_seq,
        to_seq=feed_codec.change_from_leaf(covered[-1]).seq,
        leaf_count=len(leaves),
        merkle_root=merkle.merkle_root(covered),
    )
    envelope = env.sign(feed_rules.CHECKPOINT_PAYLOAD, feed_codec.checkpoint_payload(cp), key)
    return pb.PullHotlistChangesResponse(
        batch=hotlist_pb2.ChangeBatch(leaves=leaves, checkpoint=codec.envelope_to_pb(envelope))
    )


def _state(node, agreement_id):
    with sqlite3.connect(node.home / "node.sqlite") as db:
        return db.execute(
            "SELECT cursor, live_count, rejected_batches, last_error FROM sync_state "
            "WHERE agreement_id = ?",
            (agreement_id,),
        ).fetchone()


def _rejections(node) -> list[dict]:
    return [
        r
        for r in node.json("audit", "list", "--limit", "1000")
        if r["action"] == "hotlist.batch_rejected"
    ]


def test_tampered_replayed_and_out_of_scope_batches_are_refused_and_change_nothing(stand_in):
    provider, key, agreement_id, terneuzen = stand_in
    good_leaf = feed_codec.upsert_leaf(1, 1, _entry("e-1"))
    provider.scripts.put([_batch(key, agreement_id, 0, [good_leaf])])
    wait_until(lambda: "e-1" in received(terneuzen, agreement_id), what="a good batch applied")
    held = received(terneuzen, agreement_id)
    assert _state(terneuzen, agreement_id)[:3] == (1, 1, 0)

    # Tampered: one byte of the leaf changed after the provider signed the root.
    tampered = bytearray(feed_codec.upsert_leaf(2, 1, _entry("e-2")))
    signed = [bytes(tampered)]
    tampered[-1] ^= 0x01
    provider.scripts.put([_batch(key, agreement_id, 1, [bytes(tampered)], signed_leaves=signed)])
    wait_until(lambda: _state(terneuzen, agreement_id)[2] == 1, what="tampering refused")
    assert "Merkle root" in _state(terneuzen, agreement_id)[3]

    # Replayed: the first batch again, from a cursor this node has already passed.
    provider.scripts.put([_batch(key, agreement_id, 0, [good_leaf])])
    wait_until(lambda: _state(terneuzen, agreement_id)[2] == 2, what="replay refused")
    assert "replayed batch" in _state(terneuzen, agreement_id)[3]

    # Out of scope: properly signed, but a category the agreement does not cover.
    outside = feed_codec.upsert_leaf(2, 1, _entry("e-3", category="drug_trafficking"))
    provider.scripts.put([_batch(key, agreement_id, 1, [outside])])
    wait_until(lambda: _state(terneuzen, agreement_id)[2] == 3, what="out of scope refused")
    assert "drug_trafficking" in _state(terneuzen, agreement_id)[3]

    assert received(terneuzen, agreement_id) == held
    assert _state(terneuzen, agreement_id)[:2] == (1, 1)
    reasons = [r["details_json"] for r in _rejections(terneuzen)]
    assert len(reasons) == 3
    assert "AgreementViolation" in reasons[0] and "StaleVersion" in reasons[1]


def test_a_refused_batch_ends_its_feed_call_at_once(stand_in):
    """A provider serves a few feed streams per partner at once (4): a recipient that
    left each refused stream open until its garbage collector ran was refused by the
    provider for minutes after a few refusals (seen after a signing-key rotation)."""
    provider, key, agreement_id, terneuzen = stand_in
    provider.hold_open = True
    tampered = bytearray(feed_codec.upsert_leaf(1, 1, _entry("e-1")))
    signed = [bytes(tampered)]
    tampered[-1] ^= 0x01
    provider.scripts.put([_batch(key, agreement_id, 0, [bytes(tampered)], signed_leaves=signed)])
    wait_until(lambda: len(_rejections(terneuzen)) == 1, what="tampering refused")
    wait_until(lambda: provider.streams_ended == 1, what="the refused stream's call ended")
