"""Certificates are checked for expiry well before they end: `argos status` and /metrics
show this node's certificate and CA and each partner's registered CA or pinned
certificate with its end, and warn within certificate_warning_days (default 30). Named
by node id and kind, never by subject. Real node processes; /metrics over real HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from gateway.domain.identity import NodeSigningKey
from gateway.federation import free_port
from tests.integration.hits_support import configure
from tests.integration.test_daily_operation import scrape, value

SUBJECT = "Antwerpen Police CA Jan Peeters"


def ca_ending_in(days: int, path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, SUBJECT)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=300))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def test_status_and_metrics_warn_of_a_partner_ca_ending_within_the_window(pair, tmp_path):
    gent = pair["be-gent"]
    port = free_port()
    gent.stop()
    configure(gent, metrics_port=port)
    gent.start()
    ca_ending_in(10, tmp_path / "antwerpen-ca.pem")
    gent.argos(
        "partner",
        "add",
        "be-antwerpen",
        "--endpoint",
        "127.0.0.1:1",
        "--public-key",
        NodeSigningKey.generate().public.raw.hex(),
        "--ca-cert",
        str(tmp_path / "antwerpen-ca.pem"),
    )

    out = gent.argos("status").stdout
    lines = {
        line.split()[0] + " " + line.split()[1]: line
        for line in out.splitlines()[1:]
        if line.startswith("  ") and len(line.split()) > 2
    }
    assert "certificates    4 checked, 1 ending within 30 days or unreadable" in out
    assert "in 9 days" in lines["be-antwerpen partner_ca"]
    assert lines["be-antwerpen partner_ca"].endswith("WARNING")
    for own in ("be-gent node_certificate", "be-gent node_ca", "nl-terneuzen partner_ca"):
        assert not lines[own].endswith("WARNING"), lines[own]

    text, samples = scrape(port)
    left = value(
        samples, "argos_certificate_expiry_seconds", subject="be-antwerpen", kind="partner_ca"
    )
    assert timedelta(days=9) < timedelta(seconds=left) <= timedelta(days=10)
    assert (
        value(samples, "argos_certificate_warning", subject="be-antwerpen", kind="partner_ca") == 1
    )
    own = value(
        samples, "argos_certificate_expiry_seconds", subject="be-gent", kind="node_certificate"
    )
    assert timedelta(days=300) < timedelta(seconds=own) <= timedelta(days=365)
    assert (
        value(samples, "argos_certificate_warning", subject="be-gent", kind="node_certificate") == 0
    )
    # Whose and what, never the subject an issuer wrote into the certificate.
    assert "Jan Peeters" not in text and "Jan Peeters" not in out


def test_a_wider_window_warns_of_this_nodes_own_certificate_too(pair):
    gent = pair["be-gent"]
    gent.stop()
    configure(gent, certificate_warning_days=400)  # the dev certificate lives 365 days
    gent.start()
    out = gent.argos("status").stdout
    assert "certificates    3 checked, 1 ending within 400 days or unreadable" in out
    (own,) = [line for line in out.splitlines() if "node_certificate" in line]
    assert own.startswith("  be-gent") and own.endswith("WARNING")
