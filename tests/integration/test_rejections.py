"""Every way a partner call or a local call can be refused: each gets a precise status
and message, and nothing already stored changes."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

import grpc
import pytest

from gateway.domain import envelope as env
from gateway.domain.identity import NodeSigningKey
from gateway.wire import codec
from gateway.wire.argos.v1 import envelope_pb2
from gateway.wire.argos.v1 import federation_pb2 as pb
from tests.integration.federation_support import federation_stub, signing_key


def _snapshot(node) -> dict:
    """Everything the node stores except the audit log, which records refusals, and a
    user's last use, which records that the user called (refused or not)."""
    with sqlite3.connect(node.home / "node.sqlite") as db:
        tables = {
            table: db.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
            for table in (
                "partners",
                "agreements",
                "agreement_versions",
                "agreement_status_changes",
            )
        }
        tables["users"] = db.execute(
            "SELECT name, role, token_sha256, created_at, state, token_expires_at FROM users "
            "ORDER BY 1"
        ).fetchall()
        return tables


def _last_refusal(node) -> dict:
    records = node.json("audit", "list", "--limit", "1000")
    return [r for r in records if r["action"] == "federation.refused"][-1]


def _proposal_envelope(gent, terneuzen_id: str, agreement_id: str) -> env.Envelope:
    """Gent's current agreement payload re-signed by Gent alone (as first sent)."""
    held = gent.json("agreement", "show", agreement_id)
    envelope = codec.envelope_from_bytes(bytes.fromhex(held["envelope_hex"]))
    return env.sign(envelope.payload_type, envelope.payload, signing_key(gent))


def _refused_proposal(node, certs: Path, envelope) -> grpc.RpcError:
    """Send a proposal as be-gent; return the error it must be refused with, after
    checking that the refusal changed nothing the node stores."""
    before = _snapshot(node)
    message = (
        envelope
        if isinstance(envelope, envelope_pb2.Envelope)
        else (codec.envelope_to_pb(envelope))
    )
    with pytest.raises(grpc.RpcError) as caught:
        federation_stub(node, certs, "be-gent").ProposeAgreement(
            pb.ProposeAgreementRequest(agreement=message), timeout=10
        )
    assert _snapshot(node) == before
    return caught.value


@pytest.fixture
def active(pair):
    agreement_id = pair.agree("be-gent", "nl-terneuzen")
    return pair, agreement_id


def test_client_certificate_from_an_unknown_ca_fails_the_tls_handshake(pair, foreign_certs):
    terneuzen = pair["nl-terneuzen"]
    before = _snapshot(terneuzen)
    stub = federation_stub(terneuzen, foreign_certs, "be-gent", ca=pair.certs / "ca.pem")
    with pytest.raises(grpc.RpcError) as caught:
        stub.GetNodeInfo(pb.GetNodeInfoRequest(), timeout=5)
    # The server refuses the handshake itself; no application code ever sees the call.
    assert caught.value.code() is grpc.StatusCode.UNAVAILABLE
    assert _snapshot(terneuzen) == before


def test_valid_certificate_of_an_unregistered_node_is_refused(pair, certs):
    terneuzen = pair["nl-terneuzen"]
    before = _snapshot(terneuzen)
    with pytest.raises(grpc.RpcError) as caught:
        federation_stub(terneuzen, certs, "nl-vlissingen").GetNodeInfo(
            pb.GetNodeInfoRequest(), timeout=5
        )
    assert caught.value.code() is grpc.StatusCode.PERMISSION_DENIED
    assert "nl-vlissingen is not a registered partner" in caught.value.details()
    assert _snapshot(terneuzen) == before
    assert _last_refusal(terneuzen)["actor"] == "unidentified"


def test_registered_partner_is_answered(pair, certs):
    reply = federation_stub(pair["nl-terneuzen"], certs, "be-gent").GetNodeInfo(
        pb.GetNodeInfoRequest(), timeout=5
    )
    assert reply.node_id == "nl-terneuzen"


def test_proposal_signed_with_another_nodes_key_is_refused(pair, certs):
    terneuzen = pair["nl-terneuzen"]
    proposed = pair["be-gent"].json(
        "agreement", "propose", "--partner", "nl-terneuzen", "--justification", "t"
    )
    held = codec.envelope_from_bytes(bytes.fromhex(proposed["envelope_hex"]))
    # Same payload, but a new proposal id so it is not a mere re-delivery.
    forged = env.sign(held.payload_type, held.payload, NodeSigningKey.generate())
    error = _refused_proposal(terneuzen, certs, forged)
    assert error.code() is grpc.StatusCode.UNAUTHENTICATED
    assert "belongs to none of be-gent" in error.details()
    assert _last_refusal(terneuzen)["actor"] == "be-gent"


@pytest.mark.parametrize("where", ["payload", "signature"])
def test_envelope_with_one_byte_changed_is_refused(active, certs, where):
    pair, agreement_id = active
    terneuzen = pair["nl-terneuzen"]
    good = _proposal_envelope(pair["be-gent"], "nl-terneuzen", agreement_id)
    if where == "payload":
        payload = bytearray(good.payload)
        payload[len(payload) // 2] ^= 0x01
        bad = dataclasses.replace(good, payload=bytes(payload))
    else:
        sig = good.signatures[0]
        flipped = bytes([sig.sig[0] ^ 0x01]) + sig.sig[1:]
        bad = dataclasses.replace(good, signatures=(env.Signature(sig.key_id, flipped),))
    error = _refused_proposal(terneuzen, certs, bad)
    assert error.code() is grpc.StatusCode.UNAUTHENTICATED
    assert "does not verify" in error.details()


def test_replayed_older_agreement_version_is_refused(active, certs):
    pair, agreement_id = active
    gent, terneuzen = pair["be-gent"], pair["nl-terneuzen"]
    v1_proposal = _proposal_envelope(gent, "nl-terneuzen", agreement_id)
    gent.argos("agreement", "amend", agreement_id, "--justification", "v2")
    terneuzen.argos("agreement", "accept", agreement_id, "--justification", "ok")
    error = _refused_proposal(terneuzen, certs, v1_proposal)
    assert error.code() is grpc.StatusCode.FAILED_PRECONDITION
    assert "older than the version in force (2)" in error.details()


def test_proposal_naming_a_third_party_is_refused(active, certs):
    pair, agreement_id = active
    gent, terneuzen = pair["be-gent"], pair["nl-terneuzen"]
    held = gent.json("agreement", "show", agreement_id)
    terms = codec.terms_from_payload(
        codec.envelope_from_bytes(bytes.fromhex(held["envelope_hex"])).payload
    )
    third = dataclasses.replace(terms, agreement_id="a-new-one", partner="nl-rotterdam")
    forged = env.sign(env.AGREEMENT_PAYLOAD, codec.terms_payload(third), signing_key(gent))
    error = _refused_proposal(terneuzen, certs, forged)
    assert error.code() is grpc.StatusCode.PERMISSION_DENIED
    assert "nl-rotterdam" in error.details()


def test_message_over_the_size_limit_is_refused(pair, certs):
    terneuzen = pair["nl-terneuzen"]
    huge = envelope_pb2.Envelope(
        payload_type=env.AGREEMENT_PAYLOAD,
        payload=b"\0" * (5 * 1024 * 1024),
        signatures=[envelope_pb2.Signature(key_id="x", sig=b"y")],
    )
    error = _refused_proposal(terneuzen, certs, huge)
    assert error.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "larger than max" in error.details()


def test_cli_call_by_a_user_whose_role_does_not_allow_it_is_refused(pair, tmp_path):
    terneuzen = pair["nl-terneuzen"]
    operator_token = tmp_path / "operator.token"
    terneuzen.argos("user", "add", "olga", "--role", "operator", "--token-out", str(operator_token))
    assert oct(operator_token.stat().st_mode & 0o777) == "0o600"
    before = _snapshot(terneuzen)
    gent_info = pair["be-gent"].identity()
    result = terneuzen.argos(
        "partner",
        "remove",
        "be-gent",
        "--justification",
        "x",
        token_file=operator_token,
        check=False,
    )
    assert result.returncode == 3
    assert "user olga has role operator; partner.manage needs admin" in result.stderr
    result = terneuzen.argos(
        "agreement",
        "propose",
        "--partner",
        "be-gent",
        "--justification",
        "x",
        token_file=operator_token,
        check=False,
    )
    assert result.returncode == 3
    assert _snapshot(terneuzen) == before
    denied = [
        r
        for r in terneuzen.json("audit", "list", "--limit", "1000")
        if r["action"] == "access.denied"
    ]
    assert [r["actor"] for r in denied] == ["olga", "olga"]
    assert gent_info["node_id"] == "be-gent"


def test_cli_call_without_a_valid_token_is_refused(pair, tmp_path):
    bogus = tmp_path / "bogus.token"
    bogus.write_text("argos_not-a-real-token\n")
    result = pair["nl-terneuzen"].argos("status", token_file=bogus, check=False)
    assert result.returncode == 3
    assert "not valid on this node" in result.stderr


def test_partner_registered_with_a_pin_must_present_exactly_that_certificate(pair, certs):
    terneuzen = pair["nl-terneuzen"]
    gent_info = pair["be-gent"].identity()
    terneuzen.argos("partner", "remove", "be-gent", "--justification", "re-register pinned")

    def register(pin: str) -> None:
        terneuzen.argos(
            "partner",
            "add",
            "be-gent",
            "--endpoint",
            gent_info["endpoint"],
            "--public-key",
            gent_info["public_key"],
            "--ca-cert",
            str(certs / "ca.pem"),
            "--pin-sha256",
            pin,
        )

    register("ab" * 32)
    with pytest.raises(grpc.RpcError) as caught:
        federation_stub(terneuzen, certs, "be-gent").GetNodeInfo(pb.GetNodeInfoRequest(), timeout=5)
    assert caught.value.code() is grpc.StatusCode.UNAUTHENTICATED
    assert "does not match its pinned fingerprint" in caught.value.details()

    terneuzen.argos("partner", "remove", "be-gent", "--justification", "fix the pin")
    register(gent_info["tls_cert_sha256"])
    reply = federation_stub(terneuzen, certs, "be-gent").GetNodeInfo(
        pb.GetNodeInfoRequest(), timeout=5
    )
    assert reply.node_id == "nl-terneuzen"
