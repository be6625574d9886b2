"""Specification of a partner's move (gateway.domain.partner_change): which announcements
are taken in, which are replays, and what accepting one changes; and of CA bundles
during a changeover (gateway.domain.peer rule 3)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gateway.domain.certificates import PARTNER_CA, bundle_expiries
from gateway.domain.errors import InvalidInput, PeerIdentityMismatch, StaleVersion
from gateway.domain.identity import NodeSigningKey
from gateway.domain.partner_change import (
    ChangeState,
    HeldChange,
    PartnerChange,
    applied,
    change_details,
    check_receivable,
)
from gateway.domain.partners import Partner
from gateway.domain.peer import PartnerTrust, certificate_fingerprint, identify_peer
from tests.conftest import load_pki_generator

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("moves")
    gen = load_pki_generator()
    gen.ensure_pki(root / "old", ["be-gent", "nl-rotterdam"], ca_name="Gent CA 2026")
    gen.ensure_pki(root / "new", ["be-gent"], ca_name="Gent CA 2027")
    return {"old": root / "old", "new": root / "new"}


def _partner(ca_pem: str, pin: str = "") -> Partner:
    return Partner(
        node_id="be-gent",
        endpoint="gent.example:443",
        keys=(NodeSigningKey.generate().public,),
        tls_ca_pem=ca_pem,
        tls_pin_sha256=pin,
        added_at=NOW,
    )


def _held(sequence: int, state: ChangeState, fingerprint: str = "AAAA") -> HeldChange:
    change = PartnerChange("be-gent", sequence, NOW, endpoint="gent.example:8443")
    return HeldChange(change, fingerprint, b"", NOW, state)


def test_a_new_announcement_is_taken_in_and_the_same_pending_one_again_is_a_retry():
    change = PartnerChange("be-gent", 3, NOW, endpoint="gent.example:8443")
    assert check_receivable(change, "be-gent", "BBBB", None, NOW) is True
    assert check_receivable(change, "be-gent", "BBBB", _held(2, ChangeState.ACCEPTED), NOW)
    retried = _held(3, ChangeState.PENDING, "BBBB")
    assert check_receivable(change, "be-gent", "BBBB", retried, NOW) is False


@pytest.mark.parametrize("state", list(ChangeState))
def test_an_announcement_not_above_the_newest_held_is_a_replay_whatever_became_of_it(state):
    replay = PartnerChange("be-gent", 2, NOW, endpoint="evil.example:443")
    with pytest.raises(StaleVersion, match="replay or stale"):
        check_receivable(replay, "be-gent", "CCCC", _held(2, state), NOW)
    with pytest.raises(StaleVersion):
        check_receivable(replay, "be-gent", "CCCC", _held(5, state), NOW)


def test_a_decided_announcement_delivered_again_is_a_replay():
    again = PartnerChange("be-gent", 2, NOW, endpoint="gent.example:8443")
    with pytest.raises(StaleVersion):
        check_receivable(again, "be-gent", "AAAA", _held(2, ChangeState.ACCEPTED), NOW)


def test_a_partner_announces_only_its_own_move_and_not_from_the_future():
    other = PartnerChange("nl-rotterdam", 1, NOW, endpoint="r.example:443")
    with pytest.raises(PeerIdentityMismatch, match="naming nl-rotterdam came from be-gent"):
        check_receivable(other, "be-gent", "DDDD", None, NOW)
    future = PartnerChange("be-gent", 1, NOW + timedelta(hours=1), endpoint="g.example:443")
    with pytest.raises(InvalidInput, match="issued in the future"):
        check_receivable(future, "be-gent", "DDDD", None, NOW)


def test_an_announcement_must_say_something_well_formed(pki):
    for change, why in (
        (PartnerChange("be-gent", 1, NOW), "announces an endpoint"),
        (PartnerChange("be-gent", 1, NOW, endpoint="no port"), "host:port"),
        (PartnerChange("be-gent", 1, NOW, tls_ca_pem="junk"), "not a PEM"),
        (PartnerChange("be-gent", 0, NOW, endpoint="g.example:1"), "starts at 1"),
    ):
        with pytest.raises(InvalidInput, match=why):
            change.check()
    rotterdam = (pki["old"] / "nl-rotterdam" / "cert.pem").read_text()
    with pytest.raises(PeerIdentityMismatch, match="names nl-rotterdam"):
        PartnerChange("be-gent", 1, NOW, tls_cert_pem=rotterdam).check()
    new_cert = (pki["new"] / "be-gent" / "cert.pem").read_text()
    old_ca, new_ca = (pki["old"] / "ca.pem").read_text(), (pki["new"] / "ca.pem").read_text()
    with pytest.raises(InvalidInput, match="not issued by any CA announced with it"):
        PartnerChange("be-gent", 1, NOW, tls_ca_pem=old_ca, tls_cert_pem=new_cert).check()
    both = PartnerChange("be-gent", 1, NOW, tls_ca_pem=old_ca + new_ca, tls_cert_pem=new_cert)
    assert both.check() == both


def test_a_pinned_partner_takes_the_new_certificate_as_its_pin_and_ignores_a_ca(pki):
    old_cert = (pki["old"] / "be-gent" / "cert.pem").read_text()
    new_cert = (pki["new"] / "be-gent" / "cert.pem").read_text()
    pinned = _partner(old_cert, certificate_fingerprint(old_cert))
    after = applied(pinned, tls_cert_pem=new_cert)
    assert after.tls_pin_sha256 == certificate_fingerprint(new_cert)
    assert after.tls_ca_pem == new_cert and after.keys == pinned.keys
    ca_only = applied(pinned, tls_ca_pem=(pki["new"] / "ca.pem").read_text())
    assert ca_only == pinned


def test_a_ca_trusted_partner_takes_the_bundle_and_a_certificate_must_fit_it(pki):
    old_ca, new_ca = (pki["old"] / "ca.pem").read_text(), (pki["new"] / "ca.pem").read_text()
    new_cert = (pki["new"] / "be-gent" / "cert.pem").read_text()
    partner = _partner(old_ca)
    with pytest.raises(InvalidInput, match="must announce its new CA too"):
        applied(partner, tls_cert_pem=new_cert)
    after = applied(partner, tls_ca_pem=old_ca + new_ca, tls_cert_pem=new_cert)
    assert after.tls_ca_pem == old_ca + new_ca and after.tls_pin_sha256 == ""
    moved = applied(after, endpoint="gent.example:8443")
    details = change_details(partner, moved)
    assert details["old_endpoint"] == "gent.example:443"
    assert details["new_endpoint"] == "gent.example:8443"
    assert details["new_ca_sha256"] == ",".join(
        certificate_fingerprint(p) for p in (old_ca, new_ca)
    )
    assert "BEGIN" not in str(details)


def test_a_certificate_from_either_ca_of_a_changeover_bundle_proves_the_partner(pki):
    old_ca, new_ca = (pki["old"] / "ca.pem").read_text(), (pki["new"] / "ca.pem").read_text()
    old_cert = (pki["old"] / "be-gent" / "cert.pem").read_text()
    new_cert = (pki["new"] / "be-gent" / "cert.pem").read_text()

    def trust(ca: str):
        return lambda node_id: PartnerTrust(node_id, ca, "") if node_id == "be-gent" else None

    for cert in (old_cert, new_cert):
        assert identify_peer(cert, trust(old_ca + new_ca)) == "be-gent"
    with pytest.raises(PeerIdentityMismatch, match="not issued by the CA registered"):
        identify_peer(old_cert, trust(new_ca))
    ends = bundle_expiries("be-gent", PARTNER_CA, old_ca + new_ca)
    assert len(ends) == 2 and all(e.not_after and e.not_after > NOW for e in ends)
