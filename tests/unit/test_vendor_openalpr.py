"""Specification of the OpenALPR / Rekor Scout webhook adapter (adapters.vendors.openalpr).

Samples in vendor_samples/ follow OpenALPR's "Application Integration" documentation
(JSON Plate Results, JSON Group Results, JSON Heartbeat; openalpr/doc
source/app_integration.include, published at http://doc.openalpr.com/) and Rekor Scout's
https://docs.rekor.ai/scout/application-integration/json-group-results and
.../json-plate-results, with European plates and regions:
- openalpr_group.json: an alpr_group in the documented shape, commas put right.
- openalpr_results.json: an alpr_results frame with two plates.
- openalpr_heartbeat.json: a heartbeat, shortened.
- openalpr_published_sample.json: the group sample exactly as OpenALPR published it,
  which is not valid JSON (a comma missing after "is_parked", another between two
  candidates, a trailing one before the final brace).
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.model import PayloadError
from adapters.vendors import openalpr
from adapters.vendors.openalpr import OpenAlprEvent, parse

SAMPLES = Path(__file__).parent / "vendor_samples"
GROUP = json.loads((SAMPLES / "openalpr_group.json").read_text(encoding="utf-8"))
RESULTS = json.loads((SAMPLES / "openalpr_results.json").read_text(encoding="utf-8"))
SECRET_PLATE = "ZQ987XW"  # must never appear in a message or repr


def group(**changes: object) -> bytes:
    payload = copy.deepcopy(GROUP)
    for key, value in changes.items():
        if value is None:
            payload.pop(key, None)
        else:
            payload[key] = value
    return json.dumps(payload).encode()


def results(*entries: object, **changes: object) -> bytes:
    payload = copy.deepcopy(RESULTS)
    if entries:
        payload["results"] = list(entries)
    payload.update(changes)
    return json.dumps(payload).encode()


# -- alpr_group ------------------------------------------------------------------------


def test_documented_group_yields_one_read_for_the_vehicle():
    event = parse((SAMPLES / "openalpr_group.json").read_bytes())
    assert event.ignored == ()
    (read,) = event.reads
    assert read.plate == "GHX123K"
    assert read.country == "NL"
    assert read.confidence == pytest.approx(0.902536163330078)
    assert read.observed_at == datetime(2024, 6, 14, 14, 4, 36, 527000, tzinfo=UTC)
    assert read.camera == "2090267338"
    assert read.site == "terneuzen-west"
    assert read.direction == ""  # travel_direction is a compass angle, not in/out
    assert read.vendor_id == GROUP["best_uuid"]
    assert read.image_ref == GROUP["best_uuid"]  # the agent serves /img/<uuid>.jpg


def test_group_candidates_are_other_readings_best_first_each_once_in_0_to_1():
    (read,) = parse(group()).reads
    assert read.candidates == (
        ("GHX128K", pytest.approx(0.759956741333008)),
        ("GHX12K", pytest.approx(0.755074081420898)),
        ("GHX1Z3K", pytest.approx(0.753532333374023)),
    )


def test_group_candidates_are_capped_and_unusable_ones_dropped():
    many = [{"plate": f"GHX{n:03d}K", "confidence": 50 + n / 10} for n in range(30)]
    junk = [{"plate": "GH$1", "confidence": 99}, {"plate": "GHX999K", "confidence": 900}, "x"]
    best = {**GROUP["best_plate"], "candidates": []}
    (read,) = parse(group(candidates=many + junk, best_plate=best)).reads
    assert len(read.candidates) == openalpr.MAX_CANDIDATES
    assert read.candidates[0][0] == "GHX029K"
    assert all(0.0 <= confidence <= 1.0 for _, confidence in read.candidates)


def test_group_falls_back_to_best_plate_when_the_top_level_fields_are_absent():
    (read,) = parse(group(best_plate_number=None, best_confidence=None)).reads
    assert (read.plate, read.confidence) == ("GHX123K", pytest.approx(0.902536163330078))


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"best_plate_number": None, "best_plate": None}, "no plate"),
        ({"best_confidence": 190.5}, "best_confidence outside 0..100"),
        ({"best_confidence": "high"}, "best_confidence must be a number"),
        ({"epoch_start": None}, "epoch_start"),
        ({"epoch_start": 1538924513.527}, "epoch_start"),
        ({"epoch_start": 946684799999}, "epoch_start outside"),
        ({"best_plate": ["not", "an", "object"]}, "best_plate"),
        ({"candidates": {"plate": "GHX128K"}}, "candidates must be a list"),
        ({"camera_id": {"id": 1}}, "camera_id"),
    ],
)
def test_a_group_that_cannot_be_a_read_is_refused_with_the_field_named(changes, reason):
    with pytest.raises(PayloadError, match=reason):
        parse(group(**changes))


@pytest.mark.parametrize(
    ("region", "country_set", "expected"),
    [
        ("be", "eu", "BE"),  # the European set reports the country as region
        ("nl", "eu", "NL"),
        ("lu", "eu", "LU"),
        ("eu-fr", "eu", "FR"),
        ("de-by", "eu", "DE"),  # <country>-<subdivision>, as Rekor writes "us-mo"
        ("us-mo", "us", ""),  # not a country the gateway knows
        ("de", "us", ""),  # Delaware under the US set, never Germany
        ("", "gb", "GB"),  # a single-country set names the country
        ("", "eu", ""),
        ("xx", "eu", ""),
    ],
)
def test_region_and_country_set_map_to_alpha2_or_unknown(region, country_set, expected):
    best = {**GROUP["best_plate"], "region": region}
    (read,) = parse(group(best_region=region, country=country_set, best_plate=best)).reads
    assert read.country == expected


def test_unspecified_or_missing_site_falls_back_to_the_default_site():
    (read,) = parse(group(site_id="unspecified"), default_site="nl-terneuzen").reads
    assert read.site == "nl-terneuzen"
    (read,) = parse(group(site_id=None), default_site="nl-terneuzen").reads
    assert read.site == "nl-terneuzen"


# -- alpr_results ----------------------------------------------------------------------


def test_documented_results_frame_yields_a_read_per_plate():
    event = parse((SAMPLES / "openalpr_results.json").read_bytes())
    assert event.ignored == ()
    first, second = event.reads
    assert (first.plate, first.country, second.plate, second.country) == (
        "1ABC123",
        "BE",
        "AB123CD",
        "FR",
    )
    assert first.confidence == pytest.approx(0.93904076)
    assert first.observed_at == datetime(2024, 6, 14, 14, 4, 36, 527000, tzinfo=UTC)
    assert first.candidates == (
        ("1ABC12", pytest.approx(0.83211739)),
        ("1A8C123", pytest.approx(0.79840271)),
    )
    assert (first.vendor_id, second.vendor_id) == (
        f"{RESULTS['uuid']}:0",
        f"{RESULTS['uuid']}:1",
    )
    assert first.camera == "16488027" and first.site == "terneuzen-west"


def test_results_regions_are_read_under_the_agents_country_set():
    (read, _) = parse(results(), agent_country="us").reads
    assert read.country == ""  # "be" under the US set is no country


def test_one_bad_result_is_ignored_and_the_others_kept():
    good = RESULTS["results"][0]
    event = parse(results({**good, "confidence": 400}, "junk", good))
    assert len(event.reads) == 1
    assert event.ignored == (
        "results[0]: confidence outside 0..100",
        "results[1]: a result must be an object",
    )


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"epoch_time": None}, "epoch_time"),
        ({"results": "none"}, "results list"),
        ({"results": [{}] * (openalpr.MAX_RESULTS + 1)}, "more than"),
    ],
)
def test_a_frame_without_time_or_results_is_refused(changes, reason):
    with pytest.raises(PayloadError, match=reason):
        parse(results(**changes))


# -- Other data types ------------------------------------------------------------------


def test_heartbeat_is_accepted_and_ignored():
    event = parse((SAMPLES / "openalpr_heartbeat.json").read_bytes())
    assert event == OpenAlprEvent(reads=(), ignored=("heartbeat",))


def test_other_data_types_are_ignored_with_a_reason():
    event = parse(b'{"data_type": "alpr_alert", "plate": "1ABC123"}')
    assert event == OpenAlprEvent(reads=(), ignored=("data_type alpr_alert is not a read",))


def test_a_data_type_that_is_no_name_is_not_echoed():
    event = parse(json.dumps({"data_type": SECRET_PLATE}).encode())
    assert event.ignored == ("data_type (unnamed) is not a read",)


@pytest.mark.parametrize("payload", [b"{}", b'{"data_type": ""}', b'{"data_type": 2}'])
def test_a_payload_without_data_type_is_refused(payload):
    with pytest.raises(PayloadError, match="data_type"):
        parse(payload)


# -- The published sample and other garbage --------------------------------------------


def test_the_published_group_sample_is_refused_where_its_json_breaks():
    raw = (SAMPLES / "openalpr_published_sample.json").read_bytes()
    with pytest.raises(PayloadError) as refused:
        parse(raw)
    # Line 20 follows `"is_parked" : false` with no comma.
    assert str(refused.value) == ("not valid JSON at line 20 column 4 (Expecting ',' delimiter)")


def test_rekors_sample_with_a_comment_is_refused_where_its_json_breaks():
    raw = b'{\n   "agent_uid" : "YYYY",  # Taken from /etc/openalpr/install_id\n}'
    with pytest.raises(PayloadError, match="not valid JSON at line 2 column 27"):
        parse(raw)


def test_a_body_above_the_size_limit_is_refused_before_parsing():
    huge = b'{"data_type": "heartbeat", "pad": "' + b"x" * openalpr.MAX_BODY_BYTES + b'"}'
    with pytest.raises(PayloadError, match=str(openalpr.MAX_BODY_BYTES)):
        parse(huge)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "not valid JSON at line 1 column 1"),
        (b"\xc3\x28", "UTF-8"),
        (b"[1, 2]", "JSON object"),
        (b"{" * 100_000, "not valid JSON|nested too deeply"),
        (b"[" * 100_000, "nested too deeply"),
        (b'{"data_type": "alpr_group", "n": ' + b"9" * 5000 + b"}", "cannot be read"),
    ],
)
def test_garbage_is_refused_with_a_reason(raw, reason):
    with pytest.raises(PayloadError, match=reason):
        parse(raw)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(
    st.binary(max_size=256)
    | json_values.map(lambda v: json.dumps(v).encode())
    | st.dictionaries(st.sampled_from(sorted(GROUP)), json_values).map(
        lambda d: json.dumps({**GROUP, **d}).encode()
    )
    | st.dictionaries(st.sampled_from(sorted(RESULTS["results"][0])), json_values).map(
        lambda d: results({**RESULTS["results"][0], **d})
    )
)
def test_any_body_either_parses_or_is_refused_with_a_payload_error(raw):
    try:
        event = parse(raw)
    except PayloadError:
        return
    assert all(0.0 <= read.confidence <= 1.0 for read in event.reads)


# -- No plate in messages or reprs -----------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"best_plate_number": SECRET_PLATE + "!"},
        {"best_plate_number": SECRET_PLATE * 3},
        {"best_confidence": SECRET_PLATE},
        {"epoch_start": SECRET_PLATE},
        {"site_id": SECRET_PLATE * 20},
    ],
)
def test_refusals_never_contain_the_plate(changes):
    with pytest.raises(PayloadError) as refused:
        parse(group(**{"best_plate_number": SECRET_PLATE, **changes}))
    assert SECRET_PLATE not in str(refused.value)


def test_ignored_reasons_and_reprs_never_contain_the_plate():
    bad = {**RESULTS["results"][0], "plate": SECRET_PLATE + "?"}
    good = {**RESULTS["results"][0], "plate": SECRET_PLATE}
    event = parse(results(bad, good))
    assert len(event.reads) == 1
    assert SECRET_PLATE not in repr(event)
    assert SECRET_PLATE not in " ".join(event.ignored)
