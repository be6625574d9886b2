"""`argos demo`: the four ports of Plan Argos on this machine, as separate processes
over mutual TLS, with the demo agreements set up the way administrators would."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

from gateway.domain.ocr import ocr_variants
from gateway.domain.plates import normalise_country, normalise_plate
from gateway.federation import LocalFederation, argos_command, free_port
from gateway.synthetic import synthetic_rows, write_hotlist_csv

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


TRAFFIC_READS = 3000  # per port
TRAFFIC_RATE = 1000.0  # reads per second per port


def _traffic(node_id: str, seed: int) -> list[dict]:
    """Camera traffic at one port: mostly plates on no list, a few from each port's
    hotlist (its own and its partners'), and one OCR misread of a partner's plate."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    plates = [(r["plate"], r["country"]) for r in synthetic_rows(TRAFFIC_READS, seed=1000 + seed)]
    for list_seed, other in enumerate(DEMO_HOTLISTS):
        rows = list(synthetic_rows(20, seed=list_seed))
        for row in rows[:4]:
            plates[rng.randrange(len(plates))] = (row["plate"], row["country"])
        if other != node_id:
            # A misread: the camera's OCR swapped one confusable character.
            for row in rows[4:]:
                plate, country = normalise_plate(row["plate"]), normalise_country(row["country"])
                variants = ocr_variants(plate, country, 1, 1)
                if variants:
                    plates[rng.randrange(len(plates))] = (variants[0][0], row["country"])
                    break
    return [
        {
            "plate": plate,
            "country": country,
            "confidence": 0.9,
            "camera": f"{node_id}-cam-{i % 7 + 1}",
            "site": f"{node_id}-gate-{i % 3 + 1}",
            "time": now.isoformat(timespec="milliseconds"),
            "direction": "in" if i % 2 else "out",
            "image_ref": f"img://{node_id}/{i:06d}.jpg",
        }
        for i, (plate, country) in enumerate(plates)
    ]


def _replay_traffic(federation: LocalFederation, console: Console) -> None:
    """Every port's cameras read traffic at once; operators see each hit as it happens
    and owners receive the hits on their entries from their partners."""
    console.rule("[bold]Camera traffic at every port")
    watchers, readers = [], []
    for node in federation.nodes.values():
        operator = node.add_user("operator", "operator")
        watcher = subprocess.Popen(
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
            stderr=subprocess.DEVNULL,
            text=True,
        )
        watchers.append(watcher)
        reader = threading.Thread(
            target=_show_alerts, args=(node.node_id, watcher, console), daemon=True
        )
        reader.start()
        readers.append(reader)
    time.sleep(1.0)  # let every watcher connect before the cameras start
    replays, adapters = [], []
    for seed, node in enumerate(federation.nodes.values()):
        reads = _traffic(node.node_id, seed)
        vendor = VENDOR_PORTS.get(node.node_id)
        if vendor is not None:
            # This port's cameras push in their vendor's own format to an adapter.
            adapter, port = _start_adapter(federation, node, vendor)
            adapters.append(adapter)
            console.print(f"{node.node_id}: cameras push through the {vendor} adapter")
            replays.append(threading.Thread(target=_push, args=(vendor, port, reads)))
            continue
        path = federation.workdir / f"{node.node_id}-reads.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in reads))
        adapter_token = node.add_user("camera-adapter", "adapter")
        replays.append(
            threading.Thread(
                target=node.argos,
                args=("reads", "replay", str(path), "--rate", str(TRAFFIC_RATE)),
                kwargs={"token_file": adapter_token},
            )
        )
    for replay in replays:
        replay.start()
    for replay in replays:
        replay.join()
    time.sleep(2.0)  # notifications in flight reach their owners
    time.sleep(1.0)  # the adapters forward what they still hold
    for process in [*watchers, *adapters]:
        process.terminate()
    for reader in readers:
        reader.join(timeout=5)
    table = Table(title="Hits per port")
    for column in (
        "port",
        "reads",
        "hits on own list",
        "hits on partners' lists",
        "notified to owners",
        "received from partners",
    ):
        table.add_column(column)
    for node in federation.nodes.values():
        investigator = node.home / "investigator.token"
        observed = node.json(
            "hits", "list", "--observed", "--limit", "1000", token_file=investigator
        )
        own = node.json("hits", "list", "--limit", "1000", token_file=investigator)
        table.add_row(
            node.node_id,
            str(TRAFFIC_READS),
            str(sum(1 for h in own if h["observer"] == node.node_id)),
            str(len(observed)),
            str(sum(1 for h in observed if h.get("owner_notified"))),
            str(sum(1 for h in own if h["observer"] != node.node_id)),
        )
    console.print(table)


# Two ports feed their reads through vendor adapters (separate processes with real
# HTTP listeners), the others replay theirs: the node cannot tell the difference.
VENDOR_PORTS = {"be-antwerpen": "openalpr", "nl-rotterdam": "axis"}
_ALPHA3 = {"BE": "BEL", "NL": "NLD", "FR": "FRA", "DE": "DEU", "LU": "LUX"}


def _start_adapter(federation: LocalFederation, node, vendor: str):
    home = federation.workdir / f"{node.node_id}-{vendor}-adapter"
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    token = node.add_user(f"{vendor}-adapter", "adapter")
    config = home / "adapter.toml"
    config.write_text(
        f'node_socket = "{node.home / "admin.sock"}"\ntoken_file = "{token}"\n'
        f'site = "{node.node_id}-gate-1"\nlisten = "127.0.0.1:{port}"\n'
    )
    process = subprocess.Popen(
        [*argos_command(), "adapter", "run", vendor, "--config", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    if process.stdout is not None:
        process.stdout.readline()  # listening
    return process, port


def _push(vendor: str, port: int, reads: list[dict]) -> None:
    """Each read as the vendor's camera would POST it."""
    started = time.monotonic()
    for i, r in enumerate(reads):
        plate = normalise_plate(r["plate"])
        country = normalise_country(r["country"])
        now_ms = int(time.time() * 1000)
        if vendor == "openalpr":
            body = {
                "data_type": "alpr_group",
                "epoch_start": now_ms,
                "epoch_end": now_ms,
                "best_plate_number": plate,
                "best_plate": {"plate": plate, "confidence": 90.0, "candidates": []},
                "best_confidence": 90.0,
                "best_region": country.lower(),
                "country": "eu",
                "camera_id": 1 + i % 7,
                "best_uuid": f"demo-{port}-{i}",
            }
        else:
            body = {
                "packetCounter": i,
                "carID": str(i),
                "carState": "new",
                "plateText": plate,
                "plateUTF8": plate,
                "plateCountry": _ALPHA3.get(country, ""),
                "plateConfidence": 0.9,
                "capture_timestamp": now_ms,
                "camera_info": {"SerialNumber": "ACCC8E000001"},
            }
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                response.read()
        except urllib.error.HTTPError:
            pass  # a refused payload is counted by the adapter; the demo goes on
        time.sleep(max(0.0, started + (i + 1) / TRAFFIC_RATE - time.monotonic()))


def _show_alerts(node_id: str, watcher: subprocess.Popen, console: Console) -> None:
    for line in watcher.stdout or ():
        a = json.loads(line)
        whose = "own list" if not a.get("agreement_id") else f"{a['entry_owner']}'s list"
        kind = "fuzzy" if a.get("match") == "MATCH_KIND_FUZZY" else "exact"
        advice = "; ".join(a.get("advisories", ()))
        console.print(
            f"[bold red]ALERT[/] {node_id} {a.get('category')} on {whose}, {kind}, "
            f"{a.get('site', '').removeprefix(node_id + '-')}, "
            f"{a.get('action') or 'action not shared'}"
            + (" -> owner notified" if a.get("owner_notified") else "")
            + (f" [yellow]({advice})[/]" if advice else ""),
            soft_wrap=True,
        )


def _confirmation_story(federation: LocalFederation, console: Console) -> None:
    """One hit, confirmed each way: the observing port asks the owner whether the alert
    stands; the owner asks the observer for the details of the sighting."""
    console.rule("[bold]A hit confirmed, both ways")
    found = None
    for node in federation.nodes.values():
        token = node.home / "investigator.token"
        hits = node.json("hits", "list", "--observed", "--limit", "1000", token_file=token)
        found = next((h for h in hits if h.get("owner_notified")), None)
        if found:
            observer = node
            break
    if found is None:
        console.print("no cross-border hit to confirm")
        return
    owner = federation[found["owner"]]
    o_token, w_token = observer.home / "investigator.token", owner.home / "investigator.token"

    def ask(node, token, kind: str, case: str) -> str:
        out = node.argos(
            "confirm",
            "request",
            "--kind",
            kind,
            "--hit",
            found["hit_id"],
            "--purpose",
            "criminal_investigation",
            "--case-reference",
            case,
            "--json",
            token_file=token,
        )
        return json.loads(out.stdout)["request"]["request_id"]

    def settle(asker, a_token, answerer, n_token, request_id: str, *answer: str) -> dict:
        _wait(
            lambda: (
                answerer.argos(
                    "confirm", "show", request_id, token_file=n_token, check=False
                ).returncode
                == 0
            )
        )
        answerer.argos("confirm", "answer", request_id, *answer, token_file=n_token)
        shown: dict = {}

        def answered() -> bool:
            shown.update(asker.json("confirm", "show", request_id, token_file=a_token))
            return shown.get("state") == "CONFIRMATION_STATE_ANSWERED"

        _wait(answered)
        return shown

    first = ask(observer, o_token, "alert", "DEMO-ALERT-1")
    console.print(
        f"{observer.node_id} asks {owner.node_id}: is alert on {found['entry_id']} valid?"
    )
    done = settle(
        observer,
        o_token,
        owner,
        w_token,
        first,
        "--outcome",
        "confirmed",
        "--note",
        "vehicle still sought: stop and hold",
    )
    console.print(f"  answered {done['answer']['outcome']}: {done['answer'].get('note', '')}")
    second = ask(owner, w_token, "details", "DEMO-CASE-7")
    console.print(f"{owner.node_id} asks {observer.node_id} for the details of the sighting")
    done = settle(owner, w_token, observer, o_token, second)
    for s in done["answer"].get("sightings", []):
        console.print(f"  seen {s['observed_at']} at {s['location']} ({s.get('direction', '')})")
    table = Table(title="The trail in both audit logs")
    for column in ("node", "seq", "action", "actor", "request", "recipient"):
        table.add_column(column)
    for node in (observer, owner):
        for r in node.json("audit", "list", "--limit", "1000"):
            if r.get("object_id") in (first, second):
                table.add_row(
                    node.node_id,
                    str(r["seq"]),
                    r["action"],
                    r["actor"],
                    r["object_id"][-8:],
                    r.get("recipient", ""),
                )
    console.print(table)


def _wait(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("the demo waited too long for a partner")
        time.sleep(0.2)


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
        _replay_traffic(federation, console)
        _confirmation_story(federation, console)
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
