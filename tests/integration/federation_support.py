"""Talking to a node's federation API directly, as a partner node would: for tests
that must send what a well-behaved node never sends."""

from __future__ import annotations

from pathlib import Path

import grpc

from gateway.domain.identity import NodeSigningKey
from gateway.wire.argos.v1 import federation_pb2_grpc


def federation_stub(target_node, certs: Path, as_node: str, ca: Path | None = None):
    """A raw federation client presenting `as_node`'s certificate from `certs`."""
    creds = grpc.ssl_channel_credentials(
        root_certificates=(ca or certs / "ca.pem").read_bytes(),
        private_key=(certs / as_node / "key.pem").read_bytes(),
        certificate_chain=(certs / as_node / "cert.pem").read_bytes(),
    )
    channel = grpc.secure_channel(
        target_node.endpoint,
        creds,
        options=[("grpc.ssl_target_name_override", target_node.node_id)],
    )
    return federation_pb2_grpc.FederationServiceStub(channel)


def signing_key(node) -> NodeSigningKey:
    return NodeSigningKey(bytes.fromhex((node.home / "node.key").read_text().strip()))
