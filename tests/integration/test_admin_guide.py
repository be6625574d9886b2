"""The administrator's guide's first section is a literal shell session: bring up two
nodes on one machine, sign an agreement, see a hit cross. This test runs exactly the
fenced `sh` blocks between its walkthrough markers, in order, as one bash script, with
only the variables the guide names (ARGOS_TRY, GENT_PORT, TERNEUZEN_PORT) set to a
temporary folder and free ports. Real processes, real mutual TLS, real SQLite."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

from gateway.federation import free_port

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "admin-guide.md"
START, END = "<!-- walkthrough:start -->", "<!-- walkthrough:end -->"


def walkthrough_blocks() -> list[str]:
    text = GUIDE.read_text()
    section = text[text.index(START) + len(START) : text.index(END)]
    return re.findall(r"^```sh\n(.*?)^```$", section, flags=re.DOTALL | re.MULTILINE)


def _stop(pid_file: Path, home: Path) -> None:
    """End a node the walkthrough started, by its recorded id, if it still runs.

    Only if that id is still the walkthrough's node (its command line names its home):
    the walkthrough stops its nodes itself, and process ids come round again (this
    machine's pid_max is 32,768 and a run starts tens of thousands of processes and
    threads), so a bare kill of the recorded id once stopped another test's node."""
    if not pid_file.is_file():
        return
    pid = int(pid_file.read_text())
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return  # gone
    if str(home).encode() not in command:
        return  # the id is another process's now
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    # Not our child (bash started it), so poll until it has gone rather than wait().
    for _ in range(300):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)


def test_the_walkthrough_in_the_admin_guide_brings_up_two_nodes_and_a_hit_crosses(tmp_path):
    blocks = walkthrough_blocks()
    assert len(blocks) >= 8 and any("argos agreement accept" in b for b in blocks)
    script = tmp_path / "walkthrough.sh"
    script.write_text("set -euo pipefail\nset -x\n" + "\n".join(blocks))
    work = tmp_path / "try"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ARGOS_")},
        "ARGOS_TRY": str(work),
        "GENT_PORT": str(free_port()),
        "TERNEUZEN_PORT": str(free_port()),
    }
    process = subprocess.Popen(
        ["bash", str(script)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=240)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGTERM)  # the walkthrough's own process group
        stdout, stderr = process.communicate()
    finally:
        for node in ("gent", "terneuzen"):
            _stop(work / f"{node}.pid", work / node)
    assert process.returncode == 0, f"walkthrough failed:\n{stderr[-3000:]}"

    # The agreement's fingerprint read out on both sides is the same.
    fingerprints = re.findall(r"^[A-Z0-9]{4}(?:-[A-Z0-9]{4})+$", stdout, flags=re.M)
    assert len(fingerprints) == 2 and fingerprints[0] == fingerprints[1], stdout
    assert "1 reads matched, 1 hits, 0 rejected" in stdout
    # The last listing is Gent's: one hit on its entry, seen by Terneuzen at the site.
    listing = stdout[stdout.rindex("[") :]
    hits = json.loads(listing[: listing.index("]") + 1])
    (hit,) = hits
    assert hit["observer"] == "nl-terneuzen" and hit["owner"] == "be-gent"
    assert hit["location"]["site"] == "kennedy-tunnel"
    assert "camera" not in hit["location"]  # site granularity: no camera id
    assert stdout.count("audit log intact") == 2
