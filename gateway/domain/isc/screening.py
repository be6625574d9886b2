"""Inbound screening (screen_object): what the ISC serves becomes a review candidate, a
sighting of one, or nothing. Applied to every object; the first rule that fails rejects
the object with a reason (never holding a plate) and the pull goes on.

1. It is a JSON object of at most MAX_OBJECT_BYTES, nesting at most MAX_DEPTH, strings
   at most MAX_INBOUND_STRING, lists at most MAX_LIST.
2. Its type is a STIX 2.1 type, its id ``type--UUID``, spec_version 2.1 for SDO/SROs,
   created/modified (and an indicator's valid_from, a sighting's first_seen) real
   RFC 3339 UTC timestamps as stix.parse_stix_time reads them.
3. Indicators with a STIX pattern over ``x-vehicle:license_plate`` (optionally
   ``x-vehicle:country``) are vehicle indicators; the plate must be a valid plate.
   Sightings of a held vehicle indicator are vehicle sightings. Everything else that
   is well-formed is ignored (counted), never stored.
"""

from __future__ import annotations

import enum
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from gateway.domain.errors import InvalidInput
from gateway.domain.isc.bundles import MAX_TITLE
from gateway.domain.isc.stix import STIX_ID, parse_stix_time
from gateway.domain.isc.tlp import TLP_BY_MARKING, UNMARKED_TLP, Tlp
from gateway.domain.plates import PlateError, normalise_country, normalise_plate

MAX_OBJECT_BYTES: Final = 64 * 1024
MAX_INBOUND_STRING: Final = 4096
MAX_DEPTH: Final = 8
MAX_LIST: Final = 1000

STIX21_SDO_SRO: Final = frozenset(
    {
        "attack-pattern",
        "campaign",
        "course-of-action",
        "grouping",
        "identity",
        "incident",
        "indicator",
        "infrastructure",
        "intrusion-set",
        "location",
        "malware",
        "malware-analysis",
        "note",
        "observed-data",
        "opinion",
        "report",
        "threat-actor",
        "tool",
        "vulnerability",
        "relationship",
        "sighting",
    }
)
STIX21_OTHER: Final = frozenset(
    {
        "marking-definition",
        "language-content",
        "extension-definition",
        "artifact",
        "autonomous-system",
        "directory",
        "domain-name",
        "email-addr",
        "email-message",
        "file",
        "ipv4-addr",
        "ipv6-addr",
        "mac-addr",
        "mutex",
        "network-traffic",
        "process",
        "software",
        "url",
        "user-account",
        "windows-registry-key",
        "x509-certificate",
    }
)


_VEHICLE_TERM = re.compile(r"x-vehicle:(license_plate|country)\s*=\s*'([^'\\]{1,20})'")
_VEHICLE_PATTERN = re.compile(
    rf"\[\s*{_VEHICLE_TERM.pattern}(\s+AND\s+{_VEHICLE_TERM.pattern})?\s*\]"
)


class Verdict(enum.StrEnum):
    VEHICLE_INDICATOR = "vehicle_indicator"
    VEHICLE_SIGHTING = "vehicle_sighting"
    IGNORED = "ignored"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class Screened:
    """What screening decided about one ISC object. `reason` never holds a plate."""

    verdict: Verdict
    object_id: str
    version: str
    reason: str = ""
    plate: str = ""
    country: str = ""
    title: str = ""
    description: str = ""
    tlp: Tlp = UNMARKED_TLP
    indicator_ref: str = ""
    first_seen: str = ""
    sighting_count: int = 0

    def __repr__(self) -> str:
        return f"Screened({self.verdict.value}, {self.object_id!r}, {self.reason!r})"


def _safe_id(value: object) -> str:
    """An object id fit for a log and a table: shape-checked, else a fingerprint."""
    if isinstance(value, str) and STIX_ID.fullmatch(value):
        return value
    raw = value if isinstance(value, str) else repr(type(value))
    return "unreadable:" + hashlib.sha256(raw.encode("utf-8", "replace")).hexdigest()[:16]


def _shape_problem(value: Any, depth: int = 0) -> str | None:
    if depth > MAX_DEPTH:
        return f"nested deeper than {MAX_DEPTH}"
    if isinstance(value, str):
        return (
            f"a string longer than {MAX_INBOUND_STRING}"
            if len(value) > MAX_INBOUND_STRING
            else None
        )
    if isinstance(value, list):
        if len(value) > MAX_LIST:
            return f"a list longer than {MAX_LIST}"
        for v in value:
            if (p := _shape_problem(v, depth + 1)) is not None:
                return p
        return None
    if isinstance(value, dict):
        if len(value) > MAX_LIST:
            return f"more than {MAX_LIST} properties"
        for k, v in value.items():
            if len(k) > 250:
                return "a property name longer than 250"
            if (p := _shape_problem(v, depth + 1)) is not None:
                return p
        return None
    if value is None or isinstance(value, bool | int | float):
        return None
    return "a value that is not JSON"


def _is_stix_time(value: object) -> bool:
    try:
        parse_stix_time(value)
    except InvalidInput:
        return False
    return True


def _reject(obj_id: str, version: str, reason: str) -> Screened:
    return Screened(Verdict.REJECTED, obj_id, version, reason=reason)


def _tlp_of(obj: Mapping[str, Any]) -> Tlp:
    refs = obj.get("object_marking_refs") or []
    found = [TLP_BY_MARKING[r] for r in refs if isinstance(r, str) and r in TLP_BY_MARKING]
    # The strictest marking wins when several are given.
    order = list(Tlp)
    return max(found, key=order.index) if found else UNMARKED_TLP


def screen_object(obj: Any, encoded_size: int, vehicle_indicators: frozenset[str]) -> Screened:
    """Decide about one ISC object (inbound rules 1-3). `encoded_size` is the byte size
    of the object as served; `vehicle_indicators` the ids of vehicle indicators held."""
    if not isinstance(obj, dict):
        return _reject(_safe_id(None), "", "rule 1: not a JSON object")
    obj_id = _safe_id(obj.get("id"))
    if encoded_size > MAX_OBJECT_BYTES:
        return _reject(obj_id, "", f"rule 1: object larger than {MAX_OBJECT_BYTES} bytes")
    if (problem := _shape_problem(obj)) is not None:
        return _reject(obj_id, "", f"rule 1: {problem}")
    kind = obj.get("type")
    if not isinstance(kind, str) or kind not in STIX21_SDO_SRO | STIX21_OTHER:
        return _reject(obj_id, "", "rule 2: unknown type")
    match = STIX_ID.fullmatch(obj.get("id", "")) if isinstance(obj.get("id"), str) else None
    if match is None or match.group(1) != kind:
        return _reject(obj_id, "", "rule 2: id is not '<type>--<UUID>' of its type")
    for name in ("created", "modified"):
        value = obj.get(name)
        if value is not None and not _is_stix_time(value):
            return _reject(obj_id, "", f"rule 2: {name} is not an RFC 3339 UTC timestamp")
    version = str(obj.get("modified") or obj.get("created") or "")
    if kind in STIX21_SDO_SRO:
        if obj.get("spec_version") != "2.1":
            return _reject(obj_id, version, "rule 2: spec_version is not 2.1")
        if not obj.get("created") or not obj.get("modified"):
            return _reject(obj_id, version, "rule 2: created and modified are required")
    if kind == "indicator":
        return _screen_indicator(obj, obj_id, version)
    if kind == "sighting":
        ref = obj.get("sighting_of_ref")
        if not isinstance(ref, str) or STIX_ID.fullmatch(ref) is None:
            return _reject(obj_id, version, "rule 2: sighting_of_ref is not an id")
        if ref not in vehicle_indicators:
            return Screened(Verdict.IGNORED, obj_id, version, reason="not a vehicle sighting")
        count = obj.get("count", 1)
        if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= 999_999_999:
            return _reject(obj_id, version, "rule 2: count is not an integer 0-999999999")
        first_seen = obj.get("first_seen", "")
        if first_seen and not _is_stix_time(first_seen):
            return _reject(obj_id, version, "rule 2: first_seen is not an RFC 3339 UTC timestamp")
        return Screened(
            Verdict.VEHICLE_SIGHTING,
            obj_id,
            version,
            indicator_ref=ref,
            first_seen=first_seen,
            sighting_count=count,
            description=str(obj.get("description", ""))[: MAX_TITLE * 5],
            tlp=_tlp_of(obj),
        )
    return Screened(Verdict.IGNORED, obj_id, version, reason=f"{kind} is not vehicle-related")


def _screen_indicator(obj: Mapping[str, Any], obj_id: str, version: str) -> Screened:
    pattern = obj.get("pattern")
    if not isinstance(pattern, str) or obj.get("pattern_type") != "stix":
        return _reject(obj_id, version, "rule 2: an indicator needs a STIX pattern")
    if not _is_stix_time(obj.get("valid_from")):
        return _reject(obj_id, version, "rule 2: valid_from is not an RFC 3339 UTC timestamp")
    if "x-vehicle:" not in pattern:
        return Screened(Verdict.IGNORED, obj_id, version, reason="indicator is not vehicle-related")
    if _VEHICLE_PATTERN.fullmatch(pattern.strip()) is None:
        return _reject(
            obj_id,
            version,
            "rule 3: vehicle pattern is not "
            "[x-vehicle:license_plate = '…' (AND x-vehicle:country = '…')]",
        )
    terms = dict(_VEHICLE_TERM.findall(pattern))
    if "license_plate" not in terms:
        return _reject(obj_id, version, "rule 3: vehicle pattern without a license_plate")
    try:
        plate = normalise_plate(terms["license_plate"])
        country = normalise_country(terms["country"]) if "country" in terms else ""
    except PlateError as exc:
        return _reject(obj_id, version, f"rule 3: {exc}")
    name = obj.get("name", "")
    description = obj.get("description", "")
    return Screened(
        Verdict.VEHICLE_INDICATOR,
        obj_id,
        version,
        plate=plate,
        country=country,
        title=name if isinstance(name, str) else "",
        description=description if isinstance(description, str) else "",
        tlp=_tlp_of(obj),
    )
