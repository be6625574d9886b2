"""Several port nodes on one machine, each a separate `argos serve` process, driven
through the argos CLI exactly as an administrator would. Used by `argos demo` and by
the end-to-end tests; nothing here is a shortcut around the real interfaces."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from gateway.wire.local_api import socket_target

PORTS = ("be-gent", "nl-terneuzen", "be-antwerpen", "nl-rotterdam")
READY_TIMEOUT_S = 30.0


# Listening ports are handed out from below the kernel's ephemeral range (Linux's
# default is 32768-60999), so an outgoing connection cannot take a port between the
# moment it is handed out and the moment the node binds it. ARGOS_PORT_RANGE="low-high"
# narrows the range: the test suite gives each parallel worker a slice of its own.
DEFAULT_PORT_RANGE = (20000, 32000)
_next_port: int | None = None


def _port_range() -> tuple[int, int]:
    raw = os.environ.get("ARGOS_PORT_RANGE", "")
    if raw:
        low, _, high = raw.partition("-")
        return int(low), int(high)
    return DEFAULT_PORT_RANGE


def free_port() -> int:
    """A loopback port nobody listens on now, never the same one twice in a process.

    Each process starts at an offset of its own in the range (a demo started by a test
    does not walk the test's sequence) and moves on sequentially, checking each port by
    binding it."""
    global _next_port
    low, high = _port_range()
    span = high - low
    if _next_port is None or not low <= _next_port < high:
        _next_port = low + (os.getpid() * 7919) % span
    for _ in range(span):
        port = _next_port
        _next_port = low + (_next_port + 1 - low) % span
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError(f"no free loopback port in {low}-{high}")


def argos_command() -> list[str]:
    return [sys.executable, "-m", "gateway"]


@dataclass
class LocalNode:
    node_id: str
    home: Path
    certs: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    log_path: Path | None = None
    # Issue 19: a second process of one port (a standby) logs beside the first.
    log_name: str = "node.log"
    # Set before init(): the node keeps its state in this PostgreSQL database (a libpq
    # connection string without password, and the owner-only file holding it).
    postgresql_dsn: str = ""
    postgresql_password_file: Path | None = None

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    def argos(
        self,
        *args: str,
        token_file: Path | None = None,
        check: bool = True,
        env: dict[str, str] | None = None,
        timeout_s: float = 120.0,
        input: str | None = None,
    ) -> subprocess.CompletedProcess:
        """Run one argos CLI command against this node (its folder via ARGOS_HOME)."""
        command = [*argos_command(), *args]
        run_env = {**os.environ, "ARGOS_HOME": str(self.home), **(env or {})}
        run_env.pop("ARGOS_TOKEN", None)
        if token_file is not None:
            run_env["ARGOS_TOKEN_FILE"] = str(token_file)
        result = subprocess.run(
            command,
            capture_output=True,
            text=True,
            env=run_env,
            timeout=timeout_s,
            **({"input": input} if input is not None else {}),
        )
        if check and result.returncode != 0:
            raise RuntimeError(
                f"argos {' '.join(args)} on {self.node_id} exited {result.returncode}: "
                f"{result.stderr.strip()}"
            )
        return result

    def json(self, *args: str, token_file: Path | None = None, timeout_s: float = 120.0):
        return json.loads(
            self.argos(*args, "--json", token_file=token_file, timeout_s=timeout_s).stdout
        )

    def init(self) -> None:
        node_certs = self.certs / self.node_id
        subprocess.run(
            [
                *argos_command(),
                "init",
                "--home",
                str(self.home),
                "--node-id",
                self.node_id,
                "--listen",
                self.endpoint,
                "--tls-cert",
                str(node_certs / "cert.pem"),
                "--tls-key",
                str(node_certs / "key.pem"),
                "--tls-ca",
                str(self.certs / "ca.pem"),
                *self._store_options(),
            ],
            check=True,
            capture_output=True,
            text=True,
        )

    def _store_options(self) -> list[str]:
        if not self.postgresql_dsn:
            return []
        options = ["--postgresql-dsn", self.postgresql_dsn]
        if self.postgresql_password_file is not None:
            options += ["--postgresql-password-file", str(self.postgresql_password_file)]
        return options

    def start(self) -> None:
        self.launch()
        self.wait_ready()

    def launch(self) -> None:
        """Start `argos serve` without waiting for it (a standby never gets ready)."""
        self.log_path = self.home / self.log_name
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [*argos_command(), "serve", "--home", str(self.home)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_log(self, event: str, timeout_s: float = READY_TIMEOUT_S) -> None:
        """Until the node's log has a line with this event (e.g. "node.standby")."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.log_path is not None and self.log_path.exists():
                if f'"{event}"' in self.log_path.read_text(errors="replace"):  # JSON lines
                    return
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"{self.node_id} exited: {self.log_tail()}")
            time.sleep(0.1)
        raise RuntimeError(f"{self.node_id} logged no {event}: {self.log_tail()}")

    def wait_ready(self) -> None:
        """Until the node's admin socket answers SERVING. The node makes the socket just
        before it serves, so it is asked only once the socket is there, and the socket
        is looked for often (a stat): tests start nodes thousands of times."""
        deadline = time.monotonic() + READY_TIMEOUT_S
        admin_socket = self.home / "admin.sock"
        target = socket_target(admin_socket)
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"{self.node_id} exited: {self.log_tail()}")
            if admin_socket.exists():
                try:
                    with grpc.insecure_channel(target) as channel:
                        reply = health_pb2_grpc.HealthStub(channel).Check(
                            health_pb2.HealthCheckRequest(), timeout=1
                        )
                    if reply.status == health_pb2.HealthCheckResponse.SERVING:
                        return
                except grpc.RpcError:
                    pass
            time.sleep(0.02)
        raise RuntimeError(f"{self.node_id} did not become ready: {self.log_tail()}")

    def stop(self) -> None:
        self.request_stop()
        if self.process is not None and self.process.poll() is None:
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def request_stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
        self.process = None

    def log_tail(self, lines: int = 20) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def add_user(self, name: str, role: str) -> Path:
        """Create a local user; return the file holding its token."""
        token = self.home / f"{name}.token"
        self.argos("user", "add", name, "--role", role, "--token-out", str(token))
        return token

    def set_console_credentials(self, name: str, password: str) -> str:
        """Give a user console credentials (issue 18: `argos user set-password`, the
        password piped in); return the new TOTP secret (also left in NAME.totp, owner-only,
        for `argos user totp-code --secret-file`)."""
        secret_file = self.home / f"{name}.totp"
        secret_file.unlink(missing_ok=True)
        self.argos(
            "user",
            "set-password",
            name,
            "--new-totp",
            "--totp-secret-out",
            str(secret_file),
            input=password + "\n",
        )
        return secret_file.read_text().strip()

    def identity(self) -> dict:
        return json.loads(self.argos("identity", "--json").stdout)


class LocalFederation:
    def __init__(self, workdir: Path, certs: Path, node_ids: tuple[str, ...] = PORTS) -> None:
        self.workdir = workdir
        self.certs = certs
        self.nodes = {n: LocalNode(n, workdir / n, certs) for n in node_ids}

    def __getitem__(self, node_id: str) -> LocalNode:
        return self.nodes[node_id]

    def ensure_certs(self) -> None:
        generator = Path(__file__).resolve().parent.parent / "certs-dev" / "generate.py"
        subprocess.run(
            [
                sys.executable,
                str(generator),
                "--out",
                str(self.certs),
                "--nodes",
                ",".join(self.nodes),
            ],
            check=True,
            capture_output=True,
            text=True,
        )

    def start(self) -> None:
        self.ensure_certs()
        for node in self.nodes.values():
            if node.home.exists():
                shutil.rmtree(node.home)
            node.init()
        for node in self.nodes.values():
            node.start()

    def connect(self, a: str, b: str) -> None:
        """Register a and b as partners of each other, with the facts each publishes."""
        for here, there in ((a, b), (b, a)):
            info = self.nodes[there].identity()
            self.nodes[here].argos(
                "partner",
                "add",
                there,
                "--endpoint",
                info["endpoint"],
                "--public-key",
                info["public_key"],
                "--ca-cert",
                info["tls_ca"],
            )

    def agree(self, proposer: str, partner: str, *options: str) -> str:
        """Propose at `proposer`, countersign at `partner`; return the agreement id."""
        proposed = self.nodes[proposer].json(
            "agreement",
            "propose",
            "--partner",
            partner,
            "--justification",
            "demo agreement",
            *options,
        )
        self.nodes[partner].argos(
            "agreement",
            "accept",
            proposed["agreement_id"],
            "--justification",
            "fingerprint compared by phone",
        )
        return proposed["agreement_id"]

    def stop(self) -> None:
        for node in self.nodes.values():
            node.request_stop()  # all at once: each stops faster without partners calling
        for node in self.nodes.values():
            node.stop()


@dataclass
class LocalConsole:
    """`argos console` beside a LocalNode, as a separate process over real HTTPS with
    the node's certificate (the demo's consoles and the console tests)."""

    node: LocalNode
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    log_path: Path | None = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def ca_file(self) -> Path:
        return self.node.certs / "ca.pem"

    def start(self) -> None:
        self.launch()
        self.wait_ready()

    def launch(self) -> None:
        """Start the process without waiting (several consoles start side by side)."""
        self.log_path = self.node.home / "console.log"
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                *argos_command(),
                "console",
                "--home",
                str(self.node.home),
                "--listen",
                f"127.0.0.1:{self.port}",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self) -> None:
        """Until the log-in page answers over HTTPS, verified against the dev CA."""
        context = ssl.create_default_context(cafile=str(self.ca_file))
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"console of {self.node.node_id} exited: {self.log_tail()}")
            try:
                login = f"{self.url}/login"  # always https, built here
                with urllib.request.urlopen(login, context=context, timeout=2) as r:  # noqa: S310
                    if r.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.1)
        raise RuntimeError(f"console of {self.node.node_id} did not start: {self.log_tail()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def log_tail(self, lines: int = 20) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
