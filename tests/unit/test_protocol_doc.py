"""docs/protocol.md is exactly what docs/generate_protocol.py makes from the protos."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _generator():
    spec = importlib.util.spec_from_file_location(
        "generate_protocol", ROOT / "docs" / "generate_protocol.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_protocol_reference_is_up_to_date():
    fresh = _generator().render()
    committed = (ROOT / "docs" / "protocol.md").read_text()
    assert fresh == committed, "docs/protocol.md is stale: run python docs/generate_protocol.py"


def test_protocol_reference_covers_every_federation_rpc_and_payload_type():
    text = (ROOT / "docs" / "protocol.md").read_text()
    from gateway.wire.argos.v1 import federation_pb2

    service = federation_pb2.DESCRIPTOR.services_by_name["FederationService"]
    for method in service.methods:
        assert f"| `{method.name}` |" in text
    for payload_type, message, _ in _generator().PAYLOADS:
        assert f"`{payload_type}`" in text and f"#### {message}" in text
