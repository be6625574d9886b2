"""Shared fixtures: a dev PKI made once per test session, and real node processes."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from gateway.federation import LocalFederation

ROOT = Path(__file__).resolve().parent.parent
NODES = ("be-gent", "nl-terneuzen", "be-antwerpen", "nl-rotterdam", "nl-vlissingen")


def load_pki_generator():
    spec = importlib.util.spec_from_file_location(
        "certs_dev_generate", ROOT / "certs-dev" / "generate.py"
    )
    module = importlib.util.module_from_spec(spec)
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
