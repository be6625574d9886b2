"""Specification tests for the development PKI generator in certs-dev/generate.py."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.x509.oid import ExtendedKeyUsageOID

from tests.conftest import load_pki_generator

GENERATOR = Path(__file__).resolve().parents[2] / "certs-dev" / "generate.py"
NODE = "be-gent"


gen = load_pki_generator()


def _cert(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def pki(tmp_path: Path) -> Path:
    out = tmp_path / "pki"
    gen.ensure_pki(out, [NODE, "nl-terneuzen"])
    return out


def test_first_run_creates_ca_and_every_node_cert_and_key(tmp_path: Path) -> None:
    out = tmp_path / "pki"
    created = gen.ensure_pki(out, [NODE, "nl-terneuzen"])
    expected = {
        out / "ca.pem",
        out / "ca.key",
        out / NODE / "cert.pem",
        out / NODE / "key.pem",
        out / "nl-terneuzen" / "cert.pem",
        out / "nl-terneuzen" / "key.pem",
    }
    assert set(created) == expected
    assert all(p.is_file() for p in expected)


def test_node_cert_is_directly_issued_by_the_ca(pki: Path) -> None:
    _cert(pki / NODE / "cert.pem").verify_directly_issued_by(_cert(pki / "ca.pem"))


def test_ca_is_a_path_length_zero_ca(pki: Path) -> None:
    bc = _cert(pki / "ca.pem").extensions.get_extension_for_class(x509.BasicConstraints)
    assert bc.critical and bc.value.ca and bc.value.path_length == 0


def test_node_cert_carries_node_id_as_uri_san_and_dns_san(pki: Path) -> None:
    san = _cert(pki / NODE / "cert.pem").extensions.get_extension_for_class(
        x509.SubjectAlternativeName
    )
    assert f"urn:argos:node:{NODE}" in san.value.get_values_for_type(x509.UniformResourceIdentifier)
    assert NODE in san.value.get_values_for_type(x509.DNSName)


def test_node_cert_allows_both_server_and_client_auth(pki: Path) -> None:
    eku = _cert(pki / NODE / "cert.pem").extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert ExtendedKeyUsageOID.SERVER_AUTH in eku.value
    assert ExtendedKeyUsageOID.CLIENT_AUTH in eku.value


def test_node_cert_is_not_a_ca(pki: Path) -> None:
    bc = _cert(pki / NODE / "cert.pem").extensions.get_extension_for_class(x509.BasicConstraints)
    assert bc.critical and not bc.value.ca


def test_private_keys_are_mode_0600_and_directories_0700(pki: Path) -> None:
    assert _mode(pki / "ca.key") == 0o600
    assert _mode(pki / NODE / "key.pem") == 0o600
    assert _mode(pki) == 0o700
    assert _mode(pki / NODE) == 0o700


def test_private_keys_are_unencrypted_pkcs8_pem(pki: Path) -> None:
    # The PEM marker is spelled in two parts so that this file is not itself mistaken
    # for a committed private key by the repository's secret scan.
    pkcs8_marker = b"-----BEGIN " + b"PRIVATE KEY-----"
    assert (pki / NODE / "key.pem").read_bytes().startswith(pkcs8_marker)


def test_second_run_creates_nothing(pki: Path) -> None:
    before = (pki / NODE / "cert.pem").read_bytes()
    assert gen.ensure_pki(pki, [NODE, "nl-terneuzen"]) == []
    assert (pki / NODE / "cert.pem").read_bytes() == before


def test_second_cli_run_says_nothing_to_do_in_one_line(
    pki: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert gen.main(["--out", str(pki), "--nodes", f"{NODE},nl-terneuzen"]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == 1


def test_missing_node_cert_is_added_under_the_existing_ca(pki: Path) -> None:
    ca_before = (pki / "ca.pem").read_bytes()
    created = gen.ensure_pki(pki, [NODE, "nl-terneuzen", "be-antwerpen"])
    assert set(created) == {pki / "be-antwerpen" / "cert.pem", pki / "be-antwerpen" / "key.pem"}
    assert (pki / "ca.pem").read_bytes() == ca_before
    _cert(pki / "be-antwerpen" / "cert.pem").verify_directly_issued_by(_cert(pki / "ca.pem"))


def test_force_regenerates_ca_and_node_certs(pki: Path) -> None:
    old_ca = _cert(pki / "ca.pem")
    old_node = _cert(pki / NODE / "cert.pem")
    created = gen.ensure_pki(pki, [NODE], force=True)
    assert {pki / "ca.pem", pki / "ca.key", pki / NODE / "cert.pem", pki / NODE / "key.pem"} <= set(
        created
    )
    new_ca = _cert(pki / "ca.pem")
    assert new_ca.serial_number != old_ca.serial_number
    assert _cert(pki / NODE / "cert.pem").serial_number != old_node.serial_number
    _cert(pki / NODE / "cert.pem").verify_directly_issued_by(new_ca)


def test_cli_output_lists_paths_and_never_key_material(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert gen.main(["--out", str(tmp_path / "pki"), "--nodes", NODE]) == 0
    out = capsys.readouterr().out
    assert "PRIVATE KEY" not in out and "CERTIFICATE" not in out
    assert len(out.strip().splitlines()) == 4


@pytest.mark.parametrize("bad", ["BE-gent", "be_gent", "gent", "b-gent", "be-x", "be-gent/../x"])
def test_bad_node_id_is_refused_before_anything_is_written(tmp_path: Path, bad: str) -> None:
    out = tmp_path / "pki"
    with pytest.raises(ValueError, match="invalid node id"):
        gen.ensure_pki(out, [bad])
    assert not out.exists()


def test_cli_exits_with_code_2_on_bad_node_id(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        gen.main(["--out", str(tmp_path / "pki"), "--nodes", "Not-A-Node"])
    assert exc.value.code == 2
    assert "invalid node id" in capsys.readouterr().err


def test_cert_from_an_unrelated_ca_does_not_verify_against_the_first_ca(
    pki: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    assert gen.main(["--out", str(other), "--nodes", NODE, "--ca-name", "Rogue Dev CA"]) == 0
    assert _cert(other / "ca.pem").subject != _cert(pki / "ca.pem").subject
    with pytest.raises((ValueError, InvalidSignature)):
        _cert(other / NODE / "cert.pem").verify_directly_issued_by(_cert(pki / "ca.pem"))


def test_cert_from_a_different_ca_with_the_same_name_fails_the_signature_check(
    pki: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    gen.ensure_pki(other, [NODE])
    with pytest.raises(InvalidSignature):
        _cert(other / NODE / "cert.pem").verify_directly_issued_by(_cert(pki / "ca.pem"))
