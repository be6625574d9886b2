"""The node's SQLite database: opening it, migrating it, and transactions.

Every change of state is one transaction, so a node killed at any point restarts with
either all of a change or none of it. WAL lets readers run beside the single writer.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path

import sqlite_utils

MIGRATIONS = files("gateway.store") / "migrations"


def utc_now_text() -> str:
    """Current UTC time with milliseconds, in the one textual form the node stores."""
    return time_text(datetime.now(UTC))


def time_text(moment: datetime) -> str:
    """An aware time in the node's stored form (UTC, milliseconds): sorts as it reads."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def parse_time_text(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def migration_scripts() -> list[tuple[int, str, str]]:
    """(number, name, sql) of every numbered migration, in order."""
    scripts = []
    for entry in MIGRATIONS.iterdir():
        name = entry.name
        if name.endswith(".sql"):
            scripts.append((int(name.split("_", 1)[0]), name, entry.read_text()))
    numbers = [n for n, _, _ in sorted(scripts)]
    if numbers != list(range(1, len(numbers) + 1)):
        raise RuntimeError(f"migrations are not numbered 1..n without gaps: {numbers}")
    return sorted(scripts)


class Database:
    """One connection shared by the node's threads, serialised by a lock."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        conn = sqlite3.connect(
            self.path, check_same_thread=False, isolation_level=None, timeout=30.0
        )
        self.db = sqlite_utils.Database(conn)
        self._lock = threading.RLock()
        self._depth = 0
        self._writer: int | None = None  # thread id holding the write transaction
        self._readers = threading.local()
        self._reader_conns: list[sqlite3.Connection] = []
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        self.migrate()

    @property
    def conn(self) -> sqlite3.Connection:
        return self.db.conn

    def migrate(self) -> list[str]:
        """Apply every migration not yet applied, each in its own transaction."""
        applied_now = []
        with self._lock:
            self.conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                "number INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
            )
            done = {row[0] for row in self.conn.execute("SELECT number FROM schema_migrations")}
            for number, name, sql in migration_scripts():
                if number in done:
                    continue
                # executescript would commit on its own; wrap the statements ourselves so
                # a crash mid-migration leaves the previous schema intact.
                self.conn.execute("BEGIN IMMEDIATE")
                try:
                    for statement in _statements(sql):
                        self.conn.execute(statement)
                    self.conn.execute(
                        "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                        (number, name, utc_now_text()),
                    )
                    self.conn.execute("COMMIT")
                except BaseException:
                    self.conn.execute("ROLLBACK")
                    raise
                applied_now.append(name)
        return applied_now

    @contextmanager
    def transaction(self) -> Iterator[sqlite_utils.Database]:
        """A write transaction; nested uses join the outer one."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self.db
                finally:
                    self._depth -= 1
                return
            self.conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            self._writer = threading.get_ident()
            try:
                yield self.db
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            else:
                self.conn.execute("COMMIT")
            finally:
                self._depth = 0
                self._writer = None

    @contextmanager
    def reading(self) -> Iterator[sqlite_utils.Database]:
        """Read committed state without waiting for a writer: each thread reads on a
        connection of its own (WAL lets readers run beside the writer). Inside this
        thread's own write transaction, reads see that transaction's changes."""
        if self._writer == threading.get_ident():
            yield self.db
            return
        reader = getattr(self._readers, "db", None)
        if reader is None:
            conn = sqlite3.connect(
                self.path, isolation_level=None, timeout=30.0, check_same_thread=False
            )
            conn.execute("PRAGMA query_only=ON")
            reader = self._readers.db = sqlite_utils.Database(conn)
            with self._lock:
                self._reader_conns.append(conn)
        yield reader

    @contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """A consistent read view on its own connection, for long reads (streaming a
        feed) that must neither block writers nor see half of a later change."""
        conn = sqlite3.connect(self.path, isolation_level=None, timeout=30.0)
        try:
            conn.execute("BEGIN")
            yield conn
        finally:
            conn.execute("ROLLBACK")
            conn.close()

    def copy_to(self, target: Path) -> None:
        """Write a consistent copy of the whole database to `target` (a new file) while
        the node keeps writing: SQLite's online backup in one step, on a connection of
        its own, so it copies one committed state under a WAL read lock without
        blocking the writer."""
        source = sqlite3.connect(self.path, isolation_level=None, timeout=30.0)
        copy = sqlite3.connect(target, isolation_level=None)
        try:
            source.backup(copy, pages=-1)
            # The copy is one self-contained file: no WAL beside it.
            copy.execute("PRAGMA journal_mode=DELETE")
        finally:
            copy.close()
            source.close()

    def close(self) -> None:
        with self._lock:
            for conn in self._reader_conns:
                conn.close()
            self.conn.close()


def _statements(sql: str) -> list[str]:
    lines = [line for line in sql.splitlines() if not line.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
