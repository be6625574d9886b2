"""FeedRepository: the feeds this node provides, per agreement the latest change of
every entry ever shared, in seq order, and the running state of the live ones."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.domain import merkle
from gateway.services.ports import FeedRow, FeedState, FeedWrite, TokenEpoch
from tests.contract.samples import START, entry_id

AGR = "agr-1"


def change(seq: int, n: int, *, live: bool = True, version: int = 1) -> FeedWrite:
    leaf = f"change {seq} of entry {n}".encode()
    return FeedWrite(
        seq=seq,
        entry_id=entry_id(n),
        agreement_version=version,
        live=live,
        leaf=leaf,
        leaf_hash=merkle.leaf_hash(leaf),
        content_hash=f"content of entry {n}".encode() if live else None,
        expires_at=START + timedelta(days=30) if live else None,
    )


def row(w: FeedWrite) -> FeedRow:
    return FeedRow(w.seq, w.entry_id, w.agreement_version, w.leaf)


def append(store, rows: Sequence[FeedWrite], agreement_id: str = AGR) -> None:
    with store.write() as uow:
        uow.feed.append(agreement_id, rows)
        uow.commit()


def rows_after(store, after: int = 0, agreement_id: str = AGR) -> list[FeedRow]:
    with store.snapshot() as uow:
        return list(uow.feed.rows_after(agreement_id, after))


def test_a_feed_never_written_has_no_state_and_no_rows(store):
    with store.read() as uow:
        assert uow.feed.state(AGR) is None
        assert list(uow.feed.rows_after(AGR, 0)) == []
        assert uow.feed.live_hashes(AGR, [entry_id(1)]) == {}


def test_the_feed_state_round_trips(store):
    state = FeedState(
        AGR, 3, last_seq=120, live_count=99, set_digest=2**255 + 7, projected_change_seq=4567
    )
    with store.write() as uow:
        uow.feed.save_state(state)
        uow.commit()
    moved = FeedState(AGR, 4, 121, 98, 0, 4568)
    with store.write() as uow:
        assert uow.feed.state(AGR) == state
        uow.feed.save_state(moved)
        uow.commit()
    with store.read() as uow:
        assert uow.feed.state(AGR) == moved


def test_changes_are_read_back_after_a_seq_in_seq_order(store):
    written = [change(1, 1), change(2, 2), change(5, 3, live=False), change(7, 4)]
    append(store, written[2:])
    append(store, written[:2])
    assert rows_after(store) == [row(w) for w in written]
    assert rows_after(store, 2) == [row(written[2]), row(written[3])]
    assert rows_after(store, 3) == [row(written[2]), row(written[3])]
    assert rows_after(store, 7) == []


def test_appending_a_change_of_an_entry_compacts_its_earlier_change_away(store):
    append(store, [change(1, 1), change(2, 2), change(3, 3)])
    append(store, [change(4, 1, version=2), change(5, 2, live=False)])
    assert [(r.seq, r.entry_id, r.agreement_version) for r in rows_after(store)] == [
        (3, entry_id(3), 1),
        (4, entry_id(1), 2),
        (5, entry_id(2), 1),
    ]


def test_live_hashes_are_only_those_of_live_changes_asked_for(store):
    first, gone, other = change(1, 1), change(2, 2), change(3, 3)
    append(store, [first, gone, other])
    append(store, [change(4, 2, live=False)])
    append(store, [change(1, 5)], agreement_id="agr-2")
    with store.read() as uow:
        found = uow.feed.live_hashes(AGR, [entry_id(n) for n in (1, 2, 5, 9)])
    assert found == {entry_id(1): (first.leaf_hash, first.content_hash)}


def test_live_hashes_of_many_entries_at_once(store):
    written = [change(n + 1, n) for n in range(1_234)]
    append(store, written)
    with store.read() as uow:
        found = uow.feed.live_hashes(AGR, [w.entry_id for w in written])
    assert found == {w.entry_id: (w.leaf_hash, w.content_hash) for w in written}


def test_rows_after_reads_past_any_page_size_in_seq_order(store):
    written = [change(2 * n + 1, n) for n in range(5_300)]  # odd seqs: gaps everywhere
    append(store, written)
    assert rows_after(store) == [row(w) for w in written]
    assert rows_after(store, 4_000) == [row(w) for w in written if w.seq > 4_000]


# Appends, each a list of (entry number, live): a projector run.
appends = st.lists(st.lists(st.tuples(st.integers(0, 9), st.booleans()), max_size=6), max_size=6)


@settings(deadline=None, max_examples=30)
@given(appends=appends)
def test_the_feed_is_always_the_latest_change_of_each_entry_in_seq_order(open_store, appends):
    with open_store() as (store, _):
        latest: dict[str, FeedWrite] = {}
        seq = 0
        for run in appends:
            written = []
            for n, live in dict(run).items():  # one change per entry and run
                seq += 1
                written.append(change(seq, n, live=live))
            append(store, written)
            latest.update((w.entry_id, w) for w in written)
        assert rows_after(store) == sorted(map(row, latest.values()))
        with store.read() as uow:
            assert uow.feed.live_hashes(AGR, list(latest)) == {
                w.entry_id: (w.leaf_hash, w.content_hash) for w in latest.values() if w.live
            }


def test_rows_of_one_feed_never_show_in_another(store):
    append(store, [change(1, 1), change(2, 2)], agreement_id="agr-a")
    append(store, [change(1, 1, version=3)], agreement_id="agr-b")
    assert [r.agreement_version for r in rows_after(store, agreement_id="agr-b")] == [3]
    assert len(rows_after(store, agreement_id="agr-a")) == 2


def test_drop_forgets_one_feed_and_its_state(store):
    for agreement_id in ("agr-a", "agr-b"):
        append(store, [change(1, 1), change(2, 2)], agreement_id=agreement_id)
        with store.write() as uow:
            uow.feed.save_state(FeedState(agreement_id, 1, 2, 2, 5, 2))
            uow.commit()
    with store.write() as uow:
        uow.feed.drop("agr-a")
        uow.commit()
    with store.read() as uow:
        assert uow.feed.state("agr-a") is None
        assert uow.feed.live_hashes("agr-a", [entry_id(1)]) == {}
        assert uow.feed.state("agr-b") == FeedState("agr-b", 1, 2, 2, 5, 2)
    assert rows_after(store, agreement_id="agr-a") == []
    assert len(rows_after(store, agreement_id="agr-b")) == 2


def test_a_snapshot_streams_the_feed_as_it_was_when_the_stream_began(store):
    append(store, [change(n + 1, n) for n in range(6_000)])
    with store.snapshot() as snap:
        stream = snap.feed.rows_after(AGR, 0)
        first = next(stream)
        append(store, [change(6_001, 0), change(6_002, 1)])  # moves entries 0 and 1
        rest = list(stream)
    assert first.seq == 1
    assert len(rest) == 5_999 and rest[-1].seq == 6_000


def test_a_feed_row_and_state_keep_the_token_epoch_they_were_written_under(store):
    epoch_row = change(1, 1)._replace(token_epoch=2)
    append(store, [epoch_row])
    state = FeedState(AGR, 1, 1, 1, merkle.SET_DIGEST_EMPTY, 1, 2, 1)
    with store.write() as uow:
        uow.feed.save_state(state)
        uow.commit()
    with store.read() as uow:
        assert [r.token_epoch for r in uow.feed.rows_after(AGR, 0)] == [2]
        assert uow.feed.state(AGR) == state


def test_token_epochs_are_kept_oldest_first_and_an_update_keeps_when_it_began(store):
    with store.write() as uow:
        uow.feed.save_token_epoch(TokenEpoch(1, START + timedelta(hours=1)))
        uow.feed.save_token_epoch(TokenEpoch(0, START))
        uow.commit()
    with store.write() as uow:
        ended = START + timedelta(days=1)
        uow.feed.save_token_epoch(TokenEpoch(0, START + timedelta(days=9), ended, ended))
        uow.commit()
    with store.read() as uow:
        assert uow.feed.token_epochs() == [
            TokenEpoch(0, START, ended, ended),
            TokenEpoch(1, START + timedelta(hours=1)),
        ]


def test_matching_keys_of_older_epochs_are_erased_and_newer_ones_kept(store):
    with store.write() as uow:
        for version, epoch in ((1, 0), (2, 0), (2, 1), (2, 3)):
            uow.received.store_matching_key(AGR, version, "token", bytes([epoch]) * 32, epoch)
        uow.commit()
    with store.write() as uow:
        assert uow.received.matching_key_epochs(AGR) == [0, 1, 3]
        assert uow.received.erase_matching_keys_before(AGR, 1) == 2
        uow.commit()
    with store.read() as uow:
        assert uow.received.matching_key_epochs(AGR) == [1, 3]
        assert uow.received.matching_key(AGR, 2, 1) == b"\x01" * 32
        assert uow.received.matching_key(AGR, 2, 0) is None
        assert [v for v, _, _ in uow.received.matching_keys(AGR)] == [2, 2]
