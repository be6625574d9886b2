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

import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from pathlib import Path

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


BACKENDS: dict[str, OpenStore] = {
    "sqlite": open_sqlite_store,
}


@pytest.fixture(scope="session", params=sorted(BACKENDS))
def backend(request: pytest.FixtureRequest) -> OpenStore:
    return BACKENDS[request.param]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(backend: OpenStore, clock: Clock) -> Iterator[Store]:
    with backend(clock) as opened:
        yield opened


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
