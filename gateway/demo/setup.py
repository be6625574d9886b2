"""The demo's federation as administrators and investigators would set it up: four
node processes over mutual TLS, each with its Prometheus endpoint, the demo agreements
proposed and countersigned, and a synthetic hotlist at every port, synced."""

from __future__ import annotations

import shutil
import time

from rich.console import Console
from rich.table import Table

from gateway.federation import LocalFederation, free_port
from gateway.synthetic import synthetic_rows, write_hotlist_csv

# Gent and Terneuzen are one port (North Sea Port): everything, plates in plaintext.
# Terneuzen and Rotterdam share least: two categories, tokens only, action only.
# Rotterdam and Gent: what the investigator story needs (Rotterdam's drug-trafficking
# entries reach Gent's cameras as tokens; hits notified at site granularity; alert
# confirmations and hit details may be asked both ways).
DEMO_AGREEMENTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "be-gent",
        "nl-terneuzen",
        (
            "--matching",
            "plaintext",
            "--fields",
            "action,flags,vehicle_description,contact",
            "--purposes",
            "criminal_investigation,missing_persons,public_order",
        ),
    ),
    (
        "be-gent",
        "be-antwerpen",
        (
            "--categories",
            "stolen_vehicle,stolen_plate,wanted_person,drug_trafficking,international_alert",
        ),
    ),
    (
        "be-antwerpen",
        "nl-rotterdam",
        (
            "--categories",
            "stolen_vehicle,drug_trafficking,wanted_person,international_alert",
        ),
    ),
    (
        "nl-terneuzen",
        "nl-rotterdam",
        (
            "--categories",
            "stolen_vehicle,drug_trafficking",
            "--matching",
            "token",
            "--fields",
            "action",
            "--granularity",
            "zone",
        ),
    ),
    (
        "nl-rotterdam",
        "be-gent",
        (
            "--categories",
            "stolen_vehicle,drug_trafficking,wanted_person,international_alert",
            "--fields",
            "action,flags,contact",
            "--granularity",
            "site",
        ),
    ),
)

# Synthetic hotlist sizes per port (investigators' own entries), and their seeds.
DEMO_HOTLISTS = {"be-gent": 3000, "nl-terneuzen": 2000, "be-antwerpen": 4000, "nl-rotterdam": 5000}
HOTLIST_SEEDS = {node_id: seed for seed, node_id in enumerate(DEMO_HOTLISTS)}
SYNC_TIMEOUT_S = 120.0

# Settings every demo node gets beside what `argos init` writes: a short outbox
# backoff, so a notification retried during the demo arrives before its summary.
DEMO_NODE_SETTINGS = {"outbox_max_backoff_s": 5}


def hotlist_rows(node_id: str) -> list[dict]:
    """The rows of one port's demo hotlist, as imported (same seed, same rows)."""
    return list(synthetic_rows(DEMO_HOTLISTS[node_id], seed=HOTLIST_SEEDS[node_id]))


def start_nodes(federation: LocalFederation, console: Console) -> dict[str, int]:
    """Initialise and start every node with a metrics port; return the ports."""
    federation.ensure_certs()
    metrics: dict[str, int] = {}
    for node in federation.nodes.values():
        if node.home.exists():
            shutil.rmtree(node.home)
        node.init()
        metrics[node.node_id] = free_port()
        settings = {**DEMO_NODE_SETTINGS, "metrics_port": metrics[node.node_id]}
        with (node.home / "node.toml").open("a") as f:
            f.writelines(f"{key} = {value}\n" for key, value in settings.items())
    for node in federation.nodes.values():
        node.start()
        pid = node.process.pid if node.process else "?"
        console.print(
            f"started {node.node_id} on {node.endpoint} (pid {pid}), "
            f"metrics on 127.0.0.1:{metrics[node.node_id]}"
        )
    return metrics


def make_agreements(federation: LocalFederation, console: Console) -> None:
    """Register partners and set up every demo agreement; show each node's view."""
    pairs = {tuple(sorted((a, b))) for a, b, _ in DEMO_AGREEMENTS}
    for a, b in sorted(pairs):
        federation.connect(a, b)
        console.print(f"registered {a} <-> {b} as partners")
    for proposer, partner, options in DEMO_AGREEMENTS:
        agreement_id = federation.agree(proposer, partner, *options)
        console.print(f"agreement {agreement_id[:8]} {proposer} -> {partner}: countersigned")
    for node in federation.nodes.values():
        table = Table(title=f"{node.node_id}: partners and agreements")
        for column in ("partner", "endpoint", "agreement", "v", "state", "plates", "categories"):
            table.add_column(column)
        table.add_column("fingerprint", no_wrap=True, min_width=19)
        partners = {p["node_id"]: p for p in node.json("partner", "list")}
        for a in node.json("agreement", "list"):
            other = a["partner"] if a["proposer"] == node.node_id else a["proposer"]
            table.add_row(
                other,
                partners[other]["endpoint"],
                a["agreement_id"][:8],
                str(a["version"]),
                a["state"],
                a["terms"]["matching_mode"].removeprefix("MATCHING_MODE_").lower(),
                str(len(a["terms"]["categories"])),
                a["fingerprint"],
            )
        console.print(table)


def load_hotlists(federation: LocalFederation, console: Console) -> None:
    """Each port's investigator imports a synthetic hotlist; then show the partners
    holding exactly what their agreements allow, with signed heads verified."""
    for node_id, size in DEMO_HOTLISTS.items():
        node = federation[node_id]
        token = node.add_user("investigator", "investigator")
        path = write_hotlist_csv(
            federation.workdir / f"{node_id}-hotlist.csv", size, seed=HOTLIST_SEEDS[node_id]
        )
        node.argos(
            "hotlist", "import", str(path), "--justification", "demo hotlist", token_file=token
        )
        console.print(f"{node_id}: {size} hotlist entries imported")
    deadline = time.monotonic() + SYNC_TIMEOUT_S
    while time.monotonic() < deadline and not _all_in_step(federation):
        time.sleep(0.5)
    for node in federation.nodes.values():
        table = Table(title=f"{node.node_id}: hotlist sync per partner")
        for column in ("partner", "agreement", "direction", "entries", "seq", "verified head"):
            table.add_column(column)
        for s in node.json("sync", "status"):
            shares = "we share" if s["role"] == "provider" else "we receive"
            verified = s["last_verified_head_seq"] if s["role"] == "recipient" else ""
            table.add_row(
                s["partner"],
                s["agreement_id"][:8],
                shares,
                str(s["entries"]),
                str(s["cursor"]),
                str(verified),
            )
        console.print(table)


def _all_in_step(federation: LocalFederation) -> bool:
    provided = {}
    held = {}
    for node in federation.nodes.values():
        for s in node.json("sync", "status"):
            key = (s["agreement_id"], s["partner"] if s["role"] == "recipient" else node.node_id)
            if s["role"] == "provider":
                provided[key] = (int(s["cursor"]), int(s["entries"]))
            else:
                held[key] = (int(s["last_verified_head_seq"]), int(s["entries"]))
    return bool(held) and all(held.get(k) == v for k, v in provided.items())
