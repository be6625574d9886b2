"""The adapters' durable spools: what an adapter has taken on and not yet handed on,
on disk, so that an adapter process dying loses none of it. Two spools, kept one way:

- `ReadSpool`: reads an inbound adapter has accepted (answered 2xx) and the node has not
  yet taken; the forwarder takes the oldest first and forgets them once the node has
  answered for them.
- `DeliverySpool`: the alerts webhook's events, from the node's stream until the control
  room has taken them (or refused them for good).

Each is one SQLite file (WAL, secure_delete, created for its owner only: both hold
plates) behind one connection used under a lock. This is the only module of the
adapters that touches SQLite; whatever goes wrong in it is a `SpoolError`."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

from gateway.domain.times import time_text, utc_now

# How a commit reaches the disk. "normal" (WAL, no fsync per commit): a committed row
# survives the adapter process dying in any way (a crash, SIGKILL), which is the failure
# a spool is for; a power cut or kernel crash may lose the last commits before the next
# checkpoint. "full": an fsync per commit survives those too, at the price of one fsync
# per transaction (milliseconds on a busy disk, which caps the reads per second an
# adapter can take).
SYNC = {"normal": "NORMAL", "full": "FULL"}


class SpoolError(Exception):
    """A spool could not keep or give back what was asked (disk full, file damaged or
    locked, ...). The message names the spool file and SQLite's reason, never a row."""


class SpoolFile:
    """One SQLite file opened the way every spool is, and its one connection, used
    under a lock from any thread."""

    def __init__(self, path: Path, schema: str, sync: str) -> None:
        if sync not in SYNC:
            raise ValueError(f"spool sync must be one of {', '.join(SYNC)}")
        self.name = path.name
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600, exist_ok=True)  # spooled rows hold plates: not for others
        with self._failing_as_spool_error():
            self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(f"PRAGMA synchronous={SYNC[sync]}")
            # A row's bytes are overwritten when it is deleted or cleared, not left in
            # free pages for whoever reads the file later.
            self._db.execute("PRAGMA secure_delete=ON")
            self._db.execute(schema)

    @contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        """The connection, for statements that each commit on their own."""
        with self._lock, self._failing_as_spool_error():
            yield self._db

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _failing_as_spool_error(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as error:
            raise SpoolError(f"spool {self.name}: {type(error).__name__}: {error}") from error


@contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[None]:
    """One transaction on a spool's connection (taken from `SpoolFile.connection`):
    committed on leaving, rolled back if anything raised."""
    db.execute("BEGIN")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


# -- reads ------------------------------------------------------------------------------

READS = """
CREATE TABLE IF NOT EXISTS reads (
    id INTEGER PRIMARY KEY AUTOINCREMENT,  -- arrival order; the forwarder keeps it
    read BLOB NOT NULL                     -- one argos.v1.PlateRead, serialised
)
"""


class ReadSpool:
    """Reads accepted and not yet at the node. Appends come from the listener (one
    transaction per group of requests), takes and forgets from the forwarder.

    Delivery to the node is at least once: a read is forgotten only after the node's
    answer, so an adapter killed between the node's commit and that answer sends the
    batch again after restart (the ingest API has no batch id it remembers)."""

    def __init__(self, path: Path, max_reads: int, sync: str = "normal") -> None:
        self._file = SpoolFile(path, READS, sync)
        self._max = max_reads
        with self._file.connection() as db:
            (self._pending,) = db.execute("SELECT COUNT(*) FROM reads").fetchone()

    @property
    def pending(self) -> int:
        return self._pending

    def append(self, groups: list[list[bytes]]) -> list[bool]:
        """Commit several requests' reads in one transaction; per group, True if kept,
        False if the spool could not take that group whole (nothing of it is kept)."""
        kept: list[bool] = []
        with self._file.connection() as db:
            rows: list[tuple[bytes]] = []
            room = self._max - self._pending
            for reads in groups:
                fits = len(reads) <= room
                kept.append(fits)
                if fits:
                    rows += [(r,) for r in reads]
                    room -= len(reads)
            if rows:
                with transaction(db):
                    db.executemany("INSERT INTO reads (read) VALUES (?)", rows)
                self._pending += len(rows)
        return kept

    def oldest(self, limit: int) -> list[tuple[int, bytes]]:
        with self._file.connection() as db:
            return db.execute("SELECT id, read FROM reads ORDER BY id LIMIT ?", (limit,)).fetchall()

    def forget(self, up_to_id: int) -> None:
        """The node has answered for every read up to this id."""
        with self._file.connection() as db:
            self._pending -= db.execute("DELETE FROM reads WHERE id <= ?", (up_to_id,)).rowcount

    def close(self) -> None:
        self._file.close()


# -- webhook deliveries -------------------------------------------------------------------

DELIVERIES = """
CREATE TABLE IF NOT EXISTS deliveries (
    id TEXT PRIMARY KEY,
    body BLOB,                 -- the exact bytes signed and sent; cleared once delivered
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL,      -- unix seconds; NULL once delivered or refused
    delivered_at TEXT,
    refused_at TEXT,
    last_error TEXT            -- why the last attempt failed, or why it was refused
)
"""


class Due(NamedTuple):
    id: str
    body: bytes
    attempts: int


class DeliverySpool:
    """The webhook's events still to be delivered, on disk before any attempt; each
    statement commits at once, with an fsync by default (an alert is worth one)."""

    def __init__(self, path: Path, sync: str = "full") -> None:
        self._file = SpoolFile(path, DELIVERIES, sync)

    def add(self, event_id: str, body: bytes, now: float) -> bool:
        """Keep an event for delivery; False if its id is already held (in any state)."""
        with self._file.connection() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO deliveries (id, body, attempts, next_attempt_at) "
                "VALUES (?, ?, 0, ?)",
                (event_id, body, now),
            )
            return cursor.rowcount == 1

    def due(self, now: float) -> list[Due]:
        with self._file.connection() as db:
            rows = db.execute(
                "SELECT id, body, attempts FROM deliveries WHERE next_attempt_at <= ? "
                "ORDER BY next_attempt_at, rowid",
                (now,),
            ).fetchall()
        return [Due(*row) for row in rows]

    def next_due(self) -> float | None:
        with self._file.connection() as db:
            (at,) = db.execute("SELECT MIN(next_attempt_at) FROM deliveries").fetchone()
        return at

    def delivered(self, event_id: str, attempts: int) -> None:
        with self._file.connection() as db:
            db.execute(
                "UPDATE deliveries SET body = NULL, attempts = ?, next_attempt_at = NULL, "
                "delivered_at = ?, last_error = NULL WHERE id = ?",
                (attempts, time_text(utc_now()), event_id),
            )

    def retry(self, event_id: str, attempts: int, at: float, reason: str) -> None:
        with self._file.connection() as db:
            db.execute(
                "UPDATE deliveries SET attempts = ?, next_attempt_at = ?, last_error = ? "
                "WHERE id = ?",
                (attempts, at, reason, event_id),
            )

    def refused(self, event_id: str, attempts: int, reason: str) -> None:
        with self._file.connection() as db:
            db.execute(
                "UPDATE deliveries SET attempts = ?, next_attempt_at = NULL, refused_at = ?, "
                "last_error = ? WHERE id = ?",
                (attempts, time_text(utc_now()), reason, event_id),
            )

    def counts(self) -> dict[str, int]:
        with self._file.connection() as db:
            row = db.execute(
                "SELECT COUNT(*), COUNT(next_attempt_at), COUNT(delivered_at), "
                "COUNT(refused_at), COALESCE(SUM(attempts), 0) FROM deliveries"
            ).fetchone()
        names = ("spooled", "pending", "delivered", "refused", "attempts")
        return dict(zip(names, row, strict=True))

    def close(self) -> None:
        self._file.close()
