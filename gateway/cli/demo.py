"""argos demo: the four-port federation on this machine, for showing what it does."""

from __future__ import annotations

import sys
from pathlib import Path

import click


@click.command()
@click.option(
    "--certs",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("certs-dev/out"),
    show_default=True,
)
@click.option(
    "--workdir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("demo-data"),
    show_default=True,
)
@click.option(
    "--duration",
    type=click.FloatRange(min=1),
    envvar="DEMO_DURATION",
    default=60.0,  # gateway.demo.DEFAULT_DURATION_S, not imported until the demo runs
    show_default=True,
    help="Seconds of camera traffic (or DEMO_DURATION).",
)
@click.option(
    "--stay/--no-stay",
    envvar="DEMO_STAY",
    default=False,
    help="After the summary, keep the nodes and their consoles running until Ctrl-C "
    "(or DEMO_STAY=1), to click through the consoles.",
)
def demo(certs: Path, workdir: Path, duration: float, stay: bool) -> None:
    """Run the four-port federation on this machine and show what it does: camera
    traffic with a live view, an investigator story, a console per port with a demo
    log-in per role, a summary and every audit log verified. Ctrl-C stops every process
    it started (exit code 130)."""
    from gateway.demo import run_demo

    sys.exit(run_demo(certs, workdir, duration, stay))
