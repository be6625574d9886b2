"""The Dutch ISC end to end: two real node processes (mutual TLS, SQLite) and the OASIS
reference TAXII 2.1 server medallion (its own process, in-memory backend, loopback) as
the ISC. Nothing is mocked. Every bundle a test makes is checked with stix2-validator."""

from __future__ import annotations

import json
import os
import sqlite3
import uuid
from datetime import UTC, datetime

import pytest

from gateway.domain.isc import Tlp, iso_week, marking_id
from tests.integration.hits_support import read, reads_file
from tests.integration.hotlist_support import add_entry, received, wait_until
from tests.medallion_support import PASSWORD, USER, node_isc_table, start_medallion
from tests.stix_validation import assert_valid_bundle

PLATES = ("1ABC123", "1-ABC-123", "2XYZ987", "2-XYZ-987")


@pytest.fixture
def isc_pair(pair, tmp_path):
    """Gent shares stolen_vehicle entries with Terneuzen, and is an ISC member."""
    server = start_medallion(tmp_path / "isc", max_page_size=3)
    agreement_id = pair.agree(
        "be-gent",
        "nl-terneuzen",
        "--categories",
        "stolen_vehicle,wanted_person",
        "--direction",
        "proposer_to_partner",
    )
    gent = pair["be-gent"]
    credentials = gent.home / "isc.credentials"
    credentials.write_text(f"{USER}:{PASSWORD}\n")
    os.chmod(credentials, 0o600)
    gent.stop()
    with (gent.home / "node.toml").open("a") as f:
        f.write(
            node_isc_table(
                server.collection_url,
                'credentials_file = "isc.credentials"',
                "suppression_threshold = 2",
                'statistics_tlp = "green"',
                "page_size = 3",
            )
        )
    gent.start()
    try:
        yield {
            "pair": pair,
            "isc": server,
            "agreement_id": agreement_id,
            "ivan": gent.add_user("ivan", "investigator"),
            "cam": gent.add_user("cam", "adapter"),
            "tmp": tmp_path,
        }
    finally:
        server.stop()


def audit_actions(node) -> list[str]:
    with sqlite3.connect(node.home / "node.sqlite") as db:
        return [r[0] for r in db.execute("SELECT action FROM audit ORDER BY seq")]


def assert_no_plate(text: str) -> None:
    for plate in PLATES:
        assert plate not in text


def test_statistics_and_a_reviewed_report_are_what_an_isc_member_reads(isc_pair):
    gent, ivan, server = isc_pair["pair"]["be-gent"], isc_pair["ivan"], isc_pair["isc"]
    add_entry(gent, ivan, "1-ABC-123")
    add_entry(gent, ivan, "2-XYZ-987", "B", "wanted_person")
    reads = reads_file(
        isc_pair["tmp"] / "reads.jsonl",
        [read("1ABC123"), read("1ABC123"), read("1ABC123"), read("2XYZ987")],
    )
    out = gent.argos("reads", "replay", str(reads), "--json", token_file=isc_pair["cam"])
    assert json.loads(out.stdout)["hits"] == 4

    week = iso_week(datetime.now(UTC))
    stats = gent.json("isc", "publish-statistics", "--week", week, token_file=ivan)
    assert stats["state"] == "published" and stats["tlp"] == "green"
    assert_valid_bundle(json.loads(stats["bundle_json"]))

    # A report naming a plate is refused before anyone can send it; RED never leaves.
    refused = gent.argos(
        "isc",
        "report",
        "draft",
        "--kind",
        "incident",
        "--title",
        "Van at gate 4",
        "--text",
        "Seen with plate 1-ABC-123 at night",
        "--tlp",
        "amber",
        token_file=ivan,
        check=False,
    )
    assert refused.returncode != 0 and "rule 4" in refused.stderr
    assert_no_plate(refused.stderr)
    red = gent.argos(
        "isc",
        "report",
        "draft",
        "--kind",
        "incident",
        "--title",
        "Informant",
        "--text",
        "Only for us",
        "--tlp",
        "red",
        token_file=ivan,
        check=False,
    )
    assert red.returncode != 0 and "TLP:RED never leaves" in red.stderr

    draft = gent.json(
        "isc",
        "report",
        "draft",
        "--kind",
        "modus-operandi",
        "--title",
        "Seals replaced on reefer containers",
        "--text",
        "Original seals cut at night and replaced by copies with the same number.",
        "--tlp",
        "amber",
        token_file=ivan,
    )
    assert draft["state"] == "draft"
    assert server.all_objects() != [] and all(
        o["type"] != "attack-pattern" for o in server.all_objects()
    )  # a draft is not sent
    shown = gent.json("isc", "report", "show", draft["publication_id"], token_file=ivan)
    wrong = gent.argos(
        "isc",
        "report",
        "publish",
        draft["publication_id"],
        "--reviewed-digest",
        "0" * 64,
        token_file=ivan,
        check=False,
    )
    assert wrong.returncode != 0 and "digest" in wrong.stderr
    sent = gent.json(
        "isc",
        "report",
        "publish",
        draft["publication_id"],
        "--reviewed-digest",
        shown["digest"],
        token_file=ivan,
    )
    assert sent["state"] == "published" and sent["bundle_json"] == shown["bundle_json"]
    assert_valid_bundle(json.loads(sent["bundle_json"]))

    # What any ISC member reads back from the collection.
    member_view = server.all_objects()
    assert_valid_bundle({"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": member_view})
    assert_no_plate(json.dumps(member_view))
    by_type = {o["type"]: o for o in member_view}
    note = by_type["note"]
    assert note["object_marking_refs"] == [marking_id(Tlp.GREEN)]
    assert note["content"].splitlines() == ["zone;category;hits", "be-gent;stolen_vehicle;3"]
    assert "wanted_person" not in note["content"]  # one hit: below the threshold of 2
    pattern = by_type["attack-pattern"]
    assert pattern["name"] == "Seals replaced on reefer containers"
    assert pattern["object_marking_refs"] == [marking_id(Tlp.AMBER)]
    assert marking_id(Tlp.RED) not in json.dumps(member_view)

    misp = json.loads(
        gent.argos("isc", "export-misp", sent["publication_id"], token_file=ivan).stdout
    )
    assert misp["Event"]["info"] == "Seals replaced on reefer containers"
    assert {"name": "tlp:amber"} in misp["Event"]["Tag"]
    assert misp["Event"]["Attribute"][0]["value"].startswith("Original seals cut")

    actions = audit_actions(gent)
    assert actions.count("isc.publish") == 2 and "isc.export_misp" in actions


def indicator(plate: str, country: str = "", tlp: Tlp | None = Tlp.GREEN, **extra) -> dict:
    terms = f"x-vehicle:license_plate = '{plate}'"
    if country:
        terms += f" AND x-vehicle:country = '{country}'"
    obj = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid4()}",
        "created": "2026-11-20T09:00:00.000Z",
        "modified": "2026-11-20T09:00:00.000Z",
        "name": "Vehicle seen during container theft",
        "indicator_types": ["malicious-activity"],
        "pattern": f"[{terms}]",
        "pattern_type": "stix",
        "valid_from": "2026-11-20T09:00:00Z",
    }
    if tlp is not None:
        obj["object_marking_refs"] = [marking_id(tlp)]
    return obj | extra


def sighting(of: str) -> dict:
    return {
        "type": "sighting",
        "spec_version": "2.1",
        "id": f"sighting--{uuid.uuid4()}",
        "created": "2026-11-20T10:00:00.000Z",
        "modified": "2026-11-20T10:00:00.000Z",
        "sighting_of_ref": of,
        "first_seen": "2026-11-20T09:55:00Z",
        "count": 2,
    }


def other(kind: str = "malware") -> dict:
    return {
        "type": kind,
        "spec_version": "2.1",
        "id": f"{kind}--{uuid.uuid4()}",
        "created": "2026-11-20T09:00:00.000Z",
        "modified": "2026-11-20T09:00:00.000Z",
        "name": "lock-picking kit",
        "is_family": False,
    }


def pull(gent, ivan) -> dict:
    """argos isc pull, with its counts as numbers (JSON carries uint64 as text)."""
    out = gent.json("isc", "pull", token_file=ivan)
    return {k: (v if k == "cursor" else int(v)) for k, v in out.items()}


def candidates(gent, ivan, *extra) -> list[dict]:
    return json.loads(
        gent.argos("isc", "candidates", "list", "--json", *extra, token_file=ivan).stdout
    )


def test_pull_pages_through_ties_rejects_hostile_objects_and_a_promoted_candidate_syncs(
    isc_pair,
):
    pair, ivan, server = isc_pair["pair"], isc_pair["ivan"], isc_pair["isc"]
    gent, terneuzen = pair["be-gent"], pair["nl-terneuzen"]

    # One POST: medallion dates all ten objects alike, so pages of three end in ties.
    first = [indicator(f"{i}-ABC-12{i}", "BE") for i in range(1, 8)]
    first.append(sighting(first[0]["id"]))
    first += [other(), other("tool")]
    server.add(first)
    pulled = pull(gent, ivan)
    assert pulled["fetched"] == 10 and pulled["pages"] == 4
    assert (pulled["new_candidates"], pulled["sightings"], pulled["ignored"]) == (7, 1, 2)

    hostile = [
        other("x-weird-thing"),  # unknown type
        indicator("8-ABC-128", "BE", description="A" * 5000),  # huge string
        indicator("9-ABC-129", "BE", created="yesterday"),  # bad STIX timestamp
        indicator("ÆØÅ-1", "BE"),  # not a plate
        {"type": "indicator", "id": "indicator--not-a-uuid", "spec_version": "2.1"},
        indicator("2-DEF-222", tlp=Tlp.RED),
        indicator("3-DEF-333", "BE"),
    ]
    server.add(hostile)
    second = pull(gent, ivan)
    # The second pull starts just before the cursor: the first POST's last objects
    # are served again and recognised, none taken twice.
    assert second["rejected"] == 5 and second["new_candidates"] == 2
    assert second["already_held"] >= 1
    status = gent.json("isc", "status", token_file=ivan)
    assert status["rejected"] == "5" and status["candidates"] == "9"
    reasons = {r["reason"] for r in status["recent_rejections"]}
    assert "rule 2: unknown type" in reasons
    assert any("string longer than" in r for r in reasons)
    assert any("created is not" in r for r in reasons)
    assert any("id is not" in r for r in reasons)
    assert_no_plate(json.dumps(status))
    assert "ÆØÅ" not in json.dumps(status)

    third = pull(gent, ivan)
    assert third["new_candidates"] == 0 and third["rejected"] == 0
    queue = candidates(gent, ivan)
    assert len(queue) == 9 and {c["state"] for c in queue} == {"open"}
    assert len({c["object_id"] for c in queue}) == 9  # nothing repeated
    sighted = next(c for c in queue if c["object_id"] == first[0]["id"])
    assert sighted["sightings"] == "2" and sighted["plate"] == "1ABC121"

    # Nothing activated by itself: Gent's hotlist is still empty.
    assert json.loads(gent.argos("hotlist", "list", "--json", token_file=ivan).stdout) == []

    red = next(c for c in queue if c["tlp"] == "red")
    refused = gent.argos(
        "isc",
        "candidates",
        "promote",
        red["candidate_id"],
        "--category",
        "stolen_vehicle",
        "--action",
        "discreet_check",
        "--purpose",
        "criminal_investigation",
        "--case-reference",
        "PV-2026-0099",
        "--expires-in-days",
        "30",
        "--country",
        "BE",
        "--justification",
        "lead from ISC",
        token_file=ivan,
        check=False,
    )
    assert refused.returncode != 0 and "TLP:RED" in refused.stderr
    no_purpose = gent.argos(
        "isc",
        "candidates",
        "promote",
        sighted["candidate_id"],
        "--category",
        "stolen_vehicle",
        "--action",
        "discreet_check",
        "--purpose",
        "curiosity",
        "--case-reference",
        "PV-2026-0099",
        "--expires-in-days",
        "30",
        "--justification",
        "lead from ISC",
        token_file=ivan,
        check=False,
    )
    assert no_purpose.returncode != 0 and "purpose" in no_purpose.stderr

    promoted = gent.json(
        "isc",
        "candidates",
        "promote",
        sighted["candidate_id"],
        "--category",
        "stolen_vehicle",
        "--action",
        "discreet_check",
        "--purpose",
        "criminal_investigation",
        "--case-reference",
        "PV-2026-0099",
        "--expires-in-days",
        "30",
        "--justification",
        "ISC lead matches our container-theft case",
        token_file=ivan,
    )
    entry_id = promoted["entry_id"]
    assert promoted["candidate"]["state"] == "promoted"
    wait_until(
        lambda: entry_id in received(terneuzen, isc_pair["agreement_id"]),
        what="promoted entry at the partner",
    )
    dismissed = next(c for c in queue if c["candidate_id"] != sighted["candidate_id"])
    gent.argos(
        "isc",
        "candidates",
        "dismiss",
        dismissed["candidate_id"],
        "--reason",
        "not our port",
        token_file=ivan,
    )
    assert len(candidates(gent, ivan, "--state", "open")) == 7

    actions = audit_actions(gent)
    assert actions.count("isc.pull") == 3
    assert "isc.promote" in actions and "isc.dismiss" in actions
    log = (gent.home / "node.log").read_text()
    for plate in ("1ABC121", "1-ABC-121", "8ABC128", "3DEF333"):
        assert plate not in log


def test_a_later_pull_asks_the_manifest_what_is_new_and_fetches_only_that(isc_pair):
    """medallion filters objects by added_after in time quadratic in the collection and
    manifests linearly: once a cursor exists, the pull asks the manifest (ties at the
    cursor served again and recognised there) and fetches the new objects by id."""
    pair, ivan, server = isc_pair["pair"], isc_pair["ivan"], isc_pair["isc"]
    gent = pair["be-gent"]
    server.add([indicator(f"{i}-GHI-33{i}", "BE") for i in range(1, 6)])
    assert pull(gent, ivan)["new_candidates"] == 5
    log = server.folder / "medallion.log"
    before = len(log.read_text().splitlines())

    later = [indicator(f"{i}-JKL-44{i}", "BE") for i in range(1, 5)]
    server.add(later[:2])
    server.add(later[2:])  # two instants, so manifest pages of three end mid-tie
    second = pull(gent, ivan)
    assert second["new_candidates"] == 4 and second["rejected"] == 0
    assert second["already_held"] >= 1  # the first POST's objects, at the cursor
    assert second["fetched"] == 4  # held objects were not asked for again
    requests = [line for line in log.read_text().splitlines()[before:] if '"GET ' in line]
    assert any("/manifest/?" in r and "added_after=" in r for r in requests)
    fetches = [r for r in requests if "/objects/?" in r]
    assert fetches and all("match[id]=" in r and "added_after" not in r for r in fetches)
    queue = candidates(gent, ivan)
    assert len(queue) == 9 and len({c["object_id"] for c in queue}) == 9
    assert pull(gent, ivan)["new_candidates"] == 0
