"""OwnEntryRepository: this node's own hotlist entries, each save giving the saved
entries the next change seqs, and the validity clock the feed projector runs on."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.domain.agreement import CATEGORIES
from gateway.domain.hotlist import FLAGS, Action, HotlistEntry
from gateway.domain.plates import Plate, normalise_plate
from gateway.domain.times import epoch_s, whole_ms
from gateway.services.ports import OwnIndexChange, OwnIndexRow
from tests.contract.samples import NODE, START, entry_id, own_entry

DAY = timedelta(days=1)


def save(store, *entries: HotlistEntry, by: str = "ivan") -> int:
    with store.write() as uow:
        saved = uow.own_entries.save(list(entries), created_by=by)
        uow.commit()
    return saved


def changes(store, after: int = 0, limit: int = 100) -> list[tuple[int, str]]:
    with store.read() as uow:
        return [(seq, e.entry_id) for seq, e in uow.own_entries.changed_since(after, limit)]


def assert_same_entry(held: HotlistEntry | None, made: HotlistEntry) -> None:
    assert held == made
    # Plate equality is (normalised, country); the raw form must come back too.
    assert held.plate.raw == made.plate.raw
    for moment in (held.valid_from, held.expires_at):
        assert moment.utcoffset() == timedelta(0)


def test_an_entry_round_trips_with_every_field(store):
    made = own_entry(1, action=Action.SEIZE, flags=("suspected_clone", "do_not_alert_subject"))
    assert save(store, made) == 1
    with store.read() as uow:
        assert_same_entry(uow.own_entries.get(made.entry_id), made)
        assert uow.own_entries.created_by(made.entry_id) == "ivan"


def test_an_unknown_entry_is_none_and_has_no_maker(store):
    with store.read() as uow:
        assert uow.own_entries.get(entry_id(1)) is None
        assert uow.own_entries.created_by(entry_id(1)) is None
        assert uow.own_entries.count() == 0


def test_saving_nothing_saves_nothing(store):
    assert save(store) == 0
    assert changes(store) == []


plates = st.from_regex(r"[A-Z0-9]{1,4}(-[A-Z0-9]{1,3}){0,2}", fullmatch=True)
moments = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2099, 1, 1),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=2)), timezone(-timedelta(hours=5))]),
).map(whole_ms)
texts = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=40)


@st.composite
def entries(draw: st.DrawFn) -> HotlistEntry:
    raw = draw(plates)
    valid_from = draw(moments)
    return HotlistEntry(
        entry_id=entry_id(draw(st.integers(0, 2**40))),
        owner=NODE,
        plate=Plate(normalise_plate(raw), draw(st.sampled_from(["", "BE", "NL", "DE"])), raw),
        category=draw(st.sampled_from(sorted(CATEGORIES))),
        action=draw(st.sampled_from(list(Action))),
        flags=tuple(draw(st.permutations(sorted(FLAGS)))[: draw(st.integers(0, len(FLAGS)))]),
        valid_from=valid_from,
        expires_at=valid_from + timedelta(milliseconds=draw(st.integers(1, 400 * 86_400_000))),
        vehicle_description=draw(texts),
        contact=draw(texts),
        case_reference=draw(texts),
        version=draw(st.integers(1, 2**31 - 1)),
        withdrawn=draw(st.booleans()),
    )


@settings(deadline=None, max_examples=40)
@given(made=entries())
def test_any_entry_round_trips_unchanged(open_store, made):
    with open_store() as (store, _):
        save(store, made)
        with store.read() as uow:
            assert_same_entry(uow.own_entries.get(made.entry_id), made)
            (page,) = uow.own_entries.page()
            assert_same_entry(page, made)
            ((_, changed),) = uow.own_entries.changed_since(0, 10)
            assert_same_entry(changed, made)


def test_saving_an_entry_again_replaces_it_and_keeps_who_made_it(store):
    save(store, own_entry(1), by="ivan")
    changed = own_entry(1, category="wanted_person", version=2, withdrawn=True)
    save(store, changed, by="system")
    with store.read() as uow:
        assert_same_entry(uow.own_entries.get(entry_id(1)), changed)
        assert uow.own_entries.created_by(entry_id(1)) == "ivan"
        assert uow.own_entries.count() == 1


def test_entries_are_paged_by_id(store):
    save(store, *(own_entry(n) for n in (5, 1, 4, 2, 3)))
    with store.read() as uow:
        first = uow.own_entries.page(limit=2)
        rest = uow.own_entries.page(after_entry_id=first[-1].entry_id, limit=10)
        assert uow.own_entries.count() == 5
    assert [e.entry_id for e in first] == [entry_id(1), entry_id(2)]
    assert [e.entry_id for e in rest] == [entry_id(3), entry_id(4), entry_id(5)]


def test_each_save_gives_its_entries_the_next_change_seqs_in_order(store):
    save(store, own_entry(3), own_entry(1))
    save(store, own_entry(2))
    seen = changes(store)
    assert [i for _, i in seen] == [entry_id(3), entry_id(1), entry_id(2)]
    seqs = [s for s, _ in seen]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3
    assert changes(store, after=seqs[0]) == seen[1:]
    assert changes(store, after=seqs[0], limit=1) == seen[1:2]
    assert changes(store, after=seqs[-1]) == []


def test_an_entry_saved_again_moves_to_the_newest_change(store):
    save(store, own_entry(1), own_entry(2))
    before = changes(store)
    save(store, own_entry(1, version=2))
    after = changes(store)
    assert [i for _, i in after] == [entry_id(2), entry_id(1)]
    assert after[0] == before[1]
    assert after[1][0] > before[1][0]


def test_review_dates_are_counted_for_entries_not_withdrawn(store):
    save(
        store,
        own_entry(1, expires_at=START + DAY),
        own_entry(2, expires_at=START + 2 * DAY),
        own_entry(3, expires_at=START + 5 * DAY),
        own_entry(4, expires_at=START + DAY, withdrawn=True),
    )
    with store.read() as uow:
        assert uow.own_entries.due_for_review(START) == 0
        assert uow.own_entries.due_for_review(START + DAY) == 1  # at the date: due
        assert uow.own_entries.due_for_review(START + 3 * DAY) == 2
        assert uow.own_entries.expiring(START, START + 2 * DAY) == 2
        assert uow.own_entries.expiring(START + DAY, START + 2 * DAY) == 1  # after now
        assert uow.own_entries.expiring(START + 2 * DAY, START + 4 * DAY) == 0


def crossing(store, since: datetime, now: datetime) -> set[str]:
    with store.read() as uow:
        return set(uow.own_entries.crossing_validity(since, now))


def test_entries_that_expired_since_the_last_look_are_crossing(store):
    save(
        store,
        own_entry(1, expires_at=START + DAY),
        own_entry(2, expires_at=START + 3 * DAY),
        own_entry(3, expires_at=START + DAY, withdrawn=True),
        own_entry(4, expires_at=START + 2 * DAY),
    )
    assert crossing(store, START + DAY, START + 2 * DAY) == {entry_id(4)}  # (since, now]
    assert crossing(store, START, START + 2 * DAY) == {entry_id(1), entry_id(4)}
    assert crossing(store, START + 3 * DAY, START + 9 * DAY) == set()


def test_an_entry_saved_before_it_is_valid_crosses_once_it_is_valid(store, clock):
    clock.now = START
    save(store, own_entry(1, valid_from=START + DAY, expires_at=START + 9 * DAY))
    save(store, own_entry(2, valid_from=START - DAY))  # valid when saved: never crosses
    assert crossing(store, START, START + DAY / 2) == set()
    assert crossing(store, START + DAY / 2, START + DAY) == {entry_id(1)}
    # The projector saves it again once it is valid; then it has crossed.
    clock.now = START + DAY
    save(store, own_entry(1, valid_from=START + DAY, expires_at=START + 9 * DAY))
    assert crossing(store, START + DAY, START + 2 * DAY) == set()


def test_the_tick_mark_is_kept(store):
    with store.read() as uow:
        assert uow.own_entries.tick_mark() is None
    for moment in (START + timedelta(milliseconds=5), START + DAY):
        with store.write() as uow:
            uow.own_entries.set_tick_mark(moment)
            uow.commit()
        with store.read() as uow:
            assert uow.own_entries.tick_mark() == moment


def index_row(e: HotlistEntry) -> OwnIndexRow:
    return OwnIndexRow(
        e.entry_id,
        e.plate.normalised,
        e.plate.country,
        e.category,
        epoch_s(e.valid_from),
        epoch_s(e.expires_at),
    )


def test_index_rows_are_every_entry_not_withdrawn_at_the_latest_change(store):
    live = own_entry(1, valid_from=START + timedelta(milliseconds=1500))
    other = own_entry(2, plate=Plate("XYZ987", "NL", "XYZ-987"), category="wanted_person")
    save(store, live, own_entry(3, withdrawn=True))
    save(store, other)
    latest = changes(store)[-1][0]
    with store.read() as uow:
        seq, rows = uow.own_entries.index_rows()
    assert seq == latest
    assert sorted(rows) == [index_row(live), index_row(other)]


def test_index_rows_of_an_empty_hotlist_are_at_change_zero(store):
    with store.read() as uow:
        assert uow.own_entries.index_rows() == (0, [])


def test_index_changes_are_every_change_after_a_seq_oldest_first(store):
    save(store, own_entry(1), own_entry(2))
    (first, _), (second, _) = changes(store)
    withdrawn = own_entry(1, version=2, withdrawn=True)
    save(store, withdrawn)
    (third, _) = changes(store, after=second)[0]
    with store.read() as uow:
        assert uow.own_entries.index_changes(first) == [
            OwnIndexChange(second, index_row(own_entry(2)), False),
            OwnIndexChange(third, index_row(withdrawn), True),
        ]
        assert uow.own_entries.index_changes(third) == []


def test_a_rolled_back_save_leaves_no_change_behind(store):
    save(store, own_entry(1))
    with store.write() as uow:
        uow.own_entries.save([own_entry(2)], created_by="ivan")  # not committed
    save(store, own_entry(3))
    seqs = [s for s, _ in changes(store)]
    assert len(seqs) == 2 and seqs[0] < seqs[1]


def test_a_time_given_in_another_zone_comes_back_as_the_same_instant_in_utc(store):
    plus_two = timezone(timedelta(hours=2))
    made = own_entry(1, valid_from=datetime(2026, 3, 1, 14, 0, 0, 1000, tzinfo=plus_two))
    save(store, made)
    with store.read() as uow:
        held = uow.own_entries.get(made.entry_id)
    assert held.valid_from == START + timedelta(milliseconds=1)
    assert held.valid_from.utcoffset() == timedelta(0)
    assert dataclasses.replace(held, valid_from=made.valid_from) == made


def test_a_large_save_inserts_and_replaces_as_a_small_one_does(store):
    """An import saves hundreds of entries at once (a store may take another path for
    them): new ones are added, held ones replaced, change seqs follow the given order."""
    first = [own_entry(n) for n in range(1, 301)]
    assert save(store, *first) == 300
    again = [
        *(dataclasses.replace(e, version=2, withdrawn=True, contact="") for e in first[150:]),
        *(own_entry(n, vehicle_description="van\twith\\tab") for n in range(301, 451)),
    ]
    assert save(store, *again, by="olga") == 300
    with store.read() as uow:
        assert uow.own_entries.count() == 450
        assert_same_entry(uow.own_entries.get(entry_id(1)), first[0])
        assert_same_entry(uow.own_entries.get(entry_id(200)), again[49])
        assert_same_entry(uow.own_entries.get(entry_id(400)), again[249])
        # Who made an entry stays who made it; a new one is the saver's.
        assert uow.own_entries.created_by(entry_id(200)) == "ivan"
        assert uow.own_entries.created_by(entry_id(400)) == "olga"
    assert [e for _, e in changes(store, after=300, limit=1000)] == [e.entry_id for e in again]
