"""A node that moves: restarted presenting another certificate, or on another port; and
new certificates for it from the dev PKI generator."""

from __future__ import annotations

import hashlib
import json
import re
import socket
import ssl
from datetime import timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from tests.conftest import load_pki_generator


def serve_with(node, cert: Path, key: Path, ca: Path) -> None:
    """Restart `node` presenting another certificate (as after a renewal or a new CA)."""
    node.stop()
    config = node.home / "node.toml"
    text = config.read_text()
    for name, path in (("tls_cert", cert), ("tls_key", key), ("tls_ca", ca)):
        text = re.sub(rf"^{name} = .*$", f"{name} = {json.dumps(str(path))}", text, flags=re.M)
    config.write_text(text)
    node.start()


def renewed(certs: Path, node_id: str, out: Path) -> tuple[Path, Path]:
    """A new certificate and key for node_id from the same dev CA, as files."""
    generator = load_pki_generator()
    ca_cert = x509.load_pem_x509_certificate((certs / "ca.pem").read_bytes())
    cert, key = generator._create_node(node_id, ca_cert, generator._load_key(certs / "ca.key"))
    out.mkdir(parents=True, exist_ok=True)
    (out / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (out / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    (out / "key.pem").chmod(0o600)
    return out / "cert.pem", out / "key.pem"


def serve_on(node, port: int) -> None:
    """Restart `node` listening on another port (as after a move to a new address)."""
    node.stop()
    node.port = port
    config = node.home / "node.toml"
    text = config.read_text()
    for name in ("federation_listen", "federation_endpoint"):
        text = re.sub(rf"^{name} = .*$", f"{name} = {json.dumps(node.endpoint)}", text, flags=re.M)
    config.write_text(text)
    node.start()


def served_fingerprint(node, client_dir) -> str:
    """SHA-256 of the certificate node serves on a new connection, from one handshake
    made with a partner's client certificate."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.load_cert_chain(client_dir / "cert.pem", client_dir / "key.pem")
    context.set_alpn_protocols(["h2"])
    with (
        socket.create_connection(("127.0.0.1", node.port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname=node.node_id) as tls,
    ):
        return hashlib.sha256(tls.getpeercert(binary_form=True)).hexdigest()


def file_fingerprint(path) -> str:
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def renew(node_dir, node_id: str, ca_cert, ca_key, days: int = 365) -> None:
    """Write a freshly issued certificate and key over the node's files."""
    gen = load_pki_generator()
    validity, gen.NODE_VALIDITY = gen.NODE_VALIDITY, timedelta(days=days)
    try:
        cert, key = gen._create_node(node_id, ca_cert, ca_key)
    finally:
        gen.NODE_VALIDITY = validity
    (node_dir / "cert.pem").write_bytes(gen._cert_pem(cert))
    (node_dir / "key.pem").write_bytes(gen._key_pem(key))


def dev_ca(pki):
    gen = load_pki_generator()
    return gen._load_ca(pki / "ca.pem", pki / "ca.key")
