"""Who is at the other end of a mutual-TLS connection: a partner's node id, taken from
its certificate, whether it called us or we called it.

Rules (each check below cites one):
1. The certificate names exactly one node, as the URI SAN "urn:argos:node:<id>".
2. That node must be a registered partner.
3. The certificate must be trusted *for that partner*: either its SHA-256 equals the
   pinned fingerprint, or it is issued directly by a CA registered for that partner
   (one, or several in a bundle while the partner changes over from one CA to the next:
   then a certificate from either is accepted).
   TLS already checked the chain against the union of all partners' CAs; this check
   stops one partner's CA from vouching for another partner's node id.
4. A partner this node calls proves itself by the same rules: its server certificate
   names that partner (rule 1) and is trusted for it (rule 3). With a pin, only the
   pinned certificate will do, so a CA that issues a second certificate for the same
   node id (by mistake, or for someone else) cannot stand in for the partner.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.serialization import Encoding

from gateway.domain.errors import (
    InvalidInput,
    PartnerUnknown,
    PartnerUnreachable,
    PeerIdentityMismatch,
)

NODE_URI_PREFIX = "urn:argos:node:"


class PartnerServerMismatch(PeerIdentityMismatch, PartnerUnreachable):
    """Rule 4 failed: the endpoint registered for a partner presented a certificate that
    is not the partner's, so nothing was sent to it. It is an identity refusal (status
    and code of PeerIdentityMismatch), and, for whatever was to be delivered, the
    partner was not reached: queued messages wait and are retried, as for a partner
    that is down, until the partner presents its own certificate again or an
    administrator changes its trust (`argos partner update`)."""


@dataclass(frozen=True)
class PartnerTrust:
    node_id: str
    tls_ca_pem: str
    tls_pin_sha256: str


def certificate_fingerprint(cert_pem: str | bytes) -> str:
    """SHA-256 over the DER certificate, lowercase hex (as `openssl x509 -fingerprint`)."""
    cert = _load(cert_pem)
    return hashlib.sha256(cert.public_bytes(Encoding.DER)).hexdigest()


def node_id_of(cert_pem: str | bytes) -> str:
    """Rule 1: the single node id named in the certificate's URI SAN."""
    cert = _load(cert_pem)
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        raise PeerIdentityMismatch("peer certificate has no subject alternative name") from None
    ids = [
        uri[len(NODE_URI_PREFIX) :]
        for uri in san.get_values_for_type(x509.UniformResourceIdentifier)
        if uri.startswith(NODE_URI_PREFIX)
    ]
    if len(ids) != 1:
        raise PeerIdentityMismatch(
            f"peer certificate must name exactly one node as '{NODE_URI_PREFIX}<id>', "
            f"found {len(ids)}"
        )
    return ids[0]


def identify_peer(cert_pem: str | bytes, lookup: Callable[[str], PartnerTrust | None]) -> str:
    """Return the registered partner node id the certificate proves, or raise."""
    node_id = node_id_of(cert_pem)
    trust = lookup(node_id)
    if trust is None:  # rule 2
        raise PartnerUnknown(f"{node_id} is not a registered partner of this node")
    _check_trusted(cert_pem, trust)
    return node_id


def check_partner_server(cert_pem: str | bytes, trust: PartnerTrust) -> None:
    """Rule 4: the certificate a partner's endpoint presented is that partner's, or raise
    PartnerServerMismatch (before anything is sent to it)."""
    try:
        node_id = node_id_of(cert_pem)  # rule 1
        if node_id != trust.node_id:
            raise PeerIdentityMismatch(
                f"the endpoint registered for {trust.node_id} presented a certificate for {node_id}"
            )
        _check_trusted(cert_pem, trust)  # rule 3
    except PeerIdentityMismatch as error:
        raise PartnerServerMismatch(str(error)) from None


def _check_trusted(cert_pem: str | bytes, trust: PartnerTrust) -> None:
    """Rule 3, for the node id the certificate names."""
    if trust.tls_pin_sha256:  # pinned
        presented = certificate_fingerprint(cert_pem)
        if presented != trust.tls_pin_sha256.lower():
            raise PeerIdentityMismatch(
                f"certificate presented for {trust.node_id} (sha256 {presented}) does not "
                f"match its pinned fingerprint"
            )
        return
    cert = _load(cert_pem)
    for ca in _load_bundle(trust.tls_ca_pem):  # a CA, or each CA of a changeover bundle
        try:
            cert.verify_directly_issued_by(ca)
        except (ValueError, TypeError, InvalidSignature):
            continue
        return
    raise PeerIdentityMismatch(
        f"certificate presented for {trust.node_id} is not issued by the CA registered for it"
    )


def check_ca_pem(pem: str) -> str:
    """Validate a CA or pinned certificate (or a bundle of them) given by an
    administrator: every certificate in it must parse."""
    bundle_fingerprints(pem)
    return pem


def check_pin(pin: str) -> str:
    """A certificate pin as an administrator gives it: 64 hex digits of SHA-256, or ""
    for none. Returned lowercase, as fingerprints are compared."""
    if pin and not re.fullmatch(r"[0-9a-f]{64}", pin.lower()):
        raise InvalidInput("a certificate pin is 64 hex digits of SHA-256")
    return pin.lower()


def bundle_fingerprints(pem: str) -> tuple[str, ...]:
    """SHA-256 of every certificate in a PEM bundle, in order: how a registered CA is
    named in the audit log and on screen (the PEM itself is too long to compare)."""
    certs = _load_bundle(pem)
    return tuple(hashlib.sha256(c.public_bytes(Encoding.DER)).hexdigest() for c in certs)


def _load_bundle(pem: str) -> list[x509.Certificate]:
    try:
        return x509.load_pem_x509_certificates(pem.encode())
    except ValueError:
        raise InvalidInput("not a PEM X.509 certificate") from None


def _load(pem: str | bytes) -> x509.Certificate:
    data = pem.encode() if isinstance(pem, str) else pem
    try:
        return x509.load_pem_x509_certificate(data)
    except ValueError:
        raise InvalidInput("not a PEM X.509 certificate") from None
