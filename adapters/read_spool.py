"""Reads an adapter has accepted (answered 2xx) but the node has not yet taken, on disk:
a camera is told "accepted" only once its reads are committed here, so an adapter crash
or a node outage loses none of them. The forwarder takes the oldest first and forgets
them once the node has answered for them.

Delivery to the node is at least once: a read is forgotten only after the node's
answer, so an adapter killed between the node's commit and that answer sends the batch
again after restart (the ingest API has no batch id it remembers)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS reads (
    id INTEGER PRIMARY KEY AUTOINCREMENT,  -- arrival order; the forwarder keeps it
    read BLOB NOT NULL                     -- one argos.v1.PlateRead, serialised
)
"""


# How a commit reaches the disk before the camera hears 2xx. "normal" (WAL, no fsync
# per commit): a committed read survives the adapter process dying in any way (a crash,
# SIGKILL), which is the failure this spool is for; a power cut or kernel crash may lose
# the last commits before the next checkpoint. "full": an fsync per commit survives
# those too, at the price of one fsync per group of requests (milliseconds on a busy
# disk, which caps the reads per second an adapter can take).
SYNC = {"normal": "NORMAL", "full": "FULL"}


class ReadSpool:
    """One SQLite connection used under a lock, from the listener (appends, one
    transaction per group of requests) and the forwarder (takes and forgets)."""

    def __init__(self, path: Path, max_reads: int, sync: str = "normal") -> None:
        if sync not in SYNC:
            raise ValueError(f"spool sync must be one of {', '.join(SYNC)}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600, exist_ok=True)  # reads hold plates: not for other users
        self._max = max_reads
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(f"PRAGMA synchronous={SYNC[sync]}")
        # A forwarded read's bytes are overwritten, not left in free pages.
        self._db.execute("PRAGMA secure_delete=ON")
        self._db.execute(SCHEMA)
        (self._pending,) = self._db.execute("SELECT COUNT(*) FROM reads").fetchone()

    @property
    def pending(self) -> int:
        return self._pending

    def append(self, groups: list[list[bytes]]) -> list[bool]:
        """Commit several requests' reads in one transaction; per group, True if kept,
        False if the spool could not take that group whole (nothing of it is kept)."""
        kept: list[bool] = []
        with self._lock:
            rows: list[tuple[bytes]] = []
            room = self._max - self._pending
            for reads in groups:
                fits = len(reads) <= room
                kept.append(fits)
                if fits:
                    rows += [(r,) for r in reads]
                    room -= len(reads)
            if rows:
                self._db.execute("BEGIN")
                try:
                    self._db.executemany("INSERT INTO reads (read) VALUES (?)", rows)
                    self._db.execute("COMMIT")
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._pending += len(rows)
        return kept

    def oldest(self, limit: int) -> list[tuple[int, bytes]]:
        with self._lock:
            return self._db.execute(
                "SELECT id, read FROM reads ORDER BY id LIMIT ?", (limit,)
            ).fetchall()

    def forget(self, up_to_id: int) -> None:
        """The node has answered for every read up to this id."""
        with self._lock:
            cursor = self._db.execute("DELETE FROM reads WHERE id <= ?", (up_to_id,))
            self._pending -= cursor.rowcount

    def close(self) -> None:
        with self._lock:
            self._db.close()
