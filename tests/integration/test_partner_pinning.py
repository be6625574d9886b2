"""Pinning holds both ways: a node that pinned its partner's certificate sends nothing to
an endpoint that presents any other, on a new channel or on a later connection of one
already open; what it was to deliver waits, and the refusal is audited once.

Stand-in: the impostor below is a gRPC server of the test's own on be-gent's endpoint
(be-gent itself is stopped), presenting a second be-gent certificate issued by the same
dev CA, as a CA that issued one by mistake, or for someone else, would. It counts every
request that reaches it. Everything else is real: two `argos serve` processes, mutual
TLS, SQLite, the CLI. The last test drives the node's federation client in-process
against two such servers, to show that the channel itself, not only the check made
before it exists, refuses the impostor."""

from __future__ import annotations

import json
import sqlite3
from concurrent import futures
from pathlib import Path

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from grpc_health.v1 import health_pb2

from gateway.domain.errors import PartnerUnreachable
from gateway.domain.identity import NodeSigningKey
from gateway.domain.partners import Partner
from gateway.domain.peer import certificate_fingerprint
from gateway.domain.times import utc_now
from gateway.federation import LocalFederation, free_port
from gateway.node import federation_client
from gateway.node.config import init_node_home
from tests.conftest import load_pki_generator
from tests.integration.hotlist_support import add_entry, received, wait_until


class Impostor:
    """Answers Health.Check SERVING, anything else UNIMPLEMENTED; remembers each call."""

    def __init__(self, endpoint: str, key_pem: bytes, cert_pem: bytes) -> None:
        self.calls: list[str] = []
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        self._server.add_generic_rpc_handlers((self,))
        creds = grpc.ssl_server_credentials([(key_pem, cert_pem)])
        if self._server.add_secure_port(endpoint, creds) == 0:
            raise OSError(f"the impostor cannot listen on {endpoint}")
        self._server.start()

    def service(self, handler_call_details):  # grpc.GenericRpcHandler
        self.calls.append(handler_call_details.method)
        if handler_call_details.method == "/grpc.health.v1.Health/Check":
            return grpc.unary_unary_rpc_method_handler(
                lambda request, context: health_pb2.HealthCheckResponse(
                    status=health_pb2.HealthCheckResponse.SERVING
                ).SerializeToString()
            )
        return None

    def stop(self) -> None:
        self._server.stop(0).wait()


def _second_certificate(certs: Path, node_id: str) -> tuple[bytes, bytes]:
    """Another certificate for node_id from the dev CA: (key PEM, certificate PEM)."""
    generator = load_pki_generator()
    ca_cert = x509.load_pem_x509_certificate((certs / "ca.pem").read_bytes())
    ca_key = generator._load_key(certs / "ca.key")
    cert, key = generator._create_node(node_id, ca_cert, ca_key)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return key_pem, cert.public_bytes(serialization.Encoding.PEM)


def _reach(node, partner: str) -> str:
    """The partner's line of `argos status`: reachable, or why not."""
    for line in node.argos("status").stdout.splitlines():
        if line.strip().startswith(partner):
            return line
    raise AssertionError(f"{partner} not in the status of {node.node_id}")


def _audit(node, action: str) -> list[dict]:
    return [r for r in node.json("audit", "list", "--limit", "10000") if r["action"] == action]


def _rows(node, table: str) -> list[tuple]:
    with sqlite3.connect(node.home / "node.sqlite") as db:
        return db.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()


@pytest.fixture
def pinned(tmp_path, certs):
    """Terneuzen registered be-gent with its CA and its certificate's pin; an agreement
    under which Gent shares with Terneuzen, its first entry already received."""
    federation = LocalFederation(tmp_path / "nodes", certs, ("be-gent", "nl-terneuzen"))
    try:
        federation.start()
        gent, terneuzen = federation["be-gent"], federation["nl-terneuzen"]
        tern = terneuzen.identity()
        gent.argos(
            "partner", "add", "nl-terneuzen", "--endpoint", tern["endpoint"],
            "--public-key", tern["public_key"], "--ca-cert", tern["tls_ca"],
        )  # fmt: skip
        info = gent.identity()
        terneuzen.argos(
            "partner", "add", "be-gent", "--endpoint", info["endpoint"],
            "--public-key", info["public_key"], "--ca-cert", str(certs / "ca.pem"),
            "--pin-sha256", info["tls_cert_sha256"],
        )  # fmt: skip
        # Terneuzen's countersignature goes to Gent over the pinned channel.
        agreement_id = federation.agree(
            "be-gent", "nl-terneuzen", "--direction", "proposer_to_partner"
        )
        ivan = gent.add_user("ivan", "investigator")
        entry = add_entry(gent, ivan, "1-ABC-123")
        wait_until(lambda: entry in received(terneuzen, agreement_id), what="the first entry")
        yield federation, agreement_id, ivan, info["tls_cert_sha256"]
    finally:
        federation.stop()


def test_a_pinned_partner_presenting_its_pinned_certificate_is_served(pinned):
    federation, agreement_id, ivan, _ = pinned
    gent, terneuzen = federation["be-gent"], federation["nl-terneuzen"]
    assert "reachable;" in _reach(terneuzen, "be-gent")
    second = add_entry(gent, ivan, "2-XYZ-987")
    wait_until(lambda: second in received(terneuzen, agreement_id), what="a later entry")
    assert _audit(terneuzen, "federation.partner_server_refused") == []


def test_an_endpoint_presenting_another_certificate_for_the_partner_gets_no_request(pinned, certs):
    federation, agreement_id, _, gent_pin = pinned
    gent, terneuzen = federation["be-gent"], federation["nl-terneuzen"]
    # Terneuzen's channel to Gent is open and in use (status health check, sync stream).
    assert "reachable;" in _reach(terneuzen, "be-gent")
    held_before = received(terneuzen, agreement_id)
    agreements_before = _rows(terneuzen, "agreements")

    gent.stop()
    key_pem, cert_pem = _second_certificate(certs, "be-gent")
    impostor = Impostor(gent.endpoint, key_pem, cert_pem)
    try:
        # The attack is real: a client that trusts the CA alone is served by it.
        creds = grpc.ssl_channel_credentials(
            root_certificates=(certs / "ca.pem").read_bytes(),
            private_key=(certs / "nl-terneuzen" / "key.pem").read_bytes(),
            certificate_chain=(certs / "nl-terneuzen" / "cert.pem").read_bytes(),
        )
        options = [("grpc.ssl_target_name_override", "be-gent")]
        with grpc.secure_channel(gent.endpoint, creds, options=options) as channel:
            channel.unary_unary("/grpc.health.v1.Health/Check")(b"", timeout=5)
        assert impostor.calls == ["/grpc.health.v1.Health/Check"]

        # Health check, a proposal, a status change and the sync stream: all refused.
        problem = _reach(terneuzen, "be-gent")
        assert "UNREACHABLE (peer identity mismatch:" in problem
        assert "does not match its pinned fingerprint" in problem
        proposal = terneuzen.argos(
            "agreement", "propose", "--partner", "be-gent", "--justification", "t", check=False
        )
        assert proposal.returncode != 0
        assert "does not match its pinned fingerprint" in proposal.stderr
        terneuzen.argos("agreement", "suspend", agreement_id, "--reason", "drill")
        refused = wait_until(
            lambda: _audit(terneuzen, "federation.partner_server_refused"), what="the audit"
        )
        wait_until(lambda: _sync_error(terneuzen, agreement_id), what="a sync attempt")
        assert impostor.calls == ["/grpc.health.v1.Health/Check"]  # only the control's
    finally:
        impostor.stop()

    # Recorded once for that certificate, however many calls it refused; fingerprints only.
    assert len(_audit(terneuzen, "federation.partner_server_refused")) == 1
    details = json.loads(refused[0]["details_json"])
    assert details["presented_sha256"] == certificate_fingerprint(cert_pem)
    assert details["pinned_sha256"] == gent_pin
    assert refused[0]["object_id"] == "be-gent"
    assert "PRIVATE KEY" not in json.dumps(refused)
    # Nothing received is lost; no proposal was stored; the suspension waits to be sent.
    assert received(terneuzen, agreement_id) == held_before
    assert [row[0] for row in _rows(terneuzen, "agreements")] == [
        row[0] for row in agreements_before
    ]

    # The real Gent is back: the waiting suspension reaches it over the pinned channel.
    gent.start()
    wait_until(
        lambda: gent.json("agreement", "show", agreement_id)["state"] == "suspended",
        timeout=60,
        what="the suspension delivered",
    )
    assert "reachable;" in _reach(terneuzen, "be-gent")


def _sync_error(node, agreement_id: str) -> bool:
    log = node.log_path.read_text() if node.log_path else ""
    return "sync.partner_unreachable" in log and "pinned fingerprint" in log


def test_a_later_connection_of_an_open_channel_must_present_the_pinned_certificate(
    tmp_path, certs, monkeypatch
):
    config = init_node_home(
        tmp_path / "nl-terneuzen",
        node_id="nl-terneuzen",
        federation_listen="127.0.0.1:1",
        federation_endpoint=None,
        tls_cert=certs / "nl-terneuzen" / "cert.pem",
        tls_key=certs / "nl-terneuzen" / "key.pem",
        tls_ca=certs / "ca.pem",
    )
    endpoint = f"127.0.0.1:{free_port()}"
    gent_cert = (certs / "be-gent" / "cert.pem").read_bytes()
    gent = Partner(
        node_id="be-gent",
        endpoint=endpoint,
        keys=(NodeSigningKey.generate().public,),
        tls_ca_pem=(certs / "ca.pem").read_text(),
        tls_pin_sha256=certificate_fingerprint(gent_cert),
        added_at=utc_now(),
    )
    client = federation_client.GrpcFederationClient(config)
    real = Impostor(endpoint, (certs / "be-gent" / "key.pem").read_bytes(), gent_cert)
    try:
        assert client.check_health(gent, 5) == ""  # the pinned channel, built and used
    finally:
        real.stop()
    key_pem, cert_pem = _second_certificate(certs, "be-gent")
    impostor = Impostor(endpoint, key_pem, cert_pem)
    try:
        # No second look at the endpoint: only the open channel's own handshake stands
        # between the call and the impostor.
        def no_probe(*args, **kwargs):
            raise PartnerUnreachable("no probe in this part of the test")

        monkeypatch.setattr(federation_client, "fetch_server_certificate", no_probe)
        assert client.check_health(gent, 5).startswith("unavailable:")
        assert impostor.calls == []
        monkeypatch.undo()
        # With its second look, the client names the problem (and drops the channel).
        assert "does not match its pinned fingerprint" in client.check_health(gent, 5)
        assert impostor.calls == []
    finally:
        impostor.stop()
        client.close()
