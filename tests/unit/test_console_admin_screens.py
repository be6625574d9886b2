"""The administrator's and auditor's screens' pure pieces: two versions of an
agreement's terms compared term by term, and a partner's warnings from what the node
reports (unreachable, a certificate ending, a stale or failing feed)."""

from __future__ import annotations

from gateway.console.screens import agreement_terms as terms
from gateway.console.screens import partners
from gateway.wire.argos.v1 import admin_pb2 as pb


def test_an_amendment_marks_exactly_the_terms_it_changes():
    f = dict(terms.DEFAULTS)
    before = terms.draft_from_form(f, "nl-terneuzen")
    after = terms.draft_from_form(
        {**f, "hit_retention_days": "14", "field.flags": ""}, "nl-terneuzen"
    )
    after.valid_from.CopyFrom(before.valid_from)
    after.valid_until.CopyFrom(before.valid_until)
    rows = terms.compare(terms.terms_view(before), terms.terms_view(after))
    changed = {key: (old, new) for key, old, new, differs in rows if differs}
    assert changed == {
        "terms.fields": ("action, flags", "action"),
        "terms.hit_retention": ("28 d", "14 d"),
    }
    assert [key for key, *_ in rows] == [key for key, _ in terms.terms_view(after)]


def test_the_same_version_on_both_sides_marks_nothing():
    view = terms.terms_view(terms.draft_from_form(dict(terms.DEFAULTS), "be-gent"))
    assert not any(differs for *_, differs in terms.compare(view, view))


def _partner(**health) -> dict:
    status = pb.PartnerStatus(node_id="nl-terneuzen", **health)
    return partners.partner_view(pb.Partner(node_id="nl-terneuzen"), status, [], [])


def test_a_partner_in_order_has_no_warning_and_an_unreachable_one_says_why():
    assert _partner(reachable=True)["warnings"] == []
    down = _partner(reachable=False, problem="connection refused")
    assert down["warnings"] == ["unreachable"] and down["problem"] == "connection refused"
    # A partner the node did not report on is not taken for reachable.
    unknown = partners.partner_view(pb.Partner(node_id="x"), None, [], [])
    assert unknown["warnings"] == ["unreachable"]


def test_an_ending_certificate_and_a_failing_feed_are_warnings_and_the_last_contact_kept():
    ending = pb.CertificateStatus(owner="nl-terneuzen", kind="partner_ca", warning=True)
    feed = pb.SyncStatus(
        agreement_id="a1",
        partner="nl-terneuzen",
        role="recipient",
        lag_changes=7,
        last_applied_at="2026-12-03T10:00:00.000Z",
        last_verified_at="2026-12-03T11:00:00.000Z",
        last_error="head signature invalid",
    )
    view = partners.partner_view(
        pb.Partner(node_id="nl-terneuzen"),
        pb.PartnerStatus(node_id="nl-terneuzen", reachable=True),
        [partners.feed_view(feed)],
        [partners.certificate_view(ending)],
    )
    assert view["warnings"] == ["certificate", "feed"]
    assert view["last_contact"] == "2026-12-03T11:00:00.000Z"
    assert view["feeds"][0]["lag"] == 7
