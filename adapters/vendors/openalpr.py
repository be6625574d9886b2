"""OpenALPR / Rekor Scout agent webhooks: `parse` turns one HTTP POST body (alpr_group,
alpr_results or heartbeat) into an `OpenAlprEvent` of reads and of reasons for what was
not used. Pure: bytes in, values or PayloadError out; never a plate in a message."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from adapters.model import AdapterRead, PayloadError
from adapters.vendors.json_body import json_object, text_value
from gateway.domain.plates import COUNTRIES, PlateError, normalise_plate

# The formats followed: OpenALPR documentation, "Application Integration" (JSON Plate
# Results, JSON Group Results, JSON Heartbeat), source openalpr/doc
# source/app_integration.include, published at http://doc.openalpr.com/; and Rekor Scout,
# https://docs.rekor.ai/scout/application-integration/json-group-results and
# .../json-plate-results. The group sample published there is not valid JSON (missing
# and trailing commas; Rekor's carries a "#" comment): it is refused with its position,
# like any other malformed body.

# Groups carry base64 crops (vehicle_crop_jpeg, best_plate.plate_crop_jpeg).
MAX_BODY_BYTES = 4 * 1024 * 1024
MAX_RESULTS = 64  # plates in one alpr_results frame
MAX_CANDIDATES = 10  # OCR alternatives kept per read, best first
MAX_ID_LENGTH = 128  # uuids are "<agent_uid>-<camera_id>-<epoch ms>"

# The country set ("training data") an agent runs when the payload does not say:
# alpr_results carries no `country`, and the ports run the European set.
DEFAULT_AGENT_COUNTRY = "eu"

HEARTBEAT = "heartbeat"
READ_TYPES = frozenset({"alpr_group", "alpr_results"})

_EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
_LATEST = datetime(2100, 1, 1, tzinfo=UTC)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SAFE_NAME = re.compile(r"[a-z_]{1,32}")


@dataclass(frozen=True, slots=True)
class OpenAlprEvent:
    """What one webhook body yields: reads, and why anything in it was not used
    (a heartbeat, another data_type, an unusable result). Reasons never name a plate."""

    reads: tuple[AdapterRead, ...]
    ignored: tuple[str, ...] = ()


def parse(
    body: bytes, *, default_site: str = "", agent_country: str = DEFAULT_AGENT_COUNTRY
) -> OpenAlprEvent:
    """Parse one agent webhook body. A body that is not a JSON object, has no data_type
    or a group that cannot be used raises PayloadError; one bad result of a frame is
    listed in `ignored` and the other results are kept."""
    obj = json_object(body, MAX_BODY_BYTES, "payload")
    data_type = obj.get("data_type")
    if not isinstance(data_type, str) or not data_type:
        raise PayloadError("payload has no data_type")
    if data_type == HEARTBEAT:
        return OpenAlprEvent(reads=(), ignored=(HEARTBEAT,))
    if data_type not in READ_TYPES:
        # Alerts, vehicle-only records and newer types: acknowledged, never an error,
        # or the agent would retry them forever.
        named = data_type if _SAFE_NAME.fullmatch(data_type) else "(unnamed)"
        return OpenAlprEvent(reads=(), ignored=(f"data_type {named} is not a read",))
    site = _text(obj, "site_id") or default_site
    if site == "unspecified":  # the agent's own default when no site was configured
        site = default_site
    camera = _text(obj, "camera_id")
    if data_type == "alpr_group":
        return OpenAlprEvent(reads=(_group(obj, camera, site, agent_country),))
    return _results(obj, camera, site, agent_country)


def _group(obj: dict, camera: str, site: str, agent_country: str) -> AdapterRead:
    """One vehicle: the best reading over all its frames, timed at the first frame."""
    best = obj.get("best_plate")
    if best is not None and not isinstance(best, dict):
        raise PayloadError("best_plate must be an object")
    best = best or {}
    plate = _plate(obj.get("best_plate_number") or best.get("plate"))
    confidence = obj.get("best_confidence")
    if confidence is None:
        confidence = best.get("confidence")
    uuid = _text(obj, "best_uuid")
    if not uuid:
        uuids = obj.get("uuids")
        uuid = (
            text_value(uuids[0], "uuids", MAX_ID_LENGTH)
            if isinstance(uuids, list) and uuids
            else ""
        )
    # Group-level candidates span all frames; best_plate's are the best frame's top N.
    candidates = _list(obj, "candidates") + _list(best, "candidates")
    return AdapterRead(
        plate=plate,
        country=_country(
            _text(obj, "best_region") or _text(best, "region"),
            _text(obj, "country") or agent_country,
        ),
        confidence=_percent(confidence, "best_confidence"),
        observed_at=_epoch_ms(obj.get("epoch_start"), "epoch_start"),
        camera=camera,
        site=site,
        # travel_direction is a compass angle; in or out depends on how each camera
        # is mounted, which this parser cannot know.
        direction="",
        image_ref=uuid,  # the agent serves the image at /img/<uuid>.jpg
        candidates=_candidates(candidates, plate),
        vendor_id=uuid,
    )


def _results(obj: dict, camera: str, site: str, agent_country: str) -> OpenAlprEvent:
    """One video frame: a read for every plate in it (many frames per vehicle)."""
    observed_at = _epoch_ms(obj.get("epoch_time"), "epoch_time")
    uuid = _text(obj, "uuid")
    results = obj.get("results")
    if not isinstance(results, list):
        raise PayloadError("alpr_results has no results list")
    if len(results) > MAX_RESULTS:
        raise PayloadError(f"more than {MAX_RESULTS} results in one frame")
    reads: list[AdapterRead] = []
    ignored: list[str] = []
    for index, result in enumerate(results):
        try:
            if not isinstance(result, dict):
                raise PayloadError("a result must be an object")
            plate = _plate(result.get("plate"))
            plate_index = _text(result, "plate_index") or str(index)
            reads.append(
                AdapterRead(
                    plate=plate,
                    country=_country(_text(result, "region"), agent_country),
                    confidence=_percent(result.get("confidence"), "confidence"),
                    observed_at=observed_at,
                    camera=camera,
                    site=site,
                    image_ref=uuid,
                    candidates=_candidates(_list(result, "candidates"), plate),
                    vendor_id=f"{uuid}:{plate_index}" if uuid else "",
                )
            )
        except PayloadError as exc:
            ignored.append(f"results[{index}]: {exc}")
    return OpenAlprEvent(reads=tuple(reads), ignored=tuple(ignored))


# -- Fields ----------------------------------------------------------------------------


def _text(obj: dict, key: str) -> str:
    """An id or code the agent sends as text or as a number (camera_id: 1234)."""
    return text_value(obj.get(key), key, MAX_ID_LENGTH)


def _list(obj: dict, key: str) -> list:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise PayloadError(f"{key} must be a list")
    return value


def _plate(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise PayloadError("read has no plate")
    try:
        normalise_plate(value)
    except PlateError as exc:  # its message never holds the plate
        raise PayloadError(str(exc)) from None
    return value.strip()


def _percent(value: object, key: str) -> float:
    """OpenALPR confidences are percentages (0..100); reads carry 0..1."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PayloadError(f"{key} must be a number")
    number = float(value)
    if not math.isfinite(number) or not 0.0 <= number <= 100.0:
        raise PayloadError(f"{key} outside 0..100")
    return number / 100.0


def _epoch_ms(value: object, key: str) -> datetime:
    if isinstance(value, bool) or not isinstance(value, int):
        raise PayloadError(f"{key} must be milliseconds since the epoch")
    if not 0 <= value < 10**13:  # 13 digits reach the year 2286
        raise PayloadError(f"{key} outside the years 2000-2099")
    moment = _EPOCH + timedelta(milliseconds=value)
    if not _EARLIEST <= moment < _LATEST:
        raise PayloadError(f"{key} outside the years 2000-2099")
    return moment


def _candidates(raw: list, plate: str) -> tuple[tuple[str, float], ...]:
    """The OCR alternatives, best first, each normalised form once, the read itself
    left out. An unusable candidate is dropped, not the read: they are only hints."""
    own = normalise_plate(plate)
    best: dict[str, tuple[str, float]] = {}
    for candidate in raw:
        if not isinstance(candidate, dict):
            continue
        text = candidate.get("plate")
        try:
            key = normalise_plate(text) if isinstance(text, str) else None
            confidence = _percent(candidate.get("confidence"), "confidence")
        except (PlateError, PayloadError):
            continue
        if key is None or key == own:
            continue
        if key not in best or confidence > best[key][1]:
            best[key] = (text.strip(), confidence)
    ranked = sorted(best.values(), key=lambda pair: pair[1], reverse=True)
    return tuple(ranked[:MAX_CANDIDATES])


def _country(region: str, country_set: str) -> str:
    """ISO alpha-2 from OpenALPR's region and country set, or "" when unknown.

    The European set reports the country itself as region ("be", "nl"); Rekor uses
    "<country>-<subdivision>" ("us-mo"). A bare region under another set is a state or
    province ("de" is Delaware under "us"), never a country, so it is not read as one.
    """
    region = region.lower()
    country_set = country_set.lower()
    if "-" in region:
        head, _, tail = region.partition("-")
        code = tail if head == "eu" else head
    elif region and country_set == "eu":
        code = region
    elif country_set != "eu":
        code = country_set  # a single-country set ("gb") names the country
    else:
        code = ""
    code = code.upper()
    return code if code in COUNTRIES else ""
