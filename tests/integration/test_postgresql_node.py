"""A real node on PostgreSQL (issue 19): be-gent keeps its state in a PostgreSQL
database (its own role, password from an owner-only file), nl-terneuzen in SQLite,
both real `argos serve` processes over mutual TLS. Hotlists sync both ways, hits are
notified both ways, a confirmation goes round, and the PostgreSQL node's audit log
verifies, also after a restart. One federation for the module; the session's
PostgreSQL server (tests/pg_servers.py)."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

import psycopg
import pytest

from gateway.federation import LocalFederation
from tests.integration.hits_support import hits, read, reads_file
from tests.integration.hotlist_support import add_entry, in_step, wait_until

DATABASE = "argos_be_gent"
ROLE = "argos_gent"


@pytest.fixture(scope="module")
def federation(pg_server, certs, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("pg-node")
    password = secrets.token_urlsafe(24)
    password_file = workdir / "pg.password"
    password_file.write_text(password + "\n")
    os.chmod(password_file, 0o600)
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {ROLE} LOGIN PASSWORD '{password}'")  # type: ignore[arg-type]
        conn.execute(f"CREATE DATABASE {DATABASE} OWNER {ROLE}")  # type: ignore[arg-type]
    fed = LocalFederation(workdir / "nodes", certs, ("be-gent", "nl-terneuzen"))
    gent = fed["be-gent"]
    gent.postgresql_dsn = f"host=127.0.0.1 port={pg_server.port} dbname={DATABASE} user={ROLE}"
    gent.postgresql_password_file = password_file
    try:
        fed.start()
        fed.connect("be-gent", "nl-terneuzen")
        yield fed
    finally:
        fed.stop()
        pg_server.drop_database(DATABASE)
        with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
            conn.execute(f"DROP ROLE IF EXISTS {ROLE}")  # type: ignore[arg-type]


def _gent_database(pg_server):
    return psycopg.connect(pg_server.conninfo(DATABASE), autocommit=True)


def _state(node, token: Path, request_id: str) -> str:
    shown = node.json("confirm", "show", request_id, token_file=token)
    return shown["state"].removeprefix("CONFIRMATION_STATE_").lower()


def _try_show(node, token: Path, request_id: str) -> dict | None:
    result = node.argos("confirm", "show", request_id, "--json", token_file=token, check=False)
    return json.loads(result.stdout) if result.returncode == 0 else None


def test_a_postgresql_node_syncs_notifies_and_confirms_with_a_sqlite_partner(
    federation, pg_server, tmp_path
):
    gent, terneuzen = federation["be-gent"], federation["nl-terneuzen"]
    assert not (gent.home / "node.sqlite").exists()
    agreement_id = federation.agree("be-gent", "nl-terneuzen", "--granularity", "site")
    ivan = gent.add_user("ivan", "investigator")
    ines = terneuzen.add_user("ines", "investigator")

    # Both lists sync: the PostgreSQL node as provider and as recipient.
    add_entry(gent, ivan, "1-ABC-123", "B")
    add_entry(terneuzen, ines, "77-XK-12", "NL")
    wait_until(lambda: in_step(gent, terneuzen, agreement_id), what="Gent's list at Terneuzen")
    wait_until(lambda: in_step(terneuzen, gent, agreement_id), what="Terneuzen's list at Gent")
    with _gent_database(pg_server) as db:
        (held,) = db.execute(
            "SELECT count(*) FROM received_entries WHERE agreement_id = %s", (agreement_id,)
        ).fetchone()
    assert held == 1

    # Hits both ways: Terneuzen's camera on Gent's entry, Gent's camera on Terneuzen's.
    terneuzen.argos(
        "reads",
        "replay",
        str(reads_file(tmp_path / "tnz.jsonl", [read("1ABC123")])),
        token_file=terneuzen.add_user("cam-tnz", "adapter"),
    )
    gent.argos(
        "reads",
        "replay",
        str(reads_file(tmp_path / "gnt.jsonl", [read("77XK12", "NL")])),
        token_file=gent.add_user("cam-gnt", "adapter"),
    )
    (at_gent,) = wait_until(lambda: hits(gent, ivan), what="Terneuzen's hit notified to Gent")
    assert at_gent["observer"] == "nl-terneuzen"
    (at_terneuzen,) = wait_until(lambda: hits(terneuzen, ines), what="Gent's hit at Terneuzen")
    assert at_terneuzen["observer"] == "be-gent"
    (observed,) = hits(gent, ivan, "--observed")
    assert observed["hit_id"] == at_terneuzen["hit_id"]

    # Terneuzen asks Gent to confirm its alert; Gent (PostgreSQL) answers.
    asked = terneuzen.json(
        "confirm",
        "request",
        "--kind",
        "alert",
        "--hit",
        at_gent["hit_id"],
        "--purpose",
        "criminal_investigation",
        "--case-reference",
        "PV-TNZ-19",
        token_file=ines,
    )
    request_id = asked["request"]["request_id"]
    wait_until(lambda: _try_show(gent, ivan, request_id), what="the request at Gent")
    gent.argos(
        "confirm",
        "answer",
        request_id,
        "--outcome",
        "confirmed",
        "--action",
        "seize",
        token_file=ivan,
    )
    wait_until(lambda: _state(terneuzen, ines, request_id) == "answered", what="the answer")
    assert _state(gent, ivan, request_id) == "answered"

    for node in (gent, terneuzen):
        verified = node.argos("audit", "verify")
        assert "audit log intact" in verified.stdout

    # The state is PostgreSQL's: a restarted node has it all, and its chain goes on.
    gent.stop()
    gent.start()
    assert [h["hit_id"] for h in hits(gent, ivan)] == [at_gent["hit_id"]]
    assert _state(gent, ivan, request_id) == "answered"
    assert "audit log intact" in gent.argos("audit", "verify").stdout
    assert in_step(terneuzen, gent, agreement_id)


def test_backup_on_a_postgresql_node_names_the_postgresql_tools_and_records_nothing(
    federation, tmp_path
):
    gent = federation["be-gent"]
    passphrase = tmp_path / "backup.passphrase"
    passphrase.write_text("correct horse battery staple\n")
    passphrase.chmod(0o600)
    archive = tmp_path / "gent.argosbak"
    refused = gent.argos(
        "backup",
        "--out",
        str(archive),
        "--passphrase-file",
        str(passphrase),
        "--justification",
        "nightly backup",
        check=False,
    )
    assert refused.returncode != 0
    assert "pg_basebackup" in refused.stderr and "pg_dump" in refused.stderr
    assert not archive.exists()
    assert not (gent.home / "backups").exists()
    records = gent.json("audit", "list", "--limit", "1000")
    assert "node.backup" not in {r["action"] for r in records}
    assert "audit log intact" in gent.argos("audit", "verify").stdout


def test_the_password_is_in_its_file_only(federation):
    gent = federation["be-gent"]
    password = gent.postgresql_password_file.read_text().strip()
    config = (gent.home / "node.toml").read_text()
    assert 'store = "postgresql"' in config and "pg.password" in config
    assert password not in config
    assert password not in (gent.home / "node.log").read_text()
