"""The listener's TLS: its certificate and key from the settings, TLS 1.2 or newer, and,
when cameras authenticate with client certificates, the CA that issues them. A client
certificate is asked for but not required at the handshake (cameras with a password
connect without one); the gate (gate.py) decides per camera what it must present.

Session tickets are on (OpenSSL's default for a server context): a camera that
reconnects resumes its session instead of a full handshake."""

from __future__ import annotations

import ssl

from adapters.edge.credentials import check_owner_only
from adapters.edge.settings import ListenerTls
from gateway.domain.errors import InvalidInput


def server_context(tls: ListenerTls) -> ssl.SSLContext:
    """The listener's SSLContext; InvalidInput names the setting a file fails."""
    check_owner_only(tls.key_file, "tls.key_file")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(tls.cert_file, tls.key_file)
    except (OSError, ssl.SSLError) as exc:
        raise InvalidInput(
            f"tls.cert_file, tls.key_file: cannot be used as the listener's certificate "
            f"and key ({type(exc).__name__}: {exc.strerror or exc})"
        ) from None
    if tls.client_ca_file is not None:
        try:
            context.load_verify_locations(cafile=tls.client_ca_file)
        except (OSError, ssl.SSLError) as exc:
            raise InvalidInput(
                f"tls.client_ca_file: {tls.client_ca_file} is not a CA certificate file "
                f"({type(exc).__name__})"
            ) from None
        context.verify_mode = ssl.CERT_OPTIONAL
    return context


def certificate_names(peer_certificate: dict | None) -> list[str]:
    """The names a verified client certificate gives (its subject CN and DNS names), as
    ssl's getpeercert() describes it; none without a verified certificate."""
    if not peer_certificate:
        return []
    names = [
        value
        for rdn in peer_certificate.get("subject", ())
        for key, value in rdn
        if key == "commonName"
    ]
    names += [value for kind, value in peer_certificate.get("subjectAltName", ()) if kind == "DNS"]
    return names
