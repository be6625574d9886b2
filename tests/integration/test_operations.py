"""What an operator of a node relies on: health and reflection on the admin socket,
health on the federation port, and logs that never carry a secret."""

from __future__ import annotations

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc


def _admin_channel(node) -> grpc.Channel:
    return grpc.insecure_channel(f"unix://{(node.home / 'admin.sock').resolve()}")


def test_admin_socket_offers_health_and_reflection_and_is_owner_only(pair):
    node = pair["be-gent"]
    assert oct((node.home / "admin.sock").stat().st_mode & 0o777) == "0o600"
    with _admin_channel(node) as channel:
        health = health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(), timeout=5
        )
        assert health.status == health_pb2.HealthCheckResponse.SERVING
        replies = reflection_pb2_grpc.ServerReflectionStub(channel).ServerReflectionInfo(
            iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=5
        )
        services = {s.name for r in replies for s in r.list_services_response.service}
    assert "argos.v1.AdminService" in services


def test_federation_port_answers_health_checks_over_mutual_tls(pair, certs):
    gent = pair["be-gent"]
    creds = grpc.ssl_channel_credentials(
        root_certificates=(certs / "ca.pem").read_bytes(),
        private_key=(certs / "nl-terneuzen" / "key.pem").read_bytes(),
        certificate_chain=(certs / "nl-terneuzen" / "cert.pem").read_bytes(),
    )
    with grpc.secure_channel(
        gent.endpoint, creds, options=[("grpc.ssl_target_name_override", "be-gent")]
    ) as channel:
        reply = health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service="argos.v1.FederationService"), timeout=5
        )
    assert reply.status == health_pb2.HealthCheckResponse.SERVING


def test_node_keys_and_tokens_never_reach_the_logs(pair):
    agreement_id = pair.agree("be-gent", "nl-terneuzen")
    pair["be-gent"].argos("agreement", "suspend", agreement_id, "--reason", "drill")
    for node in pair.nodes.values():
        node.stop()
        log = node.log_path.read_text()
        assert "node.started" in log and agreement_id in log
        for secret_file in ("node.key", "admin.token"):
            secret = (node.home / secret_file).read_text().strip()
            assert secret not in log
        assert "PRIVATE KEY" not in log
