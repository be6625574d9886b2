"""The committed protobuf code is exactly what protos/generate.py makes from protos/."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_generated_protobuf_code_is_up_to_date(tmp_path):
    spec = importlib.util.spec_from_file_location("generate", ROOT / "protos" / "generate.py")
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    fresh = {p.relative_to(tmp_path): p.read_bytes() for p in generate.generate(tmp_path)}
    committed_dir = ROOT / "gateway" / "wire"
    committed = {
        p.relative_to(committed_dir): p.read_bytes()
        for p in (committed_dir / "argos").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    stale = sorted(
        str(k) for k in fresh.keys() | committed.keys() if fresh.get(k) != committed.get(k)
    )
    assert not stale, f"generated code is stale, run `make proto`: {stale}"
