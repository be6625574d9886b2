"""Specification of the Axis License Plate Verifier push adapter (adapters.vendors.axis).

The samples vendor_samples/axis_lpv_{new,update,lost}.json follow the HTTP POST package
sample and the "JSON file keys description" of the push events in Axis' "License plate
verifier API" (https://developer.axis.com/vapix/applications/license-plate-verifier-api):
string-typed numbers, `capture_timestamp` in UTC milliseconds beside a camera-local
`datetime`, alpha-3 `plateCountry`, `camera_info`. They are one car (carID 12977) seen
as NEW (a misread, no direction), UPDATE (text corrected, direction in) and LOST.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.model import PayloadError
from adapters.vendors import axis
from adapters.vendors.axis import AxisDeduplicator, AxisEvent, parse

SAMPLES = Path(__file__).parent / "vendor_samples"
NEW, UPDATE, LOST = (
    json.loads((SAMPLES / f"axis_lpv_{state}.json").read_text(encoding="utf-8"))
    for state in ("new", "update", "lost")
)
SECRET_PLATE = "ZQ987XW"  # must never appear in a message or repr


def body(base: dict, **changes: object) -> bytes:
    event = dict(base)
    for key, value in changes.items():
        if value is None:
            event.pop(key, None)
        else:
            event[key] = value
    return json.dumps(event).encode()


def event(car_id: str = "1", state: str = "new", ms: int = 1718373876372, **more) -> AxisEvent:
    return parse(
        body(NEW, carID=car_id, carState=state, capture_timestamp=str(ms), **more),
    )


# -- Parsing the documented event ------------------------------------------------------


def test_documented_new_event_parses_with_time_in_utc_and_country_alpha2():
    parsed = parse((SAMPLES / "axis_lpv_new.json").read_bytes())
    assert parsed.car_id == "12977"
    assert parsed.car_state == "new"
    assert parsed.plate == "1ABC128"
    assert parsed.country == "BE"
    assert parsed.vendor_country == "BEL"
    assert parsed.confidence == pytest.approx(0.6123)
    assert parsed.observed_at == datetime(2024, 6, 14, 14, 4, 36, 372000, tzinfo=UTC)
    assert parsed.camera == "B8A44F960ACE"
    assert parsed.direction == ""
    assert parsed.packet_counter == "13046"


def test_documented_update_carries_the_direction():
    parsed = parse(body(UPDATE))
    assert (parsed.car_state, parsed.direction, parsed.plate) == ("update", "in", "1ABC123")


def test_capture_timestamp_wins_over_the_camera_local_datetime():
    # The sample's datetime (16:04:36.372) is Central European Summer Time, unmarked.
    parsed = parse(body(NEW))
    assert parsed.observed_at.hour == 14


def test_datetime_with_a_zone_offset_is_converted_to_utc():
    parsed = parse(body(NEW, capture_timestamp=None, datetime="20240614 160436372+0200"))
    assert parsed.observed_at == datetime(2024, 6, 14, 14, 4, 36, 372000, tzinfo=UTC)
    assert parsed.observed_at.tzinfo is UTC


def test_datetime_without_a_zone_is_refused_rather_than_guessed():
    with pytest.raises(PayloadError, match="zone"):
        parse(body(NEW, capture_timestamp=None))


def test_datetime_without_a_zone_is_in_the_zone_the_adapter_is_configured_for():
    parsed = parse(body(NEW, capture_timestamp=None), naive_zone=ZoneInfo("Europe/Brussels"))
    assert parsed.observed_at == datetime(2024, 6, 14, 14, 4, 36, 372000, tzinfo=UTC)


@pytest.mark.parametrize(
    "stamp", ["20241399 160436372+0200", "20240614 160436372+9900", "14/06/2024 16:04+0200"]
)
def test_a_datetime_that_is_no_valid_zoned_time_is_refused(stamp):
    with pytest.raises(PayloadError, match="datetime"):
        parse(body(NEW, capture_timestamp=None, datetime=stamp))


@pytest.mark.parametrize(
    "stamp", ["", "soon", "-5", "99999999999999999999", "946684799999", True, 1.5]
)
def test_capture_timestamp_that_is_no_plausible_time_is_refused(stamp):
    with pytest.raises(PayloadError):
        parse(body(NEW, capture_timestamp=stamp))


@pytest.mark.parametrize(
    ("alpha3", "alpha2"),
    [("BEL", "BE"), ("NLD", "NL"), ("FRA", "FR"), ("DEU", "DE"), ("LUX", "LU"), ("GBR", "GB")],
)
def test_plate_country_alpha3_maps_to_alpha2(alpha3, alpha2):
    assert parse(body(NEW, plateCountry=alpha3)).country == alpha2


@pytest.mark.parametrize("code", ["UKR", "USA", "", "bel-ish", None])
def test_unknown_or_missing_country_keeps_the_read_with_unknown_country(code):
    parsed = parse(body(NEW, plateCountry=code))
    assert parsed.country == ""


@pytest.mark.parametrize("code", ["B", "BE"])
def test_codes_in_another_convention_are_not_guessed(code):
    # Axis documents ISO 3166-1 alpha-3; anything else is unknown, not reinterpreted.
    assert parse(body(NEW, plateCountry=code)).country == ""


def test_confidence_documented_as_a_fraction_and_tolerated_as_a_percentage():
    assert parse(body(NEW, plateConfidence="0.5")).confidence == 0.5
    assert parse(body(NEW, plateConfidence=87.5)).confidence == pytest.approx(0.875)


@pytest.mark.parametrize("value", ["-0.1", "101", "NaN", "high", True, None, [0.5]])
def test_confidence_that_is_no_fraction_is_refused(value):
    with pytest.raises(PayloadError, match="plateConfidence"):
        parse(body(NEW, plateConfidence=value))


@pytest.mark.parametrize(
    ("state", "expected"), [("new", "new"), ("update", "update"), ("updated", "update")]
)
def test_car_states_documented_by_axis_and_its_supplier_are_accepted(state, expected):
    assert parse(body(NEW, carState=state)).car_state == expected


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"carState": "parked"}, "carState"),
        ({"carID": None}, "carID"),
        ({"carID": {"id": 1}}, "carID"),
        ({"plateText": None, "plateUTF8": None, "plateUnicode": None, "plateASCII": None}, "plate"),
        ({"plateUTF8": "1ABC$23"}, "character"),
        ({"carMoveDirection": "sideways"}, "carMoveDirection"),
        ({"camera_info": "B8A44F960ACE"}, "camera_info"),
    ],
)
def test_an_event_missing_what_a_read_needs_is_refused_with_the_field_named(changes, reason):
    with pytest.raises(PayloadError, match=reason):
        parse(body(NEW, **changes))


def test_camera_falls_back_to_sensor_provider_id_without_camera_info():
    assert parse(body(NEW, camera_info=None)).camera == "gent-kennedylaan-in"


# -- Refusing garbage ------------------------------------------------------------------


def test_a_body_above_the_size_limit_is_refused_before_parsing():
    huge = b'{"pad": "' + b"x" * axis.MAX_BODY_BYTES + b'"}'
    with pytest.raises(PayloadError, match=str(axis.MAX_BODY_BYTES)):
        parse(huge)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "not valid JSON at line 1 column 1"),
        (b"\xff\xfe{", "UTF-8"),
        (b'{"carState": "new",}', "not valid JSON at line 1 column 20"),
        (b"[]", "JSON object"),
        (b"null", "JSON object"),
        (b"[" * 100_000, "nested too deeply"),
        (b'{"n": ' + b"9" * 5000 + b"}", "cannot be read"),
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
    | st.dictionaries(
        st.sampled_from(sorted(NEW)), json_values | st.sampled_from(list(NEW.values()))
    ).map(lambda d: json.dumps({**NEW, **d}).encode())
)
def test_any_body_either_parses_or_is_refused_with_a_payload_error(raw):
    try:
        parse(raw)
    except PayloadError:
        pass


# -- One read per car ------------------------------------------------------------------


def test_new_update_lost_of_one_car_yield_exactly_one_read_at_new():
    dedup = AxisDeduplicator(site="be-gent")
    reads = [dedup.feed(parse(body(sample))) for sample in (NEW, UPDATE, LOST)]
    first, *rest = reads
    assert first is not None and rest == [None, None]
    assert first.plate == "1ABC128"  # NEW's reading: the alert does not wait for LOST
    assert first.site == "be-gent"
    assert first.camera == "B8A44F960ACE"
    assert first.vendor_id == "B8A44F960ACE:12977"
    assert first.observed_utc == datetime(2024, 6, 14, 14, 4, 36, 372000, tzinfo=UTC)
    assert first.direction == ""
    assert first.image_ref == ""  # the camera's image names carry the plate: never kept
    assert (dedup.emitted, dedup.suppressed, dedup.corrected) == (1, 2, 2)


def test_a_car_first_seen_at_update_is_emitted_then():
    dedup = AxisDeduplicator()
    first = dedup.feed(parse(body(UPDATE)))  # NEW lost in transit, or not subscribed
    assert first is not None and first.direction == "in"
    assert dedup.feed(parse(body(LOST))) is None


def test_a_new_event_resent_from_the_camera_buffer_is_suppressed():
    dedup = AxisDeduplicator()
    assert dedup.feed(parse(body(NEW))) is not None
    assert dedup.feed(parse(body(UPDATE))) is None
    assert dedup.feed(parse(body(NEW))) is None  # same NEW, replayed after a link outage


def test_a_late_new_after_its_update_is_suppressed():
    dedup = AxisDeduplicator()
    assert dedup.feed(parse(body(UPDATE))) is not None
    assert dedup.feed(parse(body(NEW))) is None  # older than what was already seen


def test_a_car_id_reused_after_a_camera_restart_is_a_new_car():
    dedup = AxisDeduplicator()
    assert dedup.feed(event("1", "new", ms=1718373876372)) is not None
    assert dedup.feed(event("1", "lost", ms=1718373886372)) is None
    assert dedup.feed(event("1", "new", ms=1718374876372)) is not None
    assert dedup.emitted == 2


def test_the_same_car_id_on_two_cameras_is_two_cars():
    dedup = AxisDeduplicator()
    info = dict(NEW["camera_info"])
    other = {**info, "SerialNumber": "ACCC8E9BB16D"}
    assert dedup.feed(parse(body(NEW))) is not None
    assert dedup.feed(parse(body(NEW, camera_info=other))) is not None


def test_the_least_recently_seen_car_is_evicted_beyond_max_cars():
    dedup = AxisDeduplicator(max_cars=2)
    for car in ("a", "b"):
        assert dedup.feed(event(car)) is not None
    assert dedup.feed(event("a", "update", 1718373877000)) is None  # a is now recent
    assert dedup.feed(event("c")) is not None  # evicts b, the least recently seen
    assert (len(dedup), dedup.evicted) == (2, 1)
    assert dedup.feed(event("a", "lost", 1718373887000)) is None  # a was kept
    assert dedup.feed(event("b", "lost", 1718373887000)) is not None  # b was forgotten


def test_max_cars_must_be_at_least_one():
    with pytest.raises(ValueError, match="max_cars"):
        AxisDeduplicator(max_cars=0)


# -- No plate in messages or reprs -----------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"plateUTF8": SECRET_PLATE + "$"},
        {"plateUTF8": SECRET_PLATE * 3},
        {"plateCountry": SECRET_PLATE, "carState": "gone"},
        {"carMoveDirection": SECRET_PLATE},
        {"plateConfidence": SECRET_PLATE},
        {"capture_timestamp": SECRET_PLATE},
        {"carID": SECRET_PLATE * 10},
    ],
)
def test_refusals_never_contain_the_plate(changes):
    with pytest.raises(PayloadError) as refused:
        parse(body(NEW, plateText=SECRET_PLATE, **changes))
    assert SECRET_PLATE not in str(refused.value)


def test_reprs_of_events_reads_and_the_deduplicator_never_contain_the_plate():
    parsed = parse(body(NEW, plateUTF8=SECRET_PLATE, plateText=SECRET_PLATE))
    dedup = AxisDeduplicator()
    read = dedup.feed(parsed)
    for shown in (repr(parsed), str(parsed), repr(read), repr(dedup)):
        assert SECRET_PLATE not in shown
