"""The demo from start to end, and its clean stop on Ctrl-C (see the package docstring)."""

from __future__ import annotations

import signal
import time
from pathlib import Path

from rich.console import Console
from rich.live import Live
from rich.table import Table

from gateway.demo.consoles import open_consoles
from gateway.demo.live import AlertStreams, NodeFigures, figures_table, live_view
from gateway.demo.setup import (
    DEMO_AGREEMENTS,
    hotlist_rows,
    load_hotlists,
    make_agreements,
    start_nodes,
)
from gateway.demo.story import STEPS, InvestigatorStory, StoryResult
from gateway.demo.traffic import PORT_RATES, VENDOR_PORTS, CameraTraffic
from gateway.federation import LocalConsole, LocalFederation

# Camera traffic by default: with start-up, the story and the summary, the whole demo
# stays well under three minutes on a two-core machine.
DEFAULT_DURATION_S = 60.0
# The story starts once the live view has shown a few seconds of traffic.
STORY_DELAY_S = 5.0
# Where the output is not a terminal (a log, a test), the figures are printed this often.
PLAIN_FIGURES_EVERY_S = 10.0
SETTLE_TIMEOUT_S = 30.0


def run_demo(
    certs: Path, workdir: Path, duration_s: float = DEFAULT_DURATION_S, stay: bool = False
) -> int:
    """Run the demo; 0 when every step happened and every audit log verified, 1 when
    not, 130 when interrupted. With `stay`, the nodes and their consoles keep running
    after the summary until Ctrl-C (and the exit code is the summary's)."""
    # Wide enough for the tables even when the output is not a terminal.
    console = Console(width=max(120, Console().width))
    federation = LocalFederation(workdir.resolve(), certs.resolve())
    traffic = CameraTraffic(federation, duration_s, {})
    alerts = AlertStreams(federation)
    figures: NodeFigures | None = None
    consoles: dict[str, LocalConsole] = {}
    # Ctrl-C stops the demo even where it was started with SIGINT ignored (in the
    # background of a script): its children then take SIGINT again too. SIGTERM
    # stops it the same way.
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        console.rule("[bold]Argos demo: four port nodes over mutual TLS")
        metrics_ports = start_nodes(federation, console)
        make_agreements(federation, console)
        load_hotlists(federation, console)
        traffic.listed.update(_listed_vehicles(federation))
        consoles = open_consoles(federation, console)

        console.rule(f"[bold]Camera traffic at every port for {duration_s:.0f} s")
        traffic.start_adapters()
        for port, rate in PORT_RATES.items():
            how = (
                f"its cameras push {VENDOR_PORTS[port]} events to an adapter process"
                if port in VENDOR_PORTS
                else "its reads are replayed into the ingest API"
            )
            console.print(f"{port}: about {rate:.0f} reads/s; {how}")
        alerts.start()
        figures = NodeFigures(metrics_ports)
        figures.start()
        started = time.monotonic()
        traffic.start()
        console.print("camera traffic started")
        with Live(
            get_renderable=lambda: live_view(figures, alerts, started, duration_s),
            console=console,
            refresh_per_second=1,
            transient=False,
        ):
            _sleep_until(started + STORY_DELAY_S, figures, console)
            story = InvestigatorStory(federation, alerts, console).run()
            _sleep_until(started + duration_s, figures, console)
            traffic.finish()
            _settle(figures)
        console.print()
        final = figures.read_now()
        figures.stop()
        verdict = _summary(federation, console, final, story)
        if stay:
            _stay(console, consoles)
        return verdict
    except KeyboardInterrupt:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        console.print("\ninterrupted: stopping every process of the demo")
        return 130
    finally:
        # A second Ctrl-C must not cut the stop short and leave processes behind.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if figures is not None:
            figures.stop()
        traffic.stop()
        alerts.stop()
        for web_console in consoles.values():
            web_console.stop()
        federation.stop()
        console.print("all nodes, adapters and watchers stopped")
        # The caller's handlers again (a test process that ran the demo must not go on
        # ignoring SIGINT, nor hand that on to the processes it starts next).
        for sig, handler in before.items():
            signal.signal(sig, handler)


def _stay(console: Console, consoles: dict[str, LocalConsole]) -> None:
    """Keep everything running for the browser until Ctrl-C."""
    for node_id, web_console in consoles.items():
        console.print(f"console of {node_id}: {web_console.url}")
    console.print("nodes and consoles keep running (the log-ins are above): Ctrl-C stops them")
    try:
        signal.pause()
    except KeyboardInterrupt:
        console.print("\nstopping")


def _listed_vehicles(federation: LocalFederation) -> dict[str, list[tuple[str, str]]]:
    """Per port, the listed vehicles its cameras may see: its own list's and those of
    every port it has an agreement with (what a partner holds depends on the terms)."""
    lists = {
        node_id: [(r["plate"], r["country"]) for r in hotlist_rows(node_id)]
        for node_id in federation.nodes
    }
    partners: dict[str, set[str]] = {n: set() for n in federation.nodes}
    for a, b, _ in DEMO_AGREEMENTS:
        partners[a].add(b)
        partners[b].add(a)
    return {
        node_id: [v for other in (node_id, *sorted(partners[node_id])) for v in lists[other]]
        for node_id in federation.nodes
    }


def _sleep_until(moment: float, figures: NodeFigures, console: Console) -> None:
    """Wait, printing the figures now and then where no live view refreshes them."""
    last = time.monotonic()
    while (left := moment - time.monotonic()) > 0:
        time.sleep(min(left, 0.5))
        if not console.is_terminal and time.monotonic() - last >= PLAIN_FIGURES_EVERY_S:
            last = time.monotonic()
            console.print(figures_table(dict(figures.latest), "figures from /metrics"))


def _settle(figures: NodeFigures) -> None:
    """After the traffic: until every notification and answer has left its outbox."""
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    while time.monotonic() < deadline:
        if all(f.reachable and f.outbox_pending == 0 for f in figures.read_now().values()):
            return
        time.sleep(0.5)


def _summary(federation: LocalFederation, console: Console, final, story: StoryResult) -> int:
    console.rule("[bold]Summary")
    console.print(figures_table(final, "Per port, as each node reports it (/metrics)", rates=False))
    steps = Table(title="The investigator story", title_justify="left")
    steps.add_column("step")
    steps.add_column("done")
    for step in STEPS:
        steps.add_row(step, f"yes ({story.done[step]})" if step in story.done else "NO")
    console.print(steps)
    verdicts = Table(title="argos audit verify on every node", title_justify="left")
    verdicts.add_column("node")
    verdicts.add_column("verdict")
    intact = True
    for node in federation.nodes.values():
        result = node.argos("audit", "verify", check=False)
        verdict = (result.stdout or result.stderr).strip()
        intact = intact and result.returncode == 0
        verdicts.add_row(node.node_id, verdict if result.returncode == 0 else f"[red]{verdict}[/]")
    console.print(verdicts)
    ok = intact and len(story.done) == len(STEPS)
    console.print("demo complete" if ok else "[red]demo incomplete[/]")
    return 0 if ok else 1
