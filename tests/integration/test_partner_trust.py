"""A partner's trust as an administrator manages it: its signing key is its own (never
this node's, never another partner's), and how its TLS certificate is recognised (its
CA, its pin) can be replaced in place, audited with old and new fingerprints, without
revoking an agreement or purging anything received. Real nodes, mutual TLS, SQLite and
the CLI throughout; the partner's new certificates come from the dev PKI generator."""

from __future__ import annotations

import json
import sqlite3

import pytest

from gateway.domain.peer import certificate_fingerprint
from tests.conftest import load_pki_generator
from tests.integration.hotlist_support import add_entry, received, wait_until
from tests.integration.tls_support import renewed as _renewed
from tests.integration.tls_support import serve_with as _serve_with


def _partners(node) -> list[tuple]:
    with sqlite3.connect(node.home / "node.sqlite") as db:
        return db.execute("SELECT * FROM partners ORDER BY node_id").fetchall()


def _audit(node, action: str) -> list[dict]:
    return [r for r in node.json("audit", "list", "--limit", "10000") if r["action"] == action]


def _reach(node, partner: str) -> str:
    for line in node.argos("status").stdout.splitlines():
        if line.strip().startswith(partner):
            return line
    raise AssertionError(f"{partner} not in the status of {node.node_id}")


@pytest.fixture
def shared(pair):
    """Gent shares with Terneuzen; Terneuzen holds Gent's first entry."""
    agreement_id = pair.agree("be-gent", "nl-terneuzen", "--direction", "proposer_to_partner")
    gent, terneuzen = pair["be-gent"], pair["nl-terneuzen"]
    ivan = gent.add_user("ivan", "investigator")
    first = add_entry(gent, ivan, "1-ABC-123")
    wait_until(lambda: first in received(terneuzen, agreement_id), what="the first entry")
    return pair, agreement_id, ivan


def test_a_partner_that_moved_to_a_new_ca_is_trusted_again_in_place(shared, certs, foreign_certs):
    pair, agreement_id, ivan = shared
    gent, terneuzen = pair["be-gent"], pair["nl-terneuzen"]
    held = received(terneuzen, agreement_id)
    _serve_with(
        gent,
        foreign_certs / "be-gent" / "cert.pem",
        foreign_certs / "be-gent" / "key.pem",
        foreign_certs / "ca.pem",
    )
    assert "UNREACHABLE" in _reach(terneuzen, "be-gent")  # its new CA is not trusted yet

    out = terneuzen.json(
        "partner", "update", "be-gent", "--ca-cert", str(foreign_certs / "ca.pem"),
        "--justification", "Gent moved to its new CA (letter of 2026-11-20, fingerprint by phone)",
    )  # fmt: skip
    old_ca = certificate_fingerprint((certs / "ca.pem").read_bytes())
    new_ca = certificate_fingerprint((foreign_certs / "ca.pem").read_bytes())
    assert out == {
        "partner": "be-gent",
        "endpoint": gent.endpoint,
        "ca_sha256": f"{old_ca} -> {new_ca}",
        "pin_sha256": "none",
    }

    # Both directions work at once under the new trust; the agreement never stopped.
    later = add_entry(gent, ivan, "2-XYZ-987")
    # (The sync runner retries with backoff while Gent was not trusted: allow for it.)
    wait_until(
        lambda: later in received(terneuzen, agreement_id), timeout=90, what="an entry after it"
    )
    assert "reachable;" in _reach(terneuzen, "be-gent")
    assert "reachable;" in _reach(gent, "nl-terneuzen")  # Gent's new certificate, let in
    for node in (gent, terneuzen):
        assert node.json("agreement", "show", agreement_id)["state"] == "active"
    now_held = received(terneuzen, agreement_id)
    assert {k: now_held[k] for k in held} == held  # nothing received was purged

    [change] = _audit(terneuzen, "partner.trust_change")
    assert change["object_id"] == "be-gent" and change["actor"] == "admin"
    assert change["justification"].startswith("Gent moved to its new CA")
    assert json.loads(change["details_json"]) == {
        "old_endpoint": gent.endpoint,
        "new_endpoint": gent.endpoint,
        "old_ca_sha256": old_ca,
        "new_ca_sha256": new_ca,
        "old_pin_sha256": "",
        "new_pin_sha256": "",
    }
    assert "CERTIFICATE" not in json.dumps(change) and "KEY" not in json.dumps(change)


def test_a_pinned_partner_that_renewed_its_certificate_is_refused_until_its_pin_is_changed(
    shared, certs, tmp_path
):
    pair, agreement_id, ivan = shared
    gent, terneuzen = pair["be-gent"], pair["nl-terneuzen"]
    old_pin = gent.identity()["tls_cert_sha256"]
    terneuzen.argos(
        "partner", "update", "be-gent", "--pin-sha256", old_pin,
        "--justification", "pin Gent's certificate",
    )  # fmt: skip
    pinned = add_entry(gent, ivan, "3-PIN-333")
    wait_until(lambda: pinned in received(terneuzen, agreement_id), what="an entry once pinned")
    held = received(terneuzen, agreement_id)

    cert, key = _renewed(certs, "be-gent", tmp_path / "renewed")
    _serve_with(gent, cert, key, certs / "ca.pem")
    new_pin = certificate_fingerprint(cert.read_bytes())
    waiting = add_entry(gent, ivan, "4-NEW-444")
    # Refused both ways: Terneuzen calls no one but the pinned certificate, and lets no
    # one else in as Gent.
    assert "does not match its pinned fingerprint" in _reach(terneuzen, "be-gent")
    assert "does not match its pinned fingerprint" in _reach(gent, "nl-terneuzen")
    refusals = _audit(terneuzen, "federation.refused")
    assert refusals and "does not match its pinned fingerprint" in refusals[-1]["justification"]
    assert received(terneuzen, agreement_id) == held

    out = terneuzen.json(
        "partner", "update", "be-gent", "--pin-sha256", new_pin,
        "--justification", "Gent renewed its certificate (fingerprint compared by phone)",
    )  # fmt: skip
    assert out["pin_sha256"] == f"{old_pin} -> {new_pin}"
    wait_until(
        lambda: waiting in received(terneuzen, agreement_id), timeout=90, what="the waiting entry"
    )
    assert "reachable;" in _reach(gent, "nl-terneuzen")
    now_held = received(terneuzen, agreement_id)
    assert {k: now_held[k] for k in held} == held
    changes = [json.loads(r["details_json"]) for r in _audit(terneuzen, "partner.trust_change")]
    assert [(c["old_pin_sha256"], c["new_pin_sha256"]) for c in changes] == [
        ("", old_pin),
        (old_pin, new_pin),
    ]


def test_changing_a_partners_trust_is_refused_to_anyone_but_an_administrator(pair, tmp_path):
    gent, terneuzen = pair["be-gent"], pair["nl-terneuzen"]
    before = _partners(terneuzen)
    olga = terneuzen.add_user("olga", "operator")
    rogue_ca = tmp_path / "rogue-ca.pem"
    load_pki_generator().ensure_pki(tmp_path / "rogue", ["be-gent"], ca_name="Rogue CA")
    rogue_ca.write_bytes((tmp_path / "rogue" / "ca.pem").read_bytes())
    attempt = terneuzen.argos(
        "partner", "update", "be-gent", "--ca-cert", str(rogue_ca),
        "--justification", "trust me", token_file=olga, check=False,
    )  # fmt: skip
    assert attempt.returncode != 0
    assert "user olga has role operator; partner.manage needs admin" in attempt.stderr
    assert _partners(terneuzen) == before
    [denied] = [r for r in _audit(terneuzen, "access.denied") if r["actor"] == "olga"]
    assert denied["object_id"] == "partner.manage"
    assert _audit(terneuzen, "partner.trust_change") == []

    for args, why in (
        (["be-gent", "--no-pin"], "already trusted exactly so"),
        (["be-gent", "--pin-sha256", "abc"], "64 hex digits"),
        (["be-gent"], "give --endpoint, --ca-cert, --pin-sha256 or --no-pin"),
        (["nl-nowhere", "--no-pin"], "nl-nowhere is not a registered partner"),
    ):
        result = terneuzen.argos("partner", "update", *args, "--justification", "t", check=False)
        assert result.returncode != 0 and why in result.stderr, args
    not_pem = tmp_path / "not.pem"
    not_pem.write_text("not a certificate")
    result = terneuzen.argos(
        "partner", "update", "be-gent", "--ca-cert", str(not_pem), "--justification", "t",
        check=False,
    )  # fmt: skip
    assert result.returncode != 0 and "not a PEM X.509 certificate" in result.stderr
    assert _partners(terneuzen) == before
    assert "reachable;" in _reach(terneuzen, "be-gent")
    assert _audit(gent, "federation.refused") == []


def test_partner_add_refuses_this_nodes_own_key_and_a_key_another_partner_has(pair):
    gent, terneuzen = pair["be-gent"], pair["nl-terneuzen"]
    own_key = terneuzen.identity()["public_key"]
    gents_key = gent.identity()["public_key"]
    before = _partners(terneuzen)
    for key, why in (
        (own_key, "the public key given for nl-rotterdam is this node's own signing key"),
        (gents_key, "is already registered for partner be-gent"),
    ):
        result = terneuzen.argos(
            "partner", "add", "nl-rotterdam", "--endpoint", "127.0.0.1:1",
            "--public-key", key, "--ca-cert", str(pair.certs / "ca.pem"), check=False,
        )  # fmt: skip
        assert result.returncode != 0
        assert why in result.stderr
        assert key not in result.stdout + result.stderr
    assert _partners(terneuzen) == before
    refused = _audit(terneuzen, "partner.add_refused")
    assert [r["object_id"] for r in refused] == ["nl-rotterdam", "nl-rotterdam"]
    assert "own signing key" in refused[0]["justification"]
    assert "already registered for partner be-gent" in refused[1]["justification"]
    assert not any(key in json.dumps(refused) for key in (own_key, gents_key))
