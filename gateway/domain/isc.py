"""The Dutch ISC (seed 003): what may go out to it as STIX 2.1, and what comes in from
it as review candidates. Pure: takes values and JSON-shaped dicts, returns decisions.

Outbound rules, all enforced by :func:`check_outbound` (the one policy function; the
builders below only produce bundles that pass it, and every bundle is checked again
right before it is sent):
1. A bundle holds only the object types in ``OUTBOUND_FIELDS`` and, per type, only the
   properties listed there; the bundle itself has exactly type, id and objects.
2. Every object other than a marking definition carries exactly one TLP 2.0 marking;
   marking definitions are the published TLP 2.0 ones, byte for byte.
3. TLP:RED never leaves: no RED marking definition and no reference to one.
4. No plate: no string holds a plate this node knows (its hotlist, its hits, its ISC
   candidates; compared normalised, so separators and case do not hide one), nor a
   word that has the shape of a Belgian, Dutch or French plate.
5. Strings are bounded (MAX_OUTBOUND_TEXT); ids are ``type--UUID``.
Statistics never carry a plate by construction (zone, category, ISO week, count), and
counts below the node's threshold are suppressed so nobody can be singled out.

Inbound rules (:func:`screen_object`), applied to every object the ISC serves; the
first that fails rejects the object with a reason (never holding a plate) and the pull
goes on:
1. It is a JSON object of at most MAX_OBJECT_BYTES, nesting at most MAX_DEPTH, strings
   at most MAX_INBOUND_STRING, lists at most MAX_LIST.
2. Its type is a STIX 2.1 type, its id ``type--UUID``, spec_version 2.1 for SDO/SROs,
   created/modified RFC 3339 UTC timestamps.
3. Indicators with a STIX pattern over ``x-vehicle:license_plate`` (optionally
   ``x-vehicle:country``) are vehicle indicators; the plate must be a valid plate.
   Sightings of a held vehicle indicator are vehicle sightings. Everything else that
   is well-formed is ignored (counted), never stored.
A candidate is never active: only an investigator's promote makes a hotlist entry, and
only from candidates whose TLP lets the content reach partner organisations
(:func:`check_promotable`).
"""

from __future__ import annotations

import enum
import hashlib
import json
import re
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any, Final

from gateway.domain.agreement import Purpose
from gateway.domain.errors import AgreementViolation, IllegalTransition, InvalidInput
from gateway.domain.plates import PlateError, normalise_country, normalise_plate

# -- TLP 2.0 ---------------------------------------------------------------------------

TLP2_EXTENSION: Final = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"


class Tlp(enum.StrEnum):
    """Traffic Light Protocol 2.0 labels, most open first."""

    CLEAR = "clear"
    GREEN = "green"
    AMBER = "amber"
    AMBER_STRICT = "amber+strict"
    RED = "red"

    @property
    def label(self) -> str:
        return "TLP:" + self.value.upper()


# The marking definitions published for TLP 2.0 (OASIS CTI common objects).
_TLP_IDS: Final = {
    Tlp.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    Tlp.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    Tlp.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    Tlp.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    Tlp.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
TLP_BY_MARKING: Final = MappingProxyType({v: k for k, v in _TLP_IDS.items()})


def marking_id(tlp: Tlp) -> str:
    return _TLP_IDS[tlp]


def marking_definition(tlp: Tlp) -> dict[str, Any]:
    """The TLP 2.0 marking definition object as published."""
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": _TLP_IDS[tlp],
        "created": "2022-10-01T00:00:00.000Z",
        "name": tlp.label,
        "extensions": {
            TLP2_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": tlp.value}
        },
    }


def parse_tlp(value: str) -> Tlp:
    text = value.strip().lower().removeprefix("tlp:")
    try:
        return Tlp(text)
    except ValueError:
        raise InvalidInput(
            f"unknown TLP {value!r}; known: {', '.join(t.value for t in Tlp)}"
        ) from None


# Promoting makes a hotlist entry, which syncs to partner organisations: TLP:RED
# (participants only) and TLP:AMBER+STRICT (own organisation only) forbid that.
PROMOTABLE_TLP: Final = frozenset({Tlp.CLEAR, Tlp.GREEN, Tlp.AMBER})
# An ISC object without a TLP marking is handled as TLP:AMBER.
UNMARKED_TLP: Final = Tlp.AMBER


def check_promotable(tlp: Tlp) -> None:
    if tlp not in PROMOTABLE_TLP:
        raise AgreementViolation(
            f"the candidate is marked {tlp.label}: its content may not reach partner "
            "organisations, and a hotlist entry is shared with them; it cannot be promoted"
        )


def check_open(candidate_id: str, state: str) -> None:
    """A candidate is decided once: promoted or dismissed, never both, never twice."""
    if state != "open":
        raise IllegalTransition(f"candidate {candidate_id} is already {state}")


def check_promotion(
    purpose: str, case_reference: str, has_expiry: bool, justification: str
) -> Purpose:
    """What a person must give to make a candidate a hotlist entry (nothing is ever
    activated without it): a lawful purpose, a case reference, an expiry (the entry's
    review date) and a justification. Returns the purpose."""
    try:
        lawful = Purpose(purpose.strip().lower())
    except ValueError:
        raise InvalidInput(
            f"a promotion needs a lawful purpose: {', '.join(p.value for p in Purpose)}"
        ) from None
    if not case_reference.strip():
        raise InvalidInput("a promotion needs a case reference")
    if not has_expiry:
        raise InvalidInput("a promotion needs an expiry (the entry's review date)")
    if not justification.strip():
        raise InvalidInput("a promotion needs a justification")
    return lawful


# -- Outbound policy -------------------------------------------------------------------

MAX_OUTBOUND_TEXT: Final = 10_000
MAX_OUTBOUND_OBJECTS: Final = 100

_COMMON = frozenset(
    {"type", "spec_version", "id", "created", "modified", "created_by_ref", "object_marking_refs"}
)
OUTBOUND_FIELDS: Final[Mapping[str, frozenset[str]]] = MappingProxyType(
    {
        "identity": _COMMON | {"name", "identity_class", "sectors"},
        "marking-definition": frozenset(
            {"type", "spec_version", "id", "created", "name", "extensions"}
        ),
        "note": _COMMON | {"abstract", "content", "object_refs", "labels"},
        "incident": _COMMON | {"name", "description", "labels"},
        "attack-pattern": _COMMON | {"name", "description", "labels"},
    }
)
_ID = re.compile(
    r"([a-z][a-z0-9-]{0,62})--([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
)
_WORD_SPLIT = re.compile(r"[\s,;:()\[\]{}\"'<>|!?*+=]+")
_PLATE_SEPARATORS = re.compile(r"[\s\-./_\u00b7]+")
# Shapes that are plates and hardly anything else (BE, NL sidecodes, FR). German and
# Luxembourg formats also fit ordinary words and numbers; those are caught only as
# plates this node knows.
_PLATE_SHAPES: Final = tuple(
    re.compile(p)
    for p in (
        r"[1-9][A-Z]{3}[0-9]{3}",
        r"[A-Z]{3}[0-9]{3}",
        r"[0-9]{3}[A-Z]{3}",
        r"[A-Z]{2}[0-9]{3}[A-Z]{2}",
        r"[A-Z]{2}[0-9]{2}[0-9]{2}",
        r"[0-9]{2}[0-9]{2}[A-Z]{2}",
        r"[0-9]{2}[A-Z]{2}[0-9]{2}",
        r"[A-Z]{2}[0-9]{2}[A-Z]{2}",
        r"[A-Z]{2}[A-Z]{2}[0-9]{2}",
        r"[0-9]{2}[A-Z]{2}[A-Z]{2}",
        r"[0-9]{2}[A-Z]{3}[0-9]",
        r"[0-9][A-Z]{3}[0-9]{2}",
        r"[A-Z]{2}[0-9]{3}[A-Z]",
        r"[A-Z][0-9]{3}[A-Z]{2}",
        r"[A-Z]{3}[0-9]{2}[A-Z]",
        r"[A-Z][0-9]{2}[A-Z]{3}",
        r"[0-9][A-Z]{2}[0-9]{3}",
        r"[0-9]{3}[A-Z]{2}[0-9]",
    )
)


class OutboundViolation(AgreementViolation):
    """Outbound ISC content breaks the policy. The message names the rule, never a plate."""


def _plain(text: str) -> str:
    return _PLATE_SEPARATORS.sub("", text).upper()


def plate_in_text(text: str, known_plates: frozenset[str]) -> bool:
    """True when `text` holds a known plate (normalised, anywhere) or a plate-shaped
    word or run of up to three words (rule 4)."""
    flat = _plain(text)
    if any(p and p in flat for p in known_plates):
        return True
    words = [w for w in _WORD_SPLIT.split(text.upper()) if w]
    for i in range(len(words)):
        joined = ""
        for word in words[i : i + 3]:
            joined += _PLATE_SEPARATORS.sub("", word)
            if len(joined) > 10:
                break
            if any(shape.fullmatch(joined) for shape in _PLATE_SHAPES):
                return True
    return False


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for k, v in value.items():
            yield str(k)
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)


def check_outbound(bundle: Mapping[str, Any], known_plates: frozenset[str]) -> None:
    """Raise OutboundViolation unless `bundle` may go to the ISC (rules 1-5 above).
    `known_plates` are normalised plates this node holds."""
    if set(bundle) != {"type", "id", "objects"} or bundle.get("type") != "bundle":
        raise OutboundViolation("rule 1: a bundle has exactly type 'bundle', id and objects")
    _check_id(bundle["id"], "bundle")
    objects = bundle["objects"]
    if not isinstance(objects, list) or not objects or len(objects) > MAX_OUTBOUND_OBJECTS:
        raise OutboundViolation(f"rule 1: a bundle holds 1 to {MAX_OUTBOUND_OBJECTS} objects")
    for obj in objects:
        if not isinstance(obj, Mapping):
            raise OutboundViolation("rule 1: every object is a JSON object")
        kind = obj.get("type")
        allowed = OUTBOUND_FIELDS.get(kind) if isinstance(kind, str) else None
        if allowed is None:
            raise OutboundViolation(f"rule 1: object type {str(kind)[:40]!r} may not leave")
        extra = sorted(set(obj) - allowed)
        if extra:
            raise OutboundViolation(f"rule 1: {kind} may not carry {extra[0][:40]!r}")
        _check_id(obj.get("id"), kind)
        if kind == "marking-definition":
            tlp = TLP_BY_MARKING.get(obj["id"])
            if tlp is Tlp.RED:
                raise OutboundViolation("rule 3: TLP:RED never leaves")
            if tlp is None or dict(obj) != marking_definition(tlp):
                raise OutboundViolation("rule 2: only the published TLP 2.0 definitions")
            continue
        refs = obj.get("object_marking_refs")
        if not isinstance(refs, list) or len(refs) != 1 or refs[0] not in TLP_BY_MARKING:
            raise OutboundViolation(f"rule 2: {kind} needs exactly one TLP 2.0 marking")
        if TLP_BY_MARKING[refs[0]] is Tlp.RED:
            raise OutboundViolation("rule 3: TLP:RED never leaves")
        for text in _strings({k: v for k, v in obj.items() if k not in _REF_FIELDS}):
            if len(text) > MAX_OUTBOUND_TEXT:
                raise OutboundViolation(
                    f"rule 5: {kind} has text over {MAX_OUTBOUND_TEXT} characters"
                )
            if plate_in_text(text, known_plates):
                raise OutboundViolation(f"rule 4: {kind} holds a plate or plate-shaped text")


# Timestamps, ids and references: fixed shapes, checked as ids, never free text.
_REF_FIELDS = frozenset(
    {
        "id",
        "type",
        "spec_version",
        "created",
        "modified",
        "created_by_ref",
        "object_marking_refs",
        "object_refs",
    }
)


def _check_id(value: object, kind: str) -> None:
    match = _ID.fullmatch(value) if isinstance(value, str) else None
    if match is None or match.group(1) != kind:
        raise OutboundViolation(f"rule 5: {kind} id must be '{kind}--<UUID>'")


# -- Statistics ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HitFact:
    """What statistics may know of one hit: when, in which zone, which category."""

    observed_at: datetime
    zone: str
    category: str


@dataclass(frozen=True, slots=True)
class StatisticsCell:
    zone: str
    category: str
    hits: int


@dataclass(frozen=True, slots=True)
class WeeklyStatistics:
    week: str  # ISO week, e.g. 2026-W47
    threshold: int
    cells: tuple[StatisticsCell, ...]
    suppressed_cells: int


def iso_week(moment: datetime) -> str:
    year, week, _ = moment.astimezone(UTC).isocalendar()
    return f"{year}-W{week:02d}"


def week_bounds(week: str) -> tuple[datetime, datetime]:
    """[start, end) of an ISO week given as YYYY-Www."""
    match = re.fullmatch(r"(\d{4})-W(\d{2})", week)
    if match is None:
        raise InvalidInput(f"week must look like 2026-W47, got {week[:20]!r}")
    try:
        start = datetime.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
    except ValueError:
        raise InvalidInput(f"no such ISO week: {week}") from None
    start = start.replace(tzinfo=UTC)
    return start, start + timedelta(days=7)


def last_complete_week(now: datetime) -> str:
    return iso_week(now - timedelta(days=7))


def weekly_statistics(facts: Iterable[HitFact], week: str, threshold: int) -> WeeklyStatistics:
    """Hits per zone and category in `week`; cells under `threshold` are left out."""
    if threshold < 1:
        raise InvalidInput("the suppression threshold is at least 1")
    start, end = week_bounds(week)
    counts = Counter(
        (f.zone, f.category) for f in facts if start <= f.observed_at.astimezone(UTC) < end
    )
    kept = tuple(
        StatisticsCell(zone, category, n)
        for (zone, category), n in sorted(counts.items())
        if n >= threshold
    )
    return WeeklyStatistics(week, threshold, kept, len(counts) - len(kept))


# -- Building outbound bundles ---------------------------------------------------------


class ReportKind(enum.StrEnum):
    INCIDENT = "incident"
    MODUS_OPERANDI = "modus-operandi"


_STIX_TYPE = {ReportKind.INCIDENT: "incident", ReportKind.MODUS_OPERANDI: "attack-pattern"}


def stix_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def node_identity_id(node_id: str) -> str:
    """A stable identity id per node, so ISC members see one author across bundles."""
    digest = hashlib.sha256(b"argos-node-identity:" + node_id.encode()).digest()
    # Shaped as UUIDv4, as STIX 2.1 recommends for identities.
    return f"identity--{uuid.UUID(bytes=digest[:16], version=4)}"


def _identity(node_id: str, tlp: Tlp) -> dict[str, Any]:
    return {
        "type": "identity",
        "spec_version": "2.1",
        "id": node_identity_id(node_id),
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "name": f"Argos gateway {node_id}",
        "identity_class": "organization",
        "sectors": ["government-public-services"],
        "object_marking_refs": [marking_id(tlp)],
    }


def _bundle(objects: list[dict[str, Any]], tlp: Tlp) -> dict[str, Any]:
    return {
        "type": "bundle",
        "id": f"bundle--{uuid.uuid4()}",
        "objects": [marking_definition(tlp), *objects],
    }


def statistics_bundle(
    stats: WeeklyStatistics, node_id: str, tlp: Tlp, now: datetime
) -> dict[str, Any]:
    """One note per week: a table of zone, category and hits."""
    lines = ["zone;category;hits"] + [f"{c.zone};{c.category};{c.hits}" for c in stats.cells]
    created = stix_time(now)
    identity = _identity(node_id, tlp)
    note = {
        "type": "note",
        "spec_version": "2.1",
        "id": f"note--{uuid.uuid4()}",
        "created": created,
        "modified": created,
        "created_by_ref": identity["id"],
        "abstract": (
            f"ANPR hotlist hits per zone and category, week {stats.week}, {node_id} "
            f"(counts below {stats.threshold} left out)"
        ),
        "content": "\n".join(lines),
        "labels": ["argos-hit-statistics"],
        "object_refs": [identity["id"]],
        "object_marking_refs": [marking_id(tlp)],
    }
    return _bundle([identity, note], tlp)


@dataclass(frozen=True, slots=True)
class ReportDraft:
    kind: ReportKind
    title: str
    text: str
    tlp: Tlp


MAX_TITLE = 200


def report_bundle(draft: ReportDraft, node_id: str, now: datetime) -> dict[str, Any]:
    """An incident (STIX incident) or a modus-operandi note (STIX attack-pattern)."""
    if draft.tlp is Tlp.RED:
        raise OutboundViolation("rule 3: TLP:RED never leaves; pick another TLP or keep it here")
    if not draft.title.strip() or len(draft.title) > MAX_TITLE:
        raise InvalidInput(f"a report needs a title of 1 to {MAX_TITLE} characters")
    if not draft.text.strip():
        raise InvalidInput("a report needs a text")
    created = stix_time(now)
    identity = _identity(node_id, draft.tlp)
    kind = _STIX_TYPE[draft.kind]
    obj = {
        "type": kind,
        "spec_version": "2.1",
        "id": f"{kind}--{uuid.uuid4()}",
        "created": created,
        "modified": created,
        "created_by_ref": identity["id"],
        "name": draft.title.strip(),
        "description": draft.text.strip(),
        "labels": [f"argos-{draft.kind.value}"],
        "object_marking_refs": [marking_id(draft.tlp)],
    }
    return _bundle([identity, obj], draft.tlp)


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def bundle_digest(bundle: Mapping[str, Any]) -> str:
    """What a reviewer confirms: SHA-256 of the bundle's canonical JSON."""
    return hashlib.sha256(canonical_json(bundle)).hexdigest()


_MISP_TAG = {tlp: f"tlp:{tlp.value}" for tlp in Tlp}
# MISP distribution: 0 own organisation, 1 this community, 3 all communities.
_MISP_DISTRIBUTION = {Tlp.CLEAR: "3", Tlp.GREEN: "1", Tlp.AMBER: "0", Tlp.AMBER_STRICT: "0"}


def misp_event(bundle: Mapping[str, Any]) -> dict[str, Any]:
    """The same content as a MISP event, for centres that run MISP: built only from a
    bundle that passed check_outbound, copying its text and TLP, nothing else."""
    objects = [o for o in bundle["objects"] if o["type"] in {"note", "incident", "attack-pattern"}]
    if len(objects) != 1:
        raise InvalidInput(
            "a MISP event is made from a bundle with one note, incident or attack-pattern"
        )
    obj = objects[0]
    tlp = TLP_BY_MARKING[obj["object_marking_refs"][0]]
    info = obj.get("abstract") or obj.get("name", "")
    text = obj.get("content") or obj.get("description", "")
    return {
        "Event": {
            "uuid": obj["id"].split("--", 1)[1],
            "info": info,
            "date": obj["created"][:10],
            "timestamp": str(
                int(
                    datetime.strptime(obj["created"], "%Y-%m-%dT%H:%M:%S.%fZ")
                    .replace(tzinfo=UTC)
                    .timestamp()
                )
            ),
            "published": False,
            "analysis": "2",
            "threat_level_id": "4",
            "distribution": _MISP_DISTRIBUTION[tlp],
            "Tag": [{"name": _MISP_TAG[tlp]}]
            + [{"name": label} for label in obj.get("labels", [])],
            "Attribute": [
                {
                    "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, obj["id"] + "#text")),
                    "type": "text",
                    "category": "Other",
                    "to_ids": False,
                    "distribution": "5",
                    "value": text,
                    "comment": obj["type"],
                }
            ],
        }
    }


# -- Inbound screening -----------------------------------------------------------------

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
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z")
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
    if isinstance(value, str) and _ID.fullmatch(value):
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
    match = _ID.fullmatch(obj.get("id", "")) if isinstance(obj.get("id"), str) else None
    if match is None or match.group(1) != kind:
        return _reject(obj_id, "", "rule 2: id is not '<type>--<UUID>' of its type")
    for name in ("created", "modified"):
        value = obj.get(name)
        if value is not None and (not isinstance(value, str) or not _TIMESTAMP.fullmatch(value)):
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
        if not isinstance(ref, str) or _ID.fullmatch(ref) is None:
            return _reject(obj_id, version, "rule 2: sighting_of_ref is not an id")
        if ref not in vehicle_indicators:
            return Screened(Verdict.IGNORED, obj_id, version, reason="not a vehicle sighting")
        count = obj.get("count", 1)
        if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= 999_999_999:
            return _reject(obj_id, version, "rule 2: count is not an integer 0-999999999")
        first_seen = obj.get("first_seen", "")
        if first_seen and (not isinstance(first_seen, str) or not _TIMESTAMP.fullmatch(first_seen)):
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
    if not isinstance(obj.get("valid_from"), str) or not _TIMESTAMP.fullmatch(obj["valid_from"]):
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


# -- Incremental pull ------------------------------------------------------------------

# medallion and other servers give date_added with microseconds; one microsecond
# earlier than the cursor makes added_after (which is exclusive) include the ties.
_CURSOR_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def parse_date_added(text: str) -> datetime:
    for fmt in (_CURSOR_FORMAT, "%Y-%m-%dT%H:%M:%SZ"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise InvalidInput("X-TAXII-Date-Added-Last is not an RFC 3339 UTC timestamp")


def added_after_for(cursor: str) -> str:
    """The added_after to ask for so that objects added at the same instant as the
    cursor (ties at a page edge) are served again; those already held are recognised
    by (id, version) and skipped, so nothing is missed and nothing is taken twice."""
    moment = parse_date_added(cursor) - timedelta(microseconds=1)
    return moment.strftime(_CURSOR_FORMAT)


def later_cursor(current: str, candidate: str) -> str:
    if not current:
        return candidate
    return candidate if parse_date_added(candidate) > parse_date_added(current) else current


@dataclass(frozen=True, slots=True)
class PullTally:
    """Counts of one pull, per verdict."""

    fetched: int
    new_candidates: int
    sightings: int
    ignored: int
    rejected: int
    already_held: int
    pages: int


def tally(verdicts: Sequence[Verdict]) -> Counter[Verdict]:
    return Counter(verdicts)
