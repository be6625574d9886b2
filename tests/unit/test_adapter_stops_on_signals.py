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

        def signalled() -> bool:
            # An ignored signal that arrives before the handlers are in place is
            # dropped (the kernel keeps no ignored signal): sent until it stops.
            if child.poll() is None:
                child.send_signal(sig)
            return child.poll() is not None

        wait_until(signalled, timeout=60, what="the adapter to stop on its signal")
        assert child.wait(timeout=60) == 0
        wait_until(lambda: marker.exists(), what="the adapter's stop")
        assert marker.read_text() == "stopped"
    finally:
        if child.poll() is None:
            child.kill()


def test_a_stop_signal_pending_before_the_wait_still_stops_cleanly(tmp_path):
    # The signal arrives while blocked, before run_until_interrupted: it is delivered
    # on unblocking, inside the wait's try, so the stop runs and the exit is clean.
    marker = tmp_path / "stopped"
    late = CHILD.replace('print("ready", flush=True)', 'print("ready", flush=True)\ninput()')
    child = subprocess.Popen(
        [sys.executable, "-c", late, str(marker)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=_blocking_both,  # the point of the test
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        child.send_signal(signal.SIGTERM)  # pending: the child still waits on stdin
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
        assert child.wait(timeout=60) == 0
        assert marker.read_text() == "stopped"
    finally:
        if child.poll() is None:
            child.kill()


SLOW_STOP = """
import signal
import sys
import threading
import time
from pathlib import Path
from adapters.process import _interrupt_once, run_until_interrupted

def announce():
    # Ready once the handlers are in place: a signal before that would end the
    # process by its default action, which is not what this test is about.
    while signal.getsignal(signal.SIGTERM) is not _interrupt_once:
        time.sleep(0.01)
    print("ready", flush=True)

def slow_stop():
    print("stopping", flush=True)
    time.sleep(1.0)
    Path(sys.argv[1]).write_text("stopped")

threading.Thread(target=announce, daemon=True).start()
run_until_interrupted(slow_stop)
"""


def test_signals_sent_again_while_stopping_do_not_break_off_the_stop(tmp_path):
    # The stop takes a while (a spool flushed, files closed); a supervisor sending the
    # signal again meanwhile, or a person pressing Ctrl-C twice, must not interrupt it.
    marker = tmp_path / "stopped"
    child = subprocess.Popen(
        [sys.executable, "-c", SLOW_STOP, str(marker)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        child.send_signal(signal.SIGTERM)
        assert child.stdout.readline().strip() == "stopping"
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGINT):
            child.send_signal(sig)
        assert child.wait(timeout=60) == 0
        assert marker.read_text() == "stopped"
    finally:
        if child.poll() is None:
            child.kill()
