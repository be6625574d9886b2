"""A node that moves: restarted presenting another certificate, or on another port; and
new certificates for it from the dev PKI generator."""

from __future__ import annotations

import json
import re
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
