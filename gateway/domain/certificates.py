"""When the certificates a node relies on end, and which of them to warn about.

A node relies on its own TLS certificate and the CA that issued it, and, per partner,
on the CA or the pinned certificate registered for it: when one of them ends, mutual
TLS with that partner stops, and with it sync, hit notifications and confirmations.
So each is named by whose it is and what it is (never by its subject, which an
issuer may fill with anything), and a warning is due `window` before its end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509

# What a certificate is to this node.
OWN_CERTIFICATE = "node_certificate"
OWN_CA = "node_ca"
PARTNER_CA = "partner_ca"
PARTNER_PINNED = "partner_pinned"


@dataclass(frozen=True)
class CertificateExpiry:
    owner: str  # this node's id or a partner's
    kind: str  # one of the kinds above
    not_after: datetime | None  # None: unreadable (problem says why)
    problem: str = ""

    def seconds_left(self, now: datetime) -> float | None:
        if self.not_after is None:
            return None
        return (self.not_after - now).total_seconds()

    def warning(self, now: datetime, window: timedelta) -> bool:
        """Due for a warning: unreadable, ended, or ending within `window`."""
        return self.not_after is None or self.not_after - now <= window


def certificate_expiry(owner: str, kind: str, pem: str | bytes) -> CertificateExpiry:
    """The end of validity of the (first) certificate in `pem`."""
    data = pem.encode() if isinstance(pem, str) else pem
    try:
        cert = x509.load_pem_x509_certificate(data)
    except ValueError:
        return CertificateExpiry(owner, kind, None, "not a PEM X.509 certificate")
    return CertificateExpiry(owner, kind, cert.not_valid_after_utc)


def bundle_expiries(owner: str, kind: str, pem: str | bytes) -> list[CertificateExpiry]:
    """The end of validity of every certificate in `pem` (a CA bundle during a
    changeover holds the old CA and the new), in the bundle's order."""
    data = pem.encode() if isinstance(pem, str) else pem
    try:
        certs = x509.load_pem_x509_certificates(data)
    except ValueError:
        return [CertificateExpiry(owner, kind, None, "not a PEM X.509 certificate")]
    return [CertificateExpiry(owner, kind, c.not_valid_after_utc) for c in certs]
