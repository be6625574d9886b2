"""The audit log's own time limit, at the use case: records are erased exactly when their
retention ends, behind a signed anchor, in one transaction, never over a tampered
prefix; and the export a supervisory authority verifies alone. One process, a real
node folder and SQLite file, the node's clock moved by the test."""

from __future__ import annotations

import ast
import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gateway.bootstrap import Application, build_application
from gateway.domain.errors import AccessDenied, InvalidInput, NotFound
from gateway.domain.roles import Role
from gateway.domain.times import time_text
from gateway.node.config import load_config
from gateway.services.administration import AuditBroken
from gateway.services.audit import AuditService
from gateway.services.context import Caller
from gateway.store.sqlite.audit import SqliteAudit
from tests.unit.app_support import NoPartners, gent_config

ROOT = Path(__file__).resolve().parent.parent.parent
VERIFIER = ROOT / "tools" / "verify_audit_export.py"
ADMIN = Caller("user", "admin", Role.ADMIN)
AUDITOR = Caller("user", "dora", Role.AUDITOR)
START = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
RETENTION = timedelta(days=1095)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def node(tmp_path, certs) -> Iterator[tuple[Application, Clock]]:
    """Gent with five records made at START and three a day later."""
    clock = Clock()
    app = build_application(gent_config(tmp_path, certs), federation=NoPartners(), clock=clock)
    app.administration.initialise("admin")  # records 1, 2
    for name in ("ivan", "olga", "joris"):  # records 3..5
        app.users.add_user(ADMIN, name, Role.INVESTIGATOR)
    clock.now = START + timedelta(days=1)
    for name in ("piet", "joke", "els"):  # records 6..8
        app.users.add_user(ADMIN, name, Role.OPERATOR)
    yield app, clock
    app.close()


def audit(app: Application) -> list:
    with app.store.read() as uow:
        return uow.audit.records()


def anchors(app: Application) -> list:
    with app.store.read() as uow:
        return uow.audit.anchors()


def test_nothing_is_erased_a_moment_before_its_retention_ends(node):
    app, clock = node
    clock.now = START + RETENTION
    assert app.audit.purge() == 0
    assert [r.seq for r in audit(app)] == list(range(1, 9))
    assert anchors(app) == []


def test_records_are_erased_behind_a_signed_anchor_once_their_retention_ends(node):
    app, clock = node
    clock.now = START + RETENTION + timedelta(milliseconds=1)
    assert app.audit.purge() == 5
    kept = audit(app)
    assert [r.seq for r in kept] == [6, 7, 8, 9]
    ((anchor, _),) = anchors(app)
    assert (anchor.seq, anchor.hash, anchor.key_id) == (
        5,
        kept[0].prev_hash,
        app.ctx.signing_key.key_id,
    )
    assert anchor.erased_at == time_text(clock.now)
    erased = kept[-1]
    assert (erased.action, erased.actor_kind) == ("audit.erased", "system")
    assert dict(erased.details) == {
        "records": 5,
        "first_seq": 1,
        "through_seq": 5,
        "older_than": time_text(START + timedelta(milliseconds=1)),
        "anchor_key_id": app.ctx.signing_key.key_id,
    }
    assert app.administration.verify_audit(AUDITOR) == (4, None)
    # Nothing more is due: the next round erases nothing and records nothing.
    assert app.audit.purge() == 0
    assert len(audit(app)) == 5  # 4 kept + the audit.verify record


def test_a_later_erasure_adds_an_anchor_and_verification_starts_from_the_newest(node):
    app, clock = node
    clock.now = START + RETENTION + timedelta(hours=1)
    app.audit.purge()
    clock.now = START + RETENTION + timedelta(days=1, hours=1)
    assert app.audit.purge() == 3
    assert [a.seq for a, _ in anchors(app)] == [5, 8]
    assert [r.seq for r in audit(app)] == [9, 10]
    checked, problem = app.administration.verify_audit(AUDITOR)
    assert (checked, problem) == (2, None)


def test_a_long_due_prefix_is_erased_in_batches_each_behind_its_own_anchor(node):
    app, clock = node
    batched = AuditService(app.ctx, 1095, batch=3)
    clock.now = START + RETENTION + timedelta(days=1, hours=1)
    assert [batched.purge(), batched.purge(), batched.purge(), batched.purge()] == [3, 3, 2, 0]
    assert [a.seq for a, _ in anchors(app)] == [3, 6, 8]
    assert [r.action for r in audit(app)] == ["audit.erased"] * 3
    assert app.ctx.verify_audit() == (3, None)


def test_everything_due_leaves_the_erasure_record_alone_chained_to_the_anchor(node):
    app, clock = node
    clock.now = START + RETENTION * 2
    assert app.audit.purge() == 8
    (record,) = audit(app)
    assert (record.seq, record.action) == (9, "audit.erased")
    assert app.ctx.verify_audit() == (1, None)


def test_anchors_signed_before_a_key_rotation_still_verify(node):
    app, clock = node
    clock.now = START + RETENTION + timedelta(hours=1)
    app.audit.purge()
    old_key = app.ctx.signing_key.key_id
    app.signing_keys.rotate(ADMIN, timedelta(days=1), "yearly rotation")
    assert app.ctx.signing_key.key_id != old_key
    assert anchors(app)[0][0].key_id == old_key
    assert app.ctx.verify_audit()[1] is None


def test_a_tampered_prefix_is_never_anchored_and_the_refusal_is_recorded_once(node):
    app, clock = node
    with sqlite3.connect(app.config.db_path) as db:
        db.execute("UPDATE audit SET justification = 'covered up' WHERE seq = 3")
    clock.now = START + RETENTION + timedelta(hours=1)
    for _ in range(2):
        with pytest.raises(AuditBroken, match="BROKEN at record 3: record 3: hash does not match"):
            app.audit.purge()
    records = audit(app)
    assert [r.seq for r in records] == list(range(1, 10))  # nothing erased
    assert anchors(app) == []
    refusals = [r for r in records if r.action == "audit.erasure_refused"]
    assert len(refusals) == 1
    assert dict(refusals[0].details) == {"at": "record 3", "through_seq": 5}


def test_a_crash_in_the_middle_of_an_erasure_leaves_the_log_as_it_was(node, monkeypatch):
    """Stand-in for a crash: the anchor's insert fails after the records were deleted
    and the erasure recorded, inside the same transaction."""
    app, clock = node
    before = audit(app)

    def crash(self, anchor, signature):
        raise OSError("disk full")

    monkeypatch.setattr(SqliteAudit, "add_anchor", crash)
    clock.now = START + RETENTION + timedelta(hours=1)
    with pytest.raises(OSError, match="disk full"):
        app.audit.purge()
    assert audit(app) == before
    assert anchors(app) == []
    assert app.ctx.verify_audit() == (8, None)


def test_a_retention_below_half_a_year_is_refused_by_name(tmp_path, certs):
    config = gent_config(tmp_path, certs)
    with (config.home / "node.toml").open("a") as f:
        f.write("audit_retention_days = 179\n")
    with pytest.raises(InvalidInput, match="audit_retention_days must be at least 180"):
        load_config(config.home)


def test_the_retention_setting_reaches_the_purge(tmp_path, certs):
    config = gent_config(tmp_path, certs)
    with (config.home / "node.toml").open("a") as f:
        f.write("audit_retention_days = 200\n")
    clock = Clock()
    app = build_application(load_config(config.home), federation=NoPartners(), clock=clock)
    try:
        app.administration.initialise("admin")
        clock.now = START + timedelta(days=200, milliseconds=1)
        assert app.audit.retention_days == 200
        assert app.audit.purge() == 2
    finally:
        app.close()


# -- the export ------------------------------------------------------------------------


def export(app: Application, start: datetime, end: datetime, tmp_path: Path) -> Path:
    out = tmp_path / "export.jsonl"
    out.write_text("".join(line + "\n" for line in app.audit.export(AUDITOR, start, end)))
    return out


def run_verifier(path: Path, *keys: str) -> subprocess.CompletedProcess:
    args = [arg for key in keys for arg in ("--key", key)]
    return subprocess.run(
        [sys.executable, str(VERIFIER), str(path), *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=path.parent,  # nothing of the project on the path: the tool stands alone
    )


def test_an_export_from_genesis_verifies_and_is_recorded_as_a_disclosure(node, tmp_path):
    app, clock = node
    clock.now = START + timedelta(days=2)
    path = export(app, START, START + timedelta(days=1), tmp_path)
    result = run_verifier(path, app.ctx.signing_key.public.raw.hex())
    assert result.returncode == 0, result.stdout
    assert "VERIFIED: 5 audit records of be-gent, records 1 to 5" in result.stdout
    assert "starting at the log's first record" in result.stdout
    disclosed = audit(app)[-1]
    assert (disclosed.action, disclosed.actor, disclosed.recipient) == (
        "audit.exported",
        "dora",
        "",
    )
    assert dict(disclosed.details) == {
        "period_start": time_text(START),
        "period_end": time_text(START + timedelta(days=1)),
        "records": 5,
        "first_seq": 1,
        "last_seq": 5,
    }


def test_an_export_after_an_erasure_starts_from_the_signed_anchor(node, tmp_path):
    app, clock = node
    clock.now = START + RETENTION + timedelta(hours=1)
    app.audit.purge()
    path = export(app, START, clock.now + timedelta(seconds=1), tmp_path)
    result = run_verifier(path, app.ctx.signing_key.public.raw.hex())
    assert result.returncode == 0, result.stdout
    assert "records 6 to 9" in result.stdout
    assert "starting at the node's signed anchor (records 1 to 5 erased" in result.stdout
    assert "(the period's last record)" in result.stdout


def test_an_export_verified_only_against_its_own_keys_says_so(node, tmp_path):
    app, _ = node
    path = export(app, START + timedelta(days=1), START + timedelta(days=2), tmp_path)
    result = run_verifier(path)
    assert result.returncode == 0, result.stdout
    assert "following record 5 (hash vouched for by the seal)" in result.stdout
    assert "WARNING: checked against the keys written in the file" in result.stdout


def test_an_export_pinned_to_another_key_fails(node, tmp_path):
    app, _ = node
    path = export(app, START, START + timedelta(days=2), tmp_path)
    result = run_verifier(path, "11" * 32)
    assert result.returncode == 1
    assert "not one of the keys given with --key" in result.stdout


@pytest.mark.parametrize(
    ("kind", "field", "named"),
    [
        ("record", "actor", "record 3 (line 6): hash does not match its fields"),
        ("record", "hash", "record 3 (line 6): hash does not match its fields"),
        ("record", "prev_hash", "record 3 (line 6): prev_hash does not link"),
        ("seal", "signature", "the seal's signature does not verify"),
        ("seal", "prev_hash", "the seal's signature does not verify"),
        ("head", "signature", "the head's signature does not verify"),
        ("header", "period_end", "the seal says period_end"),
    ],
)
def test_one_changed_character_fails_the_export_naming_what(node, tmp_path, kind, field, named):
    app, _ = node
    path = export(app, START, START + timedelta(days=2), tmp_path)
    lines = path.read_text().splitlines()
    index = next(
        i
        for i, line in enumerate(lines)
        if json.loads(line)["kind"] == kind and (kind != "record" or json.loads(line)["seq"] == 3)
    )
    value = json.loads(lines[index])
    text = value[field]
    flipped = text[:-1] + ("0" if text[-1] != "0" else "1")
    lines[index] = lines[index].replace(json.dumps(text), json.dumps(flipped), 1)
    assert lines[index] != path.read_text().splitlines()[index]
    path.write_text("\n".join(lines) + "\n")
    result = run_verifier(path, app.ctx.signing_key.public.raw.hex())
    assert result.returncode == 1
    assert result.stdout.startswith("FAILED:")
    assert named in result.stdout


def test_a_removed_record_line_fails_the_export(node, tmp_path):
    app, _ = node
    path = export(app, START, START + timedelta(days=2), tmp_path)
    lines = path.read_text().splitlines()
    del lines[-3]  # the last record: its neighbours still link, only the seal can tell
    path.write_text("\n".join(lines) + "\n")
    result = run_verifier(path, app.ctx.signing_key.public.raw.hex())
    assert result.returncode == 1
    assert "the seal says last_seq 8, the file has 7" in result.stdout


def test_export_of_an_empty_or_backwards_period_is_refused(node):
    app, _ = node
    with pytest.raises(InvalidInput, match="end must come after its start"):
        app.audit.export(AUDITOR, START, START)
    with pytest.raises(NotFound, match="no audit record lies between"):
        app.audit.export(AUDITOR, START - timedelta(days=9), START - timedelta(days=8))


def test_a_broken_log_is_never_sealed_and_the_refusal_is_recorded(node):
    app, _ = node
    with sqlite3.connect(app.config.db_path) as db:
        db.execute("UPDATE audit SET actor = 'mallory' WHERE seq = 4")
    with pytest.raises(AuditBroken, match="BROKEN at record 4"):
        app.audit.export(AUDITOR, START, START + timedelta(days=2))
    assert audit(app)[-1].action == "audit.export_refused"


def test_export_is_refused_to_an_investigator_and_the_refusal_is_audited(node):
    app, _ = node
    before = audit(app)
    with pytest.raises(AccessDenied, match=r"audit\.export needs admin or auditor"):
        app.audit.export(
            Caller("user", "ivan", Role.INVESTIGATOR), START, START + timedelta(days=2)
        )
    after = audit(app)
    assert after[: len(before)] == before
    (denied,) = after[len(before) :]
    assert (denied.action, denied.actor, denied.object_id) == (
        "access.denied",
        "ivan",
        "audit.export",
    )


def test_the_verifier_needs_nothing_but_python_and_pynacl():
    tree = ast.parse(VERIFIER.read_text())
    imported = {
        name.split(".")[0]
        for node in ast.walk(tree)
        for name in (
            [a.name for a in node.names]
            if isinstance(node, ast.Import)
            else [node.module or ""]
            if isinstance(node, ast.ImportFrom)
            else []
        )
    }
    assert imported <= {
        "__future__",
        "argparse",
        "hashlib",
        "json",
        "sys",
        "collections",
        "typing",
        "nacl",
    }
