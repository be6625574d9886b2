"""`argos demo`: the four ports of Plan Argos on this machine, as separate processes
over mutual TLS, with the demo agreements set up the way administrators would."""

from __future__ import annotations

import signal
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from gateway.federation import LocalFederation
from gateway.synthetic import write_hotlist_csv

# Gent and Terneuzen are one port (North Sea Port): everything, plates in plaintext.
# Terneuzen and Rotterdam share least: two categories, tokens only, action only.
DEMO_AGREEMENTS = (
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
)


# Synthetic hotlist sizes per port (investigators' own entries).
DEMO_HOTLISTS = {"be-gent": 3000, "nl-terneuzen": 2000, "be-antwerpen": 4000, "nl-rotterdam": 5000}
SYNC_TIMEOUT_S = 120.0


def _load_hotlists(federation: LocalFederation, console: Console) -> None:
    """Each port's investigator imports a synthetic hotlist; then show the partners
    holding exactly what their agreements allow, with signed heads verified."""
    for seed, (node_id, size) in enumerate(DEMO_HOTLISTS.items()):
        node = federation[node_id]
        token = node.add_user("investigator", "investigator")
        path = write_hotlist_csv(federation.workdir / f"{node_id}-hotlist.csv", size, seed=seed)
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


def run_demo(certs: Path, workdir: Path) -> int:
    # Wide enough for the tables even when the output is not a terminal.
    console = Console(width=max(110, Console().width))
    federation = LocalFederation(workdir.resolve(), certs.resolve())
    # Ctrl-C: stop every node cleanly before leaving.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        console.rule("[bold]Argos demo: four port nodes over mutual TLS")
        federation.start()
        for node in federation.nodes.values():
            console.print(f"started {node.node_id} on {node.endpoint} (pid {node.process.pid})")
        pairs = {tuple(sorted((a, b))) for a, b, _ in DEMO_AGREEMENTS}
        for a, b in sorted(pairs):
            federation.connect(a, b)
            console.print(f"registered {a} <-> {b} as partners")
        for proposer, partner, options in DEMO_AGREEMENTS:
            agreement_id = federation.agree(proposer, partner, *options)
            console.print(f"agreement {agreement_id[:8]} {proposer} -> {partner}: countersigned")
        for node in federation.nodes.values():
            table = Table(title=f"{node.node_id}: partners and agreements")
            for column in (
                "partner",
                "endpoint",
                "agreement",
                "v",
                "state",
                "plates",
                "categories",
            ):
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
        _load_hotlists(federation, console)
        for node in federation.nodes.values():
            result = node.argos("audit", "verify")
            console.print(f"{node.node_id}: {result.stdout.strip()}")
        return 0
    except KeyboardInterrupt:
        console.print("interrupted: stopping the nodes")
        return 130
    finally:
        federation.stop()
        console.print("all nodes stopped")
