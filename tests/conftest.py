"""Shared fixtures: a dev PKI made once per test session, and real node processes."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

from gateway.federation import DEFAULT_PORT_RANGE, LocalFederation

ROOT = Path(__file__).resolve().parent.parent
NODES = ("be-gent", "nl-terneuzen", "be-antwerpen", "nl-rotterdam", "nl-vlissingen")


def _port_slice_per_worker() -> None:
    """Parallel workers (pytest-xdist) draw listening ports from separate slices, so a
    port one worker has handed to a node it is about to start is never handed out by
    the other; processes a test starts inherit the slice."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    if not worker.startswith("gw"):
        return
    low, high = DEFAULT_PORT_RANGE
    size = (high - low) // max(count, 1)
    start = low + int(worker[2:]) * size
    os.environ["ARGOS_PORT_RANGE"] = f"{start}-{start + size}"


_port_slice_per_worker()


def _bytecode_once() -> None:
    """With PYTHONDONTWRITEBYTECODE set, no process writes the bytecode of gateway/ and
    adapters/, so every `argos` process the tests start compiled each module it imports
    from source again: about 0.2 s of CPU per `argos serve` or `argos init`, 0.03 s per
    CLI call, thousands of times a run. The variable only stops a process writing what
    it compiles, not reading it: compiled here once (the files that are up to date are
    left as they are), each process reads it. The caches are git-ignored."""
    if not sys.flags.dont_write_bytecode:
        return  # the first process to import a module writes its cache itself
    import compileall

    for package in ("gateway", "adapters"):
        compileall.compile_dir(ROOT / package, quiet=1)


_bytecode_once()


def load_pki_generator() -> ModuleType:
    """certs-dev/generate.py, loaded by path: certs-dev is deliberately not a package."""
    name = "argos_certs_dev_generate"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "certs-dev" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def certs(tmp_path_factory) -> Path:
    """Dev CA and node certificates; nl-vlissingen has a valid certificate but is never
    registered as anyone's partner."""
    out = tmp_path_factory.mktemp("pki")
    load_pki_generator().ensure_pki(out, list(NODES))
    return out


@pytest.fixture(scope="session")
def foreign_certs(tmp_path_factory) -> Path:
    """Certificates for the same node ids from an unrelated CA."""
    out = tmp_path_factory.mktemp("foreign-pki")
    load_pki_generator().ensure_pki(out, ["be-gent"], ca_name="Rogue CA")
    return out


@pytest.fixture
def pair(tmp_path, certs):
    """be-gent and nl-terneuzen running as separate processes, partners of each other."""
    federation = LocalFederation(tmp_path / "nodes", certs, ("be-gent", "nl-terneuzen"))
    try:
        federation.start()
        federation.connect("be-gent", "nl-terneuzen")
        yield federation
    finally:
        federation.stop()


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory):
    """One real PostgreSQL server for the session (per xdist worker); tests create
    their own databases on it (tests/pg_servers.py)."""
    from tests.pg_servers import PgServer, bin_dir

    bin_dir()  # skips, naming the install command, when PostgreSQL is missing
    server = PgServer.start(tmp_path_factory.mktemp("pg"))
    try:
        yield server
    finally:
        server.stop("fast")
