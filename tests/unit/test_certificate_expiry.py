"""When a certificate a node relies on ends, and when that deserves a warning: named by
whose it is and what it is, never by its subject."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from gateway.domain.certificates import PARTNER_CA, certificate_expiry

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def certificate_ending(at: datetime, subject: str = "Partner CA") -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(at - timedelta(days=400))
        .not_valid_after(at)
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


def test_a_certificate_ending_within_the_window_is_warned_about_and_one_after_is_not():
    window = timedelta(days=30)
    soon = certificate_expiry("nl-terneuzen", PARTNER_CA, certificate_ending(NOW + timedelta(10)))
    later = certificate_expiry("nl-terneuzen", PARTNER_CA, certificate_ending(NOW + timedelta(90)))
    assert soon.warning(NOW, window) and not later.warning(NOW, window)
    assert soon.seconds_left(NOW) == timedelta(days=10).total_seconds()


def test_an_ended_certificate_has_negative_time_left_and_a_warning():
    ended = certificate_expiry("be-gent", PARTNER_CA, certificate_ending(NOW - timedelta(1)))
    assert ended.seconds_left(NOW) < 0
    assert ended.warning(NOW, timedelta(0))


def test_an_unreadable_certificate_is_a_warning_with_the_reason():
    broken = certificate_expiry("be-gent", PARTNER_CA, "-----BEGIN CERTIFICATE-----\nnope\n")
    assert broken.not_after is None and broken.seconds_left(NOW) is None
    assert broken.problem == "not a PEM X.509 certificate"
    assert broken.warning(NOW, timedelta(days=30))


def test_the_subject_is_never_part_of_what_is_reported():
    c = certificate_expiry("be-gent", PARTNER_CA, certificate_ending(NOW, subject="Jan Peeters"))
    assert "Jan Peeters" not in repr(c)
