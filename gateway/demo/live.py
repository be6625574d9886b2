"""What the demo shows while the cameras roll: every port's figures as its own node
reports them on its Prometheus endpoint (scraped about once a second), and the alerts
its operators see on `argos alerts watch`. Counts, ids, categories and sites only:
nothing here holds a plate."""

from __future__ import annotations

import json
import subprocess
import threading
import time
import urllib.request
from collections import deque
from dataclasses import dataclass

from prometheus_client.parser import text_string_to_metric_families
from rich.console import Group
from rich.table import Table
from rich.text import Text

from gateway.federation import LocalFederation, LocalNode, argos_command

SCRAPE_INTERVAL_S = 1.0
# Reads per second over the last few scrapes, so the figure does not jump with each
# batch a replay or an adapter hands over.
RATE_WINDOW = 3


@dataclass(frozen=True)
class PortFigures:
    """One port's figures, as its node reported them at one scrape."""

    reads: int = 0
    reads_per_s: float = 0.0
    hits_own: int = 0
    hits_partner: int = 0
    notified: int = 0
    received: int = 0
    sync_lag: int = 0
    open_confirmations: int = 0
    outbox_pending: int = 0
    adapters: int = 0
    reachable: bool = False


def scrape(port: int) -> dict[str, list[tuple[dict[str, str], float]]]:
    """Every sample of a node's /metrics, by name."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as reply:
        text = reply.read().decode()
    samples: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            samples.setdefault(s.name, []).append((s.labels, s.value))
    return samples


def _total(samples, name: str, **labels: str) -> int:
    return int(
        sum(
            v
            for found, v in samples.get(name, ())
            if all(found.get(k) == want for k, want in labels.items())
        )
    )


def port_figures(samples, reads_per_s: float) -> PortFigures:
    """A port's figures from one scrape of its node."""
    return PortFigures(
        reads=_total(samples, "argos_ingest_reads_total"),
        reads_per_s=reads_per_s,
        hits_own=_total(samples, "argos_hits_held", kind="own"),
        hits_partner=_total(samples, "argos_hits_held", kind="observed"),
        notified=_total(
            samples, "argos_outbox_messages_by_kind", kind="hit_notification", state="delivered"
        ),
        received=_total(samples, "argos_hits_held", kind="received"),
        sync_lag=_total(samples, "argos_sync_lag_changes"),
        open_confirmations=_total(samples, "argos_confirmations_open"),
        outbox_pending=_total(samples, "argos_outbox_messages", state="pending"),
        adapters=_total(samples, "argos_adapters"),
        reachable=True,
    )


class NodeFigures:
    """Scrapes every node's /metrics on a thread of its own; `latest` is the newest
    reading per port."""

    def __init__(self, metrics_ports: dict[str, int]) -> None:
        self._ports = metrics_ports
        self._history: dict[str, deque[tuple[float, int]]] = {
            n: deque(maxlen=RATE_WINDOW + 1) for n in metrics_ports
        }
        self.latest: dict[str, PortFigures] = {n: PortFigures() for n in metrics_ports}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def read_now(self) -> dict[str, PortFigures]:
        """Scrape every node once more (the final figures) and return them."""
        self._scrape_all()
        return dict(self.latest)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._scrape_all()
            self._stop.wait(SCRAPE_INTERVAL_S)

    def _scrape_all(self) -> None:
        for node_id, port in self._ports.items():
            try:
                samples = scrape(port)
            except OSError:
                self.latest[node_id] = PortFigures()
                continue
            reads = _total(samples, "argos_ingest_reads_total")
            history = self._history[node_id]
            history.append((time.monotonic(), reads))
            (t0, r0), (t1, r1) = history[0], history[-1]
            rate = (r1 - r0) / (t1 - t0) if t1 > t0 else 0.0
            self.latest[node_id] = port_figures(samples, rate)


@dataclass(frozen=True)
class AlertLine:
    """An alert as the demo shows it: no plate."""

    port: str
    hit_id: str
    entry_id: str
    owner: str
    category: str
    fuzzy: bool
    site: str
    action: str
    advisories: tuple[str, ...]

    def describe(self) -> str:
        whose = "own list" if self.owner == self.port else f"{self.owner}'s list"
        advice = f" ({'; '.join(self.advisories)})" if self.advisories else ""
        return (
            f"{self.port} ALERT {self.category} on {whose}, "
            f"{'fuzzy' if self.fuzzy else 'exact'}, {self.site.removeprefix(self.port + '-')}, "
            f"{self.action or 'action not shared'}{advice}"
        )


class AlertStreams:
    """`argos alerts watch --json` for each port's operator, read line by line on a
    thread per port (so a watcher never blocks on a full pipe). Only plate-free fields
    are kept."""

    def __init__(self, federation: LocalFederation) -> None:
        self._federation = federation
        self.processes: list[subprocess.Popen] = []
        self.recent: deque[AlertLine] = deque(maxlen=6)
        self.alerts: list[AlertLine] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        for node in self._federation.nodes.values():
            operator = node.add_user("operator", "operator")
            log = (node.home.parent / f"{node.node_id}-alerts-watch.log").open("ab")
            process = subprocess.Popen(
                [
                    *argos_command(),
                    "alerts",
                    "watch",
                    "--home",
                    str(node.home),
                    "--token-file",
                    str(operator),
                    "--json",
                ],
                stdout=subprocess.PIPE,
                stderr=log,
                stdin=subprocess.DEVNULL,
                text=True,
                start_new_session=True,
            )
            log.close()
            self.processes.append(process)
            threading.Thread(target=self._read, args=(node, process), daemon=True).start()
        for node in self._federation.nodes.values():
            _wait_watching(node)

    def find(self, port: str, entry_id: str) -> AlertLine | None:
        with self._lock:
            return next((a for a in self.alerts if a.port == port and a.entry_id == entry_id), None)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def _read(self, node: LocalNode, process: subprocess.Popen) -> None:
        for line in process.stdout or ():
            try:
                item = json.loads(line)
            except ValueError:
                continue
            if "confirmation" in item:
                continue
            alert = AlertLine(
                port=node.node_id,
                hit_id=item.get("hit_id", ""),
                entry_id=item.get("entry_id", ""),
                owner=item.get("entry_owner", node.node_id),
                category=item.get("category", ""),
                fuzzy=item.get("match") == "MATCH_KIND_FUZZY",
                site=item.get("site", ""),
                action=item.get("action", ""),
                advisories=tuple(item.get("advisories", ())),
            )
            with self._lock:
                self.alerts.append(alert)
                self.recent.append(alert)


def _wait_watching(node: LocalNode, timeout: float = 30.0) -> None:
    """A watcher is in once its node has audited the watch."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        records = node.json("audit", "list", "--limit", "1000")
        if any(r["action"] == "alerts.watch" for r in records):
            return
        time.sleep(0.3)
    raise RuntimeError(f"the operator's alert stream at {node.node_id} did not start")


def figures_table(figures: dict[str, PortFigures], title: str, *, rates: bool = True) -> Table:
    """Per port: reads, hits, notifications, sync lag, open confirmations."""
    table = Table(title=title, title_justify="left")
    table.add_column("port")
    if rates:
        table.add_column("reads/s", justify="right")
    for column in (
        "reads",
        "hits: own list",
        "hits: partners' lists",
        "notified to owners",
        "received from partners",
        "sync lag",
        "open confirmations",
    ):
        table.add_column(column, justify="right")
    for port, f in figures.items():
        if not f.reachable:
            table.add_row(port, *(["-"] * (len(table.columns) - 1)))
            continue
        row = [port]
        if rates:
            row.append(f"{f.reads_per_s:.0f}")
        row += [
            str(f.reads),
            str(f.hits_own),
            str(f.hits_partner),
            str(f.notified),
            str(f.received),
            str(f.sync_lag),
            str(f.open_confirmations),
        ]
        table.add_row(*row)
    return table


def live_view(
    figures: NodeFigures, alerts: AlertStreams, started: float, duration_s: float
) -> Group:
    """The whole live screen: the figures table and the operators' latest alerts."""
    elapsed = min(time.monotonic() - started, duration_s)
    title = f"Live, from each node's /metrics: camera traffic {elapsed:.0f} s of {duration_s:.0f} s"
    recent = Text("\n".join(a.describe() for a in list(alerts.recent)) or "no alert yet")
    return Group(
        figures_table(dict(figures.latest), title),
        Text("latest alerts at the control rooms:", style="bold"),
        recent,
    )
