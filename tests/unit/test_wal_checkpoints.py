"""The WAL is copied back into the database file beside the writer, not inside a commit
(gateway/store/sqlite/checkpoints.py): after commits, the database file alone (without
its -wal) holds them, and the writer's own automatic checkpoint is only a backstop."""

from __future__ import annotations

import shutil
import sqlite3

from gateway.store.sqlite.checkpoints import BACKSTOP_PAGES
from gateway.store.sqlite.database import SqliteStore
from tests.integration.hotlist_support import wait_until


def test_commits_reach_the_database_file_by_the_checkpoint_thread(tmp_path):
    store = SqliteStore(tmp_path / "node.sqlite", "be-gent")
    try:
        (writer_pages,) = store._conn.execute("PRAGMA wal_autocheckpoint").fetchone()
        assert writer_pages == BACKSTOP_PAGES
        with store.write() as uow:
            uow.conn.execute("CREATE TABLE probe (n INTEGER)")
            uow.commit()
        for n in range(5):
            with store.write() as uow:
                uow.conn.execute("INSERT INTO probe VALUES (?)", (n,))
                uow.commit()
        wait_until(lambda: store._checkpoints.checkpoints >= 1, what="a checkpoint")

        def in_file_alone() -> int:
            # The database file copied without its WAL: only what was checkpointed.
            copy = tmp_path / f"copy-{store._checkpoints.checkpoints}.sqlite"
            shutil.copyfile(tmp_path / "node.sqlite", copy)
            with sqlite3.connect(copy) as db:
                try:
                    return db.execute("SELECT count(*) FROM probe").fetchone()[0]
                except sqlite3.OperationalError:  # the table's page not copied back yet
                    return -1

        wait_until(lambda: in_file_alone() == 5, what="all five rows in the file")
    finally:
        store.close()
    assert not store._checkpoints._thread.is_alive()
