"""Renewal of a node's TLS certificate without a restart (issue 15): the renewed pair on
disk is served on new connections after `argos tls reload`, the node's own outbound
channels present it, the partner's calls keep working throughout, `argos status` shows
the certificate served; a pair that cannot serve is refused and the old one stays.
Two real node processes over mutual TLS, each with its own copy of the dev PKI (the
test rewrites certificate files)."""

from __future__ import annotations

import json
import shutil

import pytest

from gateway.federation import LocalFederation
from tests.conftest import load_pki_generator
from tests.integration.hotlist_support import add_entry, in_step, received, wait_until
from tests.integration.tls_support import dev_ca, file_fingerprint, renew, served_fingerprint


@pytest.fixture
def pki(tmp_path, certs):
    copy = tmp_path / "pki"
    shutil.copytree(certs, copy)
    return copy


@pytest.fixture
def linked(tmp_path, pki):
    """Gent shares with Terneuzen; Terneuzen follows Gent's feed."""
    federation = LocalFederation(tmp_path / "nodes", pki, ("be-gent", "nl-terneuzen"))
    try:
        federation.start()
        federation.connect("be-gent", "nl-terneuzen")
        agreement_id = federation.agree(
            "be-gent",
            "nl-terneuzen",
            "--categories",
            "stolen_vehicle",
            "--direction",
            "proposer_to_partner",
        )
        gent = federation["be-gent"]
        ivan = gent.add_user("ivan", "investigator")
        entry = add_entry(gent, ivan, "1-ABC-123", "B")
        terneuzen = federation["nl-terneuzen"]
        wait_until(lambda: entry in received(terneuzen, agreement_id), what="the first entry")
        yield federation, agreement_id, ivan
    finally:
        federation.stop()


def own_certificate_line(node) -> str:
    """The line of `argos status` on the node's own certificate."""
    (line,) = [
        line
        for line in node.argos("status").stdout.splitlines()
        if line.split()[:2] == [node.node_id, "node_certificate"]
    ]
    return line


def audit_of(node, action: str) -> list[dict]:
    """Audit records of one action, their details decoded."""
    return [
        {**r, "details": json.loads(r.get("details_json") or "{}")}
        for r in node.json("audit", "list", "--limit", "1000")
        if r["action"] == action
    ]


def test_a_renewed_certificate_is_served_after_reload_and_partners_keep_working(linked, pki):
    federation, agreement_id, ivan = linked
    gent, terneuzen = federation["be-gent"], federation["nl-terneuzen"]
    old = served_fingerprint(gent, pki / "nl-terneuzen")
    assert old == file_fingerprint(pki / "be-gent" / "cert.pem")
    assert not own_certificate_line(gent).endswith("WARNING")

    # A renewal from the same CA, ending in 10 days (inside the 30-day warning window).
    renew(pki / "be-gent", "be-gent", *dev_ca(pki), days=10)
    new = file_fingerprint(pki / "be-gent" / "cert.pem")
    assert new != old
    # On disk only: still the old one served and reported until the reload.
    assert served_fingerprint(gent, pki / "nl-terneuzen") == old
    assert not own_certificate_line(gent).endswith("WARNING")

    out = gent.argos("tls", "reload").stdout
    assert f"sha256 {new}" in out and "now served" in out
    assert served_fingerprint(gent, pki / "nl-terneuzen") == new
    line = own_certificate_line(gent)
    assert line.endswith("WARNING") and ("in 9 days" in line or "in 10 days" in line)
    (reloaded,) = audit_of(gent, "tls.reloaded")
    assert reloaded["details"]["served_sha256"] == new
    assert reloaded["details"]["previous_sha256"] == old

    # The partner's feed keeps flowing to Terneuzen.
    entry = add_entry(gent, ivan, "2-DEF-456", "B")
    wait_until(lambda: entry in received(terneuzen, agreement_id), what="an entry after reload")
    wait_until(lambda: in_step(gent, terneuzen, agreement_id), what="a verified head")

    # Terneuzen now pins Gent's renewed certificate: from here on it accepts Gent only
    # presenting exactly that one, as server and as client. Gent's own outbound call
    # (a proposal) gets through, so Gent's channel presents the renewed certificate.
    terneuzen.argos(
        "partner", "update", "be-gent", "--pin-sha256", new, "--justification", "renewed"
    )
    second = federation.agree(
        "be-gent", "nl-terneuzen", "--categories", "stolen_plate", "--direction", "both"
    )
    assert any(a["agreement_id"] == second for a in terneuzen.json("agreement", "list"))
    gent.argos("sync", "verify", agreement_id)
    terneuzen.argos("sync", "verify", agreement_id)


@pytest.mark.parametrize(
    "broken, reason",
    [
        ("garbage", "holds no PEM X.509 certificate"),
        ("other_key", "the key does not belong to the certificate"),
        ("other_node", "names node nl-terneuzen, not be-gent"),
        ("foreign_ca", "not issued by a CA of the node's CA bundle"),
    ],
)
def test_a_reload_that_cannot_serve_is_refused_and_the_old_certificate_stays(
    linked, pki, foreign_certs, broken, reason
):
    federation, agreement_id, ivan = linked
    gent, terneuzen = federation["be-gent"], federation["nl-terneuzen"]
    old = served_fingerprint(gent, pki / "nl-terneuzen")
    files = pki / "be-gent"
    if broken == "garbage":
        (files / "cert.pem").write_text("not a certificate\n")
    elif broken == "other_key":
        (files / "key.pem").write_bytes((pki / "nl-terneuzen" / "key.pem").read_bytes())
    elif broken == "other_node":
        for name in ("cert.pem", "key.pem"):
            (files / name).write_bytes((pki / "nl-terneuzen" / name).read_bytes())
    else:
        for name in ("cert.pem", "key.pem"):
            (files / name).write_bytes((foreign_certs / "be-gent" / name).read_bytes())
    records_before = len(gent.json("audit", "list", "--limit", "1000"))

    refused = gent.argos("tls", "reload", check=False)

    assert refused.returncode != 0
    assert reason in refused.stderr
    assert served_fingerprint(gent, pki / "nl-terneuzen") == old
    (record,) = audit_of(gent, "tls.reload_refused")
    assert reason in record["justification"]
    assert record["details"]["served_sha256"] == old
    assert len(gent.json("audit", "list", "--limit", "1000")) > records_before
    entry = add_entry(gent, ivan, "3-GHI-789", "B")
    wait_until(lambda: entry in received(terneuzen, agreement_id), what="sync to go on")


def test_a_ca_changeover_serves_a_certificate_of_the_new_ca_beside_the_old(linked, pki):
    """Terneuzen first trusts old and new CA for Gent (a bundle); Gent's own bundle holds
    both too, so a certificate of the new CA is accepted on reload, and the feed and
    Gent's own calls go on across the switch."""
    federation, agreement_id, ivan = linked
    gent, terneuzen = federation["be-gent"], federation["nl-terneuzen"]
    gen = load_pki_generator()
    new_ca, new_ca_key = gen._create_ca("Argos Dev CA 2027")
    bundle = (pki / "ca.pem").read_bytes() + gen._cert_pem(new_ca)
    (pki / "gent-bundle.pem").write_bytes(bundle)
    terneuzen.argos(
        "partner",
        "update",
        "be-gent",
        "--ca-cert",
        str(pki / "gent-bundle.pem"),
        "--justification",
        "Gent's CA changeover, fingerprints compared by phone",
    )
    (pki / "ca.pem").write_bytes(bundle)
    renew(pki / "be-gent", "be-gent", new_ca, new_ca_key)
    new = file_fingerprint(pki / "be-gent" / "cert.pem")

    gent.argos("tls", "reload")

    assert served_fingerprint(gent, pki / "nl-terneuzen") == new
    entry = add_entry(gent, ivan, "4-JKL-012", "B")
    wait_until(lambda: entry in received(terneuzen, agreement_id), what="sync under the new CA")
    second = federation.agree(
        "be-gent", "nl-terneuzen", "--categories", "stolen_plate", "--direction", "both"
    )
    assert any(a["agreement_id"] == second for a in terneuzen.json("agreement", "list"))
    terneuzen.argos("sync", "verify", agreement_id)
    assert "hotlist.resync" not in [
        r["action"] for r in terneuzen.json("audit", "list", "--limit", "1000")
    ]


def test_with_a_file_check_interval_the_node_reloads_a_renewed_certificate_by_itself(linked, pki):
    federation, agreement_id, ivan = linked
    gent, terneuzen = federation["be-gent"], federation["nl-terneuzen"]
    gent.stop()
    with (gent.home / "node.toml").open("a") as f:
        f.write("tls_reload_check_s = 0.2\n")
    gent.start()
    old = served_fingerprint(gent, pki / "nl-terneuzen")

    (pki / "be-gent" / "cert.pem").write_text("half-written\n")
    wait_until(lambda: audit_of(gent, "tls.reload_refused"), what="the refused pair")
    assert served_fingerprint(gent, pki / "nl-terneuzen") == old
    renew(pki / "be-gent", "be-gent", *dev_ca(pki))
    new = file_fingerprint(pki / "be-gent" / "cert.pem")
    wait_until(lambda: served_fingerprint(gent, pki / "nl-terneuzen") == new, what="the renewal")
    # Cert and key are two files: a look between their writes may see a mismatched
    # pair and refuse it (audited); the served certificate is the renewed one in the end.
    reloaded = audit_of(gent, "tls.reloaded")[-1]
    assert reloaded["details"]["served_sha256"] == new
    assert reloaded["actor"] == "node"
    entry = add_entry(gent, ivan, "5-MNO-345", "B")
    wait_until(lambda: entry in received(terneuzen, agreement_id), what="sync to go on")
