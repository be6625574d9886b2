"""Camera traffic at the four ports for the demo's duration: Antwerpen's cameras push
OpenALPR groups and Rotterdam's push Axis events to vendor adapters (processes of their
own with real HTTP listeners); Gent's and Terneuzen's reads are replayed into the ingest
API the way an adapter hands them over. Every child writes its output to a log file in
the demo folder, so none can stall on a full pipe."""

from __future__ import annotations

import http.client
import json
import os
import random
import secrets
import signal
import ssl
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from gateway.domain.ocr import ocr_variants
from gateway.domain.plates import normalise_country, normalise_plate
from gateway.federation import LocalFederation, LocalNode, argos_command, free_port
from gateway.synthetic import SyntheticPlates

# Reads per second at each port, all its cameras together. National figures put the
# average fixed camera far lower (NL: 60-80 reads/s across 919 cameras), but a port's
# cameras stand on its access roads and gates, where the trucks are: tens of reads a
# second per port, the larger ports busiest.
PORT_RATES = {"be-gent": 20.0, "nl-terneuzen": 15.0, "be-antwerpen": 30.0, "nl-rotterdam": 40.0}
CAMERAS_PER_SITE = 3
SITES = ("gate-1", "gate-2", "access-road", "terminal")

# Which ports' cameras push through a vendor adapter; the node cannot tell the difference.
VENDOR_PORTS = {"be-antwerpen": "openalpr", "nl-rotterdam": "axis"}
_ALPHA3 = {"BE": "BEL", "NL": "NLD", "FR": "FRA", "DE": "DEU", "LU": "LUX"}

# Far more listed vehicles than real life (where well under one read in a hundred
# hits), so that a demo of a minute shows hits at every port; some are misread by the
# camera's OCR by one confusable character.
LISTED_SHARE = 0.025
MISREAD_SHARE = 0.2

ADAPTER_READY_S = 30.0
DRAIN_TIMEOUT_S = 30.0
# Each port's cameras push as one camera agent of its adapter, over HTTPS with the
# port's dev certificate, proving who they are with a shared secret in this header.
CAMERA_KEY_HEADER = "X-Argos-Camera-Key"


class Vehicles:
    """Who drives past one port's cameras: mostly vehicles on no list, now and then one
    on a hotlist (the port's own or a partner's), reproducible from a seed."""

    def __init__(self, node_id: str, seed: int, listed: list[tuple[str, str]]) -> None:
        self._node_id = node_id
        self._rng = random.Random(seed)
        self._plates = SyntheticPlates(seed)
        self._listed = listed
        self._count = 0

    def next_read(self) -> dict:
        rng = self._rng
        if self._listed and rng.random() < LISTED_SHARE:
            plate, country = rng.choice(self._listed)
            if rng.random() < MISREAD_SHARE:
                variants = ocr_variants(normalise_plate(plate), normalise_country(country), 1, 1)
                if variants:
                    plate = variants[0][0]
        else:
            plate, country = self._plates.plate()
        i = self._count
        self._count += 1
        site = rng.choice(SITES)
        return {
            "plate": plate,
            "country": country,
            "confidence": round(rng.uniform(0.82, 0.99), 2),
            "camera": f"{self._node_id}-{site}-cam-{rng.randint(1, CAMERAS_PER_SITE)}",
            "site": f"{self._node_id}-{site}",
            "direction": rng.choice(("in", "out")),
            "image_ref": f"img://{self._node_id}/{i:07d}.jpg",
        }


@dataclass
class _Pusher:
    """One port's cameras POSTing to its vendor adapter, Poisson arrivals at a rate."""

    vendor: str
    port: int
    vehicles: Vehicles
    rate: float
    seed: int
    tls: ssl.SSLContext
    camera_key: str
    thread: threading.Thread | None = None
    refused: int = 0
    failed: int = 0

    def run(self, until: float, stop: threading.Event) -> None:
        rng = random.Random(self.seed)
        connection = http.client.HTTPSConnection(
            "127.0.0.1", self.port, timeout=10, context=self.tls
        )
        next_at = time.monotonic()
        car = 0
        while not stop.is_set() and time.monotonic() < until:
            read = self.vehicles.next_read()
            for body in _vendor_events(self.vendor, read, car):
                self._post(connection, body)
            car += 1
            next_at += rng.expovariate(self.rate)
            stop.wait(max(0.0, next_at - time.monotonic()))
        connection.close()

    def _post(self, connection: http.client.HTTPSConnection, body: dict) -> None:
        headers = {"Content-Type": "application/json", CAMERA_KEY_HEADER: self.camera_key}
        try:
            connection.request("POST", "/", json.dumps(body), headers)
            reply = connection.getresponse()
            reply.read()
            if reply.status >= 400:
                self.refused += 1  # the adapter quarantines it and says why; go on
        except (OSError, http.client.HTTPException):
            self.failed += 1
            connection.close()  # reconnects on the next request


def _vendor_events(vendor: str, read: dict, car: int) -> list[dict]:
    """One car as the vendor's camera reports it."""
    plate = normalise_plate(read["plate"])
    country = normalise_country(read["country"])
    now_ms = int(time.time() * 1000)
    camera = int(read["camera"].rsplit("-", 1)[1])
    if vendor == "openalpr":
        return [
            {
                "data_type": "alpr_group",
                "epoch_start": now_ms - 400,
                "epoch_end": now_ms,
                "best_plate_number": plate,
                "best_plate": {
                    "plate": plate,
                    "confidence": read["confidence"] * 100,
                    "candidates": [],
                },
                "best_confidence": read["confidence"] * 100,
                "best_region": country.lower(),
                "country": "eu",
                "camera_id": camera,
                "travel_direction": 90.0 if read["direction"] == "in" else 270.0,
                "best_uuid": f"demo-{car}",
            }
        ]
    # Axis: a car is reported when it appears and again when it is lost; the adapter
    # makes one read of it.
    event = {
        "packetCounter": 2 * car,
        "carID": str(car),
        "carState": "new",
        "plateText": plate,
        "plateUTF8": plate,
        "plateCountry": _ALPHA3.get(country, ""),
        "plateConfidence": read["confidence"],
        "capture_timestamp": now_ms,
        "camera_info": {"SerialNumber": f"ACCC8E00000{camera}"},
    }
    return [event, {**event, "packetCounter": 2 * car + 1, "carState": "lost"}]


@dataclass
class CameraTraffic:
    """Every port's camera traffic, its adapters and replays, started and stopped."""

    federation: LocalFederation
    duration_s: float
    listed: dict[str, list[tuple[str, str]]]
    adapters: dict[str, tuple[subprocess.Popen, int]] = field(default_factory=dict)
    replays: list[subprocess.Popen] = field(default_factory=list)
    pushers: list[_Pusher] = field(default_factory=list)
    stop_event: threading.Event = field(default_factory=threading.Event)
    camera_keys: dict[str, str] = field(default_factory=dict)
    _logs: list = field(default_factory=list)

    @property
    def tls(self) -> ssl.SSLContext:
        """How the demo's cameras trust the adapters' dev certificates."""
        return ssl.create_default_context(cafile=self.federation.certs / "ca.pem")

    def start_adapters(self) -> None:
        """Start the vendor adapters, each listening before this returns."""
        for node_id, vendor in VENDOR_PORTS.items():
            self.adapters[node_id] = self._start_adapter(self.federation[node_id], vendor)

    def start(self) -> None:
        """Cameras roll at every port, for duration_s from now."""
        until = time.monotonic() + self.duration_s
        for seed, node in enumerate(self.federation.nodes.values()):
            rate = PORT_RATES[node.node_id]
            vehicles = Vehicles(node.node_id, 1000 + seed, self.listed[node.node_id])
            if node.node_id in self.adapters:
                _, port = self.adapters[node.node_id]
                pusher = _Pusher(
                    VENDOR_PORTS[node.node_id],
                    port,
                    vehicles,
                    rate,
                    seed,
                    self.tls,
                    self.camera_keys[node.node_id],
                )
                pusher.thread = threading.Thread(
                    target=pusher.run, args=(until, self.stop_event), daemon=True
                )
                pusher.thread.start()
                self.pushers.append(pusher)
            else:
                self.replays.append(self._start_replay(node, vehicles, rate))

    def finish(self) -> None:
        """Wait for the traffic to end and every adapter to hand over what it holds."""
        for pusher in self.pushers:
            if pusher.thread is not None:
                pusher.thread.join()
        for replay in self.replays:
            replay.wait()
        deadline = time.monotonic() + DRAIN_TIMEOUT_S
        for _, port in self.adapters.values():
            while time.monotonic() < deadline and _spooled(port, self.tls) != 0:
                time.sleep(0.2)

    def stop(self) -> None:
        """Stop every camera, replay and adapter (Ctrl-C or the end of the demo)."""
        self.stop_event.set()
        for pusher in self.pushers:
            if pusher.thread is not None:
                pusher.thread.join(timeout=15)
        for replay in self.replays:
            _stop(replay, signal.SIGTERM)
        for process, _ in self.adapters.values():
            _stop(process, signal.SIGINT)  # the adapter closes its listener and spool
        for log in self._logs:
            log.close()

    def _log(self, path: Path):
        log = path.open("ab")
        self._logs.append(log)
        return log

    def _start_adapter(self, node: LocalNode, vendor: str) -> tuple[subprocess.Popen, int]:
        home = self.federation.workdir / f"{node.node_id}-{vendor}-adapter"
        home.mkdir(parents=True, exist_ok=True)
        port = free_port()
        token = node.add_user(f"{vendor}-adapter", "adapter")
        key = secrets.token_urlsafe(24)
        self.camera_keys[node.node_id] = key
        key_file = home / "cameras.key"
        key_file.touch(mode=0o600)
        key_file.write_text(key + "\n")
        certs = self.federation.certs / node.node_id
        config = home / "adapter.toml"
        config.write_text(
            f'node_socket = "{node.home / "admin.sock"}"\ntoken_file = "{token}"\n'
            f'site = "{node.node_id}-gate-1"\nlisten = "127.0.0.1:{port}"\n'
            f'[tls]\ncert_file = "{certs / "cert.pem"}"\nkey_file = "{certs / "key.pem"}"\n'
            f"[cameras.{node.node_id}-agent]\n"
            f'secret_header = "{CAMERA_KEY_HEADER}"\nsecret_file = "{key_file}"\n'
            "rate_per_s = 500.0\n"
        )
        log_path = home / "adapter.log"
        process = subprocess.Popen(
            [*argos_command(), "adapter", "run", vendor, "--config", str(config)],
            stdout=self._log(log_path),
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C reaches the demo, which stops it in order
        )
        deadline = time.monotonic() + ADAPTER_READY_S
        while "listening" not in log_path.read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the {vendor} adapter of {node.node_id} did not start")
            time.sleep(0.1)
        return process, port

    def _start_replay(self, node: LocalNode, vehicles: Vehicles, rate: float) -> subprocess.Popen:
        reads = self.federation.workdir / f"{node.node_id}-camera-reads.jsonl"
        with reads.open("w") as f:
            for _ in range(int(rate * self.duration_s)):
                f.write(json.dumps(vehicles.next_read()) + "\n")
        token = node.home / "camera-adapter.token"
        if not token.exists():
            node.add_user("camera-adapter", "adapter")
        env = {**os.environ, "ARGOS_HOME": str(node.home), "ARGOS_TOKEN_FILE": str(token)}
        env.pop("ARGOS_TOKEN", None)
        # A batch a quarter of a second: reads reach the node as they happen.
        batch = max(1, round(rate / 4))
        return subprocess.Popen(
            [
                *argos_command(),
                "reads",
                "replay",
                str(reads),
                "--rate",
                str(rate),
                "--batch",
                str(batch),
            ],
            stdout=self._log(self.federation.workdir / f"{node.node_id}-replay.log"),
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )


def _spooled(port: int, tls: ssl.SSLContext) -> int:
    """Reads an adapter holds that the node has not taken yet (its GET /health)."""
    try:
        connection = http.client.HTTPSConnection("127.0.0.1", port, timeout=5, context=tls)
        connection.request("GET", "/health")
        return int(json.loads(connection.getresponse().read()).get("spooled", 0))
    except (OSError, ValueError, http.client.HTTPException):
        return -1
    finally:
        connection.close()


def _stop(process: subprocess.Popen, how: signal.Signals) -> None:
    if process.poll() is None:
        process.send_signal(how)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
