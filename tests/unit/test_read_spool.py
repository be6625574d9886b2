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
