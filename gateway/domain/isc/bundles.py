"""Building what goes out to the ISC: a STIX 2.1 bundle of weekly statistics or of a
report written by a person, its digest for the reviewer, and the same content as a MISP
event. Every bundle is built to pass outbound.check_outbound, which still judges it."""

from __future__ import annotations

import enum
import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gateway.domain.errors import InvalidInput
from gateway.domain.isc.hit_statistics import WeeklyStatistics
from gateway.domain.isc.outbound import OutboundViolation
from gateway.domain.isc.stix import parse_stix_time, stix_time
from gateway.domain.isc.tlp import TLP_BY_MARKING, Tlp, marking_definition, marking_id
from gateway.domain.times import epoch_s


class ReportKind(enum.StrEnum):
    INCIDENT = "incident"
    MODUS_OPERANDI = "modus-operandi"


_STIX_TYPE = {ReportKind.INCIDENT: "incident", ReportKind.MODUS_OPERANDI: "attack-pattern"}


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
            "timestamp": str(epoch_s(parse_stix_time(obj["created"], "created"))),
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
