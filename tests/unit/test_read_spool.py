"""The adapter's read spool on a real SQLite file: a group of reads is kept whole or
not at all, reads leave oldest first and only when forgotten, and what was committed
is there again when the file is opened anew (as after an adapter crash)."""

from __future__ import annotations

import pytest

from adapters.spool import ReadSpool


def test_a_group_that_does_not_fit_is_refused_whole_and_the_others_are_kept(tmp_path):
    spool = ReadSpool(tmp_path / "spool.sqlite", max_reads=3)
    assert spool.append([[b"a", b"b"], [b"c", b"d"], [b"e"]]) == [True, False, True]
    assert [read for _, read in spool.oldest(10)] == [b"a", b"b", b"e"]
    assert spool.append([[b"f"]]) == [False]
    assert spool.pending == 3


def test_reads_leave_oldest_first_and_survive_reopening_until_forgotten(tmp_path):
    path = tmp_path / "spool.sqlite"
    spool = ReadSpool(path, max_reads=100)
    spool.append([[b"r1", b"r2"], [b"r3"]])
    (first, _), (second, _) = spool.oldest(2)
    spool.forget(second)
    spool.close()  # as if the adapter died here; the file is all that is left
    again = ReadSpool(path, max_reads=100, sync="full")
    assert again.pending == 1
    assert [read for _, read in again.oldest(10)] == [b"r3"]
    assert first < second < again.oldest(1)[0][0]


def test_an_unknown_sync_setting_is_refused(tmp_path):
    with pytest.raises(ValueError, match="normal, full"):
        ReadSpool(tmp_path / "spool.sqlite", max_reads=1, sync="sometimes")


# -- batches (issue 17): fixed with their id before they are sent ------------------------


def test_a_batch_is_fixed_with_its_id_and_sent_again_whole_after_a_restart(tmp_path):
    path = tmp_path / "spool.sqlite"
    spool = ReadSpool(path, max_reads=100)
    spool.append([[b"r1", b"r2", b"r3"]])
    batch = spool.batch(2)
    assert batch is not None
    assert [read for _, read in batch.rows] == [b"r1", b"r2"]
    assert batch.batch_id == f"{spool.spool_id}-1"
    spool.append([[b"r4"]])  # reads arriving meanwhile do not join the fixed batch
    assert spool.batch(10) == batch  # not answered yet: the same batch again
    spool.close()  # the adapter dies before the node's answer reached it
    again = ReadSpool(path, max_reads=100)
    assert again.spool_id == spool.spool_id
    assert again.batch(10) == batch  # first after the restart: same id, same reads
    again.forget(batch.rows[-1][0])
    following = again.batch(10)
    assert following is not None
    assert following.batch_id == f"{again.spool_id}-2"
    assert [read for _, read in following.rows] == [b"r3", b"r4"]
    again.forget(following.rows[-1][0])
    assert again.batch(10) is None
    assert again.pending == 0


def test_batch_ids_are_never_reused_in_a_spool_nor_across_spool_files(tmp_path):
    spool = ReadSpool(tmp_path / "spool.sqlite", max_reads=100)
    ids = []
    for n in range(3):
        spool.append([[f"r{n}".encode()]])
        batch = spool.batch(10)
        assert batch is not None
        ids.append(batch.batch_id)
        spool.forget(batch.rows[-1][0])  # every row gone: the sequence still goes on
    assert ids == [f"{spool.spool_id}-{n}" for n in (1, 2, 3)]
    spool.close()
    # A reinstalled adapter starts a new spool file: its ids share nothing with these.
    (tmp_path / "spool.sqlite").unlink()
    fresh = ReadSpool(tmp_path / "spool.sqlite", max_reads=100)
    fresh.append([[b"x"]])
    batch = fresh.batch(10)
    assert batch is not None and batch.batch_id not in ids
    assert fresh.spool_id != spool.spool_id and len(fresh.spool_id) == 32
