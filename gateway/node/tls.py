"""Mutual-TLS credentials for the federation server and for calls to partners.

The server trusts, for client certificates, the union of the CAs registered for its
partners, re-read on every handshake so a new partner needs no restart; which node a
certificate proves is then decided by gateway.domain.peer. A client trusts only the
partner's own CA and checks the server's DNS name equals the partner's node id; for a
pinned partner it trusts only the pinned certificate itself (see federation_client).
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Callable

import grpc

from gateway.domain.errors import PartnerUnreachable
from gateway.node.config import NodeConfig
from gateway.node.tls_identity import NodeTlsIdentity

KEEPALIVE_TIME_MS = 30_000
KEEPALIVE_TIMEOUT_MS = 10_000


def channel_options(max_message_bytes: int) -> list[tuple[str, int | str]]:
    return [
        ("grpc.max_send_message_length", max_message_bytes),
        ("grpc.max_receive_message_length", max_message_bytes),
        ("grpc.keepalive_time_ms", KEEPALIVE_TIME_MS),
        ("grpc.keepalive_timeout_ms", KEEPALIVE_TIMEOUT_MS),
        ("grpc.keepalive_permit_without_calls", 0),
        ("grpc.http2.max_pings_without_data", 0),
        # A large stream window lets feed batches flow without a round trip each.
        ("grpc.http2.lookahead_bytes", 8 * 1024 * 1024),
    ]


def server_options(max_message_bytes: int) -> list[tuple[str, int | str]]:
    return [
        ("grpc.max_send_message_length", max_message_bytes),
        ("grpc.max_receive_message_length", max_message_bytes),
        # Accept client pings as often as clients are configured to send them (every
        # 30 s), with margin, so no client is ever sent "too_many_pings".
        ("grpc.http2.min_recv_ping_interval_without_data_ms", KEEPALIVE_TIME_MS // 3),
        ("grpc.http2.max_ping_strikes", 2),
        ("grpc.keepalive_time_ms", 60_000),
        ("grpc.keepalive_timeout_ms", 20_000),
        ("grpc.http2.lookahead_bytes", 8 * 1024 * 1024),
        # gRPC sets SO_REUSEPORT by default: a second node on the same address would
        # bind beside the active one and take half of its partners' calls. Off, a
        # standby taking over can listen only once the old active's listener is gone.
        ("grpc.so_reuseport", 0),
    ]


def server_credentials(
    config: NodeConfig, partner_cas: Callable[[], list[str]], identity: NodeTlsIdentity
) -> grpc.ServerCredentials:
    """gRPC calls `fetch` on every new handshake: a new configuration is handed over
    when the partners' CAs or this node's own identity (`argos tls reload`) changed;
    connections already open keep the certificate they were made with."""
    own_ca = config.tls_ca.read_text()

    def roots() -> bytes:
        # Own CA keeps the bundle non-empty before any partner exists; a cert from it
        # still has to name a registered partner to get anywhere.
        pems = {own_ca.strip(), *(p.strip() for p in partner_cas())}
        return ("\n".join(sorted(pems)) + "\n").encode()

    current = {"roots": roots(), "generation": identity.generation}

    def fetch() -> grpc.ServerCertificateConfiguration | None:
        fresh, generation = roots(), identity.generation
        if fresh == current["roots"] and generation == current["generation"]:
            return None
        current["roots"], current["generation"] = fresh, generation
        served = identity.current
        return grpc.ssl_server_certificate_configuration(
            [(served.key_pem, served.cert_pem)], root_certificates=fresh
        )

    served = identity.current
    initial = grpc.ssl_server_certificate_configuration(
        [(served.key_pem, served.cert_pem)], root_certificates=current["roots"]
    )
    return grpc.dynamic_ssl_server_credentials(initial, fetch, require_client_authentication=True)


def client_credentials(
    config: NodeConfig, trusted_pem: str, identity: NodeTlsIdentity | None = None
) -> grpc.ChannelCredentials:
    """Credentials of a channel to one partner: this node's certificate and key, and
    `trusted_pem` as the only trust anchors. gRPC loads roots with
    X509_V_FLAG_PARTIAL_CHAIN (src/core/tsi/ssl_transport_security.cc,
    ssl_ctx_load_verification_certs), so a leaf certificate given here is an anchor of
    its own: every handshake of the channel must then present a chain ending in it."""
    if identity is not None:
        key, cert = identity.current.key_pem, identity.current.cert_pem
    else:
        key, cert = config.tls_key.read_bytes(), config.tls_cert.read_bytes()
    return grpc.ssl_channel_credentials(
        root_certificates=trusted_pem.encode(), private_key=key, certificate_chain=cert
    )


def fetch_server_certificate(
    config: NodeConfig, endpoint: str, server_name: str, timeout_s: float
) -> bytes:
    """The DER certificate a partner's endpoint presents, from one TLS handshake of its
    own that carries no request. It is fetched, not trusted: the caller decides whether
    it is the partner's (gateway.domain.peer rule 4), and the completed handshake has
    already proved that the endpoint holds its private key. This node's own certificate
    is presented as on any federation call, since partners require one."""
    host, _, port = endpoint.rpartition(":")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.load_cert_chain(config.tls_cert, config.tls_key)
    context.set_alpn_protocols(["h2"])
    try:
        with (
            socket.create_connection((host.strip("[]"), int(port)), timeout=timeout_s) as raw,
            context.wrap_socket(raw, server_hostname=server_name) as tls,
        ):
            der = tls.getpeercert(binary_form=True)
    except (OSError, ValueError) as exc:
        raise PartnerUnreachable(
            f"{server_name} could not be reached at {endpoint}: {type(exc).__name__}"
        ) from None
    if not der:
        raise PartnerUnreachable(f"{server_name} presented no certificate at {endpoint}")
    return der


def peer_certificate(context: grpc.ServicerContext) -> bytes | None:
    values = context.auth_context().get("x509_pem_cert")
    return values[0] if values else None
