"""Two node processes walk one agreement through its whole life; after every step both
sides hold the same signed bytes, agree on the state, and have audited the step."""

from __future__ import annotations

import json
import time


def _held(node, agreement_id: str, version: int = 0) -> dict:
    args = ["agreement", "show", agreement_id]
    if version:
        args += ["--version", str(version)]
    return node.json(*args)


def _audit_actions(node) -> list[str]:
    return [r["action"] for r in node.json("audit", "list", "--limit", "1000")]


def _assert_same(gent, terneuzen, agreement_id: str, state: str, version: int = 0) -> dict:
    # Status pushes are asynchronous-with-retry, but on a healthy pair they land at once;
    # allow a short settle time rather than racing the delivery loop.
    deadline = time.monotonic() + 10
    while True:
        a, b = _held(gent, agreement_id, version), _held(terneuzen, agreement_id, version)
        if (a["state"], b["state"]) == (state, state) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert a["state"] == b["state"] == state
    assert a["envelope_hex"] == b["envelope_hex"], "both sides must hold byte-identical envelopes"
    assert a["fingerprint"] == b["fingerprint"]
    return a


def test_agreement_walks_propose_accept_amend_suspend_revoke_in_step_on_both_nodes(pair):
    gent, terneuzen = pair["be-gent"], pair["nl-terneuzen"]

    proposed = gent.json(
        "agreement",
        "propose",
        "--partner",
        "nl-terneuzen",
        "--categories",
        "stolen_vehicle,wanted_person",
        "--justification",
        "Plan Argos pilot",
    )
    agreement_id = proposed["agreement_id"]
    doc = _assert_same(gent, terneuzen, agreement_id, "proposed")
    assert len(doc["signers"]) == 1
    assert "agreement.propose" in _audit_actions(gent)
    assert "agreement.proposal_received" in _audit_actions(terneuzen)

    terneuzen.argos("agreement", "accept", agreement_id, "--justification", "checked by phone")
    doc = _assert_same(gent, terneuzen, agreement_id, "active")
    assert len(doc["signers"]) == 2
    assert "agreement.countersign" in _audit_actions(terneuzen)
    assert "agreement.countersigned_received" in _audit_actions(gent)

    # Either party may amend; here the partner widens the categories.
    terneuzen.argos(
        "agreement",
        "amend",
        agreement_id,
        "--categories",
        "stolen_vehicle,wanted_person,drug_trafficking",
        "--justification",
        "add drugs",
    )
    _assert_same(gent, terneuzen, agreement_id, "proposed")
    # Version 1 stays in force while version 2 waits.
    _assert_same(gent, terneuzen, agreement_id, "active", version=1)
    gent.argos("agreement", "accept", agreement_id, "--justification", "checked by phone")
    v2 = _assert_same(gent, terneuzen, agreement_id, "active")
    assert v2["version"] == 2 and "drug_trafficking" in v2["terms"]["categories"]
    _assert_same(gent, terneuzen, agreement_id, "superseded", version=1)
    assert "agreement.amend" in _audit_actions(terneuzen)

    gent.argos("agreement", "suspend", agreement_id, "--reason", "data breach under review")
    v2 = _assert_same(gent, terneuzen, agreement_id, "suspended")
    assert v2["status_issuer"] == "be-gent"
    assert "agreement.suspend" in _audit_actions(gent)
    assert "agreement.suspend_received" in _audit_actions(terneuzen)

    # Only the suspending party may lift the suspension.
    refused = terneuzen.argos("agreement", "resume", agreement_id, "--reason", "x", check=False)
    assert refused.returncode == 5 and "only be-gent" in refused.stderr
    gent.argos("agreement", "resume", agreement_id, "--reason", "review closed")
    _assert_same(gent, terneuzen, agreement_id, "active")

    terneuzen.argos("agreement", "revoke", agreement_id, "--reason", "pilot ended")
    _assert_same(gent, terneuzen, agreement_id, "revoked")
    assert "agreement.revoke" in _audit_actions(terneuzen)
    assert "agreement.revoke_received" in _audit_actions(gent)

    for node in (gent, terneuzen):
        assert "audit log intact" in node.argos("audit", "verify").stdout


def test_status_change_made_while_partner_is_down_is_delivered_when_it_returns(pair):
    gent, terneuzen = pair["be-gent"], pair["nl-terneuzen"]
    agreement_id = pair.agree("be-gent", "nl-terneuzen")
    terneuzen.stop()
    # Suspension is unilateral and immediate here, whether or not the partner answers.
    gent.argos("agreement", "suspend", agreement_id, "--reason", "incident")
    assert _held(gent, agreement_id)["state"] == "suspended"
    terneuzen.start()
    _assert_same(gent, terneuzen, agreement_id, "suspended")


def test_agreement_show_prints_the_fingerprint_to_read_out_on_the_phone(pair):
    agreement_id = pair.agree("be-gent", "nl-terneuzen")
    shown = pair["nl-terneuzen"].argos("agreement", "show", agreement_id).stdout
    fingerprint = _held(pair["be-gent"], agreement_id)["fingerprint"]
    assert f"fingerprint   {fingerprint}" in shown
    assert (
        json.loads(pair["be-gent"].argos("agreement", "list", "--json").stdout)[0]["fingerprint"]
        == fingerprint
    )
