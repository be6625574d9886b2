"""Whether a certificate and key may become this node's TLS identity (issue 15: renewal
without a restart). Rules, each a refusal with its reason; the identity served so far
stays in place when any fails:
1. the certificate is a PEM X.509 certificate (a chain: the leaf first);
2. the key is a PEM private key, and it is the key of the certificate;
3. the certificate names this node, and only it (gateway.domain.peer rule 1);
4. it was issued by a CA of this node's own trust bundle (which may hold the old and
   the new CA during a CA changeover), and is within its validity period.
Pure: bytes in, a decision out."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_private_key,
)

from gateway.domain.errors import InvalidInput, PeerIdentityMismatch
from gateway.domain.peer import node_id_of

_SPKI = PublicFormat.SubjectPublicKeyInfo


class TlsIdentityRefused(InvalidInput):
    """A renewed certificate or key that cannot serve as this node's identity."""


@dataclass(frozen=True)
class TlsIdentity:
    key_pem: bytes
    cert_pem: bytes
    fingerprint_sha256: str
    serial: str
    not_after: datetime


def check_identity(
    node_id: str, cert_pem: bytes, key_pem: bytes, ca_bundle_pem: bytes, now: datetime
) -> TlsIdentity:
    try:  # rule 1
        chain = x509.load_pem_x509_certificates(cert_pem)
    except ValueError:
        raise TlsIdentityRefused("the certificate file holds no PEM X.509 certificate") from None
    leaf = chain[0]
    try:  # rule 2
        key = load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError):
        raise TlsIdentityRefused("the key file holds no unencrypted PEM private key") from None
    if key.public_key().public_bytes(Encoding.DER, _SPKI) != leaf.public_key().public_bytes(
        Encoding.DER, _SPKI
    ):
        raise TlsIdentityRefused("the key does not belong to the certificate")
    try:  # rule 3
        named = node_id_of(leaf.public_bytes(Encoding.PEM))
    except PeerIdentityMismatch as exc:
        raise TlsIdentityRefused(f"the certificate does not name this node: {exc}") from None
    if named != node_id:
        raise TlsIdentityRefused(f"the certificate names node {named}, not {node_id}")
    try:  # rule 4
        cas = x509.load_pem_x509_certificates(ca_bundle_pem)
    except ValueError:
        raise TlsIdentityRefused("the node's CA bundle holds no PEM certificate") from None
    if not any(_issued_by(leaf, ca) for ca in cas):
        raise TlsIdentityRefused("the certificate was not issued by a CA of the node's CA bundle")
    if not leaf.not_valid_before_utc <= now <= leaf.not_valid_after_utc:
        raise TlsIdentityRefused("the certificate is not valid now")
    return TlsIdentity(
        key_pem,
        cert_pem,
        hashlib.sha256(leaf.public_bytes(Encoding.DER)).hexdigest(),
        format(leaf.serial_number, "x"),
        leaf.not_valid_after_utc,
    )


def unchecked(cert_pem: bytes, key_pem: bytes) -> TlsIdentity:
    """An identity as its files hold it, without the rules (a node started with a pair
    they refuse keeps serving it, as before the rules existed)."""
    try:
        leaf = x509.load_pem_x509_certificates(cert_pem)[0]
    except ValueError:
        return TlsIdentity(key_pem, cert_pem, "", "", datetime.min)
    return TlsIdentity(
        key_pem,
        cert_pem,
        hashlib.sha256(leaf.public_bytes(Encoding.DER)).hexdigest(),
        format(leaf.serial_number, "x"),
        leaf.not_valid_after_utc,
    )


def _issued_by(cert: x509.Certificate, ca: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(ca)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True
