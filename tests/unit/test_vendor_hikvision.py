"""Specification of adapters.vendors.hikvision: Hikvision ISAPI ANPR push to AdapterRead.

Samples in vendor_samples/hikvision_*.xml follow "XML_EventNotificationAlert_ANPR"
(Hikvision Device Network SDK (Traffic) Developer Guide V6.1.4.X),
https://open.hikvision.com/hardware/XMLs/XML_EventNotificationAlert.html and
https://open.hikvision.com/hardware/structures/COUNTRY_INDEX.html; multipart bodies are
built here the way cameras send them (one XML part, JPEG parts named by file or pId).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from adapters.model import PayloadError
from adapters.vendors import hikvision
from adapters.vendors.hikvision import parse

SAMPLES = Path(__file__).parent / "vendor_samples"
SITE = "be-gent"
BOUNDARY = "boundary"
MULTIPART = f'multipart/form-data; boundary="{BOUNDARY}"'

BE_PLATE = "1ABC123"  # in hikvision_anpr.xml
NL_PLATE = "GZ123K"  # in hikvision_anpr_nl.xml
BE_PLATE_PID = "20240614160436120GNT1PLATE0001AA"
BE_SCENE_PID = "20240614160436120GNT1SCENE0001AA"
NL_PLATE_PID = "20240614141502250TNZ2PLATE0002BB"
NL_VEHICLE_PID = "20240614141502250TNZ2VEHIC0002BB"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def edited(name: str, old: str, new: str) -> bytes:
    text = sample(name).decode()
    assert old in text, f"{old!r} not in {name}"
    return text.replace(old, new).encode()


def jpeg(tag: bytes) -> bytes:
    """A stand-in JPEG: the SOI marker the adapter checks, then bytes that tell it apart."""
    return b"\xff\xd8\xff\xe0" + tag + b"\r\n--not-a-boundary\r\n" + b"\xff\xd9"


def xml_part(xml: bytes, name: str = "anpr.xml") -> tuple[dict[str, str], bytes]:
    headers = {
        "Content-Disposition": f'form-data; name="{name}"; filename="{name}"',
        "Content-Type": 'text/xml; charset="UTF-8"',
    }
    return headers, xml


def image_part(
    data: bytes, *, filename: str = "", content_id: str = ""
) -> tuple[dict[str, str], bytes]:
    headers = {"Content-Type": "image/jpeg"}
    if filename:
        headers["Content-Disposition"] = f'form-data; name="{filename}"; filename="{filename}"'
    if content_id:
        headers["Content-ID"] = content_id
    return headers, data


def multipart(*parts: tuple[dict[str, str], bytes], newline: bytes = b"\r\n") -> bytes:
    out = b""
    for headers, content in parts:
        out += b"--" + BOUNDARY.encode() + newline
        for key, value in headers.items():
            out += f"{key}: {value}".encode() + newline
        out += f"Content-Length: {len(content)}".encode() + newline + newline
        out += content + newline
    return out + b"--" + BOUNDARY.encode() + b"--" + newline


# -- Plain XML ----------------------------------------------------------------------------


def test_plain_xml_anpr_event_becomes_one_read() -> None:
    event = parse(sample("hikvision_anpr.xml"), "application/xml; charset=UTF-8", site=SITE)

    assert event.ignored == ""
    assert event.images == {}
    (read,) = event.reads
    assert read.plate == BE_PLATE
    assert read.country == "BE"
    assert read.confidence == pytest.approx(0.92)
    assert read.observed_at == datetime(2024, 6, 14, 14, 4, 36, tzinfo=UTC)
    assert read.camera == "c4:2f:90:a7:b5:d1/1"
    assert read.site == SITE
    assert read.vendor_id == "6f1c2b9e-2a11-4c3e-9d1f-0c42f90a7b51"
    assert read.direction == ""
    assert read.image_ref == ""  # pictures are listed, but none came with the body


def test_text_xml_content_type_and_other_namespace_are_read_alike() -> None:
    event = parse(sample("hikvision_anpr_nl.xml"), "text/xml", site=SITE)

    (read,) = event.reads
    assert read.plate == NL_PLATE
    assert read.country == "NL"
    assert read.camera == "44:a6:42:f3:2a:d7/2"  # MAC written with '-' is normalised


@pytest.mark.parametrize(
    ("written", "utc"),
    [
        ("2024-06-14T16:04:36+02:00", datetime(2024, 6, 14, 14, 4, 36, tzinfo=UTC)),
        ("2024-06-14T09:15:02.250-05:00", datetime(2024, 6, 14, 14, 15, 2, 250000, tzinfo=UTC)),
        ("2024-05-07T17:48:03.847+07:00", datetime(2024, 5, 7, 10, 48, 3, 847000, tzinfo=UTC)),
        ("2024-06-14T00:30:00+08:00", datetime(2024, 6, 13, 16, 30, tzinfo=UTC)),
        ("2024-06-14T14:04:36Z", datetime(2024, 6, 14, 14, 4, 36, tzinfo=UTC)),
    ],
)
def test_times_with_an_offset_are_converted_to_utc(written: str, utc: datetime) -> None:
    body = edited("hikvision_anpr.xml", "2024-06-14T16:04:36+02:00", written)

    (read,) = parse(body, "application/xml", site=SITE).reads

    assert read.observed_at == utc
    assert read.observed_at.utcoffset().total_seconds() == 0


@pytest.mark.parametrize("written", ["2024-06-14T16:04:36", "14/06/2024 16:04", ""])
def test_a_time_without_offset_or_unreadable_is_refused(written: str) -> None:
    body = edited("hikvision_anpr.xml", "2024-06-14T16:04:36+02:00", written)

    with pytest.raises(PayloadError, match="dateTime"):
        parse(body, "application/xml", site=SITE)


def test_a_time_without_offset_is_in_the_zone_the_camera_is_configured_for() -> None:
    body = edited("hikvision_anpr.xml", "2024-06-14T16:04:36+02:00", "2024-06-14T16:04:36")

    (read,) = parse(
        body, "application/xml", site=SITE, naive_zone=ZoneInfo("Europe/Brussels")
    ).reads

    assert read.observed_at == datetime(2024, 6, 14, 14, 4, 36, tzinfo=UTC)


# -- Countries ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("index", "alpha2"),
    [
        ("13", "BE"),
        ("6", "NL"),
        ("2", "FR"),
        ("3", "DE"),
        ("22", "LU"),
        ("17", "GB"),
        ("4", "ES"),
        ("7", "PL"),
        ("19", "HR"),
        ("1", "CZ"),
        ("11", ""),  # COUNTRY_RUS: documented, but not a country the gateway knows
        ("0", ""),  # COUNTRY_NONSUPPORT
        ("253", ""),  # 0xfd, "invalid"
        ("255", ""),  # 0xff, "all"
        ("999", ""),
    ],
)
def test_numeric_country_indexes_map_to_iso_alpha2(index: str, alpha2: str) -> None:
    body = edited("hikvision_anpr.xml", "<country>13</country>", f"<country>{index}</country>")

    (read,) = parse(body, "application/xml", site=SITE).reads

    assert read.country == alpha2


@pytest.mark.parametrize(
    ("text", "alpha2"),
    [
        ("Poland", "PL"),  # firmware that sends the name
        ("Belgium", "BE"),
        ("Holland", "NL"),
        ("Luxembourg", "LU"),
        ("BEL", "BE"),
        ("B", "BE"),
        ("NL", "NL"),
        ("Atlantis", ""),
        ("", ""),
    ],
)
def test_textual_countries_map_to_iso_alpha2_and_unknown_to_empty(text: str, alpha2: str) -> None:
    body = edited("hikvision_anpr.xml", "<country>13</country>", f"<country>{text}</country>")

    (read,) = parse(body, "application/xml", site=SITE).reads

    assert read.country == alpha2


def test_the_country_index_table_is_the_documented_one_for_the_ports_neighbours() -> None:
    assert {i: hikvision.COUNTRY_INDEX[i] for i in (2, 3, 6, 13, 22)} == {
        2: "FRA",
        3: "DEU",
        6: "NLD",
        13: "BEL",
        22: "LUX",
    }


def test_crindex_is_preferred_over_country() -> None:
    body = edited("hikvision_anpr_nl.xml", "<CRIndex>6</CRIndex>", "<CRIndex>13</CRIndex>")

    (read,) = parse(body, "application/xml", site=SITE).reads

    assert read.country == "BE"


# -- Other fields --------------------------------------------------------------------------


def test_direction_is_unknown_unless_the_installation_maps_it() -> None:
    body = sample("hikvision_anpr.xml")  # direction: forward

    assert parse(body, "application/xml", site=SITE).reads[0].direction == ""
    mapped = parse(
        body, "application/xml", site=SITE, directions={"forward": "in", "reverse": "out"}
    )
    assert mapped.reads[0].direction == "in"


def test_a_direction_mapping_to_something_else_than_in_or_out_is_a_caller_error() -> None:
    with pytest.raises(ValueError, match="directions"):
        parse(sample("hikvision_anpr.xml"), "application/xml", site=SITE, directions={"x": "up"})


def test_camera_falls_back_to_the_ip_address_without_a_mac() -> None:
    body = edited("hikvision_anpr.xml", "<macAddress>C4:2F:90:A7:B5:D1</macAddress>", "")

    (read,) = parse(body, "application/xml", site=SITE).reads

    assert read.camera == "10.20.1.64/1"


@pytest.mark.parametrize(("level", "expected"), [("0", 0.0), ("100", 1.0), ("55.5", 0.555)])
def test_confidence_level_is_scaled_to_0_1(level: str, expected: float) -> None:
    body = edited("hikvision_anpr.xml", "<confidenceLevel>92<", f"<confidenceLevel>{level}<")

    (read,) = parse(body, "application/xml", site=SITE).reads

    assert read.confidence == pytest.approx(expected)


@pytest.mark.parametrize("level", ["101", "-1", "high"])
def test_confidence_level_outside_0_100_is_refused(level: str) -> None:
    body = edited("hikvision_anpr.xml", "<confidenceLevel>92<", f"<confidenceLevel>{level}<")

    with pytest.raises(PayloadError, match="confidenceLevel"):
        parse(body, "application/xml", site=SITE)


# -- Ignored, refused ----------------------------------------------------------------------


def test_heartbeat_is_ignored_with_a_reason_not_an_error() -> None:
    event = parse(sample("hikvision_heartbeat.xml"), "application/xml", site=SITE)

    assert event.reads == []
    assert "heartbeat" in event.ignored


def test_other_event_types_are_ignored_and_unknown_ones_are_not_echoed() -> None:
    motion = edited("hikvision_heartbeat.xml", "<eventState>inactive<", "<eventState>active<")
    motion = motion.replace(b">videoloss<", b">VMD<")
    odd = edited("hikvision_heartbeat.xml", ">videoloss<", f">{BE_PLATE}<")

    assert "VMD" in parse(motion, "application/xml", site=SITE).ignored
    ignored = parse(odd, "application/xml", site=SITE).ignored
    assert "unrecognised" in ignored
    assert BE_PLATE not in ignored


def test_an_inactive_anpr_event_is_ignored() -> None:
    body = edited("hikvision_anpr.xml", "<eventState>active<", "<eventState>inactive<")

    event = parse(body, "application/xml", site=SITE)

    assert event.reads == []
    assert "inactive" in event.ignored


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not xml at all",
        b"<EventNotificationAlert><eventType>ANPR</eventType>",
        b"\x00\xff\xfe garbage",
    ],
)
def test_malformed_xml_is_refused(body: bytes) -> None:
    with pytest.raises(PayloadError, match="malformed XML"):
        parse(body, "application/xml", site=SITE)


def test_xml_that_is_not_an_event_notification_is_refused() -> None:
    with pytest.raises(PayloadError, match="not an EventNotificationAlert"):
        parse(b"<DeviceInfo><model>DS-TCG406-E</model></DeviceInfo>", "text/xml", site=SITE)


def test_an_entity_bomb_is_refused_before_any_expansion() -> None:
    with pytest.raises(PayloadError, match="DTD"):
        parse(sample("hikvision_entity_bomb.xml"), "application/xml", site=SITE)


@pytest.mark.parametrize(
    "prolog",
    [
        '<!DOCTYPE EventNotificationAlert SYSTEM "file:///etc/passwd">',
        '<!DOCTYPE r [<!ENTITY xxe SYSTEM "http://attacker.example/x">]>',
        "<!DOCTYPE EventNotificationAlert>",
    ],
)
def test_any_document_type_declaration_is_refused(prolog: str) -> None:
    body = edited(
        "hikvision_anpr.xml", "<EventNotificationAlert ", prolog + "<EventNotificationAlert "
    )

    with pytest.raises(PayloadError, match="DTD"):
        parse(body, "application/xml", site=SITE)


def test_an_entity_reference_without_a_declaration_is_malformed() -> None:
    body = edited("hikvision_anpr.xml", f">{BE_PLATE}<", ">&xxe;<")

    with pytest.raises(PayloadError, match="malformed XML"):
        parse(body, "application/xml", site=SITE)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (f"<licensePlate>{BE_PLATE}</licensePlate>", ""),
        (f"<licensePlate>{BE_PLATE}</licensePlate>", "<licensePlate></licensePlate>"),
        (f"<licensePlate>{BE_PLATE}</licensePlate>", "<licensePlate>unknown</licensePlate>"),
    ],
)
def test_an_anpr_event_without_a_plate_is_refused(old: str, new: str) -> None:
    body = edited("hikvision_anpr.xml", old, new)

    with pytest.raises(PayloadError, match="without a plate"):
        parse(body, "application/xml", site=SITE)


def test_an_anpr_event_without_its_anpr_element_is_refused() -> None:
    text = sample("hikvision_anpr.xml").decode()
    body = (text[: text.index("<ANPR>")] + text[text.index("</ANPR>") + 7 :]).encode()

    with pytest.raises(PayloadError, match="without an ANPR element"):
        parse(body, "application/xml", site=SITE)


def test_an_event_without_camera_identity_is_refused() -> None:
    body = edited("hikvision_anpr.xml", "<macAddress>C4:2F:90:A7:B5:D1</macAddress>", "")
    body = body.replace(b"<ipAddress>10.20.1.64</ipAddress>", b"")

    with pytest.raises(PayloadError, match="camera identity"):
        parse(body, "application/xml", site=SITE)


def test_oversized_bodies_and_xml_documents_are_refused_unparsed(monkeypatch) -> None:
    with pytest.raises(PayloadError, match="body larger"):
        parse(b"<" * (hikvision.MAX_BODY_BYTES + 1), "application/xml", site=SITE)
    with pytest.raises(PayloadError, match="XML document larger"):
        parse(b"<" * (hikvision.MAX_XML_BYTES + 1), "application/xml", site=SITE)
    monkeypatch.setattr(hikvision, "MAX_PARTS", 2)
    parts = [xml_part(sample("hikvision_heartbeat.xml"))] * 3
    with pytest.raises(PayloadError, match="more than 2 parts"):
        parse(multipart(*parts), MULTIPART, site=SITE)


@pytest.mark.parametrize("content_type", ["application/json", "", "image/jpeg"])
def test_an_unsupported_content_type_is_refused(content_type: str) -> None:
    with pytest.raises(PayloadError, match="content type"):
        parse(sample("hikvision_anpr.xml"), content_type, site=SITE)


# -- Multipart -----------------------------------------------------------------------------


def test_multipart_event_keeps_its_images_matched_by_file_name() -> None:
    body = multipart(
        xml_part(sample("hikvision_anpr.xml")),
        image_part(jpeg(b"be-plate"), filename="licensePlatePicture.jpg"),
        image_part(jpeg(b"be-scene"), filename="detectionPicture.jpg"),
    )

    event = parse(body, MULTIPART, site=SITE)

    (read,) = event.reads
    assert event.images == {BE_PLATE_PID: jpeg(b"be-plate"), BE_SCENE_PID: jpeg(b"be-scene")}
    assert read.image_ref == BE_SCENE_PID  # the overview, not the plate crop
    assert event.unmatched_images == 0


def test_images_are_matched_to_their_event_by_id_not_by_arrival_order() -> None:
    # Two events in one body; the second event's images come first, each event's
    # images in reverse order, and both events name their files the same.
    body = multipart(
        xml_part(sample("hikvision_anpr.xml")),
        xml_part(sample("hikvision_anpr_nl.xml")),
        image_part(jpeg(b"nl-vehicle"), filename=NL_VEHICLE_PID),
        image_part(jpeg(b"nl-plate"), filename=NL_PLATE_PID),
        image_part(jpeg(b"be-scene"), filename=BE_SCENE_PID),
        image_part(jpeg(b"be-plate"), filename=BE_PLATE_PID),
    )

    event = parse(body, "multipart/mixed; boundary=boundary", site=SITE)

    be, nl = event.reads
    assert (be.plate, nl.plate) == (BE_PLATE, NL_PLATE)
    assert event.images[be.image_ref] == jpeg(b"be-scene")
    assert event.images[nl.image_ref] == jpeg(b"nl-vehicle")
    assert event.images[BE_PLATE_PID] == jpeg(b"be-plate")
    assert event.images[NL_PLATE_PID] == jpeg(b"nl-plate")
    assert event.unmatched_images == 0


def test_a_file_name_shared_by_two_events_attaches_no_image() -> None:
    without_pids = [
        edited(name, "<pId>", "<x>").replace(b"</pId>", b"</x>")
        for name in ("hikvision_anpr.xml", "hikvision_anpr_nl.xml")
    ]
    body = multipart(
        *(xml_part(xml) for xml in without_pids),
        image_part(jpeg(b"which?"), filename="licensePlatePicture.jpg"),
        image_part(jpeg(b"be-scene"), filename="detectionPicture.jpg"),  # unique: kept
    )

    event = parse(body, MULTIPART, site=SITE)

    be, nl = event.reads
    assert event.unmatched_images == 1
    assert list(event.images.values()) == [jpeg(b"be-scene")]
    assert be.image_ref == "6f1c2b9e-2a11-4c3e-9d1f-0c42f90a7b51/2"  # event UUID / picture 2
    assert nl.image_ref == ""


def test_two_parts_claiming_one_picture_attach_neither() -> None:
    body = multipart(
        xml_part(sample("hikvision_anpr.xml")),
        image_part(jpeg(b"first"), filename=BE_SCENE_PID),
        image_part(jpeg(b"second"), content_id=f"<{BE_SCENE_PID}>"),
    )

    event = parse(body, MULTIPART, site=SITE)

    assert event.images == {}
    assert event.unmatched_images == 2
    assert event.reads[0].image_ref == ""


def test_an_image_is_matched_by_a_content_id_naming_the_picture_type() -> None:
    body = multipart(
        xml_part(sample("hikvision_anpr.xml")),
        image_part(jpeg(b"be-plate"), content_id="licensePlatePicture"),
    )

    event = parse(body, MULTIPART, site=SITE)

    assert event.images == {BE_PLATE_PID: jpeg(b"be-plate")}
    assert event.reads[0].image_ref == BE_PLATE_PID


def test_unknown_empty_and_non_jpeg_image_parts_are_not_attached() -> None:
    body = multipart(
        xml_part(sample("hikvision_anpr.xml")),
        image_part(jpeg(b"stranger"), filename="somebodyElse.jpg"),
        image_part(b"", filename="licensePlatePicture.jpg"),  # Content-Length: 0, as sent
        image_part(b"GIF89a...", filename="detectionPicture.jpg"),
    )

    event = parse(body, MULTIPART, site=SITE)

    assert event.images == {}
    assert event.unmatched_images == 3
    assert len(event.reads) == 1


def test_a_multipart_heartbeat_is_ignored_and_reads_beside_it_are_kept() -> None:
    body = multipart(
        xml_part(sample("hikvision_heartbeat.xml")),
        xml_part(sample("hikvision_anpr.xml")),
    )

    event = parse(body, MULTIPART, site=SITE)

    assert [r.plate for r in event.reads] == [BE_PLATE]
    assert "heartbeat" in event.ignored


def test_a_multipart_body_with_bare_line_feeds_is_read() -> None:
    body = multipart(
        xml_part(sample("hikvision_anpr.xml")),
        image_part(jpeg(b"be-plate"), filename="licensePlatePicture.jpg"),
        newline=b"\n",
    )

    event = parse(body, MULTIPART, site=SITE)

    assert event.images == {BE_PLATE_PID: jpeg(b"be-plate")}


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"no boundary anywhere", "without its boundary"),
        (b"--boundary\r\nContent-Type: text/xml\r\n\r\n<x/>\r\n", "closing boundary"),
        (b"--boundary\r\nContent-Type: text/xml", "end of its headers"),
        (b"--boundary--\r\n", "without an event XML part"),
    ],
)
def test_malformed_multipart_bodies_are_refused(body: bytes, reason: str) -> None:
    with pytest.raises(PayloadError, match=reason):
        parse(body, MULTIPART, site=SITE)


def test_a_multipart_content_type_without_boundary_is_refused() -> None:
    with pytest.raises(PayloadError, match="boundary"):
        parse(b"--x--", "multipart/form-data", site=SITE)


# -- No plate in any message or repr --------------------------------------------------------


def test_messages_and_reprs_never_contain_the_plate() -> None:
    bad_bodies = [
        edited("hikvision_anpr.xml", "<confidenceLevel>92<", "<confidenceLevel>x<"),
        edited("hikvision_anpr.xml", "2024-06-14T16:04:36+02:00", BE_PLATE),
        edited("hikvision_anpr.xml", "<channelID>1<", f"<channelID>{BE_PLATE}<"),
        edited("hikvision_anpr.xml", "<eventType>ANPR<", f"<eventType>{BE_PLATE}<"),
        edited("hikvision_anpr.xml", "</licensePlate>", "</licensePlateX>"),
        edited("hikvision_anpr.xml", "<licensePlate>", "<licensePlate>" + "X" * 40),
    ]
    messages = []
    for body in bad_bodies:
        try:
            event = parse(body, "application/xml", site=SITE)
        except PayloadError as exc:
            messages.append(str(exc))
        else:
            messages.append(event.ignored)

    event = parse(
        multipart(
            xml_part(sample("hikvision_anpr.xml")),
            image_part(jpeg(b"x"), filename="licensePlatePicture.jpg"),
        ),
        MULTIPART,
        site=SITE,
    )
    messages += [repr(event), str(event), repr(event.reads[0])]

    assert len(messages) == 9
    for message in messages:
        assert BE_PLATE not in message
