"""The repository contract suite: one specification of the storage ports
(gateway/services/ports), run against every store backend in BACKENDS below.

Tests talk to a store only through the Store protocol: store.write(), store.read(),
store.snapshot(), the repositories of the unit of work, commit(). None of them imports
a backend module, runs SQL or opens a file: this registry is the one place that knows
which backends exist.

Adding a backend (PostgreSQL, say):
1. Write a context manager `open_<name>_store(clock)` that yields a fresh, empty Store
   whose clock is `clock` (the store stamps with it: an outbox message is due at
   `clock()`), and removes what it made on exit (a temporary database or schema).
2. Add it to BACKENDS under its name. Every test then runs once per backend, the name
   in the test id: `pytest tests/contract -k postgresql` runs that backend alone.
A backend that needs a server the machine may not have skips itself in its factory
(pytest.skip) rather than failing the suite.

Fixtures: `clock` (the store's clock; a test moves it with `clock.now += ...`),
`store` (a fresh store on that clock, closed after the test) and, for hypothesis tests
that need a fresh store per example, `open_store()` (a store and its own clock).
"""

from __future__ import annotations

import itertools
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from gateway.services.ports import Store
from gateway.store.sqlite import SqliteStore
from tests.contract.samples import NODE, START


class Clock:
    """The store's clock, standing still until the test moves `now`."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


OpenStore = Callable[[Clock], AbstractContextManager[Store]]


@contextmanager
def open_sqlite_store(clock: Clock) -> Iterator[Store]:
    with tempfile.TemporaryDirectory(prefix="argos-contract-") as directory:
        store = SqliteStore(Path(directory) / "node.sqlite", NODE, clock)
        try:
            yield store
        finally:
            store.close()


_PG_TEMPLATE = "argos_template"
_pg_numbers = itertools.count(1)
_pg_state: dict[str, Any] = {"free": []}
# Emptying a used database (DELETE from every table, identities and the alert-log
# counter back to their start) takes ~25 ms; copying the migrated template ~230 ms
# (CREATE DATABASE ... TEMPLATE writes every file through the WAL) and TRUNCATE ~150 ms
# (new files for every table). So a database is copied once and then reused, emptied.
_PG_EMPTY = """
SET session_replication_role = replica;
DO $$
DECLARE t record;
BEGIN
  FOR t IN SELECT tablename FROM pg_tables
           WHERE schemaname = 'public' AND tablename <> 'schema_migrations' LOOP
    EXECUTE format('DELETE FROM %I', t.tablename);
  END LOOP;
  FOR t IN SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' LOOP
    EXECUTE format('SELECT setval(%L, 1, false)', t.sequencename);
  END LOOP;
END $$;
SET session_replication_role = DEFAULT;
INSERT INTO isc_pull_state (id) VALUES (1);
INSERT INTO alert_log_counter (id, last) VALUES (1, 0);
"""


def _pg_template(request: pytest.FixtureRequest) -> Any:
    """The session's PostgreSQL server (tests/conftest.py pg_server) with one database
    migrated once, the template every test database is copied from."""
    if "server" not in _pg_state:
        from gateway.store.postgresql import PostgresStore

        server = request.getfixturevalue("pg_server")
        PostgresStore(server.create_database(_PG_TEMPLATE), NODE).close()
        _pg_state["server"] = server
    return _pg_state["server"]


@contextmanager
def open_postgresql_store(clock: Clock) -> Iterator[Store]:
    """A fresh, empty, migrated database per store on the session's server: a copy of
    the migrated template, or one a finished test used, emptied."""
    import psycopg

    from gateway.store.postgresql import PostgresStore

    server = _pg_state["server"]
    free: list[str] = _pg_state["free"]
    if free:
        name = free.pop()
    else:
        name = f"contract_{os.getpid()}_{next(_pg_numbers)}"
        server.create_database(name, template=_PG_TEMPLATE)
    store = PostgresStore(server.conninfo(name), NODE, clock, pool_size=4)
    _pg_state[id(store)] = name
    try:
        yield store
    finally:
        _pg_state.pop(id(store), None)
        store.close()
        with psycopg.connect(server.conninfo(name), autocommit=True) as conn:
            conn.execute(_PG_EMPTY)
        free.append(name)


BACKENDS: dict[str, OpenStore] = {
    "sqlite": open_sqlite_store,
    "postgresql": open_postgresql_store,
}


class SecondWriter:
    """A second store on the same database, as a second process would open it (a CLI
    command migrating, a node taking over), and whether one of its writes waits."""

    def __init__(self, open_: Callable[[], AbstractContextManager[Store]], waits) -> None:
        self.open = open_
        self.waits: Callable[[], bool | None] = waits


@contextmanager
def _second_sqlite(store: Store, clock: Clock) -> Iterator[Store]:
    second = SqliteStore(store.path, NODE, clock)  # type: ignore[attr-defined]
    try:
        yield second
    finally:
        second.close()


@contextmanager
def _second_postgresql(store: Store, clock: Clock) -> Iterator[Store]:
    from gateway.store.postgresql import PostgresStore

    second = PostgresStore(_pg_state["server"].conninfo(_pg_state[id(store)]), NODE, clock)
    try:
        yield second
    finally:
        second.close()


def _sqlite_waits(store: Store) -> bool | None:
    return None  # SQLite's busy wait cannot be seen from outside


def _postgresql_waits(store: Store) -> bool:
    """A session of this database waits for a lock."""
    import psycopg

    server = _pg_state["server"]
    with psycopg.connect(server.conninfo(), autocommit=True) as conn:
        (n,) = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
            (_pg_state[id(store)],),
        ).fetchone()
    return n > 0


_SECOND_WRITERS = {
    "sqlite": (_second_sqlite, _sqlite_waits),
    "postgresql": (_second_postgresql, _postgresql_waits),
}


@pytest.fixture(scope="session", params=sorted(BACKENDS))
def backend(request: pytest.FixtureRequest) -> OpenStore:
    if request.param == "postgresql":
        _pg_template(request)  # a real server, started once for the session
    return BACKENDS[request.param]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(backend: OpenStore, clock: Clock) -> Iterator[Store]:
    with backend(clock) as opened:
        yield opened


@pytest.fixture
def second_writer(request: pytest.FixtureRequest, store: Store, clock: Clock) -> SecondWriter:
    opener, waits = _SECOND_WRITERS[request.node.callspec.params["backend"]]
    return SecondWriter(lambda: opener(store, clock), lambda: waits(store))


@pytest.fixture(scope="session")
def open_store(
    backend: OpenStore,
) -> Callable[[], AbstractContextManager[tuple[Store, Clock]]]:
    """A fresh store per call, for hypothesis tests (which run many examples in one
    test function, so a function-scoped store would be shared between examples)."""

    @contextmanager
    def fresh() -> Iterator[tuple[Store, Clock]]:
        clock = Clock()
        with backend(clock) as opened:
            yield opened, clock

    return fresh
