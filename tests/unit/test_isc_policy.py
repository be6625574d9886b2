"""Specification of the ISC outbound policy (gateway.domain.isc.check_outbound) and of
inbound screening. The property: whatever hits and reports go in, no plate and no field
outside the policy ever appears in an outbound bundle; TLP:RED never leaves."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.domain import isc
from gateway.domain.agreement import Purpose
from gateway.domain.errors import AgreementViolation, IllegalTransition, InvalidInput
from gateway.domain.isc import OutboundViolation, Tlp
from gateway.domain.isc.stix import parse_stix_time
from tests.stix_validation import assert_valid_bundle

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
WEEK = isc.iso_week(NOW)
LETTERS = "ABCDEFGHJKLMNPRSTVWXYZ"
DIGITS = "0123456789"
SENDABLE = [t for t in Tlp if t is not Tlp.RED]


def _shape(shape: str) -> st.SearchStrategy[str]:
    parts = [st.sampled_from(LETTERS) if c == "X" else st.sampled_from(DIGITS) for c in shape]
    return st.tuples(*parts).map("".join)


# Plates as Belgian, Dutch and French formats write them (normalised).
plates = st.one_of(
    st.tuples(st.sampled_from("123456789"), _shape("XXX999")).map("".join),
    _shape("XX99XX"),
    _shape("99XXX9"),
    _shape("XX999XX"),
)
zones = st.text(alphabet="abcdefghijklmnopqrstuvwxyz-", min_size=1, max_size=20)
categories = st.sampled_from(
    ["stolen_vehicle", "stolen_plate", "wanted_person", "drug_trafficking"]
)
moments = st.integers(0, 7 * 24 * 3600 - 1).map(
    lambda s: isc.week_bounds(WEEK)[0] + timedelta(seconds=s)
)
hits = st.lists(st.tuples(plates, moments, zones, categories), max_size=60)
separators = st.sampled_from(["", "-", " ", ".", "-"])


def displayed(plate: str, sep: str) -> str:
    """A plate as a person might type it: groups split by a separator, any case."""
    return sep.join([plate[:2], plate[2:5], plate[5:]]).lower()


def no_plate_in(bundle: dict, known: set[str]) -> bool:
    flat = json.dumps(bundle).upper()
    squeezed = "".join(c for c in flat if c.isalnum())
    return not any(p in flat or p in squeezed for p in known)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(hits=hits, threshold=st.integers(1, 5), tlp=st.sampled_from(SENDABLE))
def test_statistics_bundles_pass_the_policy_and_never_carry_a_plate(hits, threshold, tlp):
    facts = [isc.HitFact(at, zone, category) for _, at, zone, category in hits]
    known = {plate for plate, *_ in hits}
    stats = isc.weekly_statistics(facts, WEEK, threshold)
    bundle = isc.statistics_bundle(stats, "be-gent", tlp, NOW)
    isc.check_outbound(bundle, frozenset(known))
    assert no_plate_in(bundle, known)
    assert all(cell.hits >= threshold for cell in stats.cells)
    assert sum(c.hits for c in stats.cells) <= len(hits)


@settings(max_examples=15, deadline=None)
@given(hits=hits, tlp=st.sampled_from(SENDABLE))
def test_statistics_bundles_are_valid_stix(hits, tlp):
    facts = [isc.HitFact(at, zone, category) for _, at, zone, category in hits]
    assert_valid_bundle(
        isc.statistics_bundle(isc.weekly_statistics(facts, WEEK, 2), "be-gent", tlp, NOW)
    )


words = st.lists(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=9),
    min_size=1,
    max_size=30,
).map(" ".join)
# A report's title holds at most MAX_TITLE (200) characters: 15 words of at most 9.
titles = st.lists(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=9),
    min_size=1,
    max_size=15,
).map(" ".join)


@settings(max_examples=100)
@given(
    before=words,
    after=words,
    plate=plates,
    sep=separators,
    known=st.booleans(),
    tlp=st.sampled_from(SENDABLE),
    kind=st.sampled_from(list(isc.ReportKind)),
)
def test_a_report_that_names_a_plate_never_leaves(before, after, plate, sep, known, tlp, kind):
    text = f"{before} {displayed(plate, sep)} {after}"
    bundle = isc.report_bundle(isc.ReportDraft(kind, "Night-time theft", text, tlp), "be-gent", NOW)
    with pytest.raises(OutboundViolation, match="rule 4"):
        isc.check_outbound(bundle, frozenset({plate} if known else set()))


@settings(max_examples=100)
@given(
    text=words,
    title=titles,
    tlp=st.sampled_from(SENDABLE),
    kind=st.sampled_from(list(isc.ReportKind)),
)
def test_a_report_without_plates_passes(text, title, tlp, kind):
    bundle = isc.report_bundle(isc.ReportDraft(kind, title, text, tlp), "be-gent", NOW)
    isc.check_outbound(bundle, frozenset({"1ABC123"}))


def _report() -> dict:
    return isc.report_bundle(
        isc.ReportDraft(isc.ReportKind.INCIDENT, "Break-in", "Fence cut near quay", Tlp.GREEN),
        "be-gent",
        NOW,
    )


def test_report_bundles_are_valid_stix():
    for kind in isc.ReportKind:
        for tlp in SENDABLE:
            assert_valid_bundle(
                isc.report_bundle(
                    isc.ReportDraft(kind, "Break-in", "Fence cut", tlp), "be-gent", NOW
                )
            )


@given(
    index=st.integers(0, 2),
    field=st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=20),
    value=st.one_of(st.text(max_size=20), st.integers(), st.booleans()),
)
def test_no_field_outside_the_policy_ever_leaves(index, field, value):
    bundle = _report()
    obj = bundle["objects"][index]
    if field in isc.OUTBOUND_FIELDS[obj["type"]]:
        return
    obj[field] = value
    with pytest.raises(OutboundViolation, match="rule 1"):
        isc.check_outbound(bundle, frozenset())


def test_tlp_red_never_leaves_in_any_form():
    with pytest.raises(OutboundViolation, match="TLP:RED"):
        isc.report_bundle(
            isc.ReportDraft(isc.ReportKind.INCIDENT, "x", "y", Tlp.RED), "be-gent", NOW
        )
    marked = _report()
    for obj in marked["objects"][1:]:
        obj["object_marking_refs"] = [isc.marking_id(Tlp.RED)]
    with pytest.raises(OutboundViolation, match="TLP:RED"):
        isc.check_outbound(marked, frozenset())
    defined = _report()
    defined["objects"][0] = isc.marking_definition(Tlp.RED)
    with pytest.raises(OutboundViolation, match="TLP:RED"):
        isc.check_outbound(defined, frozenset())


def test_an_unknown_object_type_or_a_second_marking_is_refused():
    extra = _report()
    extra["objects"].append(
        {"type": "indicator", "id": "indicator--" + "0" * 8 + "-0000-4000-8000-" + "0" * 12}
    )
    with pytest.raises(OutboundViolation, match="rule 1"):
        isc.check_outbound(extra, frozenset())
    twice = _report()
    twice["objects"][2]["object_marking_refs"].append(isc.marking_id(Tlp.CLEAR))
    with pytest.raises(OutboundViolation, match="rule 2"):
        isc.check_outbound(twice, frozenset())


def test_the_misp_event_carries_the_same_text_and_tlp():
    event = isc.misp_event(_report())["Event"]
    assert event["info"] == "Break-in"
    assert event["Attribute"][0]["value"] == "Fence cut near quay"
    assert {"name": "tlp:green"} in event["Tag"]


# -- inbound -----------------------------------------------------------------------------

INDICATOR = {
    "type": "indicator",
    "spec_version": "2.1",
    "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
    "created": "2026-11-20T09:00:00.000Z",
    "modified": "2026-11-20T09:00:00.000Z",
    "pattern": "[x-vehicle:license_plate = '1-abc-123' AND x-vehicle:country = 'B']",
    "pattern_type": "stix",
    "valid_from": "2026-11-20T09:00:00Z",
    "object_marking_refs": [isc.marking_id(Tlp.AMBER)],
}


def screen(obj, held=frozenset()):
    return isc.screen_object(obj, len(json.dumps(obj)), held)


def test_a_vehicle_indicator_becomes_a_candidate_with_a_normalised_plate():
    s = screen(INDICATOR)
    assert (s.verdict, s.plate, s.country, s.tlp) == (
        isc.Verdict.VEHICLE_INDICATOR,
        "1ABC123",
        "BE",
        Tlp.AMBER,
    )


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"type": "x-unheard-of"}, "unknown type"),
        ({"description": "A" * 5000}, "string longer than"),
        ({"id": "indicator--123"}, "id is not"),
        ({"modified": "last tuesday"}, "modified is not"),
        ({"created": "2026-13-20T09:00:00.000Z"}, "created is not"),
        ({"modified": "2026-11-20T09:00:00.000+01:00"}, "modified is not"),
        ({"valid_from": "2026-11-31T09:00:00Z"}, "valid_from is not"),
        ({"spec_version": "2.0"}, "spec_version"),
        ({"pattern": "[x-vehicle:license_plate = '1ABC123' OR 1=1]"}, "vehicle pattern"),
        ({"pattern": "[x-vehicle:license_plate = '$$$']"}, "rule 3"),
        ({"labels": [[[[[[[[[["deep"]]]]]]]]]]}, "nested deeper"),
    ],
)
def test_hostile_objects_are_rejected_with_a_reason_that_holds_no_plate(change, reason):
    s = screen(INDICATOR | change)
    assert s.verdict is isc.Verdict.REJECTED and reason in s.reason
    assert "1ABC123" not in s.reason and "1-abc-123" not in s.reason.lower()


def test_objects_that_are_not_json_objects_or_too_big_are_rejected():
    assert screen(["not", "an", "object"]).verdict is isc.Verdict.REJECTED
    big = copy.deepcopy(INDICATOR)
    assert isc.screen_object(big, isc.MAX_OBJECT_BYTES + 1, frozenset()).verdict is (
        isc.Verdict.REJECTED
    )


def test_sightings_count_only_for_held_vehicle_indicators():
    sighting = {
        "type": "sighting",
        "spec_version": "2.1",
        "id": "sighting--0b2fd7b1-7b65-4a7e-9d56-08c6a3b1c0a1",
        "created": "2026-11-20T09:00:00.000Z",
        "modified": "2026-11-20T09:00:00.000Z",
        "sighting_of_ref": INDICATOR["id"],
        "count": 3,
    }
    assert screen(sighting).verdict is isc.Verdict.IGNORED
    assert screen(sighting, frozenset({INDICATOR["id"]})).verdict is isc.Verdict.VEHICLE_SIGHTING


def test_the_pull_resumes_one_microsecond_before_the_cursor_so_ties_are_served_again():
    assert isc.added_after_for("2026-11-22T10:00:00.000000Z") == "2026-11-22T09:59:59.999999Z"
    assert (
        isc.later_cursor(
            "2026-11-22T10:00:00.5Z".replace(".5Z", ".500000Z"), "2026-11-22T10:00:00.400000Z"
        )
        == "2026-11-22T10:00:00.500000Z"
    )


def test_a_cursor_finer_than_microseconds_still_resumes_before_it():
    assert isc.added_after_for("2026-11-22T10:00:00.123456789Z") == "2026-11-22T10:00:00.123455Z"


def test_stix_and_taxii_times_are_rfc_3339_utc_with_z_and_real():
    assert parse_stix_time("2026-11-22T10:00:00Z") == datetime(2026, 11, 22, 10, tzinfo=UTC)
    assert parse_stix_time("2026-11-22T10:00:00.5Z") == datetime(
        2026, 11, 22, 10, 0, 0, 500_000, tzinfo=UTC
    )
    for text in (
        "2026-11-22T10:00:00+00:00",
        "2026-11-22T10:00:00",
        "2026-11-22 10:00:00Z",
        "2026-1-2T3:04:05Z",
        "2026-13-01T00:00:00Z",
        "2026-02-29T00:00:00Z",
        "2026-11-22T10:00:00.1234567890Z",
        None,
    ):
        with pytest.raises(InvalidInput, match="created is not an RFC 3339 UTC timestamp"):
            parse_stix_time(text, "created")


def test_stix_times_this_node_writes_are_utc_to_the_millisecond():
    written = isc.report_bundle(
        isc.ReportDraft(isc.ReportKind.INCIDENT, "t", "x", Tlp.GREEN),
        "be-gent",
        datetime(2026, 11, 22, 11, 0, 0, 123_999, tzinfo=timezone(timedelta(hours=1))),
    )["objects"][-1]["created"]
    assert written == "2026-11-22T10:00:00.123Z"


def test_red_and_amber_strict_candidates_cannot_become_shared_entries():
    for tlp in (Tlp.RED, Tlp.AMBER_STRICT):
        with pytest.raises(AgreementViolation):
            isc.check_promotable(tlp)
    for tlp in (Tlp.CLEAR, Tlp.GREEN, Tlp.AMBER):
        isc.check_promotable(tlp)


# -- Promoting a candidate: what a person must give, and deciding once -----------------


def test_a_promotion_needs_a_lawful_purpose_a_case_reference_an_expiry_and_a_reason():
    assert isc.check_promotion(" Criminal_Investigation ", "PV-1", True, "seen at the gate") == (
        Purpose.CRIMINAL_INVESTIGATION
    )
    for args, missing in (
        (("curiosity", "PV-1", True, "why"), "lawful purpose"),
        (("criminal_investigation", " ", True, "why"), "case reference"),
        (("criminal_investigation", "PV-1", False, "why"), "expiry"),
        (("criminal_investigation", "PV-1", True, ""), "justification"),
    ):
        with pytest.raises(InvalidInput, match=missing):
            isc.check_promotion(*args)


def test_a_candidate_is_decided_once():
    isc.check_open("c-1", "open")
    for decided in ("promoted", "dismissed"):
        with pytest.raises(IllegalTransition, match=f"already {decided}"):
            isc.check_open("c-1", decided)
