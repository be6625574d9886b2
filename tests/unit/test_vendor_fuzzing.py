"""Every vendor parser, fed garbage and damaged copies of its own documented samples:
it returns what it could use or raises PayloadError with a reason, never anything
else, never hangs (each example has a deadline), and never puts a plate in a reason."""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.model import PayloadError
from adapters.vendors import axis, folder_drop, genetec, hikvision, openalpr

SAMPLES = Path(__file__).parent / "vendor_samples"
PLATES = ("1ABC123", "1ABC128", "GHX123K", "GZ123K", "AB1234")

PARSERS = {
    "hikvision": (
        lambda body: hikvision.parse(body, "application/xml", site="s"),
        ("hikvision_anpr.xml", "hikvision_anpr_nl.xml", "hikvision_heartbeat.xml"),
    ),
    "axis": (axis.parse, ("axis_lpv_new.json", "axis_lpv_update.json", "axis_lpv_lost.json")),
    "openalpr": (
        lambda body: openalpr.parse(body, default_site="s"),
        ("openalpr_group.json", "openalpr_results.json", "openalpr_heartbeat.json"),
    ),
    "genetec": (
        lambda body: genetec.parse(body, site="s"),
        ("genetec_read.xml", "genetec_reads.xml", "genetec_exporter_hit.xml"),
    ),
}


@st.composite
def damaged(draw, samples: tuple[str, ...]) -> bytes:
    """A documented sample, truncated, with bytes flipped or spliced in."""
    return draw(damaged_copy((SAMPLES / draw(st.sampled_from(samples))).read_bytes()))


@st.composite
def damaged_copy(draw, original: bytes) -> bytes:
    data = bytearray(original)
    for _ in range(draw(st.integers(0, 6))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(("flip", "cut", "splice")))
        if action == "flip":
            data[at] = draw(st.integers(0, 255))
        elif action == "cut":
            del data[at:]
        else:
            data[at:at] = draw(st.binary(max_size=16))
    return bytes(data)


def _survives(parse, body: bytes) -> None:
    try:
        parse(body)
    except PayloadError as exc:
        assert str(exc), "a refusal must say why"
        assert not any(plate in str(exc) for plate in PLATES)


FUZZ = settings(
    max_examples=60,
    deadline=timedelta(seconds=2),
    suppress_health_check=[HealthCheck.too_slow],
)


@FUZZ
@given(data=st.data(), kind=st.sampled_from(sorted(PARSERS)))
def test_damaged_samples_give_reads_or_a_reason_never_a_crash(data, kind):
    parse, samples = PARSERS[kind]
    _survives(parse, data.draw(damaged(samples)))


@FUZZ
@given(body=st.binary(max_size=2048), kind=st.sampled_from(sorted(PARSERS)))
def test_random_bytes_give_a_reason_never_a_crash(body, kind):
    _survives(PARSERS[kind][0], body)


@FUZZ
@given(
    body=st.one_of(st.binary(max_size=2048), st.text(max_size=2048).map(str.encode)),
    suffix=st.sampled_from((".csv", ".jsonl")),
)
def test_dropped_files_of_garbage_give_line_errors_or_a_reason_never_a_crash(body, suffix):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"reads{suffix}"
        path.write_bytes(body)
        try:
            _, errors = folder_drop.parse_file(path, default_site="s")
        except PayloadError as exc:
            assert str(exc)
            return
        assert all(isinstance(line, int) and reason for line, reason in errors)


def hikvision_multipart(newline: bytes) -> bytes:
    """Both documented ANPR events and a heartbeat, then JPEG parts named by file name,
    Content-ID and form field name, as cameras push them."""
    parts = [
        b'Content-Disposition: form-data; name="anpr.xml"; filename="anpr.xml"'
        + newline
        + b"Content-Type: text/xml"
        + newline * 2
        + (SAMPLES / name).read_bytes()
        for name in ("hikvision_anpr.xml", "hikvision_heartbeat.xml", "hikvision_anpr_nl.xml")
    ]
    jpeg = b"\xff\xd8\xff\xe0" + newline + b"--boundar" + newline + b"\xff\xd9"
    for header in (
        b'Content-Disposition: form-data; name="a"; filename="20240614160436120GNT1PLATE0001AA"',
        b"Content-ID: <20240614141502250TNZ2VEHIC0002BB>",
        b'Content-Disposition: form-data; name="detectionPicture.jpg"',
    ):
        parts.append(header + newline + b"Content-Type: image/jpeg" + newline * 2 + jpeg)
    body = b"".join(b"--boundary" + newline + part + newline for part in parts)
    return body + b"--boundary--" + newline


MULTIPART_TYPES = (
    'multipart/form-data; boundary="boundary"',
    "multipart/mixed; boundary=boundary",
)
# aiohttp's warnings about a malformed Content-Disposition: adapters.vendors.multipart
# silences them for the process, and pytest shows every warning again.
quiet_aiohttp = pytest.mark.filterwarnings("ignore::RuntimeWarning:aiohttp.multipart")


@quiet_aiohttp
@FUZZ
@given(
    data=st.data(),
    newline=st.sampled_from((b"\r\n", b"\n")),
    content_type=st.sampled_from(MULTIPART_TYPES),
)
def test_damaged_hikvision_multipart_gives_reads_or_a_reason_never_a_crash(
    data, newline, content_type
):
    def parse(body: bytes):
        return hikvision.parse(body, content_type, site="s")

    body = hikvision_multipart(newline)
    event = parse(body)
    assert len(event.reads) == 2 and len(event.images) == 3
    _survives(parse, data.draw(damaged_copy(body)))


@quiet_aiohttp
@FUZZ
@given(body=st.binary(max_size=2048), content_type=st.sampled_from(MULTIPART_TYPES))
def test_random_bytes_as_hikvision_multipart_give_a_reason_never_a_crash(body, content_type):
    _survives(lambda b: hikvision.parse(b, content_type, site="s"), b"--boundary\r\n" + body)


def test_an_unknown_declared_xml_encoding_is_a_reason_not_a_crash():
    body = b'<?xml version="1.0" encoding="atf-8"?><AutoVu><Plate>X</Plate></AutoVu>'
    for kind in ("genetec", "hikvision"):
        _survives(PARSERS[kind][0], body)
