"""The outbound policy: what may go to the ISC as STIX 2.1. check_outbound is the one
policy function: the builders in bundles only produce bundles that pass it, and every
bundle is checked again right before it is sent.

1. A bundle holds only the object types in ``OUTBOUND_FIELDS`` and, per type, only the
   properties listed there; the bundle itself has exactly type, id and objects.
2. Every object other than a marking definition carries exactly one TLP 2.0 marking;
   marking definitions are the published TLP 2.0 ones, byte for byte.
3. TLP:RED never leaves: no RED marking definition and no reference to one.
4. No plate: no string holds a plate this node knows (its hotlist, its hits, its ISC
   candidates; compared normalised, so separators and case do not hide one), nor a
   word that has the shape of a Belgian, Dutch or French plate.
5. Strings are bounded (MAX_OUTBOUND_TEXT); ids are ``type--UUID``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any, Final

from gateway.domain.errors import AgreementViolation
from gateway.domain.isc.stix import STIX_ID
from gateway.domain.isc.tlp import TLP_BY_MARKING, Tlp, marking_definition

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
    match = STIX_ID.fullmatch(value) if isinstance(value, str) else None
    if match is None or match.group(1) != kind:
        raise OutboundViolation(f"rule 5: {kind} id must be '{kind}--<UUID>'")
