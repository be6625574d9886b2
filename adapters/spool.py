"""The adapters' durable spools: what an adapter has taken on and not yet handed on,
on disk, so that an adapter process dying loses none of it. Two spools, kept one way:

- `ReadSpool`: reads an inbound adapter has accepted (answered 2xx) and the node has not
  yet taken; the forwarder sends them oldest first in batches fixed here with their id,
  and forgets them once the node has answered for them. Beside them, the ledger of the
  files the adapter left on disk (images, quarantined payloads, processed dropped
  files) and when each is deleted (adapters/retention.py decides; this keeps it).
- `DeliverySpool`: the alerts webhook's events, from the node's stream until the control
  room has taken them (or refused them for good).

Each is one SQLite file (WAL, secure_delete, created for its owner only, in a folder
created for its owner only: both hold plates) behind one connection used under a lock.
This is the only module of the adapters that touches SQLite; whatever goes wrong in it
is a `SpoolError`."""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

from adapters.private_files import private_folder
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
        private_folder(path.parent)
        path.touch(mode=0o600, exist_ok=True)  # spooled rows hold plates: not for others
        with self._failing_as_spool_error():
            self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(f"PRAGMA synchronous={SYNC[sync]}")
            # A row's bytes are overwritten when it is deleted or cleared, not left in
            # free pages for whoever reads the file later.
            self._db.execute("PRAGMA secure_delete=ON")
            self._db.executescript(schema)

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
);
-- Files the adapter left on disk. A file has one row per read it waits for (read_id,
-- until the node has answered for that read), or one row with its time of deletion.
-- It is deleted once every row of its path is due.
CREATE TABLE IF NOT EXISTS leftovers (
    path TEXT NOT NULL,
    read_id INTEGER,  -- the spooled read whose answer decides; NULL once decided
    delete_at REAL    -- unix seconds; NULL while the read waits for the node
);
CREATE INDEX IF NOT EXISTS leftovers_by_read ON leftovers (read_id);
CREATE INDEX IF NOT EXISTS leftovers_by_path ON leftovers (path);
CREATE INDEX IF NOT EXISTS leftovers_by_time ON leftovers (delete_at);
-- This spool's own id, random, made with the file: a batch id is "<spool id>-<seq>",
-- so a new spool (an adapter reinstalled) never reuses an id the node remembers.
CREATE TABLE IF NOT EXISTS spool_id (id TEXT NOT NULL);
-- The batch cut for the node and not yet answered for (at most one): its sequence
-- number (never reused in this file) and its reads, by id. Fixed before it is sent,
-- so that after a restart it is sent again whole, under the same id.
CREATE TABLE IF NOT EXISTS batches (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    first_read INTEGER NOT NULL,
    last_read INTEGER NOT NULL
);
"""


class Push(NamedTuple):
    """One request's reads (serialised PlateRead) and the files it left that wait for
    the node's answer on them: (path, positions in `reads` of the reads it belongs to)."""

    reads: Sequence[bytes]
    files: Sequence[tuple[str, Sequence[int]]] = ()


class Batch(NamedTuple):
    """A batch for the node: its id and its spooled rows (id, serialised PlateRead)."""

    batch_id: str
    rows: list[tuple[int, bytes]]


class ReadSpool:
    """Reads accepted and not yet at the node. Appends come from the listener (one
    transaction per group of requests), batches and forgets from the forwarder.

    Delivery to the node is exactly once per batch, with the node's help: a batch is
    fixed here (its reads and its id, in one transaction) before it is sent, and its
    reads are forgotten only after the node's answer. An adapter killed between the
    node's commit and that answer sends the same batch again, under the same id, after
    restart, before any new batch is cut; the node keeps its receipt of each (adapter
    user, batch id) for a day and answers the resend from it (`repeated`) without
    recording anything twice. The id is this spool's random id and the batch's
    sequence number: unique across spool files, never reused within one.

    The leftovers ledger lives in the same file, so that a read and the files waiting
    for it are kept in one transaction, and forgotten with their deletion time in one."""

    def __init__(self, path: Path, max_reads: int, sync: str = "normal") -> None:
        self._file = SpoolFile(path, READS, sync)
        self._max = max_reads
        with self._file.connection() as db, transaction(db):
            (self._pending,) = db.execute("SELECT COUNT(*) FROM reads").fetchone()
            row = db.execute("SELECT id FROM spool_id").fetchone()
            if row is None:
                row = (uuid.uuid4().hex,)
                db.execute("INSERT INTO spool_id (id) VALUES (?)", row)
            (self.spool_id,) = row

    @property
    def pending(self) -> int:
        return self._pending

    def append(self, groups: Sequence[Sequence[bytes] | Push]) -> list[bool]:
        """Commit several requests' reads (with the files each left, for a `Push`) in
        one transaction; per group, True if kept, False if the spool could not take that
        group whole (nothing of it is kept)."""
        kept: list[bool] = []
        with self._file.connection() as db:
            taken: list[Push] = []
            room = self._max - self._pending
            for group in groups:
                push = group if isinstance(group, Push) else Push(group)
                fits = len(push.reads) <= room
                kept.append(fits)
                if fits and push.reads:
                    taken.append(push)
                    room -= len(push.reads)
            if taken:
                with transaction(db):
                    for push in taken:
                        db.executemany(
                            "INSERT INTO reads (read) VALUES (?)", [(r,) for r in push.reads]
                        )
                        if push.files:
                            # One writer in one transaction: the ids just given are consecutive.
                            (last,) = db.execute("SELECT last_insert_rowid()").fetchone()
                            first = last - len(push.reads) + 1
                            db.executemany(
                                "INSERT INTO leftovers (path, read_id) VALUES (?, ?)",
                                [(path, first + i) for path, reads in push.files for i in reads],
                            )
                self._pending += sum(len(push.reads) for push in taken)
        return kept

    def batch(self, limit: int) -> Batch | None:
        """The batch to send: the one cut before and not yet answered for (the same id
        and reads, after a restart too), else a new one of the oldest `limit` reads,
        fixed with its id in one small transaction before it is sent. None: no reads."""
        with self._file.connection() as db:
            pending = db.execute(
                "SELECT seq, first_read, last_read FROM batches ORDER BY seq LIMIT 1"
            ).fetchone()
            if pending is not None:
                seq, first, last = pending
                rows = db.execute(
                    "SELECT id, read FROM reads WHERE id BETWEEN ? AND ? ORDER BY id",
                    (first, last),
                ).fetchall()
                if rows:
                    return Batch(f"{self.spool_id}-{seq}", rows)
                db.execute("DELETE FROM batches WHERE seq = ?", (seq,))  # nothing left of it
            with transaction(db):
                rows = db.execute(
                    "SELECT id, read FROM reads ORDER BY id LIMIT ?", (limit,)
                ).fetchall()
                if not rows:
                    return None
                seq = db.execute(
                    "INSERT INTO batches (first_read, last_read) VALUES (?, ?)",
                    (rows[0][0], rows[-1][0]),
                ).lastrowid
            return Batch(f"{self.spool_id}-{seq}", rows)

    def oldest(self, limit: int) -> list[tuple[int, bytes]]:
        with self._file.connection() as db:
            return db.execute("SELECT id, read FROM reads ORDER BY id LIMIT ?", (limit,)).fetchall()

    def forget(
        self,
        up_to_id: int,
        *,
        kept_until: Mapping[int, float] | None = None,
        then: float | None = None,
    ) -> None:
        """The node has answered for every read up to this id. The files those reads
        left are due: a read's in `kept_until` (read id -> unix seconds: its hit ends)
        then, every other's at `then` (default: now)."""
        then = time.time() if then is None else then
        with self._file.connection() as db, transaction(db):
            if kept_until:
                db.executemany(
                    "UPDATE leftovers SET delete_at = ?, read_id = NULL WHERE read_id = ?",
                    [(at, read_id) for read_id, at in kept_until.items() if read_id <= up_to_id],
                )
            db.execute(
                "UPDATE leftovers SET delete_at = ?, read_id = NULL WHERE read_id <= ?",
                (then, up_to_id),
            )
            forgotten = db.execute("DELETE FROM reads WHERE id <= ?", (up_to_id,)).rowcount
            db.execute("DELETE FROM batches WHERE last_read <= ?", (up_to_id,))
        self._pending -= forgotten

    # -- the leftovers ledger ---------------------------------------------------------

    def delete_later(self, paths: Sequence[str], at: float) -> None:
        """Files not tied to a read (a quarantined payload, a processed file), due at `at`."""
        with self._file.connection() as db, transaction(db):
            db.executemany(
                "INSERT INTO leftovers (path, delete_at) VALUES (?, ?)", [(p, at) for p in paths]
            )

    def due(self, now: float, limit: int = 1000) -> list[str]:
        """Paths whose every row is due at `now` (a file waiting for any read is not)."""
        with self._file.connection() as db:
            rows = db.execute(
                "SELECT DISTINCT path FROM leftovers AS l WHERE delete_at <= ?1 AND NOT EXISTS "
                "(SELECT 1 FROM leftovers WHERE path = l.path "
                "AND (delete_at IS NULL OR delete_at > ?1)) LIMIT ?2",
                (now, limit),
            ).fetchall()
        return [path for (path,) in rows]

    def deleted(self, paths: Sequence[str]) -> None:
        """These files are gone: their rows with them."""
        with self._file.connection() as db, transaction(db):
            db.executemany("DELETE FROM leftovers WHERE path = ?", [(p,) for p in paths])

    def holds(self, path: str) -> bool:
        """Whether the ledger names this file."""
        with self._file.connection() as db:
            row = db.execute("SELECT 1 FROM leftovers WHERE path = ? LIMIT 1", (path,)).fetchone()
        return row is not None

    def leftovers(self) -> dict[str, int]:
        """Counts for health views: files waiting for the node, files with a time."""
        with self._file.connection() as db:
            waiting, timed = db.execute(
                "SELECT COUNT(DISTINCT CASE WHEN delete_at IS NULL THEN path END), "
                "COUNT(DISTINCT CASE WHEN delete_at IS NOT NULL THEN path END) FROM leftovers"
            ).fetchone()
        return {"files_waiting": waiting, "files_scheduled": timed}

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
);
-- The position in the node's alert log of the last stream item spooled (issue 17): the
-- stream is opened again after it, so nothing is missed and nothing taken twice.
CREATE TABLE IF NOT EXISTS stream_cursor (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    position INTEGER NOT NULL
);
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

    def add(self, event_id: str, body: bytes, now: float, position: int | None = None) -> bool:
        """Keep an event for delivery, and with it (one transaction) the stream position
        it came at; False if its id is already held (in any state)."""
        with self._file.connection() as db, transaction(db):
            cursor = db.execute(
                "INSERT OR IGNORE INTO deliveries (id, body, attempts, next_attempt_at) "
                "VALUES (?, ?, 0, ?)",
                (event_id, body, now),
            )
            if position is not None:
                db.execute(
                    "INSERT INTO stream_cursor (one, position) VALUES (1, ?) ON CONFLICT (one) "
                    "DO UPDATE SET position = max(position, excluded.position)",
                    (position,),
                )
            return cursor.rowcount == 1

    def cursor(self) -> int | None:
        """The stream position of the last item spooled; None before the first."""
        with self._file.connection() as db:
            row = db.execute("SELECT position FROM stream_cursor").fetchone()
        return row[0] if row else None

    def due(self, now: float, limit: int = 1000) -> list[Due]:
        """Events still to deliver whose time has come, in the order they were spooled,
        stopping at the first one not yet due: a later event never overtakes an earlier
        one still waiting for its next attempt (head of line)."""
        with self._file.connection() as db:
            rows = db.execute(
                "SELECT id, body, attempts, next_attempt_at FROM deliveries "
                "WHERE next_attempt_at IS NOT NULL ORDER BY rowid LIMIT ?",
                (limit,),
            ).fetchall()
        due = []
        for event_id, body, attempts, at in rows:
            if at > now:
                break
            due.append(Due(event_id, body, attempts))
        return due

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
