"""Specification of which certificate and key may become this node's TLS identity
(gateway.domain.tls_identity), on certificates made by the dev PKI generator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gateway.domain.tls_identity import TlsIdentityRefused, check_identity
from tests.conftest import load_pki_generator


@pytest.fixture(scope="module")
def pki():
    gen = load_pki_generator()
    ca, ca_key = gen._create_ca("Argos Dev CA")
    other_ca, other_key = gen._create_ca("Another CA")

    def issued(node_id: str, by=(ca, ca_key)) -> tuple[bytes, bytes]:
        cert, key = gen._create_node(node_id, *by)
        return gen._cert_pem(cert), gen._key_pem(key)

    return {
        # A moment after every certificate here was issued (not at import: the suite
        # may reach this module many minutes after collecting it).
        "now": datetime.now(UTC),
        "ca": gen._cert_pem(ca),
        "other_ca": gen._cert_pem(other_ca),
        "gent": issued("be-gent"),
        "renewed": issued("be-gent"),
        "terneuzen": issued("nl-terneuzen"),
        "foreign": issued("be-gent", (other_ca, other_key)),
    }


def test_a_certificate_of_this_node_from_its_ca_with_its_key_is_accepted(pki):
    cert, key = pki["renewed"]
    identity = check_identity("be-gent", cert, key, pki["ca"], pki["now"])
    assert identity.cert_pem == cert and len(identity.fingerprint_sha256) == 64
    assert identity.not_after > pki["now"] + timedelta(days=300)


def test_during_a_ca_changeover_either_ca_of_the_bundle_may_have_issued_it(pki):
    cert, key = pki["foreign"]
    with pytest.raises(TlsIdentityRefused, match="not issued by a CA"):
        check_identity("be-gent", cert, key, pki["ca"], pki["now"])
    bundle = pki["ca"] + pki["other_ca"]
    assert check_identity("be-gent", cert, key, bundle, pki["now"]).cert_pem == cert
    old_cert, old_key = pki["gent"]
    assert check_identity("be-gent", old_cert, old_key, bundle, pki["now"]).cert_pem == old_cert


@pytest.mark.parametrize(
    "case, reason",
    [
        ("garbage", "no PEM X.509 certificate"),
        ("no_key", "no unencrypted PEM private key"),
        ("other_key", "the key does not belong to the certificate"),
        ("other_node", "names node nl-terneuzen, not be-gent"),
        ("later", "not valid now"),
    ],
)
def test_a_pair_that_cannot_serve_this_node_is_refused_with_its_reason(pki, case, reason):
    cert, key = pki["renewed"]
    now = pki["now"]
    if case == "garbage":
        cert = b"not a certificate"
    elif case == "no_key":
        key = b"-----BEGIN NOTHING-----"
    elif case == "other_key":
        key = pki["gent"][1]
    elif case == "other_node":
        cert, key = pki["terneuzen"]
    else:
        now = pki["now"] + timedelta(days=400)
    with pytest.raises(TlsIdentityRefused, match=reason):
        check_identity("be-gent", cert, key, pki["ca"], now)
