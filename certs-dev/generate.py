"""Generate a throwaway development PKI for the Argos Gateway.

Creates one ECDSA P-256 CA and one mutual-TLS certificate per port police node,
so the federated gateways can be run locally without a real port PKI.
"""

from __future__ import annotations

import argparse
import datetime as dt
import ipaddress
import os
import re
import secrets
import sys
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DEFAULT_NODES: tuple[str, ...] = (
    "be-gent",
    "nl-terneuzen",
    "be-antwerpen",
    "nl-rotterdam",
)
DEFAULT_CA_NAME = "Argos Dev CA"
DEFAULT_OUT = Path(__file__).resolve().parent / "out"
ORGANIZATION = "Argos Dev"

NODE_ID_RE = re.compile(r"^[a-z]{2}-[a-z0-9-]{2,40}$")

CA_VALIDITY = dt.timedelta(days=730)
NODE_VALIDITY = dt.timedelta(days=365)
RENEW_BEFORE = dt.timedelta(days=7)
# Backdate a little so a peer whose clock runs slightly behind still accepts
# a certificate that was minted a moment ago.
CLOCK_SKEW = dt.timedelta(minutes=5)

KEY_MODE = 0o600
CERT_MODE = 0o644
DIR_MODE = 0o700


def validate_node_id(node_id: str) -> None:
    """Raise ValueError if node_id is not of the form '<cc>-<name>'."""
    if not NODE_ID_RE.fullmatch(node_id):
        raise ValueError(
            f"invalid node id {node_id!r}: must match {NODE_ID_RE.pattern} "
            "(two-letter country code, dash, 2-40 of [a-z0-9-]), e.g. 'be-gent'"
        )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _mkdir(path: Path) -> None:
    # mode on mkdir (not a later chmod) so the directory is never briefly open.
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)


def _write_file(path: Path, data: bytes, mode: int) -> None:
    # Create a fresh temp file with the final mode, then rename over the
    # target: the mode is right from the first byte, an existing file's looser
    # mode is never inherited, and readers never see a half-written file.
    _mkdir(path.parent)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )


def _cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _is_fresh(cert: x509.Certificate) -> bool:
    return cert.not_valid_after_utc - _now() > RENEW_BEFORE


def _load_cert(path: Path) -> x509.Certificate | None:
    try:
        return x509.load_pem_x509_certificate(path.read_bytes())
    except (OSError, ValueError):
        return None


def _load_key(path: Path) -> ec.EllipticCurvePrivateKey | None:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError):
        return None
    return key if isinstance(key, ec.EllipticCurvePrivateKey) else None


def _matches(cert: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> bool:
    return cert.public_key() == key.public_key()


def _create_ca(ca_name: str) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, ca_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANIZATION),
        ]
    )
    now = _now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(now + CA_VALIDITY)
        # path_length=0: this CA may only sign leaves, never another CA.
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def _create_node(
    node_id: str, ca_cert: x509.Certificate, ca_key: ec.EllipticCurvePrivateKey
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    now = _now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COMMON_NAME, node_id),
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANIZATION),
                ]
            )
        )
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(now + NODE_VALIDITY)
        # DNS SAN = node id lets clients verify the server by its node id;
        # the URI SAN is what the gateway reads as the authenticated peer id.
        # localhost/loopback entries make single-machine runs work unchanged.
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName(node_id),
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.IPv4Address("127.0.0.1")),
                    x509.IPAddress(ipaddress.IPv6Address("::1")),
                    x509.UniformResourceIdentifier(f"urn:argos:node:{node_id}"),
                ]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=True,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        # Every node is both a gRPC server and a gRPC client under mutual TLS.
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return cert, key


def _load_ca(
    cert_path: Path, key_path: Path
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None:
    cert = _load_cert(cert_path)
    key = _load_key(key_path)
    if cert is None or key is None or not _matches(cert, key) or not _is_fresh(cert):
        return None
    return cert, key


def _node_ok(node_dir: Path, ca_cert: x509.Certificate) -> bool:
    cert = _load_cert(node_dir / "cert.pem")
    key = _load_key(node_dir / "key.pem")
    if cert is None or key is None or not _matches(cert, key) or not _is_fresh(cert):
        return False
    # A leftover cert from an earlier CA would fail every handshake; replace it.
    try:
        cert.verify_directly_issued_by(ca_cert)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def ensure_pki(
    out_dir: Path,
    nodes: list[str],
    ca_name: str = DEFAULT_CA_NAME,
    force: bool = False,
) -> list[Path]:
    """Make sure out_dir holds a valid dev CA and a cert for each node.

    Only missing, mismatched or soon-expiring material is (re)generated unless
    force is set. Returns the paths written, in creation order. Raises
    ValueError for an invalid node id before anything is written.
    """
    for node_id in nodes:
        validate_node_id(node_id)

    out_dir = Path(out_dir)
    ca_cert_path = out_dir / "ca.pem"
    ca_key_path = out_dir / "ca.key"
    created: list[Path] = []

    ca = None if force else _load_ca(ca_cert_path, ca_key_path)
    ca_reused = ca is not None
    if ca is None:
        ca = _create_ca(ca_name)
        _mkdir(out_dir)
        # Key first: a crash in between leaves no cert without its key.
        _write_file(ca_key_path, _key_pem(ca[1]), KEY_MODE)
        _write_file(ca_cert_path, _cert_pem(ca[0]), CERT_MODE)
        created += [ca_key_path, ca_cert_path]
    ca_cert, ca_key = ca

    for node_id in dict.fromkeys(nodes):
        node_dir = out_dir / node_id
        if ca_reused and _node_ok(node_dir, ca_cert):
            continue
        cert, key = _create_node(node_id, ca_cert, ca_key)
        _mkdir(node_dir)
        _write_file(node_dir / "key.pem", _key_pem(key), KEY_MODE)
        _write_file(node_dir / "cert.pem", _cert_pem(cert), CERT_MODE)
        created += [node_dir / "key.pem", node_dir / "cert.pem"]

    return created


def _parse_nodes(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",") if part.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help=f"output directory (default: {DEFAULT_OUT})",
    )
    parser.add_argument(
        "--nodes",
        type=_parse_nodes,
        default=list(DEFAULT_NODES),
        help=f"comma-separated node ids (default: {','.join(DEFAULT_NODES)})",
    )
    parser.add_argument(
        "--ca-name",
        default=DEFAULT_CA_NAME,
        help=f"CA common name (default: {DEFAULT_CA_NAME!r})",
    )
    parser.add_argument("--force", action="store_true", help="regenerate the CA and all node certs")
    args = parser.parse_args(argv)

    if not args.nodes:
        parser.error("--nodes: at least one node id is required")
    try:
        created = ensure_pki(args.out, args.nodes, ca_name=args.ca_name, force=args.force)
    except ValueError as exc:
        parser.error(str(exc))  # exits with status 2

    if not created:
        print(f"PKI in {args.out} is up to date; nothing to do (use --force to regenerate).")
    for path in created:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
