"""The node's SQLite database: opening it, migrating it, and units of work over it.

One writer connection serialised by a lock, so every change of state is one
transaction and a node killed at any point restarts with all of a change or none of
it; WAL lets each reading thread run on a connection of its own beside the writer.
A write unit opened inside another one of the same thread is a SAVEPOINT: leaving it
without commit undoes only its own changes.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path

from gateway.domain.times import Clock, time_text, utc_now
from gateway.store.migrations import numbered_scripts
from gateway.store.sqlite.checkpoints import BACKSTOP_PAGES, WalCheckpointer
from gateway.store.sqlite.unit_of_work import SqliteUnitOfWork

MIGRATIONS = files("gateway.store.sqlite") / "migrations"


def migration_scripts() -> list[tuple[int, str, str]]:
    """(number, name, sql) of every numbered migration, in order."""
    return numbered_scripts(MIGRATIONS)


def connect(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, timeout=30.0, check_same_thread=False)
    if read_only:
        conn.execute("PRAGMA query_only=ON")
    return conn


class SqliteStore:
    """The Store port over one SQLite file (see gateway.services.ports)."""

    copy_refusal: str | None = None  # copy_to writes one self-contained file

    def __init__(self, path: Path, node_id: str, clock: Clock = utc_now) -> None:
        self.path = Path(path)
        self.node_id = node_id
        self.clock = clock
        self._conn = connect(self.path)
        self._lock = threading.RLock()
        self._depth = 0
        self._writer: int | None = None  # thread id holding the write transaction
        self._readers = threading.local()
        # Not the writer's lock: a thread's first read must not wait for an open write.
        self._readers_lock = threading.Lock()
        self._reader_conns: list[sqlite3.Connection] = []
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute("PRAGMA foreign_keys=ON")
        # Checkpoints run beside the writer, not inside one unlucky commit (checkpoints.py).
        self._conn.execute(f"PRAGMA wal_autocheckpoint={BACKSTOP_PAGES}")
        self._checkpoints = WalCheckpointer(self.path, connect)
        self.migrate()

    def now_text(self) -> str:
        return time_text(self.clock())

    def migrate(self) -> list[str]:
        """Apply every migration not yet applied, each in its own transaction."""
        applied_now = []
        conn = self._conn
        with self._lock:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                "number INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
            )
            done = {row[0] for row in conn.execute("SELECT number FROM schema_migrations")}
            for number, name, sql in migration_scripts():
                if number in done:
                    continue
                # executescript would commit on its own; wrap the statements ourselves so
                # a crash mid-migration leaves the previous schema intact.
                conn.execute("BEGIN IMMEDIATE")
                try:
                    for statement in _statements(sql):
                        conn.execute(statement)
                    conn.execute(
                        "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                        (number, name, self.now_text()),
                    )
                    conn.execute("COMMIT")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                applied_now.append(name)
        return applied_now

    @contextmanager
    def write(self, *, refetchable: bool = False) -> Iterator[SqliteUnitOfWork]:
        # `refetchable` changes nothing here: in WAL mode with synchronous=NORMAL no
        # commit waits for the disk (a crash loses whole recent transactions, never
        # part of one), the cheapest SQLite offers without risking the file.
        with self._lock:
            if self._depth:
                yield from self._nested()
                return
            self._conn.execute("BEGIN IMMEDIATE")
            self._depth, self._writer = 1, threading.get_ident()
            uow = SqliteUnitOfWork(self._conn, self, writable=True)
            try:
                yield uow
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            else:
                self._conn.execute("COMMIT" if uow.committed else "ROLLBACK")
                if uow.committed:
                    self._checkpoints.committed()
            finally:
                self._depth, self._writer = 0, None

    def _nested(self) -> Iterator[SqliteUnitOfWork]:
        name = f"unit{self._depth}"
        self._conn.execute(f"SAVEPOINT {name}")
        self._depth += 1
        uow = SqliteUnitOfWork(self._conn, self, writable=True)
        try:
            yield uow
        except BaseException:
            self._conn.execute(f"ROLLBACK TO {name}")
            raise
        else:
            if not uow.committed:
                self._conn.execute(f"ROLLBACK TO {name}")
        finally:
            self._conn.execute(f"RELEASE {name}")
            self._depth -= 1

    @contextmanager
    def read(self) -> Iterator[SqliteUnitOfWork]:
        if self._writer == threading.get_ident():
            yield SqliteUnitOfWork(self._conn, self, writable=False)
            return
        conn = getattr(self._readers, "conn", None)
        if conn is None:
            conn = self._readers.conn = connect(self.path, read_only=True)
            with self._readers_lock:
                self._reader_conns.append(conn)
        yield SqliteUnitOfWork(conn, self, writable=False)

    @contextmanager
    def snapshot(self) -> Iterator[SqliteUnitOfWork]:
        conn = connect(self.path, read_only=True)
        try:
            conn.execute("BEGIN")
            # A deferred transaction takes its view at its first read: take it now, so
            # the snapshot is of the moment it was asked for.
            conn.execute("SELECT count(*) FROM schema_migrations").fetchone()
            yield SqliteUnitOfWork(conn, self, writable=False)
        finally:
            conn.execute("ROLLBACK")
            conn.close()

    def copy_to(self, target: Path) -> None:
        """SQLite's online backup in one step, on a connection of its own: it copies one
        committed state under a WAL read lock without blocking the writer."""
        source = connect(self.path)
        copy = sqlite3.connect(target, isolation_level=None)
        try:
            source.backup(copy, pages=-1)
            # The copy is one self-contained file: no WAL beside it.
            copy.execute("PRAGMA journal_mode=DELETE")
        finally:
            copy.close()
            source.close()

    def close(self) -> None:
        self._checkpoints.close()
        with self._lock, self._readers_lock:
            for conn in self._reader_conns:
                conn.close()
            self._conn.close()


def _statements(sql: str) -> list[str]:
    lines = [line for line in sql.splitlines() if not line.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
