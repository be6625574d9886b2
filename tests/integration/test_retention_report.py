"""`argos retention report` on nodes that have run the demo (what `make demo` runs: four
ports, the demo agreements, synced hotlists, camera traffic, hits, the investigator
story's confirmations): every rule is listed with its legal basis, records are held
under them and none is past its limit. Then one hit is aged past its limit in Gent's
SQLite file with the node stopped and its purge loop held off, and the report, run by
an auditor, shows exactly that record past its limit; once the purge loop runs again,
the record is erased, audited with its rule, and the report is clean."""

from __future__ import annotations

import sqlite3
import subprocess
import time

import pytest

from gateway.federation import PORTS, LocalFederation
from tests.integration.test_demo import demo_command, demo_env

AGED = "2000-01-01T00:00:00.000Z"


def report(node, token_file=None) -> dict[str, dict]:
    return {k["kind"]: k for k in node.json("retention", "report", token_file=token_file)}


def audit_records(node, after: int) -> list[dict]:
    """The audit log after record `after`, page by page."""
    records: list[dict] = []
    while True:
        seq = str(records[-1]["seq"]) if records else str(after)
        page = node.json("audit", "list", "--after", seq, "--limit", "1000")
        records += page
        # Each listing is itself recorded: a short page is the end of the log.
        if len(page) < 1000:
            return records


def set_purge_interval(node, seconds: float) -> None:
    config = node.home / "node.toml"
    lines = [
        line for line in config.read_text().splitlines() if not line.startswith("purge_interval_s")
    ]
    config.write_text("\n".join([*lines, f"purge_interval_s = {seconds}"]) + "\n")


# The demo alone takes most of the suite's 300 s per test on a busy machine.
@pytest.mark.slow  # `make test-slow`: named in the README
@pytest.mark.timeout(900)
def test_after_the_demo_nothing_is_past_its_limit_and_an_aged_record_is_reported(tmp_path, certs):
    workdir = tmp_path / "demo"
    run = subprocess.run(
        demo_command(certs, workdir), capture_output=True, text=True, timeout=280, env=demo_env(10)
    )
    assert run.returncode == 0, run.stderr + run.stdout[-3000:]

    federation = LocalFederation(workdir, certs)
    try:
        for node_id in PORTS:
            federation[node_id].start()
        held: dict[str, int] = {}
        for node_id in PORTS:
            rows = report(federation[node_id])
            assert len(rows) == 17
            for kind, row in rows.items():
                assert row["legal_basis"] and row["limit"] and row["setting"], kind
                assert int(row["past_limit"]) == 0, (node_id, kind, row)
                held[kind] = held.get(kind, 0) + int(row["held"])
            assert rows["adapter_spool"]["held_here"] is False
            assert rows["adapter_spool"]["enforced_by"] == "each adapter"
        # The demo left records under the rules: entries received, hits, confirmations.
        assert held["received_entry"] > 0 and held["hit"] > 0 and held["received_hit"] > 0
        assert held["confirmation"] + held["outbox_message"] > 0 or held["audit"] > 0

        gent = federation["be-gent"]
        auditor = gent.add_user("dpo", "auditor")
        gent.stop()
        set_purge_interval(gent, 1e9)  # the purge loop holds off
        db = sqlite3.connect(gent.home / "node.sqlite")
        with db:
            (aged,) = db.execute("SELECT hit_id FROM hits ORDER BY hit_id LIMIT 1").fetchone()
            db.execute("UPDATE hits SET expires_at = ? WHERE hit_id = ?", (AGED, aged))
            (last_seq,) = db.execute("SELECT max(seq) FROM audit").fetchone()
        db.close()
        gent.start()
        rows = report(gent, auditor)
        assert int(rows["hit"]["past_limit"]) == 1
        assert rows["hit"]["next_erasure_due"].startswith("2000-01-01")
        assert all(int(r["past_limit"]) == 0 for k, r in rows.items() if k != "hit")
        wide = {"COLUMNS": "240"}
        human = gent.argos("retention", "report", token_file=auditor, env=wide).stdout
        assert "received_entry" in human and "legal basis" in human

        # An investigator may not read it; the refusal is audited.
        investigator = gent.add_user("ivan2", "investigator")
        refused = gent.argos("retention", "report", token_file=investigator, check=False)
        assert refused.returncode != 0 and "retention.read needs admin or auditor" in (
            refused.stderr
        )

        gent.stop()
        set_purge_interval(gent, 0.2)
        gent.start()
        deadline = time.monotonic() + 60
        while int(report(gent, auditor)["hit"]["past_limit"]) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert int(report(gent, auditor)["hit"]["past_limit"]) == 0
        records = audit_records(gent, after=last_seq)
        erased = [r for r in records if r["action"] == "hit.erased"]
        assert aged in {r["object_id"] for r in erased}
        denied = [r for r in records if r["action"] == "access.denied"]
        assert any(r["object_id"] == "retention.read" for r in denied)
        assert any(r["action"] == "retention.report" for r in records)
    finally:
        federation.stop()
