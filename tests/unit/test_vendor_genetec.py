"""Specification of adapters.vendors.genetec: Genetec AutoVu read exports to AdapterRead.

Samples in vendor_samples/genetec_*.xml follow Genetec's TechDoc Hub: "Modifications you
can make to the SharpZ3 FTP XML template" (AutoVu SharpZ3 Administrator Guide 13.7), the
SharpV equivalent (SharpV Deployment Guide 13.6), "Metadata reference for license plate
reads" and "Examples of XML files for the AutoVu third-party data exporter" (Security
Center Administrator Guide 5.12). Each sample cites its page in a comment at its top.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.model import PayloadError
from adapters.vendors import genetec
from adapters.vendors.genetec import GenetecBatch, parse, parse_file

SAMPLES = Path(__file__).parent / "vendor_samples"
SITE = "be-gent"
GUID = "6ee17b00-82c1-466b-9fd6-003417bc82c4"  # in genetec_read.xml
PLATE = "1XYZ789"  # in genetec_read.xml
BATCH_PLATES = ["1ABC123", "GZ123K", "AB1234"]  # the good reads in genetec_reads.xml


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def edited(name: str, old: str, new: str) -> bytes:
    text = sample(name).decode()
    assert old in text, f"{old!r} not in {name}"
    return text.replace(old, new).encode()


def one_read(body: bytes, **kwargs) -> GenetecBatch:
    batch = parse(body, site=SITE, **kwargs)
    assert batch.errors == []
    assert len(batch.reads) == 1
    return batch


# -- One read --------------------------------------------------------------------------------


def test_a_sharp_template_read_becomes_a_read_with_its_images() -> None:
    batch = one_read(sample("genetec_read.xml"))

    (read,) = batch.reads
    assert read.plate == PLATE
    assert read.country == "BE"
    assert read.confidence == pytest.approx(0.87)
    assert read.observed_at == datetime(2024, 6, 14, 14, 4, 36, 120000, tzinfo=UTC)
    assert read.camera == "SHARP12345/Context Camera"
    assert read.site == SITE
    assert read.vendor_id == GUID
    assert read.direction == ""
    assert read.image_ref == f"{GUID}/context"  # the scene before the plate crop
    assert batch.images == {
        f"{GUID}/context": base64.b64decode("/9j/2wBDAGNvbnRleHQtc2NlbmX/2Q=="),
        f"{GUID}/plate": base64.b64decode("/9j/4AAQSkZJRgABAQAAAQABAAD/2Q=="),
    }


@pytest.mark.parametrize(
    ("date", "time", "utc"),
    [
        ("2024:06:14", "14:04:36.120", datetime(2024, 6, 14, 14, 4, 36, 120000, tzinfo=UTC)),
        ("2024-06-14", "14:04:36", datetime(2024, 6, 14, 14, 4, 36, tzinfo=UTC)),
        ("2024/6/4", "4:05:06.5", datetime(2024, 6, 4, 4, 5, 6, 500000, tzinfo=UTC)),
        ("06/14/2024", "23:59:59", datetime(2024, 6, 14, 23, 59, 59, tzinfo=UTC)),
    ],
)
def test_utc_date_and_time_formats_give_the_utc_moment(date: str, time: str, utc: datetime) -> None:
    body = edited("genetec_read.xml", "2024:06:14", date).replace(b"14:04:36.120", time.encode())

    (read,) = one_read(body).reads

    assert read.observed_at == utc


def test_a_read_with_only_local_time_is_an_error_not_a_guess() -> None:
    body = edited("genetec_read.xml", "<UTCDate>2024:06:14</UTCDate>", "")
    body = body.replace(b"UTCTime", b"LocalTime")
    body = body.replace(b"<AutoVu>", b"<AutoVu><LocalDate>2024:06:14</LocalDate>")

    batch = parse(body, site=SITE)

    assert batch.reads == []
    assert batch.errors == [(0, "read without a UTC date and time (UTCDate/UTCTime)")]


@pytest.mark.parametrize(
    ("state", "alpha2"),
    [
        ("BE", "BE"),
        ("B", "BE"),
        ("BEL", "BE"),
        ("Belgium", "BE"),
        ("NL", "NL"),
        ("Netherlands", "NL"),
        ("F", "FR"),
        ("FRA", "FR"),
        ("D", "DE"),
        ("Germany", "DE"),
        ("L", "LU"),
        ("LUX", "LU"),
        ("QC", ""),  # a North American state: not a country the gateway knows
        ("", ""),
    ],
)
def test_plate_state_maps_to_iso_alpha2_and_unknown_to_empty(state: str, alpha2: str) -> None:
    body = edited("genetec_read.xml", "<State>BE</State>", f"<State>{state}</State>")

    (read,) = one_read(body).reads

    assert read.country == alpha2


def test_relative_motion_gives_a_direction_only_through_the_installation_mapping() -> None:
    body = sample("genetec_read.xml")  # Relative Motion: Approaching

    assert one_read(body).reads[0].direction == ""
    mapped = one_read(body, directions={"approaching": "in", "moving away": "out"})
    assert mapped.reads[0].direction == "in"


def test_a_missing_confidence_score_reads_as_zero() -> None:
    body = edited("genetec_read.xml", "<ConfidenceScore>87</ConfidenceScore>", "")

    assert one_read(body).reads[0].confidence == 0.0


def test_an_image_reference_instead_of_an_image_is_kept_as_image_ref() -> None:
    ref = r"\\lpr-store\autovu\SHARP12345_ctx.jpg"
    body = edited("genetec_read.xml", "/9j/2wBDAGNvbnRleHQtc2NlbmX/2Q==", ref)

    batch = one_read(body)

    assert batch.reads[0].image_ref == ref
    assert list(batch.images) == [f"{GUID}/plate"]


@pytest.mark.parametrize(
    "image",
    [
        base64.b64encode(b"GIF89a not a jpeg").decode(),
        "/9j/2wBDAGNvbnRleHQtc2NlbmX/2Q",  # a JPEG's base64, cut short: not a path
        "see the camera",
    ],
)
def test_an_image_that_is_neither_jpeg_nor_reference_is_a_read_error(image: str) -> None:
    body = edited("genetec_read.xml", "/9j/2wBDAGNvbnRleHQtc2NlbmX/2Q==", image)

    batch = parse(body, site=SITE)

    assert batch.reads == []
    assert batch.errors == [
        (0, "<ContextImage> is neither a base64 JPEG nor a reference to an image")
    ]


def test_an_unfilled_template_tag_is_a_read_error() -> None:
    body = edited("genetec_read.xml", f"<Plate>{PLATE}</Plate>", "<Plate>#PLATE_READ#</Plate>")

    batch = parse(body, site=SITE)

    assert batch.errors == [(0, "<Plate> holds an unfilled template tag")]


def test_the_third_party_exporter_read_inside_a_hit_is_read() -> None:
    batch = one_read(sample("genetec_exporter_hit.xml"))

    (read,) = batch.reads
    assert read.plate == "2DEF456"
    assert read.country == "BE"
    assert read.confidence == 1.0
    assert read.observed_at == datetime(2024, 6, 14, 14, 13, 9, tzinfo=UTC)  # the read's
    assert read.camera == "SHARP20002/LPR Camera"
    assert read.vendor_id == "e1e3ab0bd753"
    assert batch.images == {}


def test_exporter_attributes_give_direction_through_the_mapping() -> None:
    batch = one_read(sample("genetec_exporter_hit.xml"), directions={"moving away": "out"})

    assert batch.reads[0].direction == "out"


# -- Many reads, one bad -------------------------------------------------------------------------


def test_a_bad_read_beside_good_ones_keeps_the_good_ones() -> None:
    batch = parse(sample("genetec_reads.xml"), site=SITE)

    assert [r.plate for r in batch.reads] == BATCH_PLATES
    assert batch.errors == [(1, "read without a plate"), (3, "<UTCDate> is not a date")]
    be, nl, lu = batch.reads
    assert (be.country, nl.country, lu.country) == ("BE", "NL", "LU")
    assert nl.image_ref == r"\\lpr-store\autovu\SHARPV10001_0b7c5a34_ctx.jpg"
    assert lu.observed_at == datetime(2024, 6, 14, 14, 8, 30, 500000, tzinfo=UTC)
    assert lu.confidence == 0.0  # "-": the analytic was not sent


def test_the_batch_unpacks_as_reads_and_errors() -> None:
    reads, errors = parse(sample("genetec_reads.xml"), site=SITE)

    assert len(reads) == 3
    assert [index for index, _ in errors] == [1, 3]


def test_parse_file_reads_an_export_file(tmp_path: Path) -> None:
    path = tmp_path / "export.xml"
    path.write_bytes(sample("genetec_reads.xml"))

    reads, errors = parse_file(path, site=SITE)

    assert [r.plate for r in reads] == BATCH_PLATES
    assert len(errors) == 2


def test_an_oversized_export_file_is_refused_unread(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "export.xml"
    path.write_bytes(sample("genetec_reads.xml"))
    monkeypatch.setattr(genetec, "MAX_EXPORT_BYTES", 100)

    with pytest.raises(PayloadError, match="larger than 100 bytes"):
        parse_file(path, site=SITE)
    with pytest.raises(PayloadError, match="larger than 100 bytes"):
        parse(sample("genetec_reads.xml"), site=SITE)


def test_an_export_with_too_many_reads_is_refused(monkeypatch) -> None:
    monkeypatch.setattr(genetec, "MAX_READS", 4)

    with pytest.raises(PayloadError, match="more than 4 reads"):
        parse(sample("genetec_reads.xml"), site=SITE)


# -- Whole document refused ---------------------------------------------------------------------


@pytest.mark.parametrize("body", [b"", b"<AutoVu><Plate>1</Plate>", b"plain text"])
def test_malformed_xml_refuses_the_whole_export(body: bytes) -> None:
    with pytest.raises(PayloadError, match="malformed XML"):
        parse(body, site=SITE)


def test_a_document_type_declaration_refuses_the_whole_export() -> None:
    body = edited(
        "genetec_read.xml",
        "<AutoVu>",
        '<!DOCTYPE AutoVu [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><AutoVu>',
    ).replace(f"<Plate>{PLATE}</Plate>".encode(), b"<Plate>&b;</Plate>")

    with pytest.raises(PayloadError, match="DTD"):
        parse(body, site=SITE)


def test_an_export_without_reads_is_refused() -> None:
    with pytest.raises(PayloadError, match="no reads"):
        parse(b"<Export><Something/></Export>", site=SITE)


# -- No plate in any message or repr -----------------------------------------------------------


def test_messages_and_reprs_never_contain_the_plate() -> None:
    bad = [
        edited("genetec_read.xml", "<UTCDate>2024:06:14<", f"<UTCDate>{PLATE}<"),
        edited("genetec_read.xml", "<UTCTime>14:04:36.120<", f"<UTCTime>{PLATE}<"),
        edited("genetec_read.xml", "<ConfidenceScore>87<", f"<ConfidenceScore>{PLATE}<"),
        edited("genetec_read.xml", "<ContextImage>", f"<ContextImage>{PLATE}"),
        edited("genetec_read.xml", f"<Plate>{PLATE}<", f"<Plate>{PLATE * 5}<"),
        edited("genetec_read.xml", "<SourceName>SHARP12345</SourceName>", "").replace(
            b"<CameraName>Context Camera</CameraName>", b""
        ),
    ]
    messages: list[str] = []
    for body in bad:
        batch = parse(body, site=SITE)
        assert batch.reads == []
        messages += [reason for _, reason in batch.errors]
    good = parse(sample("genetec_read.xml"), site=SITE)
    messages += [repr(good), str(good), repr(good.reads[0])]
    try:
        parse(edited("genetec_read.xml", "</Plate>", "</Plat>"), site=SITE)
    except PayloadError as exc:
        messages.append(str(exc))

    assert len(messages) == 10
    for message in messages:
        assert PLATE not in message
