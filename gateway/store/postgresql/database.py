"""The node's PostgreSQL database (issue 19): opening it, migrating it, and units of
work over a pool of connections.

Write units keep the guarantee the services were written against (SQLite's single
writer: a service reads, decides and writes with no row locks). Within this process
write units are serialised by one lock, as SqliteStore does, and each is one
transaction on a pooled connection; a write unit opened inside another one of the
same thread is a SAVEPOINT (psycopg's nested `transaction()`), so leaving it without
commit undoes only its own changes. Only the active node of a port writes (the lease
sees to it), so one writer per process is one writer per database. Where a second
writer could still appear for a moment (a CLI command migrating, a takeover under
way) the two orderings that must hold across writers take a transaction-scoped
advisory lock as well: alert log positions are given in commit order, and the audit
chain is read and extended by one writer at a time (alert_log.py, audit.py).

Reads run beside the writer, each block on a pooled connection of its own in
autocommit, so each statement sees the committed state (inside this thread's own
write: that write's connection and its uncommitted changes). `snapshot()` is one
REPEATABLE READ READ ONLY transaction held for its block, on a connection of its own.

The connection string carries the password (PostgresSettings.conninfo()): it is kept
by the pool only, and errors and log lines name host, port and database alone.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path

import psycopg
import structlog
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool

from gateway.domain.errors import BackendUnavailable, InvalidInput
from gateway.domain.times import Clock, time_text, utc_now
from gateway.store.migrations import numbered_scripts
from gateway.store.postgresql.connection import PgConnection, configure
from gateway.store.postgresql.unit_of_work import PgUnitOfWork

log = structlog.get_logger(__name__)

MIGRATIONS = files("gateway.store.postgresql") / "migrations"
# pg_advisory_lock keys (any two bigints of our own): the migration runner's session
# lock, and the transaction locks of alert-log and audit appends.
MIGRATION_LOCK = 0x4172676F_0001
ALERT_LOG_LOCK = 0x4172676F_0002
AUDIT_LOCK = 0x4172676F_0003
CONNECT_TIMEOUT_S = 10
POOL_TIMEOUT_S = 30.0
COPY_REFUSAL = (
    "argos backup copies an SQLite file; this node keeps its state in PostgreSQL: back it "
    "up with PostgreSQL's own tools instead (pg_basebackup with WAL archiving for "
    "point-in-time recovery, or pg_dump for a logical copy), as the admin guide describes"
)


def migration_scripts() -> list[tuple[int, str, str]]:
    """(number, name, sql) of every numbered migration, in order."""
    return numbered_scripts(MIGRATIONS)


def describe(conninfo: str) -> str:
    """Where a connection string points (hosts, ports, database): never who or how."""
    try:
        fields = conninfo_to_dict(conninfo)
    except psycopg.ProgrammingError:
        return "(an invalid connection string)"
    return " ".join(f"{k}={fields[k]}" for k in ("host", "port", "dbname") if k in fields)


class PostgresStore:
    """The Store port over one PostgreSQL database (see gateway.services.ports)."""

    # `argos backup` asks before it records a backup (PostgreSQL's tools copy it).
    copy_refusal: str | None = COPY_REFUSAL

    def __init__(
        self, conninfo: str, node_id: str, clock: Clock = utc_now, *, pool_size: int = 8
    ) -> None:
        self.node_id = node_id
        self.clock = clock
        self.where = describe(conninfo)
        self._conninfo = conninfo
        self._lock = threading.RLock()
        self._depth = 0
        self._writer: int | None = None  # thread id holding the write transaction
        self._write_conn: PgConnection | None = None
        self.migrate()
        self._pool = ConnectionPool(
            conninfo,
            min_size=1,
            max_size=pool_size,
            kwargs={"autocommit": True, "connect_timeout": CONNECT_TIMEOUT_S},
            configure=configure,
            timeout=POOL_TIMEOUT_S,
            open=False,
            name="argos-store",
        )
        self._pool.open(wait=True, timeout=POOL_TIMEOUT_S)
        log.info("store.opened", backend="postgresql", where=self.where, pool_size=pool_size)

    def now_text(self) -> str:
        return time_text(self.clock())

    def _connect(self) -> psycopg.Connection:
        try:
            return psycopg.connect(
                self._conninfo, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S
            )
        except psycopg.OperationalError as exc:
            # libpq's message names host, port and user, never the password.
            reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else "no answer"
            raise BackendUnavailable(
                f"PostgreSQL at {self.where} cannot be reached: {reason}"
            ) from None

    def migrate(self) -> list[str]:
        """Apply every migration not yet applied, each in its own transaction, under a
        session advisory lock: two nodes starting together do not both migrate (the
        second waits, then finds nothing left to do)."""
        applied_now = []
        with self._connect() as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
            try:
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (number bigint PRIMARY KEY, "
                    'name text COLLATE "C" NOT NULL, applied_at text COLLATE "C" NOT NULL)'
                )
                done = {r[0] for r in conn.execute("SELECT number FROM schema_migrations")}
                for number, name, sql in migration_scripts():
                    if number in done:
                        continue
                    with conn.transaction():
                        conn.execute(sql.encode())  # no parameters: several statements
                        conn.execute(
                            "INSERT INTO schema_migrations VALUES (%s, %s, %s)",
                            (number, name, self.now_text()),
                        )
                    applied_now.append(name)
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))
        if applied_now:
            log.info("store.migrated", backend="postgresql", where=self.where, applied=applied_now)
        return applied_now

    @contextmanager
    def write(self, *, refetchable: bool = False) -> Iterator[PgUnitOfWork]:
        with self._lock:
            if self._depth:
                yield from self._nested()
                return
            with self._pool.connection() as raw:
                conn = PgConnection(raw)
                self._depth, self._writer, self._write_conn = 1, threading.get_ident(), conn
                try:
                    with raw.transaction() as tx:
                        if refetchable:
                            # Commit without waiting for the WAL flush and the
                            # synchronous standby (Store.write): an initial sync waited
                            # for both once per batch of 4,000 entries.
                            raw.execute("SET LOCAL synchronous_commit = off")
                        uow = PgUnitOfWork(conn, self, writable=True)
                        yield uow
                        if not uow.committed:
                            raise psycopg.Rollback(tx)
                finally:
                    self._depth, self._writer, self._write_conn = 0, None, None

    def _nested(self) -> Iterator[PgUnitOfWork]:
        conn = self._write_conn
        assert conn is not None
        self._depth += 1
        try:
            with conn.raw.transaction() as savepoint:
                uow = PgUnitOfWork(conn, self, writable=True)
                yield uow
                if not uow.committed:
                    raise psycopg.Rollback(savepoint)
        finally:
            self._depth -= 1

    @contextmanager
    def read(self) -> Iterator[PgUnitOfWork]:
        if self._writer == threading.get_ident() and self._write_conn is not None:
            yield PgUnitOfWork(self._write_conn, self, writable=False)
            return
        with self._pool.connection() as raw:
            yield PgUnitOfWork(PgConnection(raw), self, writable=False)

    @contextmanager
    def snapshot(self) -> Iterator[PgUnitOfWork]:
        # A connection of its own, outside the pool (as SqliteStore's snapshot): a feed
        # stream holds its snapshot while a partner takes a whole initial sync, and
        # sixteen of them must not leave the pool's readers waiting.
        with self._connect() as raw:
            configure(raw)
            raw.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            # The view is taken at the first statement: take it now, so the snapshot is
            # of the moment it was asked for.
            raw.execute("SELECT count(*) FROM schema_migrations").fetchone()
            yield PgUnitOfWork(PgConnection(raw), self, writable=False)

    def copy_to(self, target: Path) -> None:
        """Refused: a PostgreSQL node is backed up with PostgreSQL's tools."""
        raise InvalidInput(COPY_REFUSAL)

    def close(self) -> None:
        self._pool.close()
