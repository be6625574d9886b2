"""`argos audit export` writes a period of the audit log that the supervisory authority
verifies with tools/verify_audit_export.py alone (run here as a separate process, as
the authority would); one changed character fails it, naming what; the export is a
disclosure only auditors and admins may make, and it carries no plate."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.integration.audit_support import AgedNode, aged_node, audit_records
from tests.integration.hotlist_support import add_entry

VERIFIER = Path(__file__).resolve().parent.parent.parent / "tools" / "verify_audit_export.py"
LONG_AGO = "2020-01-01T00:00:00Z"


def soon() -> str:
    return (datetime.now(UTC) + timedelta(hours=1)).isoformat()


@pytest.fixture
def aged(tmp_path, certs):
    aged = aged_node(tmp_path, certs)
    yield aged
    aged.node.stop()


def export(node, out: Path, token: Path | None, *extra: str, check: bool = True):
    return node.argos(
        "audit",
        "export",
        "--from",
        LONG_AGO,
        "--to",
        soon(),
        "--out",
        str(out),
        *extra,
        token_file=token,
        check=check,
    )


def authority_verifies(path: Path, public_key: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(VERIFIER), str(path), "--key", public_key],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=path.parent,
    )


def test_an_exported_period_verifies_with_the_standalone_verifier(aged: AgedNode, tmp_path):
    out = tmp_path / "for-the-authority.jsonl"
    result = export(aged.node, out, aged.auditor, "--recipient", "Vast Comité I")
    assert "exported" in result.stdout
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    verdict = authority_verifies(out, aged.node.identity()["public_key"])
    assert verdict.returncode == 0, verdict.stdout
    assert verdict.stdout.startswith("VERIFIED:")
    assert f"starting at the node's signed anchor (records 1 to {aged.erased} erased" in (
        verdict.stdout
    )
    records = audit_records(aged.node, aged.auditor)
    disclosure = next(r for r in reversed(records) if r["action"] == "audit.exported")
    assert (disclosure["action"], disclosure["actor"], disclosure["recipient"]) == (
        "audit.exported",
        "dora",
        "Vast Comité I",
    )
    assert json.loads(disclosure["details_json"])["first_seq"] == aged.erased + 1


@pytest.mark.parametrize(
    ("kind", "field", "named"),
    [
        ("record", "actor", "hash does not match its fields"),
        ("record", "hash", "hash does not match its fields"),
        ("seal", "signature", "the seal's signature does not verify"),
        ("start", "anchor.signature", "the anchor's signature does not verify"),
    ],
)
def test_one_changed_byte_fails_the_export_naming_what(
    aged: AgedNode, tmp_path, kind, field, named
):
    out = tmp_path / "export.jsonl"
    export(aged.node, out, aged.auditor)
    data = bytearray(out.read_bytes())
    lines = out.read_text().splitlines()
    index = next(i for i, line in enumerate(lines) if json.loads(line)["kind"] == kind)
    value = json.loads(lines[index])
    for part in field.split("."):
        value = value[part]
    # One byte: the last character of the field's value in the file.
    offset = sum(len(line.encode()) + 1 for line in lines[:index])
    offset += lines[index].encode().index(json.dumps(value).encode()) + len(value.encode())
    data[offset] = ord("0") if data[offset] != ord("0") else ord("1")
    out.write_bytes(bytes(data))
    verdict = authority_verifies(out, aged.node.identity()["public_key"])
    assert verdict.returncode == 1
    assert verdict.stdout.startswith("FAILED:")
    assert named in verdict.stdout


def test_export_is_refused_to_an_investigator_and_the_refusal_is_audited(aged: AgedNode, tmp_path):
    ivan = aged.node.add_user("ivo", "investigator")
    before = audit_records(aged.node, aged.auditor)
    out = tmp_path / "export.jsonl"
    result = export(aged.node, out, ivan, check=False)
    assert result.returncode == 3
    assert "audit.export needs admin or auditor" in result.stderr
    assert not out.exists()
    after = audit_records(aged.node, aged.auditor)
    assert after[: len(before)] == before
    denied = [r for r in after[len(before) :] if r["action"] == "access.denied"]
    assert [(r["actor"], r["object_id"]) for r in denied] == [("ivo", "audit.export")]
    assert aged.node.argos("audit", "verify", token_file=aged.auditor).returncode == 0


def test_an_export_never_overwrites_a_file(aged: AgedNode, tmp_path):
    out = tmp_path / "export.jsonl"
    out.write_text("the authority's earlier export\n")
    result = export(aged.node, out, aged.auditor, check=False)
    assert result.returncode == 2
    assert "exists" in result.stderr
    assert out.read_text() == "the authority's earlier export\n"


def test_the_exported_file_holds_no_plate(pair, tmp_path):
    gent = pair["be-gent"]
    ivan = gent.add_user("ivan", "investigator")
    entry_id = add_entry(gent, ivan, "1-ABC-123")
    gent.argos("hotlist", "withdraw", entry_id, "--justification", "found", token_file=ivan)
    out = tmp_path / "export.jsonl"
    export(gent, out, None)  # the administrator
    text = out.read_text()
    assert entry_id in text  # the entry's records are in the export, by id
    for form in ("1-ABC-123", "1ABC123", "ABC123", "ABC-123"):
        assert form not in text
    verdict = authority_verifies(out, gent.identity()["public_key"])
    assert verdict.returncode == 0, verdict.stdout
    assert "starting at the log's first record" in verdict.stdout
