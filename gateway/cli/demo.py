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
def demo(certs: Path, workdir: Path, duration: float) -> None:
    """Run the four-port federation on this machine and show what it does: camera
    traffic with a live view, an investigator story, a summary and every audit log
    verified. Ctrl-C stops every process it started (exit code 130)."""
    from gateway.demo import run_demo

    sys.exit(run_demo(certs, workdir, duration))
