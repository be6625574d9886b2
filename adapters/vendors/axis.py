"""Axis License Plate Verifier (ALPV) HTTP push events: `parse` turns one JSON event
into an `AxisEvent`, and `AxisDeduplicator` turns each car's new/update/lost stream into
exactly one `AdapterRead`. Pure: bytes and values in, values or PayloadError out."""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from adapters.model import AdapterRead, PayloadError
from adapters.vendors.json_body import json_object, number_value, text_value
from gateway.domain.errors import InvalidInput
from gateway.domain.plates import COUNTRIES, PlateError, normalise_plate
from gateway.domain.times import parse_time

# The format followed: "License plate verifier API", section "Push events" (JSON file
# keys description, HTTP POST package sample):
# https://developer.axis.com/vapix/applications/license-plate-verifier-api
# No message, repr or str in this module names a plate.

# One JSON event; the HTTP layer takes the `event` part out of a multipart POST, and
# images (base64 in ImageArray, when configured) are never read here.
MAX_BODY_BYTES = 4 * 1024 * 1024
DEFAULT_MAX_CARS = 4096  # cars remembered for de-duplication (hours of a port gate)
MAX_ID_LENGTH = 64  # carID, serial numbers, sensorProviderID

CAR_STATES = {"new": "new", "update": "update", "updated": "update", "lost": "lost"}
DIRECTIONS = {"in": "in", "out": "out", "unknown": "", "unk": "", "": ""}

# plateCountry is ISO 3166-1 alpha-3. Countries the gateway does not know map to ""
# (unknown) and the read is kept: a Ukrainian truck is still a read worth matching.
_ALPHA3_TO_ALPHA2 = {c.alpha3: c.alpha2 for c in COUNTRIES.values()}

# Reads outside these years are garbage (a clock never set, a counter read as a time).
_EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
_LATEST = datetime(2100, 1, 1, tzinfo=UTC)

# "YYYYMMDD HHMMSSFFF" with an optional zone "+HHMM" (the documented `datetime` key).
_DATETIME = re.compile(r"(\d{8}) (\d{6})(\d{3})? ?(?:([+-])(\d{2}):?(\d{2})|Z)?")


@dataclass(frozen=True, slots=True, repr=False)
class AxisEvent:
    """One ALPV push event, checked and converted (time UTC, country alpha-2)."""

    car_id: str
    car_state: str  # "new", "update" or "lost"
    plate: str  # as the camera read it
    country: str  # ISO 3166 alpha-2, or "" when unknown to the gateway
    vendor_country: str  # plateCountry as sent (alpha-3; not personal data)
    confidence: float  # 0..1
    observed_at: datetime  # aware, UTC
    camera: str  # camera serial number, else the configured sensorProviderID
    direction: str  # "in", "out" or ""
    packet_counter: str

    @property
    def vendor_id(self) -> str:
        # carID is a runtime counter of one camera: only unique with the camera.
        return f"{self.camera}:{self.car_id}"

    def to_read(self, site: str) -> AdapterRead:
        return AdapterRead(
            plate=self.plate,
            country=self.country,
            confidence=self.confidence,
            observed_at=self.observed_at,
            camera=self.camera,
            site=site,
            direction=self.direction,
            vendor_id=self.vendor_id,
        )

    def __repr__(self) -> str:  # never show a plate
        return (
            f"AxisEvent(camera={self.camera!r}, car_id={self.car_id!r}, "
            f"car_state={self.car_state!r})"
        )

    __str__ = __repr__


def parse(body: bytes, *, naive_zone: tzinfo | None = None) -> AxisEvent:
    """Parse one ALPV push event (the JSON body); PayloadError says why it is refused.
    naive_zone is the zone of a camera whose `datetime` carries no offset."""
    obj = json_object(body, MAX_BODY_BYTES, "event")
    car_state = CAR_STATES.get(_text(obj, "carState", 16).lower())
    if car_state is None:
        raise PayloadError("carState must be new, update or lost")
    car_id = _text(obj, "carID", MAX_ID_LENGTH)
    if not car_id:
        raise PayloadError("event has no carID")
    plate = _plate(obj)
    direction = DIRECTIONS.get(_text(obj, "carMoveDirection", 16).lower())
    if direction is None:
        raise PayloadError("carMoveDirection must be in, out or unknown")
    vendor_country = _text(obj, "plateCountry", 8).upper()
    return AxisEvent(
        car_id=car_id,
        car_state=car_state,
        plate=plate,
        country=_ALPHA3_TO_ALPHA2.get(vendor_country, ""),
        vendor_country=vendor_country if len(vendor_country) <= 3 else "",
        confidence=_confidence(obj.get("plateConfidence")),
        observed_at=_observed_at(obj, naive_zone),
        camera=_camera(obj),
        direction=direction,
        packet_counter=_text(obj, "packetCounter", 32),
    )


@dataclass(slots=True)
class _Car:
    last_seen: datetime  # latest observed_at of any event of this car
    plate_hash: int  # hash of the emitted reading, to count corrections without a plate


class AxisDeduplicator:
    """Exactly one read per car from ALPV's new/update/lost stream.

    ALPV sends NEW at a car's first detection (never with a direction), UPDATE when its
    direction or text changes, and LOST about 10 s after it was last seen. We emit on
    the first event of a car (normally NEW) and suppress the rest: a hotlist alert then
    fires at first sight rather than 10 s or more later at LOST, and no car is ever
    sent twice. The price: the read carries no direction, and a text corrected by a
    later UPDATE is not sent. The matcher's OCR candidates and confusion classes
    (O/0/D/Q, B/8, ...) cover the usual one-character corrections; `corrected` counts
    how often a later reading differed, so the choice can be revisited with numbers.

    Cars are keyed by (camera, carID), because carID is a per-camera runtime counter,
    and at most max_cars are remembered, the least recently seen evicted first. A NEW
    for a remembered car is a new car only when it is later than anything seen under
    that key (the counter restarts with the camera); an older or equal one is an event
    re-sent from the camera's buffer. Not thread-safe: feed it from one thread.
    """

    def __init__(self, max_cars: int = DEFAULT_MAX_CARS, *, site: str = "") -> None:
        if max_cars < 1:
            raise ValueError("max_cars must be at least 1")
        self.max_cars = max_cars
        self.site = site
        self._cars: OrderedDict[tuple[str, str], _Car] = OrderedDict()
        self.emitted = 0
        self.suppressed = 0
        self.corrected = 0  # later events whose reading differed from the emitted one
        self.evicted = 0

    def feed(self, event: AxisEvent) -> AdapterRead | None:
        """The read to send for this event, or None when its car was already sent."""
        key = (event.camera, event.car_id)
        car = self._cars.get(key)
        if car is None or (event.car_state == "new" and event.observed_at > car.last_seen):
            self._cars[key] = _Car(event.observed_at, _plate_hash(event.plate))
            self._cars.move_to_end(key)
            while len(self._cars) > self.max_cars:
                self._cars.popitem(last=False)
                self.evicted += 1
            self.emitted += 1
            return event.to_read(self.site)
        self._cars.move_to_end(key)
        car.last_seen = max(car.last_seen, event.observed_at)
        if _plate_hash(event.plate) != car.plate_hash:
            self.corrected += 1
        self.suppressed += 1
        return None

    def __len__(self) -> int:
        return len(self._cars)

    def __repr__(self) -> str:
        return (
            f"AxisDeduplicator(cars={len(self._cars)}, max_cars={self.max_cars}, "
            f"emitted={self.emitted}, suppressed={self.suppressed}, "
            f"corrected={self.corrected}, evicted={self.evicted})"
        )


# -- Fields ----------------------------------------------------------------------------


def _text(obj: dict, key: str, max_length: int) -> str:
    """A text field ALPV sends as a string (numbers too, e.g. "carID": "54950")."""
    return text_value(obj.get(key), key, max_length)


def _plate(obj: dict) -> str:
    # plateUTF8 is documented as the UTF-8 text; plateText is the older, always-present key.
    for key in ("plateUTF8", "plateText", "plateUnicode", "plateASCII"):
        value = obj.get(key)
        if isinstance(value, str) and value.strip():
            try:
                normalise_plate(value)
            except PlateError as exc:  # its message never holds the plate
                raise PayloadError(str(exc)) from None
            return value.strip()
    raise PayloadError("event has no plate text")


def _confidence(value: object) -> float:
    if value is None:
        raise PayloadError("event has no plateConfidence")
    number = number_value(value, "plateConfidence")
    if 1.0 < number <= 100.0:
        # Documented as 0..1; some firmware and relays send a percentage.
        number /= 100.0
    if not 0.0 <= number <= 1.0:
        raise PayloadError("plateConfidence outside 0..1")
    return number


def _observed_at(obj: dict, naive_zone: tzinfo | None) -> datetime:
    # capture_timestamp is ms since the epoch, UTC. `datetime` is only a fallback: it is
    # the camera's local time unless it carries an offset, so without one it is taken
    # in the zone the adapter is configured for, and refused when none is (guessing
    # the zone would shift every read by hours).
    stamp = obj.get("capture_timestamp")
    if stamp is not None:
        if isinstance(stamp, bool) or not isinstance(stamp, str | int):
            raise PayloadError("capture_timestamp must be milliseconds since the epoch")
        text = str(stamp).strip()
        if not text.isdigit() or len(text) > 13:  # 13 digits reach the year 2286
            raise PayloadError("capture_timestamp must be milliseconds since the epoch")
        moment = datetime.fromtimestamp(0, UTC) + timedelta(milliseconds=int(text))
    else:
        moment = _zoned_datetime(_text(obj, "datetime", 32), naive_zone)
    if not _EARLIEST <= moment < _LATEST:
        raise PayloadError("read time outside the years 2000-2099")
    return moment


def _zoned_datetime(text: str, naive_zone: tzinfo | None) -> datetime:
    """ALPV's "YYYYMMDD HHMMSSFFF[+HHMM]", written as ISO 8601 for the one rule on
    times (gateway.domain.times.parse_time)."""
    if not text:
        raise PayloadError("event has neither capture_timestamp nor datetime")
    match = _DATETIME.fullmatch(text)
    if match is None:
        raise PayloadError("datetime must be YYYYMMDD HHMMSSFFF with a zone offset")
    day, clock, millis, sign, hours, minutes = match.groups()
    zone = f"{sign}{hours}:{minutes}" if sign else ("Z" if text.endswith("Z") else "")
    iso = f"{day[:4]}-{day[4:6]}-{day[6:]}T{clock[:2]}:{clock[2:4]}:{clock[4:]}"
    try:
        return parse_time(f"{iso}.{millis or '000'}{zone}", naive_zone=naive_zone, what="datetime")
    except InvalidInput as exc:
        if not zone and naive_zone is None:  # most likely refused for want of a zone
            raise PayloadError(f"{exc}, or send capture_timestamp (UTC)") from None
        raise PayloadError("datetime is not a valid date, time and zone") from None  # month 13
    except OverflowError:  # year 9999 with an offset west of UTC
        raise PayloadError("datetime is not a valid date, time and zone") from None


def _camera(obj: dict) -> str:
    info = obj.get("camera_info")
    if info is not None and not isinstance(info, dict):
        raise PayloadError("camera_info must be an object")
    # The serial number is fixed in hardware; sensorProviderID is whatever was typed in
    # the profile (and "defaultID" on many cameras).
    serial = _text(info, "SerialNumber", MAX_ID_LENGTH) if info else ""
    return serial or _text(obj, "sensorProviderID", MAX_ID_LENGTH)


def _plate_hash(plate: str) -> int:
    # Process-salted hash: enough to compare readings, and no plaintext plate is kept.
    return hash(normalise_plate(plate))
