"""Genetec AutoVu read exports (Sharp XML template over HTTP or FTP, Security Center
third-party data exporter) turned into AdapterRead values, one bad read never costing
the good ones beside it. Pure but for parse_file, which only reads the file it is given."""

# Formats, from Genetec's TechDoc Hub:
# - "Modifications you can make to the SharpZ3 FTP XML template" (AutoVu SharpZ3
#   Administrator Guide 13.7) and the SharpV equivalent (SharpV Deployment Guide 13.6),
#   https://techdocs.genetec.com/r/en-US/AutoVuTM-SharpZ3-Administrator-Guide-13.7/
#   Modifications-you-can-make-to-the-SharpZ3-FTP-XML-template : one <AutoVu> per read
#   with Plate, State, UTCDate {yyyy:MM:dd}, UTCTime {HH:mm:ss(.fff)}, CameraName,
#   SourceName (the Sharp unit), ContextImage and PlateImage (JPEG as base64), Guid
#   ("the unique identification of the event read"), and optional custom fields such
#   as <ConfidenceScore> (percent) and Relative Motion (approaching / moving away).
# - "Metadata reference for license plate reads" (Exporting License Plate Reads in
#   AutoVu and Security Center), https://techdocs.genetec.com/r/en-US/
#   Exporting-License-Plate-Reads-in-AutoVuTM-and-Security-Center/
#   Metadata-reference-for-license-plate-reads : the same tags for HTTP export.
# - "Examples of XML files for the AutoVu third-party data exporter" (Security Center
#   Administrator Guide 5.12): <Read> elements with DateUtc (MM/dd/yyyy), TimeUtc and
#   <attributes><Attributes><Attribute name="Confidence Score">…</Attribute>.
# A file holding many reads is any root element around several <AutoVu> or <Read>
# elements (the templates describe one read; a batch needs a root of its own).

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from xml.etree.ElementTree import Element

from adapters.model import DIRECTIONS, AdapterRead, PayloadError
from adapters.vendors.xml_safe import parse_xml
from gateway.domain.plates import COUNTRIES, PlateError, normalise_country

MAX_EXPORT_BYTES = 32 * 1024 * 1024  # base64 images make exports large; split bigger ones
MAX_READS = 10_000
MAX_IMAGE_BYTES = 4 * 1024 * 1024  # one decoded image
MAX_PLATE_CHARACTERS = 32  # generous: the node enforces the real limit

READ_ELEMENTS = frozenset({"AutoVu", "Read"})

_COUNTRY_NAMES: Mapping[str, str] = {
    **{c.name.upper(): c.alpha2 for c in COUNTRIES.values()},
    "CZECH REPUBLIC": "CZ",
    "GREAT BRITAIN": "GB",
    "HOLLAND": "NL",
}

_JPEG_MAGIC = b"\xff\xd8\xff"
_TEMPLATE_TOKEN = re.compile(r"#[A-Z_]+#")  # a tag the exporter failed to fill in
# A reference to an image kept elsewhere: a URL, a UNC or drive path, or a .jpg name.
# A bare "/..." is not one: every base64 JPEG starts with "/9j/".
_REFERENCE = re.compile(
    r"(?:https?://|file:|\\\\|[A-Za-z]:\\)[^\r\n]+|[^\r\n]+\.jpe?g", re.IGNORECASE
)


@dataclass(frozen=True, slots=True, repr=False)
class GenetecBatch:
    """What one export yields. errors holds (index, reason) for each read that could
    not be used, index counting the document's read elements from 0; images holds the
    pictures embedded in the export, by the id a read's image_ref names. Unpacks as
    (reads, errors), like the other file adapters' results."""

    reads: list[AdapterRead] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    images: dict[str, bytes] = field(default_factory=dict)

    def __iter__(self) -> Iterator[list[AdapterRead] | list[tuple[int, str]]]:
        return iter((self.reads, self.errors))

    def __repr__(self) -> str:  # reads hold plates; show counts and reasons only
        return (
            f"GenetecBatch(reads={len(self.reads)}, errors={self.errors!r}, "
            f"images={len(self.images)})"
        )


def parse(body: bytes, *, site: str, directions: Mapping[str, str] | None = None) -> GenetecBatch:
    """Parse an export (one read or many). directions maps the Sharp's Relative Motion
    ("approaching", "moving away", lower case) to "in"/"out" for this installation;
    without it the direction is unknown (""). Raises PayloadError only for a document
    that cannot be read at all; a bad read is reported in errors and skipped."""
    if len(body) > MAX_EXPORT_BYTES:
        raise PayloadError(f"export larger than {MAX_EXPORT_BYTES} bytes")
    if directions and not set(directions.values()) <= DIRECTIONS:
        raise ValueError("directions must map to 'in', 'out' or ''")
    root = parse_xml(body)
    elements = [root] if root.tag in READ_ELEMENTS else _read_elements(root)
    if not elements:
        raise PayloadError("no reads in the export (expected AutoVu or Read elements)")
    if len(elements) > MAX_READS:
        raise PayloadError(f"export with more than {MAX_READS} reads; split it")

    batch = GenetecBatch()
    for index, element in enumerate(elements):
        try:
            read, images = _parse_read(element, site=site, directions=directions or {})
        except PayloadError as exc:
            batch.errors.append((index, str(exc)))
            continue
        batch.reads.append(read)
        batch.images.update(images)
    return batch


def parse_file(
    path: str | Path, *, site: str, directions: Mapping[str, str] | None = None
) -> GenetecBatch:
    """parse() on the contents of an export file, refusing an oversized file unread."""
    path = Path(path)
    if path.stat().st_size > MAX_EXPORT_BYTES:
        raise PayloadError(f"export larger than {MAX_EXPORT_BYTES} bytes")
    return parse(path.read_bytes(), site=site, directions=directions)


# -- XML --------------------------------------------------------------------------------


def _read_elements(root: Element) -> list[Element]:
    """Outermost AutoVu/Read elements below root, in document order (a hit event's
    Vehicle/Read counts as the read it is)."""
    found: list[Element] = []

    def walk(element: Element) -> None:
        for child in element:
            if child.tag in READ_ELEMENTS:
                found.append(child)
            else:
                walk(child)

    walk(root)
    return found


# -- One read ---------------------------------------------------------------------------


@dataclass(slots=True)
class _Fields:
    """A read element's values by tag, plus its <Attribute name="..."> values."""

    tags: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, element: Element) -> _Fields:
        fields = cls()
        for child in element:
            if child.tag not in fields.tags:
                fields.tags[child.tag] = (child.text or "").strip()
        for attribute in element.iter("Attribute"):
            name = attribute.get("name", "").strip().lower()
            if name and name not in fields.attributes:
                fields.attributes[name] = (attribute.text or "").strip()
        return fields

    def first(self, *tags: str) -> tuple[str, str]:
        """(tag, value) of the first tag with a value, ("", "") if none has one. A tag
        the exporter left unfilled ("#PLATE_READ#") is a configuration error."""
        for tag in tags:
            value = self.tags.get(tag, "")
            if _TEMPLATE_TOKEN.search(value):
                raise PayloadError(f"<{tag}> holds an unfilled template tag")
            if value:
                return tag, value
        return "", ""

    def value(self, *tags: str, attribute: str = "") -> str:
        value = self.first(*tags)[1]
        if not value and attribute:
            value = self.attributes.get(attribute, "")
        return value


def _parse_read(
    element: Element, *, site: str, directions: Mapping[str, str]
) -> tuple[AdapterRead, dict[str, bytes]]:
    fields = _Fields.of(element)
    plate = fields.value("Plate", "PlateRead")
    if not plate:
        raise PayloadError("read without a plate")
    if len(plate) > MAX_PLATE_CHARACTERS or not plate.isprintable():
        raise PayloadError("plate is not a plausible plate (length or characters)")
    observed_at = _observed_at(fields)
    camera = _camera(fields)
    vendor_id = fields.value("Guid", "ReadId", "ReadGuid")
    key = vendor_id or f"{camera}@{observed_at:%Y%m%dT%H%M%S.%fZ}"

    images: dict[str, bytes] = {}
    refs: list[str] = []
    # The context image first: it shows the vehicle and the scene, the plate image
    # only confirms the OCR.
    for tag, suffix in (("ContextImage", "context"), ("PlateImage", "plate")):
        image = _image(fields, tag)
        if isinstance(image, bytes):
            images[f"{key}/{suffix}"] = image
            refs.append(f"{key}/{suffix}")
        elif image:
            refs.append(image)

    motion = fields.value("RelativeMotion", "Relative_Motion", attribute="relative motion")
    read = AdapterRead(
        plate=plate,
        country=_country(fields.value("State", "PlateState", attribute="state name")),
        confidence=_confidence(fields.value("ConfidenceScore", attribute="confidence score")),
        observed_at=observed_at,
        camera=camera,
        site=site,
        direction=directions.get(motion.lower(), ""),
        image_ref=refs[0] if refs else "",
        vendor_id=vendor_id,
    )
    return read, images


def _country(value: str) -> str:
    """ISO alpha-2 for the plate's State (alpha-2, alpha-3, road-sign code or English
    name), or "" when absent or unknown: an unknown country must not cost the read."""
    if not value:
        return ""
    try:
        return normalise_country(_COUNTRY_NAMES.get(value.upper(), value))
    except PlateError:
        return ""


def _confidence(value: str) -> float:
    if not value or value == "-":  # "-" is how the exporter shows a missing analytic
        return 0.0
    try:
        score = float(value.rstrip("%").strip())
    except ValueError:
        raise PayloadError("confidence score is not a number") from None
    if not 0.0 <= score <= 100.0:
        raise PayloadError("confidence score outside 0..100")
    return score / 100.0


_DATE_YMD = re.compile(r"(\d{4})[-:/.](\d{1,2})[-:/.](\d{1,2})")
_DATE_MDY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")  # the exporter's DateUtc
_TIME = re.compile(r"(\d{1,2}):(\d{2}):(\d{2})(?:[.,](\d{1,6}))?")


def _observed_at(fields: _Fields) -> datetime:
    """The read time from its UTC date and time fields. Local times (LocalDate,
    LocalTime, Date, Time) are never used: without their zone they could be hours off."""
    date_tag, date = fields.first("UTCDate", "DateUtc")
    time_tag, time = fields.first("UTCTime", "TimeUtc")
    if not date or not time:
        raise PayloadError("read without a UTC date and time (UTCDate/UTCTime)")
    if m := _DATE_YMD.fullmatch(date):
        year, month, day = (int(g) for g in m.groups())
    elif m := _DATE_MDY.fullmatch(date):
        month, day, year = (int(g) for g in m.groups())
    else:
        raise PayloadError(f"<{date_tag}> is not a date")
    t = _TIME.fullmatch(time)
    if t is None:
        raise PayloadError(f"<{time_tag}> is not a time")
    hour, minute, second = (int(g) for g in t.groups()[:3])
    micro = int((t.group(4) or "0").ljust(6, "0"))
    try:
        return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)
    except ValueError:
        raise PayloadError("read date or time out of range") from None


def _camera(fields: _Fields) -> str:
    """The camera as "<Sharp unit>/<camera>": SourceName names the Sharp, CameraName
    one of its cameras (a unit has several); either alone when the other is missing."""
    unit = fields.value("SourceName", "UnitName")
    camera = fields.value("CameraName")
    if not unit and not camera:
        raise PayloadError("read without a camera (SourceName or CameraName)")
    return f"{unit}/{camera}" if unit and camera else unit or camera


def _image(fields: _Fields, tag: str) -> bytes | str:
    """An embedded image as JPEG bytes, a reference to one as text, or "" if none."""
    value = fields.value(tag)
    if not value:
        return ""
    compact = "".join(value.split())
    if len(compact) > MAX_IMAGE_BYTES * 4 // 3 + 4:
        raise PayloadError(f"<{tag}> larger than {MAX_IMAGE_BYTES} bytes")
    try:
        data = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        data = b""
    if data.startswith(_JPEG_MAGIC):
        return data
    if _REFERENCE.fullmatch(value) and len(value) <= 1024:
        return value
    raise PayloadError(f"<{tag}> is neither a base64 JPEG nor a reference to an image")
