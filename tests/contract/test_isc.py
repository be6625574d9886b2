"""IscRepository: publications to the ISC as reviewed and sent, object versions taken in,
the candidate review queue, rejections and the pull cursor. Times here are text in the
stored form, as TAXII and STIX show them."""

from __future__ import annotations

import dataclasses

from gateway.domain.isc import Screened, Tlp, Verdict
from gateway.domain.plates import Plate
from gateway.services.ports import Candidate, Publication, PullState
from tests.contract.samples import Upsert, observed_hit, own_entry, received_batch

INDICATOR = "indicator--6a3e1d2c-0000-4000-8000-000000000001"
AT = "2026-03-01T12:00:00.000Z"
LATER = "2026-03-02T08:30:00.250Z"


def publication(publication_id: str = "pub-1", **changes) -> Publication:
    made = Publication(
        publication_id=publication_id,
        kind="statistics",
        subject="2026-W09",
        tlp="green",
        bundle={"type": "bundle", "id": "bundle--1", "objects": [{"type": "note", "n": 3}]},
        digest="sha256:" + "ab" * 32,
        state="draft",
        created_by="ivan",
        created_at=AT,
        published_by="",
        published_at=None,
    )
    return dataclasses.replace(made, **changes)


def indicator(object_id: str = INDICATOR, version: str = AT) -> Screened:
    return Screened(
        Verdict.VEHICLE_INDICATOR,
        object_id,
        version,
        plate="ZZ999",
        country="NL",
        title="Stolen van",
        description="White van, seen near the port",
        tlp=Tlp.AMBER,
    )


def sighting(first_seen: str, count: int, indicator_ref: str = INDICATOR) -> Screened:
    return Screened(
        Verdict.VEHICLE_SIGHTING,
        f"sighting--{first_seen}",
        first_seen,
        indicator_ref=indicator_ref,
        first_seen=first_seen,
        sighting_count=count,
    )


def test_a_publication_round_trips_and_is_marked_published(store):
    draft = publication()
    with store.write() as uow:
        uow.isc.save_publication(draft)
        uow.commit()
    with store.read() as uow:
        assert uow.isc.publication("pub-1") == draft
        assert uow.isc.publication("pub-2") is None
    with store.write() as uow:
        uow.isc.mark_published("pub-1", "ines", LATER)
        uow.commit()
    with store.read() as uow:
        assert uow.isc.publication("pub-1") == dataclasses.replace(
            draft, state="published", published_by="ines", published_at=LATER
        )


def test_a_statistics_week_counts_as_published_only_once_published(store):
    with store.write() as uow:
        uow.isc.save_publication(publication("pub-1"))
        uow.isc.save_publication(publication("pub-2", kind="incident", state="published"))
        uow.commit()
    with store.read() as uow:
        assert not uow.isc.published_statistics_week("2026-W09")
    with store.write() as uow:
        uow.isc.mark_published("pub-1", "ines", LATER)
        uow.commit()
    with store.read() as uow:
        assert uow.isc.published_statistics_week("2026-W09")
        assert not uow.isc.published_statistics_week("2026-W10")


def test_known_plates_are_every_plaintext_plate_held_anywhere(store):
    batch, envelope = received_batch(
        "agr-1",
        0,
        [
            Upsert("e-plain", b"leaf 1", plate="AB12CD", country="NL"),
            Upsert("e-token", b"leaf 2", plate=None, country=None, token=b"t" * 32),
        ],
    )
    with store.write() as uow:
        assert uow.isc.known_plates() == frozenset()
        uow.own_entries.save([own_entry(1, plate=Plate("1ABC123", "BE", "1ABC123"))], "ivan")
        uow.hits.save_observed(observed_hit(2, plate="XYZ987"))
        uow.received.apply_batch(uow.received.state("agr-1", "nl-terneuzen"), batch, envelope)
        uow.isc.add_candidate("cand-1", indicator(), AT)
        uow.commit()
    with store.read() as uow:
        assert uow.isc.known_plates() == {"1ABC123", "XYZ987", "AB12CD", "ZZ999"}


def test_object_versions_taken_in_are_seen(store):
    with store.write() as uow:
        uow.isc.mark_seen(indicator(version=AT), LATER)
        uow.isc.mark_seen(indicator(version=AT), LATER)  # at a page edge: taken in twice
        uow.commit()
    with store.read() as uow:
        asked = [(INDICATOR, AT), (INDICATOR, LATER), ("indicator--other", AT)]
        assert uow.isc.seen(asked) == {(INDICATOR, AT)}
        assert uow.isc.seen([]) == set()


def test_a_candidate_enters_the_review_queue_open(store):
    with store.write() as uow:
        uow.isc.add_candidate("cand-1", indicator(), AT)
        uow.commit()
    with store.read() as uow:
        assert uow.isc.candidate("cand-1") == Candidate(
            candidate_id="cand-1",
            object_id=INDICATOR,
            version=AT,
            plate="ZZ999",
            country="NL",
            title="Stolen van",
            description="White van, seen near the port",
            tlp="amber",
            sightings=0,
            last_sighting="",
            state="open",
            received_at=AT,
            decided_by="",
            decided_at=None,
            decision_reason="",
            entry_id="",
        )
        assert uow.isc.candidate("cand-2") is None
        assert uow.isc.vehicle_indicator_ids() == {INDICATOR}
        assert uow.isc.open_candidates() == 1


def test_a_sighting_is_attached_to_every_candidate_of_its_indicator(store):
    with store.write() as uow:
        uow.isc.add_candidate("cand-1", indicator(version=AT), AT)
        uow.isc.add_candidate("cand-2", indicator(version=LATER), LATER)
        uow.isc.add_candidate("cand-3", indicator("indicator--other"), AT)
        assert uow.isc.add_sighting(sighting("2026-03-01T10:00:00.000Z", 3)) == 2
        assert uow.isc.add_sighting(sighting("2026-02-27T10:00:00.000Z", 0)) == 2
        assert uow.isc.add_sighting(sighting(AT, 1, indicator_ref="indicator--none")) == 0
        uow.commit()
    with store.read() as uow:
        for candidate_id in ("cand-1", "cand-2"):
            c = uow.isc.candidate(candidate_id)
            assert (c.sightings, c.last_sighting) == (4, "2026-03-01T10:00:00.000Z")
        assert uow.isc.candidate("cand-3").sightings == 0


def test_a_decided_candidate_leaves_the_open_queue(store):
    with store.write() as uow:
        uow.isc.add_candidate("cand-1", indicator(), AT)
        uow.isc.add_candidate("cand-2", indicator(version=LATER), AT)
        uow.isc.decide("cand-1", "promoted", "ivan", LATER, "matches case 42", "entry-9")
        uow.commit()
    with store.read() as uow:
        c = uow.isc.candidate("cand-1")
        assert (c.state, c.decided_by, c.decided_at, c.decision_reason, c.entry_id) == (
            "promoted",
            "ivan",
            LATER,
            "matches case 42",
            "entry-9",
        )
        assert uow.isc.open_candidates() == 1
        assert [c.candidate_id for c in uow.isc.candidates("open")] == ["cand-2"]
        assert [c.candidate_id for c in uow.isc.candidates("promoted")] == ["cand-1"]


def test_candidates_are_listed_oldest_received_first(store):
    with store.write() as uow:
        uow.isc.add_candidate("cand-b", indicator(version="v1"), LATER)
        uow.isc.add_candidate("cand-a", indicator(version="v2"), AT)
        uow.isc.add_candidate("cand-c", indicator(version="v3"), AT)
        uow.commit()
    with store.read() as uow:
        assert [c.candidate_id for c in uow.isc.candidates()] == ["cand-a", "cand-c", "cand-b"]
        assert [c.candidate_id for c in uow.isc.candidates(limit=1)] == ["cand-a"]
        assert uow.isc.candidates("dismissed") == []


def test_rejections_are_listed_newest_first(store):
    with store.write() as uow:
        uow.isc.reject("indicator--1", "not STIX 2.1", AT)
        uow.isc.reject("indicator--2", "object too large", LATER)
        uow.isc.reject("indicator--3", "TLP:RED", AT)  # recorded last, however dated
        uow.commit()
    with store.read() as uow:
        assert [tuple(r) for r in uow.isc.rejections()] == [
            ("indicator--3", "TLP:RED", AT),
            ("indicator--2", "object too large", LATER),
            ("indicator--1", "not STIX 2.1", AT),
        ]
        assert [r[0] for r in uow.isc.rejections(limit=1)] == ["indicator--3"]


def test_the_pull_state_starts_empty_and_adds_up_each_pull(store):
    with store.read() as uow:
        assert uow.isc.pull_state() == PullState("", 0, 0, 0, 0, 0, 0, "", "")
    with store.write() as uow:
        uow.isc.advance(AT, fetched=10, candidates=2, sightings=3, ignored=4, rejected=1)
        uow.isc.advance(LATER, fetched=5, candidates=1, sightings=0, ignored=4, rejected=0)
        uow.isc.finish_pull(LATER, "")
        uow.commit()
    with store.read() as uow:
        assert uow.isc.pull_state() == PullState(LATER, 1, 15, 3, 3, 8, 1, LATER, "")
    with store.write() as uow:
        uow.isc.finish_pull("2026-03-03T00:00:00.000Z", "ISC unreachable")
        uow.commit()
    with store.read() as uow:
        state = uow.isc.pull_state()
    assert (state.cursor, state.pulls, state.fetched) == (LATER, 2, 15)
    assert (state.last_pull_at, state.last_error) == ("2026-03-03T00:00:00.000Z", "ISC unreachable")
