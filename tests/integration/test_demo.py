"""`argos demo` (what `make demo` runs) brings up the four ports over mutual TLS with
the demo agreements, syncs synthetic hotlists, runs camera traffic at every port (two
through vendor adapters) under a live view of each node's own figures, tells the
investigator story between Rotterdam and Gent, and ends with a summary per port and
`argos audit verify` on every node. Ctrl-C stops every process it started."""

from __future__ import annotations

import csv
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.domain.plates import normalise_plate
from gateway.federation import PORTS

STORY_PLATE = "GVZ-27-T"


def demo_command(certs: Path, workdir: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gateway",
        "demo",
        "--certs",
        str(certs),
        "--workdir",
        str(workdir),
    ]


def demo_env(duration: int) -> dict[str, str]:
    return {"COLUMNS": "160", "PATH": "", "DEMO_DURATION": str(duration)}


def leftover_processes(workdir: Path) -> str:
    """Processes whose command line names the demo folder: nodes, adapters, replays."""
    found = subprocess.run(["pgrep", "-af", str(workdir)], capture_output=True, text=True)
    return found.stdout


def summary_rows(out: str) -> dict[str, list[int]]:
    """The per-port summary: reads, own hits, partner hits, notified, received, sync
    lag, open confirmations."""
    summary = out.split("Summary", 1)[1].split("The investigator story", 1)[0]
    rows = re.findall(r"│ ([a-z-]+)\s+│" + r"\s+(\d+) │" * 7, summary)
    return {row[0]: [int(n) for n in row[1:]] for row in rows}


def plates_the_demo_used(workdir: Path) -> set[str]:
    """Every plate of the synthetic hotlists and the camera traffic, raw and normalised."""
    plates: set[str] = set()
    for path in workdir.glob("*-hotlist.csv"):
        with path.open() as f:
            plates.update(row["plate"] for row in csv.DictReader(f))
    for path in workdir.glob("*-camera-reads.jsonl"):
        plates.update(json.loads(line)["plate"] for line in path.read_text().splitlines())
    return plates | {normalise_plate(p) for p in plates}


def test_demo_runs_the_four_ports_and_its_summary_shows_every_step(tmp_path, certs):
    workdir = tmp_path / "demo"
    result = subprocess.run(
        demo_command(certs, workdir),
        capture_output=True,
        text=True,
        timeout=280,
        env=demo_env(15),
    )
    out = result.stdout
    assert result.returncode == 0, result.stderr + out[-3000:]
    assert "Traceback" not in result.stderr

    # Four nodes, the five demo agreements countersigned, each printed by both parties.
    for node in PORTS:
        assert f"{node}: partners and agreements" in out
    assert out.count("countersigned") == 5
    fingerprints = re.findall(r"[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}", out)
    assert len(fingerprints) == 10 and len(set(fingerprints)) == 5

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
    assert len(shared) == 10 and held == shared
    assert all(n > 0 for n, _ in held.values())

    # Camera traffic: two ports through vendor adapters; the summary per port, as each
    # node reports it: every port took reads, and every hit on a partner's list was
    # notified to its owner and received there.
    assert "be-antwerpen: about 30 reads/s; its cameras push openalpr events" in out
    assert "nl-rotterdam: about 40 reads/s; its cameras push axis events" in out
    rows = summary_rows(out)
    assert set(rows) == set(PORTS)
    for _port, (reads, _own, partner, notified, _received, lag, still_open) in rows.items():
        assert reads > 0
        assert notified == partner
        assert lag == 0 and still_open == 0
    assert sum(r[2] for r in rows.values()) > 0
    assert sum(r[4] for r in rows.values()) == sum(r[3] for r in rows.values())
    assert re.search(r"ALERT \w+ on \S+'s list, (exact|fuzzy)", out)

    # The investigator story, each step told and shown done in the summary.
    story = out.split("The investigator story", 1)[1]
    for step in (
        "entry added at nl-rotterdam",
        "entry held at be-gent",
        "alert at be-gent",
        "confirmation answered",
        "details answered",
    ):
        assert re.search(rf"│ {step}\s+│ yes", story), step
    assert re.search(r"│ confirmation answered\s+│ yes \(confirmed\)", story)
    assert re.search(r"│ details answered\s+│ yes \(1 sighting", story)
    assert re.search(r"be-gent, control room operator sees: be-gent ALERT drug_trafficking", out)
    assert re.search(r"nl-rotterdam learns: seen \S+ at site be-gent-gate-2", out)

    # Every audit log verified, then everything stopped.
    for node in PORTS:
        assert re.search(rf"│ {node}\s+│ audit log intact: \d+ records", out)
    assert "demo complete" in out
    assert "all nodes, adapters and watchers stopped" in out
    assert leftover_processes(workdir) == ""

    # No plate outside the story's own words, and the story's plate in no log.
    told = "\n".join(line for line in out.splitlines() if not line.startswith("story "))
    # Plates as written (with their dashes) and normalised, as whole words.
    words = set(re.findall(r"[A-ZÄÖÜ0-9]+(?:-[A-ZÄÖÜ0-9]+)*", told))
    words |= set(re.findall(r"[A-ZÄÖÜ0-9]+", told))
    plates = plates_the_demo_used(workdir) | {STORY_PLATE, normalise_plate(STORY_PLATE)}
    assert not words & plates
    for log in workdir.rglob("*.log"):
        text = log.read_text(errors="replace")
        assert STORY_PLATE not in text and normalise_plate(STORY_PLATE) not in text, log


@pytest.mark.slow  # `make test-slow`: named in the README
def test_ctrl_c_mid_run_stops_every_process_of_the_demo_with_exit_130(tmp_path, certs):
    workdir = tmp_path / "demo"
    demo = subprocess.Popen(
        demo_command(certs, workdir),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=demo_env(120),
        start_new_session=True,
    )
    seen = []
    try:
        for line in demo.stdout or ():
            seen.append(line)
            if "camera traffic started" in line:
                break
        assert leftover_processes(workdir) != ""  # nodes, adapters and replays running
        os.kill(demo.pid, signal.SIGINT)
        out, err = demo.communicate(timeout=90)
    finally:
        if demo.poll() is None:
            demo.kill()
    out = "".join(seen) + out
    assert demo.returncode == 130, err
    assert "Traceback" not in out and "Traceback" not in err
    assert "interrupted: stopping every process of the demo" in out
    assert "all nodes, adapters and watchers stopped" in out
    assert leftover_processes(workdir) == ""
