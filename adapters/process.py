"""What every adapter process (`argos adapter run ...`) does around its own work: it
logs like the node (gateway.node.logs: structured JSON lines when not on a terminal,
readable ones on it), a settings file it cannot use ends it with one line naming the
file and the key instead of a traceback, and it runs until interrupted, then stops."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from typing import TypeVar

from gateway.domain.errors import InvalidInput
from gateway.node.logs import configure_logging

T = TypeVar("T")


def start_process(load_settings: Callable[[], T]) -> T:
    """Set up logging, then the process's settings; exits saying why they are refused."""
    configure_logging()
    try:
        return load_settings()
    except InvalidInput as refused:
        raise SystemExit(f"error: {refused}") from None


def _interrupt_once(signum: int, frame: object) -> None:
    """The first SIGINT or SIGTERM interrupts the wait; any later one is ignored, so it
    cannot break off the stop half-way (a supervisor or an impatient person sending it
    again would otherwise raise inside stop() and the process would die of SIGINT)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt


def run_until_interrupted(stop: Callable[[], None]) -> None:
    """Wait for Ctrl-C (SIGINT) or SIGTERM, then stop what was started. Both are taken
    even when the process was started with them ignored or blocked (in the background
    of a script, or by a parent that ignores or blocks SIGINT: a child inherits both),
    so the adapter always stops on them."""
    signal.signal(signal.SIGINT, _interrupt_once)
    signal.signal(signal.SIGTERM, _interrupt_once)
    try:
        # A signal that arrived while blocked is delivered here: a stop like any other.
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        stop()
