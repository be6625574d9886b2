"""Hikvision ISAPI event push (EventNotificationAlert XML, plain or multipart with JPEG
parts) turned into AdapterRead values and the images that belong to them, matched by
id. Pure: bytes in, reads and images out, no I/O."""

# Rules this module enforces:
# 1. Bounded input: a body over MAX_BODY_BYTES, an XML document over MAX_XML_BYTES or
#    more than MAX_PARTS multipart parts is refused before it is parsed.
# 2. No DTD: a document type declaration (and with it every entity declaration, the
#    root of "billion laughs" and external-entity attacks) is refused; any other entity
#    reference is then undefined and the document malformed.
# 3. Only ANPR events become reads. Heartbeats (videoloss, inactive) and other event
#    types are ignored with a reason; they are not errors.
# 4. Images are matched to their event by id, never by arrival order: by the picture's
#    pId, or by its fileName/type when that names exactly one picture in the body.
#    Anything ambiguous or unknown is not attached (and counted in unmatched_images).
# 5. A PayloadError message, like any repr here, never contains a plate.
#
# Formats, from Hikvision's documentation:
# - "XML_EventNotificationAlert_ANPR", Device Network SDK (Traffic) Developer Guide
#   V6.1.4.X (2022): EventNotificationAlert, xmlns http://www.isapi.org/ver20/XMLSchema,
#   with ipAddress, macAddress, channelID, dateTime ("2017-04-22T15:39:01+08:00"),
#   eventType "ANPR", eventState active/inactive and an ANPR element (licensePlate,
#   country, confidenceLevel, direction, pictureInfoList).
# - https://open.hikvision.com/hardware/XMLs/XML_EventNotificationAlert.html: eventState
#   is "active" for an alarm and "inactive" for a heartbeat.
# - https://open.hikvision.com/hardware/structures/COUNTRY_INDEX.html (the country
#   indexes below) and NET_DVR_PLATE_INFO in the Traffic guide: wCRIndex (CRIndex in
#   XML) "covers byCountry" and "is preferred over" it.
# - Firmware in the field also uses xmlns http://www.hikvision.com/ver20/XMLSchema and
#   names multipart parts after the picture's fileName ("licensePlatePicture.jpg"), its
#   pId, or gives a Content-ID of the picture type.

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from email.message import Message
from email.utils import collapse_rfc2231_value
from xml.etree.ElementTree import Element

from adapters.model import DIRECTIONS, AdapterRead, PayloadError
from adapters.vendors.multipart import Part, read_parts
from adapters.vendors.xml_safe import parse_xml
from gateway.domain.errors import InvalidInput
from gateway.domain.plates import COUNTRIES, PlateError, normalise_country
from gateway.domain.times import parse_time

MAX_BODY_BYTES = 20 * 1024 * 1024
MAX_XML_BYTES = 1024 * 1024
MAX_PARTS = 32
MAX_PLATE_CHARACTERS = 32  # generous: the node enforces the real limit

# Namespaces seen on EventNotificationAlert. Elements are matched by local name, so a
# firmware that sends either (or none) is read the same way.
NAMESPACES = (
    "http://www.isapi.org/ver20/XMLSchema",
    "http://www.hikvision.com/ver20/XMLSchema",
)

XML_TYPES = frozenset({"application/xml", "text/xml"})
MULTIPART_TYPES = frozenset({"multipart/form-data", "multipart/mixed"})
ANPR_EVENT_TYPES = frozenset({"anpr", "vehicledetection"})

# Event types named in an "ignored" reason. Anything else is called unrecognised, so
# that a reason can never echo arbitrary payload text (which might be a plate).
KNOWN_OTHER_EVENT_TYPES = frozenset(
    {
        "videoloss",
        "vmd",
        "linedetection",
        "fielddetection",
        "regionentrance",
        "regionexiting",
        "tamperdetection",
        "shelteralarm",
        "io",
        "facedetection",
        "scenechangedetection",
        "defocus",
        "audioexception",
        "diskfull",
        "diskerror",
        "nicbroken",
        "ipconflict",
        "illaccess",
        "unattendedbaggage",
        "attendedbaggage",
        "aid",
        "tfs",
    }
)

# COUNTRY_INDEX as published by Hikvision (open.hikvision.com, see the module
# docstring), by the alpha-3 code in each enumerator's name. Indexes whose country the
# gateway does not know (BLR, MDA, RUS, ...) resolve to "" through normalise_country.
# 0 is "not supported", 0xfd "invalid", 0xff "all": none of them is a country.
COUNTRY_INDEX: Mapping[int, str] = {
    1: "CZE",
    2: "FRA",
    3: "DEU",
    4: "ESP",
    5: "ITA",
    6: "NLD",
    7: "POL",
    8: "SVK",
    9: "BLR",
    10: "MDA",
    11: "RUS",
    12: "UKR",
    13: "BEL",
    14: "BGR",
    15: "DNK",
    16: "FIN",
    17: "GBR",
    18: "GRC",
    19: "HRV",
    20: "HUN",
    21: "ISR",
    22: "LUX",
    23: "MKD",
    24: "NOR",
    25: "PRT",
    26: "ROU",
    27: "SRB",
    28: "AZE",
    29: "GEO",
}

# Some firmware sends the country as an English name ("Poland"). The gateway's own
# names, plus the spellings Hikvision's COUNTRY_INDEX comments use.
_COUNTRY_NAMES: Mapping[str, str] = {
    **{c.name.upper(): c.alpha2 for c in COUNTRIES.values()},
    "CZECH REPUBLIC": "CZ",
    "GREAT BRITAIN": "GB",
    "HOLLAND": "NL",
}

# Which picture becomes image_ref when an event brings several: the overview first,
# because it shows the vehicle and the scene; the plate crop only confirms the OCR.
_PICTURE_PREFERENCE = ("vehiclePicture", "detectionPicture", "licensePlatePicture")

_JPEG_MAGIC = b"\xff\xd8\xff"


@dataclass(frozen=True, slots=True, repr=False)
class HikvisionEvent:
    """What one pushed body yields: reads, the images attached to them by id (each
    read's image_ref names one of them), and why anything in it was ignored."""

    reads: list[AdapterRead]
    images: dict[str, bytes] = field(default_factory=dict)
    ignored: str = ""  # reason(s), "; "-joined; "" when nothing was ignored
    unmatched_images: int = 0  # image parts that could not be tied to one picture

    def __repr__(self) -> str:
        return (
            f"HikvisionEvent(reads={len(self.reads)}, images={len(self.images)}, "
            f"ignored={self.ignored!r}, unmatched_images={self.unmatched_images})"
        )


def parse(
    body: bytes,
    content_type: str,
    *,
    site: str,
    directions: Mapping[str, str] | None = None,
    naive_zone: tzinfo | None = None,
) -> HikvisionEvent:
    """Turn one pushed body into reads and images.

    content_type is the request's Content-Type header (application/xml, text/xml,
    multipart/form-data or multipart/mixed with its boundary). directions maps the
    camera's direction ("forward", "reverse") to "in"/"out" for this installation;
    without it the direction is unknown (""), since forward says nothing about whether
    the vehicle enters or leaves. naive_zone is the zone of a camera set to send its
    local time without an offset; without it such a time is refused. Raises
    PayloadError for anything it cannot use.
    """
    if len(body) > MAX_BODY_BYTES:
        raise PayloadError(f"body larger than {MAX_BODY_BYTES} bytes")
    _check_directions(directions)
    header = Message()
    header["Content-Type"] = content_type or ""
    media_type = header.get_content_type() if content_type else ""
    if media_type in XML_TYPES:
        events = [_parse_event(_parse_xml(body), naive_zone)]
        image_parts: list[Part] = []
    elif media_type in MULTIPART_TYPES:
        events, image_parts = _parse_multipart(body, header, naive_zone)
    else:
        raise PayloadError("unsupported content type: expected XML or multipart")

    images, unmatched = _attach_images(events, image_parts)
    reads = [
        _to_read(event, site=site, directions=directions or {})
        for event in events
        if event.ignored is None
    ]
    ignored = "; ".join(event.ignored for event in events if event.ignored is not None)
    return HikvisionEvent(reads=reads, images=images, ignored=ignored, unmatched_images=unmatched)


# -- XML --------------------------------------------------------------------------------


def _parse_xml(data: bytes) -> Element:
    """Refuse oversized documents, then parse refusing any DTD (rule 2)."""
    if len(data) > MAX_XML_BYTES:
        raise PayloadError(f"XML document larger than {MAX_XML_BYTES} bytes")
    return parse_xml(data)


def _text(parent: Element | None, name: str) -> str:
    """Stripped text of parent's first direct child called name, "" if absent."""
    if parent is None:
        return ""
    child = parent.find(name)
    return (child.text or "").strip() if child is not None else ""


# -- Events -----------------------------------------------------------------------------


@dataclass(slots=True)
class _Picture:
    index: int  # 1-based position in pictureInfoList
    pid: str
    file_name: str
    kind: str  # the pictureInfo <type>
    image_id: str = ""  # set once an image part is attached


@dataclass(slots=True)
class _Event:
    ignored: str | None = None
    plate: str = ""
    country: str = ""
    confidence: float = 0.0
    observed_at: datetime | None = None
    camera: str = ""
    vendor_direction: str = ""
    vendor_id: str = ""
    pictures: list[_Picture] = field(default_factory=list)

    @property
    def key(self) -> str:
        """Prefix for the ids of this event's images that have no pId of their own."""
        if self.vendor_id:
            return self.vendor_id
        assert self.observed_at is not None
        return f"{self.camera}@{self.observed_at:%Y%m%dT%H%M%S.%fZ}"


def _parse_event(root: Element, naive_zone: tzinfo | None) -> _Event:
    if root.tag != "EventNotificationAlert":
        raise PayloadError("XML is not an EventNotificationAlert")
    event_type = _text(root, "eventType")
    if not event_type:
        raise PayloadError("EventNotificationAlert without an eventType")
    state = _text(root, "eventState").lower()
    kind = event_type.lower()
    if kind not in ANPR_EVENT_TYPES:
        if kind == "videoloss" and state == "inactive":
            return _Event(ignored="heartbeat (videoloss, inactive)")
        named = event_type if kind in KNOWN_OTHER_EVENT_TYPES else "an unrecognised type"
        return _Event(ignored=f"event type {named} is not a plate read")
    if state == "inactive":
        return _Event(ignored="ANPR event marked inactive")

    anpr = root.find("ANPR")
    if anpr is None:
        raise PayloadError("ANPR event without an ANPR element")
    plate = _text(anpr, "licensePlate")
    if not plate or plate.lower() == "unknown":
        raise PayloadError("ANPR event without a plate")
    if len(plate) > MAX_PLATE_CHARACTERS or not plate.isprintable():
        raise PayloadError("ANPR plate is not a plausible plate (length or characters)")

    return _Event(
        plate=plate,
        # wCRIndex "is preferred over byCountry" (NET_DVR_PLATE_INFO); same numbering.
        country=_country(_text(anpr, "CRIndex") or _text(anpr, "country")),
        confidence=_confidence(_text(anpr, "confidenceLevel") or _text(anpr, "confidence")),
        observed_at=_observed_at(_text(root, "dateTime"), naive_zone),
        camera=_camera(root),
        vendor_direction=_text(anpr, "direction").lower(),
        vendor_id=_text(root, "UUID"),
        pictures=_pictures(anpr),
    )


def _country(value: str) -> str:
    """ISO alpha-2 for a Hikvision country value (index, code or English name), or ""
    when it is absent or names a country the gateway does not know. Never an error:
    an unknown country must not cost the read."""
    if not value:
        return ""
    if value.isdecimal():
        code = COUNTRY_INDEX.get(int(value))
        if code is None:
            return ""
    else:
        code = _COUNTRY_NAMES.get(value.upper(), value)
    try:
        return normalise_country(code)
    except PlateError:
        return ""


def _confidence(value: str) -> float:
    if not value:
        return 0.0  # as the rest of the gateway reads a missing confidence
    try:
        level = float(value)
    except ValueError:
        raise PayloadError("confidenceLevel is not a number") from None
    if not 0.0 <= level <= 100.0:
        raise PayloadError("confidenceLevel outside 0..100")
    return level / 100.0


def _observed_at(value: str, naive_zone: tzinfo | None) -> datetime:
    if not value:
        raise PayloadError("event without a dateTime")
    try:
        # A local time without its offset could be off by hours: it is taken in the
        # zone the camera is configured for, and refused without one.
        return parse_time(value, naive_zone=naive_zone, what="dateTime")
    except InvalidInput as exc:
        raise PayloadError(str(exc)) from None
    except OverflowError:  # year 9999 with an offset west of UTC
        raise PayloadError("dateTime is out of range") from None


_MAC = re.compile(r"[0-9a-f]{2}([:-][0-9a-f]{2}){5}")


def _camera(root: Element) -> str:
    """The camera as "<mac>/<channel>": the MAC address is the device's fixed identity
    (its IP address may change with DHCP or sit behind NAT), the channel tells the
    cameras of one NVR apart. The IP address stands in only when there is no MAC."""
    device = _text(root, "macAddress").lower()
    if device and _MAC.fullmatch(device):
        device = device.replace("-", ":")
    elif (ip := _text(root, "ipAddress")) and re.fullmatch(r"[0-9A-Fa-f.:]{2,45}", ip):
        device = ip
    else:
        raise PayloadError("event without a camera identity (macAddress or ipAddress)")
    channel = _text(root, "channelID") or _text(root, "dynChannelID")
    if channel and not re.fullmatch(r"[0-9]{1,6}", channel):
        raise PayloadError("channelID is not a number")
    return f"{device}/{channel}" if channel else device


def _pictures(anpr: Element) -> list[_Picture]:
    listing = anpr.find("pictureInfoList")
    if listing is None:
        return []
    return [
        _Picture(
            index=index,
            pid=_text(info, "pId"),
            file_name=_text(info, "fileName"),
            kind=_text(info, "type"),
        )
        for index, info in enumerate(listing.findall("pictureInfo"), start=1)
    ]


def _check_directions(directions: Mapping[str, str] | None) -> None:
    if directions and not set(directions.values()) <= DIRECTIONS:
        raise ValueError("directions must map to 'in', 'out' or ''")


def _to_read(event: _Event, *, site: str, directions: Mapping[str, str]) -> AdapterRead:
    assert event.observed_at is not None
    return AdapterRead(
        plate=event.plate,
        country=event.country,
        confidence=event.confidence,
        observed_at=event.observed_at,
        camera=event.camera,
        site=site,
        direction=directions.get(event.vendor_direction, ""),
        image_ref=_preferred_image(event.pictures),
        vendor_id=event.vendor_id,
    )


def _preferred_image(pictures: list[_Picture]) -> str:
    attached = [p for p in pictures if p.image_id]
    for kind in _PICTURE_PREFERENCE:
        for picture in attached:
            if picture.kind == kind:
                return picture.image_id
    return attached[0].image_id if attached else ""


# -- Multipart --------------------------------------------------------------------------


def _parse_multipart(
    body: bytes, header: Message, naive_zone: tzinfo | None
) -> tuple[list[_Event], list[Part]]:
    boundary = header.get_param("boundary")
    boundary = collapse_rfc2231_value(boundary) if boundary else ""
    subtype = header.get_content_subtype()
    parts = read_parts(body, subtype, boundary, max_parts=MAX_PARTS, max_bytes=MAX_BODY_BYTES)
    events: list[_Event] = []
    images: list[Part] = []
    for part in parts:
        file_name = part.file_name.lower()
        if part.media_type in XML_TYPES or file_name.endswith(".xml"):
            events.append(_parse_event(_parse_xml(part.data), naive_zone))
        elif part.media_type.startswith("image/") or file_name.endswith((".jpg", ".jpeg")):
            images.append(part)
        # Any other part (a form field, a JSON copy of the event) carries nothing we need.
    if not events:
        raise PayloadError("multipart body without an event XML part")
    return events, images


def _attach_images(events: list[_Event], parts: list[Part]) -> tuple[dict[str, bytes], int]:
    """Attach image parts to pictures by id (rule 4). Returns the images by the id they
    are kept under, and how many parts were left unattached."""
    pictures = [p for e in events if e.ignored is None for p in e.pictures]
    owner = {id(p): e for e in events if e.ignored is None for p in e.pictures}
    by_pid = {p.pid: p for p in pictures if p.pid}
    # A fileName or type names a picture only when no other picture in this body has
    # it: two events both send "licensePlatePicture.jpg", and order must never decide.
    by_name: dict[str, _Picture | None] = {}
    for picture in pictures:
        for name in {picture.file_name, picture.kind} - {""}:
            by_name[name] = None if name in by_name else picture

    # Collect every claim first: if two parts claim one picture, neither is attached,
    # because only arrival order could tell them apart.
    claims: dict[int, list[Part]] = {}
    unmatched = 0
    for part in parts:
        picture = next((by_pid[i] for i in part.ids if i in by_pid), None)
        if picture is None:
            picture = next((by_name[i] for i in part.ids if by_name.get(i)), None)
        if picture is None or not part.data.startswith(_JPEG_MAGIC):
            unmatched += 1
            continue
        claims.setdefault(id(picture), []).append(part)

    images: dict[str, bytes] = {}
    for picture in pictures:
        claimed = claims.get(id(picture), [])
        if len(claimed) != 1:
            unmatched += len(claimed)
            continue
        image_id = picture.pid or f"{owner[id(picture)].key}/{picture.index}"
        picture.image_id = image_id
        images[image_id] = claimed[0].data
    return images, unmatched
