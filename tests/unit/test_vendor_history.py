"""The vendor read-history answers (Hikvision ISAPI CMSearchResult, the OpenALPR /
Rekor agent's plate search), parsed without a network: what they find, and for any
other bytes a BackendUnavailable with the kind of fault, never a plate."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.history import hikvision, openalpr, service
from adapters.read_store import parse_query
from gateway.domain.errors import BackendUnavailable, InvalidInput

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
QUERY = parse_query(
    {
        "plate": "1-abc-123",
        "country": "BE",
        "from": START.isoformat(),
        "to": (START + timedelta(hours=2)).isoformat(),
    }
)
ALPR = openalpr.OpenAlprSearchConfig(url="http://agent", api_key="k", cameras={"7": "gate-1"})


def _result(status: str, items: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<CMSearchResult xmlns="http://www.hikvision.com/ver20/XMLSchema">'
        f"<responseStatusStrg>{status}</responseStatusStrg><matchList>{items}</matchList>"
        "</CMSearchResult>"
    ).encode()


def _item(local: str, plate: str) -> str:
    return (
        "<searchMatchItem><trackID>103</trackID>"
        f"<timeSpan><startTime>{local}</startTime></timeSpan><mediaSegmentDescriptor>"
        f"<playbackURI>rtsp://cam/Streaming/tracks/103/?name=ch01_0001_{plate}&amp;size=9"
        "</playbackURI></mediaSegmentDescriptor></searchMatchItem>"
    )


def test_the_search_description_asks_the_vehicle_detection_pictures_for_the_plate():
    body = hikvision.search_description("ID-1", ["103", "203"], QUERY, 50).decode()
    assert "<plateSearchMask>1ABC123</plateSearchMask>" in body
    assert "<trackID>103</trackID><trackID>203</trackID>" in body
    assert "<startTime>2026-03-01T09:00:00Z</startTime>" in body
    assert "<searchResultPostion>50</searchResultPostion>" in body
    assert hikvision.DESCRIPTOR in body


def test_a_camera_time_without_offset_is_the_cameras_local_time_and_more_pages_are_seen():
    data = _result("MORE", _item("2026-03-01T10:30:00", "1ABC123"))
    (match,), more = hikvision.parse_result(data, ZoneInfo("Europe/Brussels"))
    assert more and match.plate == "1ABC123" and match.track == "103"
    assert match.time == datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    assert hikvision.parse_result(_result("NO MATCHES"))[0] == []


@pytest.mark.parametrize(
    "data",
    [
        b"<CMSearchResult><responseStatusStrg>FAIL</responseStatusStrg></CMSearchResult>",
        b"<ResponseStatus><statusCode>4</statusCode></ResponseStatus>",
        _result("OK", _item("not a time", "1ABC123")),
        b"<CMSearchResult><oops>",
    ],
)
def test_an_unusable_camera_answer_is_backend_unavailable_without_its_text(data):
    with pytest.raises(BackendUnavailable) as refused:
        hikvision.parse_result(data)
    assert "1ABC123" not in str(refused.value)


def test_the_agents_answer_gives_only_the_plate_asked_inside_the_window():
    record = {
        "best_plate": "1ABC123",
        "best_uuid": "agent-7-1",
        "epoch_time_start": "2026-03-01T09:30:00Z",
        "camera_id": 7,
        "site": "kennedy-tunnel",
    }
    answer = [
        {"pk": 1, "fields": record},
        {"pk": 2, "fields": {**record, "best_plate": "1ABC1234"}},
        {"pk": 3, "fields": {**record, "epoch_time_start": 1772352000000 - 86_400_000}},
        {"pk": 4, "fields": {**record, "epoch_time_start": 1772357400000}},  # 09:30 in ms
    ]
    found = openalpr.parse_answer(json.dumps(answer).encode(), ALPR, QUERY)
    assert [s["time"] for s in found] == ["2026-03-01T09:30:00+00:00"] * 2
    assert found[0] == {
        "time": "2026-03-01T09:30:00+00:00",
        "camera": "gate-1",
        "site": "kennedy-tunnel",
        "direction": "",
        "image_ref": "agent-7-1",
    }


def test_the_agents_url_carries_the_query_and_key():
    url = openalpr.search_url(ALPR, QUERY)
    assert url.startswith("http://agent/api/search/plate?api_key=k&plate=1ABC123&start=")
    assert "topn=100" in url and "order=asc" in url


@settings(max_examples=200, deadline=timedelta(seconds=2))
@given(st.binary(max_size=2000))
def test_any_bytes_from_either_vendor_give_sightings_or_backend_unavailable(data):
    for parse in (
        lambda: hikvision.parse_result(data),
        lambda: openalpr.parse_answer(data, ALPR, QUERY),
    ):
        try:
            parse()
        except BackendUnavailable as exc:
            assert "1ABC123" not in str(exc)


def test_the_read_history_settings_build_the_configured_source(tmp_path):
    (tmp_path / "hik.password").write_text("secret\n")
    secret = tmp_path / "node.secret"
    secret.write_text("a secret the node sends, 0600\n")
    secret.chmod(0o600)
    path = tmp_path / "history.toml"
    path.write_text(
        'backend = "hikvision"\nsite = "gate"\nsecret_file = "node.secret"\n'
        '[hikvision]\nurl = "http://10.0.0.7"\n'
        'username = "argos"\npassword_file = "hik.password"\n'
        'camera_timezone = "Europe/Brussels"\ntracks = { "103" = "gate-1-in" }\n'
    )
    source, listen, node_secret = service.load(path)
    assert isinstance(source, hikvision.HikvisionPlateSearch) and listen == "127.0.0.1:8470"
    assert node_secret == b"a secret the node sends, 0600"
    secret.chmod(0o640)
    with pytest.raises(InvalidInput, match=r"node\.secret is readable by others \(mode 640\)"):
        service.load(path)
    secret.chmod(0o600)
    secret.write_text("short\n")
    with pytest.raises(InvalidInput, match="holds less than 16 characters"):
        service.load(path)
    path.write_text(path.read_text().replace('secret_file = "node.secret"\n', ""))
    with pytest.raises(InvalidInput, match="secret_file"):
        service.load(path)


@pytest.mark.parametrize(
    ("text", "refusal"),
    [
        ('backend = "nedap"', "backend: must be one of hikvision, openalpr, store"),
        ('backend = "openalpr"', r"openalpr: the \[openalpr\] table is missing"),
        (
            'backend = "openalpr"\n[openalpr]\nurl = "ftp://x"\napi_key_file = "k"',
            "openalpr: url: must be an http",
        ),
        (
            'backend = "hikvision"\n[hikvision]\nurl = "http://x"\nusername = "a"\n'
            'password_file = "p"\ncamera_timezone = "Europe/Gent"',
            "hikvision: camera_timezone: not a known time zone",
        ),
        ('backend = "store"\n[store]\nread = ["r.jsonl"]', "store.read: unknown setting"),
    ],
)
def test_the_read_history_settings_refuse_what_they_do_not_know_naming_the_key(
    tmp_path, text, refusal
):
    path = tmp_path / "history.toml"
    path.write_text('secret_file = "node.secret"\n' + text + "\n")
    with pytest.raises(InvalidInput, match=f"^history\\.toml: {refusal}"):
        service.load(path)
