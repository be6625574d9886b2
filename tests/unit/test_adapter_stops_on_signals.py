"""An adapter process stops (and runs its stop) on SIGINT and on SIGTERM even when it
was started with them ignored or blocked, as a script's background jobs are and as a
parent that ignores or blocks SIGINT hands on (adapters/process.py
run_until_interrupted). Full test runs saw `argos adapter run hotlist-export` outlive
its SIGINT that way: a test worker's children came with SIGINT blocked."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

from tests.integration.hotlist_support import wait_until

CHILD = """
import sys
from pathlib import Path
from adapters.process import run_until_interrupted
print("ready", flush=True)
run_until_interrupted(lambda: Path(sys.argv[1]).write_text("stopped"))
"""


def _ignoring_both() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def _blocking_both() -> None:
    # What a full run showed: a test worker's children came with SIGINT blocked.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("start", [_ignoring_both, _blocking_both], ids=["ignored", "blocked"])
def test_a_process_started_with_signals_ignored_still_stops_on_them(tmp_path, sig, start):
    marker = tmp_path / "stopped"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(marker)],
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=start,  # the point of the test
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        child.send_signal(sig)
        assert child.wait(timeout=60) == 0
        wait_until(lambda: marker.exists(), what="the adapter's stop")
        assert marker.read_text() == "stopped"
    finally:
        if child.poll() is None:
            child.kill()
