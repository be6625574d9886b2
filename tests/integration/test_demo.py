"""`argos demo` (what `make demo` runs) brings up the four ports, sets up the demo
agreements, prints them with fingerprints, syncs their hotlists, replays camera traffic
at every port with alerts and cross-border hits, verifies every audit log and stops
cleanly."""

from __future__ import annotations

import re
import subprocess
import sys


def test_demo_runs_the_four_port_federation_and_stops_cleanly(tmp_path, certs):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "gateway",
            "demo",
            "--certs",
            str(certs),
            "--workdir",
            str(tmp_path / "demo"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={"COLUMNS": "160", "PATH": ""},
    )
    out = result.stdout
    assert result.returncode == 0, result.stderr
    for node in ("be-gent", "nl-terneuzen", "be-antwerpen", "nl-rotterdam"):
        assert f"{node}: partners and agreements" in out
        assert f"{node}: audit log intact" in out
    assert out.count("countersigned") == 4
    fingerprints = re.findall(r"[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}", out)
    # Each of the four agreements is printed by both of its parties.
    assert len(fingerprints) == 8 and len(set(fingerprints)) == 4
    assert "all nodes stopped" in out
    # Camera traffic: alerts as they happen, exact and fuzzy, and every hit on a
    # partner's list notified to its owner.
    assert re.search(r"ALERT \S+ \w+ on \S+'s list, exact", out)
    assert re.search(r"ALERT \S+ \w+ on \S+'s list, fuzzy", out)
    hit_rows = re.findall(r"│ (\S+)\s+│ (\d+)\s+│ (\d+)\s+│ (\d+)\s+│ (\d+)\s+│ (\d+)", out)
    assert len(hit_rows) == 4
    for _port, _reads, _own, observed, notified, _received in hit_rows:
        assert int(observed) > 0 and notified == observed
    assert sum(int(r[5]) for r in hit_rows) == sum(int(r[3]) for r in hit_rows)
    # Two ports' cameras push through vendor adapters (own processes, real listeners).
    assert "be-antwerpen: cameras push through the openalpr adapter" in out
    assert "nl-rotterdam: cameras push through the axis adapter" in out
    # One hit confirmed each way, with its trail in both audit logs.
    story = out.split("A hit confirmed, both ways")[1]
    assert "answered OUTCOME_CONFIRMED" in story
    assert re.search(r"seen \S+ at \{'site'", story)
    assert story.count("confirmation.requested") == 2
    assert story.count("confirmation.received") == 2
    assert story.count("confirmation.sent") >= 4
    # Hotlists: every partner holds exactly what its provider shares, under a verified head.
    shared, held = {}, {}
    sections = re.split(r"(\S+): hotlist sync per partner", out)[1:]
    for node, table in zip(sections[::2], sections[1::2], strict=True):
        for partner, agreement, role, n, seq, head in re.findall(
            r"│ (\S+)\s+│ (\w{8})\s+│ we (share|receive)\s+│ (\d+)\s+│ (\d+)\s+│ (\d*)", table
        ):
            if role == "share":
                shared[(agreement, node)] = (int(n), int(seq))
            else:
                held[(agreement, partner)] = (int(n), int(head))
    assert len(shared) == 8 and held == shared
    assert all(n > 0 for n, _ in held.values())
    leftover = subprocess.run(["pgrep", "-f", str(tmp_path)], capture_output=True, text=True)
    assert leftover.stdout == ""
