"""The federation port answers registered partners only: every call, the gRPC health
service and methods that do not exist included, from a certificate that is no
registered partner's is refused with a precise status, audited, and changes nothing.
Real nodes, real mutual TLS; the callers are raw gRPC clients presenting the dev CA's
certificates (a node that exists but is nobody's partner) or another CA's."""

from __future__ import annotations

import json
import sqlite3

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from gateway.wire.argos.v1 import federation_pb2 as pb
from tests.integration.hotlist_support import add_entry, received, wait_until

FEDERATION = "argos.v1.FederationService"
CALLS = (
    "grpc.health.v1.Health/Check",
    "grpc.health.v1.Health/Watch",
    "GetNodeInfo",
    "PullHotlistChanges",
    "NoSuchMethod",
)


def _channel(target, certs, as_node: str, ca=None) -> grpc.Channel:
    creds = grpc.ssl_channel_credentials(
        root_certificates=(ca or certs / "ca.pem").read_bytes(),
        private_key=(certs / as_node / "key.pem").read_bytes(),
        certificate_chain=(certs / as_node / "cert.pem").read_bytes(),
    )
    return grpc.secure_channel(
        target.endpoint, creds, options=[("grpc.ssl_target_name_override", target.node_id)]
    )


def _stored(node) -> dict:
    """What the node holds, but for the audit log (which records refusals)."""
    with sqlite3.connect(node.home / "node.sqlite") as db:
        return {
            table: db.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
            for table in ("partners", "agreements", "agreement_versions", "feed")
        }


def _refusals(node) -> list[dict]:
    return [
        r
        for r in node.json("audit", "list", "--limit", "10000")
        if r["action"] == "federation.refused"
    ]


def _calls(channel: grpc.Channel, agreement_id: str) -> dict:
    """Each kind of call a stranger might try, by the name it is audited under."""
    health = health_pb2_grpc.HealthStub(channel)
    unary = channel.unary_unary(f"/{FEDERATION}/GetNodeInfo")
    pull = channel.unary_stream(
        f"/{FEDERATION}/PullHotlistChanges",
        request_serializer=pb.PullHotlistChangesRequest.SerializeToString,
        response_deserializer=pb.PullHotlistChangesResponse.FromString,
    )
    calls = {
        "grpc.health.v1.Health/Check": lambda: health.Check(
            health_pb2.HealthCheckRequest(service=FEDERATION), timeout=5
        ),
        "grpc.health.v1.Health/Watch": lambda: next(
            health.Watch(health_pb2.HealthCheckRequest(service=FEDERATION), timeout=5)
        ),
        "GetNodeInfo": lambda: unary(pb.GetNodeInfoRequest().SerializeToString(), timeout=5),
        "PullHotlistChanges": lambda: list(
            pull(pb.PullHotlistChangesRequest(agreement_id=agreement_id, after_seq=0), timeout=5)
        ),
        "NoSuchMethod": lambda: channel.unary_unary(f"/{FEDERATION}/NoSuchMethod")(b"", timeout=5),
    }
    assert tuple(calls) == CALLS
    return calls


@pytest.fixture
def sharing(pair):
    """Gent shares one entry with Terneuzen: a feed a stranger would like to read."""
    agreement_id = pair.agree("be-gent", "nl-terneuzen", "--direction", "proposer_to_partner")
    gent, terneuzen = pair["be-gent"], pair["nl-terneuzen"]
    entry = add_entry(gent, gent.add_user("ivan", "investigator"), "1-ABC-123")
    wait_until(lambda: entry in received(terneuzen, agreement_id), what="the entry shared")
    return pair, agreement_id


def test_a_node_that_is_no_partner_is_refused_every_call_and_each_refusal_is_audited(
    sharing, certs
):
    pair, agreement_id = sharing
    gent = pair["be-gent"]
    before, refusals_before = _stored(gent), len(_refusals(gent))
    with _channel(gent, certs, "nl-vlissingen") as stranger:
        for name, call in _calls(stranger, agreement_id).items():
            with pytest.raises(grpc.RpcError) as caught:
                call()
            assert caught.value.code() is grpc.StatusCode.PERMISSION_DENIED, name
            assert "nl-vlissingen is not a registered partner" in caught.value.details(), name
    assert _stored(gent) == before
    refusals = _refusals(gent)[refusals_before:]
    # One record per refused call: who, which method, why; nothing of what was sent.
    assert [r["object_id"] for r in refusals] == list(CALLS)
    for record in refusals:
        assert record["actor"] == "unidentified"
        assert record["justification"] == "nl-vlissingen is not a registered partner of this node"
        assert json.loads(record["details_json"]) == {"error": "PartnerUnknown"}


def test_a_certificate_from_another_ca_fails_the_handshake_of_every_call(
    sharing, certs, foreign_certs
):
    pair, agreement_id = sharing
    gent = pair["be-gent"]
    before, audit_before = _stored(gent), gent.json("audit", "list", "--limit", "10000")
    with _channel(gent, foreign_certs, "be-gent", ca=certs / "ca.pem") as rogue:
        for name, call in _calls(rogue, agreement_id).items():
            with pytest.raises(grpc.RpcError) as caught:
                call()
            # TLS refuses the certificate: no handler, not even the health service, runs.
            assert caught.value.code() is grpc.StatusCode.UNAVAILABLE, name
    assert _stored(gent) == before
    after = gent.json("audit", "list", "--limit", "10000")
    assert [r for r in after if r["action"] == "federation.refused"] == [
        r for r in audit_before if r["action"] == "federation.refused"
    ]


def test_a_registered_partner_is_still_answered_on_every_method(sharing, certs):
    pair, agreement_id = sharing
    gent = pair["be-gent"]
    refusals_before = len(_refusals(gent))
    with _channel(gent, certs, "nl-terneuzen") as partner:
        calls = _calls(partner, agreement_id)
        assert calls["grpc.health.v1.Health/Check"]().status == (
            health_pb2.HealthCheckResponse.SERVING
        )
        assert calls["grpc.health.v1.Health/Watch"]().status == (
            health_pb2.HealthCheckResponse.SERVING
        )
        info = pb.GetNodeInfoResponse.FromString(calls["GetNodeInfo"]())
        assert info.node_id == "be-gent"
        assert any(m.HasField("batch") for m in calls["PullHotlistChanges"]())
        with pytest.raises(grpc.RpcError) as caught:
            calls["NoSuchMethod"]()
        assert caught.value.code() is grpc.StatusCode.UNIMPLEMENTED
    assert len(_refusals(gent)) == refusals_before
    # And the nodes' own calls to each other (status health checks) still pass.
    assert "be-gent       reachable;" in pair["nl-terneuzen"].argos("status").stdout
