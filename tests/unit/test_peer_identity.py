"""Specification of peer identification from mutual-TLS certificates (gateway.domain.peer)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from gateway.domain.errors import InvalidInput, PartnerUnknown, PeerIdentityMismatch
from gateway.domain.peer import (
    PartnerTrust,
    bundle_fingerprints,
    certificate_fingerprint,
    check_partner_server,
    check_pin,
    identify_peer,
    node_id_of,
)
from tests.conftest import load_pki_generator

GENERATOR = Path(__file__).resolve().parents[2] / "certs-dev" / "generate.py"
NODES = ["be-gent", "nl-terneuzen"]


gen = load_pki_generator()


@dataclass(frozen=True)
class Pki:
    ca_pem: str
    certs: dict[str, str]
    folder: Path


def _make_pki(out: Path, ca_name: str) -> Pki:
    gen.ensure_pki(out, NODES, ca_name=ca_name)
    return Pki(
        ca_pem=(out / "ca.pem").read_text(),
        certs={node: (out / node / "cert.pem").read_text() for node in NODES},
        folder=out,
    )


@pytest.fixture(scope="module")
def pkis(tmp_path_factory: pytest.TempPathFactory) -> tuple[Pki, Pki]:
    root = tmp_path_factory.mktemp("pki")
    return _make_pki(root / "dev", "Argos Dev CA"), _make_pki(root / "other", "Other CA")


@pytest.fixture
def dev(pkis: tuple[Pki, Pki]) -> Pki:
    return pkis[0]


@pytest.fixture
def other(pkis: tuple[Pki, Pki]) -> Pki:
    return pkis[1]


def registry(*trusts: PartnerTrust):
    by_id = {t.node_id: t for t in trusts}
    return by_id.get


# -- identify_peer -------------------------------------------------------------------


def test_registered_partner_presenting_a_cert_from_its_ca_is_identified(dev: Pki) -> None:
    lookup = registry(PartnerTrust("be-gent", dev.ca_pem, ""))
    assert identify_peer(dev.certs["be-gent"], lookup) == "be-gent"


def test_peer_certificate_may_be_given_as_bytes(dev: Pki) -> None:
    lookup = registry(PartnerTrust("be-gent", dev.ca_pem, ""))
    assert identify_peer(dev.certs["be-gent"].encode(), lookup) == "be-gent"


def test_peer_whose_node_id_is_not_registered_is_unknown(dev: Pki) -> None:
    lookup = registry(PartnerTrust("be-gent", dev.ca_pem, ""))
    with pytest.raises(PartnerUnknown, match="nl-terneuzen"):
        identify_peer(dev.certs["nl-terneuzen"], lookup)


def test_cert_from_another_ca_for_a_registered_node_id_is_a_mismatch(dev: Pki, other: Pki) -> None:
    lookup = registry(PartnerTrust("be-gent", dev.ca_pem, ""))
    with pytest.raises(PeerIdentityMismatch, match="not issued by the CA"):
        identify_peer(other.certs["be-gent"], lookup)


def test_one_partners_ca_cannot_vouch_for_another_partners_node_id(dev: Pki, other: Pki) -> None:
    # be-gent is registered with the dev CA, nl-terneuzen with the other CA; the dev
    # CA's certificate for nl-terneuzen must not be accepted as nl-terneuzen.
    lookup = registry(
        PartnerTrust("be-gent", dev.ca_pem, ""),
        PartnerTrust("nl-terneuzen", other.ca_pem, ""),
    )
    assert identify_peer(other.certs["nl-terneuzen"], lookup) == "nl-terneuzen"
    with pytest.raises(PeerIdentityMismatch):
        identify_peer(dev.certs["nl-terneuzen"], lookup)


def test_cert_from_a_different_ca_with_the_same_name_is_a_mismatch(
    tmp_path: Path, dev: Pki
) -> None:
    # Same issuer name, different key: only the signature check can tell them apart.
    impostor = _make_pki(tmp_path / "impostor", "Argos Dev CA")
    lookup = registry(PartnerTrust("be-gent", dev.ca_pem, ""))
    with pytest.raises(PeerIdentityMismatch):
        identify_peer(impostor.certs["be-gent"], lookup)


def test_pinned_fingerprint_that_matches_identifies_the_peer(dev: Pki) -> None:
    pin = certificate_fingerprint(dev.certs["be-gent"])
    lookup = registry(PartnerTrust("be-gent", "", pin))
    assert identify_peer(dev.certs["be-gent"], lookup) == "be-gent"


def test_pinned_fingerprint_is_compared_case_insensitively(dev: Pki) -> None:
    pin = certificate_fingerprint(dev.certs["be-gent"]).upper()
    lookup = registry(PartnerTrust("be-gent", "", pin))
    assert identify_peer(dev.certs["be-gent"], lookup) == "be-gent"


def test_pinned_fingerprint_that_does_not_match_is_a_mismatch(dev: Pki, other: Pki) -> None:
    pin = certificate_fingerprint(other.certs["be-gent"])
    lookup = registry(PartnerTrust("be-gent", dev.ca_pem, pin))
    # Even a cert from the registered CA is refused when the pin does not match.
    with pytest.raises(PeerIdentityMismatch, match="pinned"):
        identify_peer(dev.certs["be-gent"], lookup)


def test_ca_certificate_without_a_node_san_is_a_mismatch(dev: Pki) -> None:
    lookup = registry(PartnerTrust("be-gent", dev.ca_pem, ""))
    with pytest.raises(PeerIdentityMismatch):
        identify_peer(dev.ca_pem, lookup)


def test_garbage_instead_of_a_certificate_is_invalid_input(dev: Pki) -> None:
    lookup = registry(PartnerTrust("be-gent", dev.ca_pem, ""))
    with pytest.raises(InvalidInput):
        identify_peer("not a certificate", lookup)


# -- check_partner_server (rule 4: a partner this node calls) -------------------------


def test_partner_server_with_a_certificate_from_its_ca_passes(dev: Pki) -> None:
    check_partner_server(dev.certs["be-gent"], PartnerTrust("be-gent", dev.ca_pem, ""))


def test_partner_server_with_the_pinned_certificate_passes(dev: Pki) -> None:
    pin = certificate_fingerprint(dev.certs["be-gent"])
    check_partner_server(dev.certs["be-gent"], PartnerTrust("be-gent", dev.ca_pem, pin))


def test_partner_server_with_another_certificate_from_the_same_ca_fails_its_pin(
    dev: Pki,
) -> None:
    # A second certificate for the same node id, issued by the same (registered) CA:
    # TLS alone accepts it; the pin does not.
    pin = certificate_fingerprint(dev.certs["be-gent"])
    ca_key = gen._load_key(dev.folder / "ca.key")
    assert ca_key is not None
    second, _ = gen._create_node(
        "be-gent", x509.load_pem_x509_certificate(dev.ca_pem.encode()), ca_key
    )
    second_pem = second.public_bytes(Encoding.PEM)
    check_partner_server(second_pem, PartnerTrust("be-gent", dev.ca_pem, ""))  # CA: fine
    with pytest.raises(PeerIdentityMismatch, match="does not match its pinned fingerprint"):
        check_partner_server(second_pem, PartnerTrust("be-gent", dev.ca_pem, pin))


def test_partner_server_naming_another_node_fails(dev: Pki) -> None:
    trust = PartnerTrust("be-gent", dev.ca_pem, "")
    with pytest.raises(PeerIdentityMismatch, match="presented a certificate for nl-terneuzen"):
        check_partner_server(dev.certs["nl-terneuzen"], trust)


def test_partner_server_from_another_ca_fails(dev: Pki, other: Pki) -> None:
    with pytest.raises(PeerIdentityMismatch, match="not issued by the CA"):
        check_partner_server(other.certs["be-gent"], PartnerTrust("be-gent", dev.ca_pem, ""))


# -- pins and fingerprints as an administrator gives and reads them ----------------------


def test_a_pin_is_64_hex_digits_kept_lowercase() -> None:
    assert check_pin("AB" * 32) == "ab" * 32
    assert check_pin("") == ""
    for bad in ("ab" * 31, "zz" * 32, "ab" * 33):
        with pytest.raises(InvalidInput, match="64 hex digits"):
            check_pin(bad)


def test_a_bundle_is_named_by_the_fingerprint_of_each_certificate(dev: Pki, other: Pki) -> None:
    bundle = dev.ca_pem + other.ca_pem
    assert bundle_fingerprints(bundle) == (
        certificate_fingerprint(dev.ca_pem),
        certificate_fingerprint(other.ca_pem),
    )
    with pytest.raises(InvalidInput):
        bundle_fingerprints("no certificate here")


# -- node_id_of / certificate_fingerprint ------------------------------------------------


@pytest.mark.parametrize("node", NODES)
def test_node_id_of_reads_the_uri_san(dev: Pki, node: str) -> None:
    cert = x509.load_pem_x509_certificate(dev.certs[node].encode())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert f"urn:argos:node:{node}" in san.get_values_for_type(x509.UniformResourceIdentifier)
    assert node_id_of(dev.certs[node]) == node


@pytest.mark.parametrize("node", NODES)
def test_certificate_fingerprint_is_the_sha256_of_the_der(dev: Pki, node: str) -> None:
    der = x509.load_pem_x509_certificate(dev.certs[node].encode()).public_bytes(Encoding.DER)
    assert certificate_fingerprint(dev.certs[node]) == hashlib.sha256(der).hexdigest()


def test_different_certificates_have_different_fingerprints(dev: Pki, other: Pki) -> None:
    fingerprints = {
        certificate_fingerprint(pki.certs[node]) for pki in (dev, other) for node in NODES
    }
    assert len(fingerprints) == 4
