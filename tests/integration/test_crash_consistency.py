"""A node killed with SIGKILL in the middle of receiving agreements restarts consistent:
the database is intact, the audit chain verifies, and every stored change has its audit
record (they commit in one transaction) and no audit record lacks its change."""

from __future__ import annotations

import random
import sqlite3
import threading
import time


def _consistency(node) -> tuple[set[str], set[str]]:
    with sqlite3.connect(node.home / "node.sqlite") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = {r[0] for r in db.execute("SELECT agreement_id FROM agreement_versions")}
        audited = {
            r[0]
            for r in db.execute(
                "SELECT object_id FROM audit WHERE action = 'agreement.proposal_received'"
            )
        }
    return stored, audited


def test_node_killed_while_receiving_proposals_restarts_consistent(pair):
    gent, terneuzen = pair["be-gent"], pair["nl-terneuzen"]
    rng = random.Random(2026)
    stop = threading.Event()
    outcomes: list[int] = []

    def propose_forever() -> None:
        while not stop.is_set():
            result = gent.argos(
                "agreement",
                "propose",
                "--partner",
                "nl-terneuzen",
                "--justification",
                "crash drill",
                check=False,
            )
            outcomes.append(result.returncode)

    worker = threading.Thread(target=propose_forever)
    worker.start()
    try:
        for _ in range(5):
            time.sleep(rng.uniform(0.3, 1.5))
            terneuzen.kill()
            stored, audited = _consistency(terneuzen)
            assert stored == audited
            terneuzen.start()
    finally:
        stop.set()
        worker.join()

    stored, audited = _consistency(terneuzen)
    assert stored == audited
    assert stored, "some proposals must have landed between the kills"
    # A proposal the partner never stored is not kept as pending at the proposer either.
    gent_pending = {a["agreement_id"] for a in gent.json("agreement", "list")}
    assert gent_pending <= stored
    assert 0 in outcomes and any(code == 6 for code in outcomes)
    for node in (gent, terneuzen):
        assert "audit log intact" in node.argos("audit", "verify").stdout
