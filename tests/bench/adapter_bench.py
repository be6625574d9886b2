"""The OpenALPR webhook adapter as its own process (`argos adapter run openalpr`) in
front of a running node: a concurrent client on this machine POSTs alpr_group
payloads, one read each; the rate counts reads the node has taken (the adapter's
forwarded count), beside the rate of the same client against a bare HTTP listener that
does nothing, measured in the same run. The adapter runs three times:

- `adapter_http_reads_per_s`: plain HTTP (allow_plain_http), its default spool (a
  committed read survives the adapter process dying). An adapter takes pushes from
  configured cameras only, so even here each client is a camera with a shared secret
  in a header: the least any configuration checks;
- `…_spool_fsync`: the same with spool_sync = "full" (an fsync per group commit, which
  also survives a power cut);
- `adapter_https_auth_reads_per_s`: HTTPS on the listener, each client a camera with
  its own secret, kept-alive connections that resume their TLS session when they
  reconnect, as a camera's HTTP client does.

Beside them, what the gate (adapters/edge/gate.py) costs per push for each way a camera
proves itself, measured in this process on the same machine: `adapter_auth_*_us`."""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import os
import socket
import ssl
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from multidict import CIMultiDict

from adapters.edge.credentials import CameraRegistry
from adapters.edge.digest import REALM, parse_params
from adapters.edge.gate import CameraGate, Knock, Refusal
from adapters.edge.settings import CameraSettings, EdgeSettings
from gateway.federation import LocalFederation, argos_command, free_port
from gateway.synthetic import synthetic_rows

CLIENTS = 8
SAMPLE = Path(__file__).parents[1] / "unit" / "vendor_samples" / "openalpr_group.json"
KEY_HEADER = "X-Argos-Camera-Key"


class _CameraConnection(http.client.HTTPSConnection):
    """A camera's kept-alive HTTPS connection that resumes its TLS session (a ticket the
    listener gave it) when it has to connect again."""

    session: ssl.SSLSession | None = None
    _new = False

    def connect(self) -> None:
        sock = socket.create_connection((self.host, self.port), self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host, session=self.session)
        self._new = True

    def answered(self) -> None:
        """After a response: on a new connection, keep its session for the next one (a
        TLS 1.3 ticket comes after the handshake). Once per connection: taking it costs
        the client more than a request does."""
        if self._new and self.sock is not None:
            self.session, self._new = self.sock.session, False


def _bodies(n: int) -> list[bytes]:
    """The documented group sample with n different plates (mostly on no list)."""
    sample = json.loads(SAMPLE.read_text())
    out = []
    for row in synthetic_rows(n, seed=5):
        plate = row["plate"].replace("-", "").replace(" ", "")
        group = {**sample, "best_plate_number": plate}
        group["best_plate"] = {**sample["best_plate"], "plate": plate, "candidates": []}
        out.append(json.dumps(group).encode())
    return out


def _post_all(
    port: int,
    bodies: list[bytes],
    keys: list[str] | None = None,
    tls: ssl.SSLContext | None = None,
) -> float:
    """Seconds for CLIENTS threads, each on one kept-alive connection as a camera agent
    would hold it (client i with keys[i] in its key header), to POST every body."""

    def client(i: int) -> None:
        if tls is None:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        else:
            connection = _CameraConnection("127.0.0.1", port, timeout=30, context=tls)
        headers = {"Content-Type": "application/json"}
        if keys:
            headers[KEY_HEADER] = keys[i]
        for body in bodies[i::CLIENTS]:
            connection.request("POST", "/", body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"adapter answered {response.status}")
            if isinstance(connection, _CameraConnection):
                connection.answered()
        connection.close()

    start = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(client, range(CLIENTS)))
    return time.perf_counter() - start


def _bare_listener_rate(bodies: list[bytes]) -> float:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        return len(bodies) / _post_all(server.server_address[1], bodies)
    finally:
        server.shutdown()


def _health(port: int, tls: ssl.SSLContext | None) -> dict:
    if tls is None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    else:
        connection = http.client.HTTPSConnection("127.0.0.1", port, timeout=10, context=tls)
    try:
        connection.request("GET", "/health")
        return json.loads(connection.getresponse().read())
    finally:
        connection.close()


def _cameras(workdir: Path, name: str) -> tuple[str, list[str]]:
    """CLIENTS cameras, each with its own secret in an owner-only file: their settings
    tables and their secrets. Their rate is far above the bench's, which is all one
    machine's clients pushing as fast as they can."""
    tables, keys = [], []
    for i in range(CLIENTS):
        key = base64.urlsafe_b64encode(os.urandom(24)).decode()
        path = workdir / f"{name}-camera-{i}.secret"
        path.write_text(key + "\n")
        path.chmod(0o600)
        keys.append(key)
        tables.append(
            f'[cameras.{name}-{i}]\nsecret_header = "{KEY_HEADER}"\nsecret_file = "{path}"\n'
            "rate_per_s = 100000.0\nburst = 100000\n"
        )
    return "".join(tables), keys


def _cpu_s(pid: int) -> float:
    """CPU seconds (user and system, all threads) a process has used so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _adapter_rate(
    workdir: Path, gent, bodies: list[bytes], spool_sync: str, certs: Path | None = None
) -> tuple[float, float]:
    """Reads per second the node took through one adapter process (its spool committed
    with `spool_sync`; HTTPS with `certs`' be-gent certificate when given, else plain
    HTTP), from the first POST until the node has them all; and the adapter process's
    CPU microseconds per read meanwhile, which the other processes on a busy machine
    change far less than they change the rate."""
    port = free_port()
    name = f"alpr-{spool_sync}" + ("-https" if certs else "")
    cameras, keys = _cameras(workdir, name)
    if certs is None:
        listener, tls = "allow_plain_http = true\n", None
    else:
        listener = (
            f'[tls]\ncert_file = "{certs / "be-gent" / "cert.pem"}"\n'
            f'key_file = "{certs / "be-gent" / "key.pem"}"\n'
        )
        tls = ssl.create_default_context(cafile=certs / "ca.pem")
    config = workdir / f"{name}.toml"
    config.write_text(
        f'node_socket = "{gent.home / "admin.sock"}"\n'
        f'token_file = "{gent.add_user(name, "adapter")}"\n'
        f'site = "gate-1"\nlisten = "127.0.0.1:{port}"\n'
        f'quarantine_dir = "{workdir / "quarantine"}"\nimages_dir = "{workdir / "images"}"\n'
        f'spool_path = "{workdir / f"spool-{name}.sqlite"}"\nspool_sync = "{spool_sync}"\n'
        + listener
        + cameras
    )
    adapter = subprocess.Popen(
        [*argos_command(), "adapter", "run", "openalpr", "--config", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _health(port, tls)
                break
            except OSError:
                if time.monotonic() > deadline or adapter.poll() is not None:
                    raise
                time.sleep(0.05)
        _post_all(port, bodies[:100], keys, tls)  # warm up both processes
        while _health(port, tls)["forwarded"] < 100 and time.monotonic() < deadline:
            time.sleep(0.05)
        warm = _health(port, tls)["forwarded"]
        start, cpu = time.perf_counter(), _cpu_s(adapter.pid)
        _post_all(port, bodies, keys, tls)
        while (
            _health(port, tls)["forwarded"] < warm + len(bodies)
            and time.monotonic() < deadline + 300
        ):
            time.sleep(0.02)
        elapsed, cpu = time.perf_counter() - start, _cpu_s(adapter.pid) - cpu
        reads = _health(port, tls)["forwarded"] - warm
        return reads / elapsed, cpu / reads * 1e6
    finally:
        adapter.terminate()
        adapter.wait(timeout=10)


def run(workdir: Path, certs: Path, n: int) -> dict[str, float]:
    fed = LocalFederation(workdir, certs, ("be-gent",))
    try:
        fed.start()
        gent = fed["be-gent"]
        bodies = _bodies(n)
        rate, cpu = _adapter_rate(workdir, gent, bodies, "normal")
        rate_https, cpu_https = _adapter_rate(workdir, gent, bodies, "normal", certs)
        rate_full, _ = _adapter_rate(workdir, gent, bodies, "full")
    finally:
        fed.stop()
    bare = _bare_listener_rate(_bodies(min(n, 5000)))
    return {
        "adapter_http_reads_per_s": rate,
        "adapter_https_auth_reads_per_s": rate_https,
        "adapter_https_auth_over_http": rate_https / rate,
        "adapter_http_cpu_us_per_read": cpu,
        "adapter_https_auth_cpu_us_per_read": cpu_https,
        "adapter_http_reads_per_s_spool_fsync": rate_full,
        "adapter_bare_http_posts_per_s": bare,
        "adapter_http_over_bare_http": rate / bare,
        **_gate_costs(workdir),
    }


def _gate_costs(workdir: Path, pushes: int = 20_000) -> dict[str, float]:
    """Microseconds the gate takes to admit one push, per way a camera proves itself
    (a shared secret in a header, HTTP Basic, HTTP Digest on a kept nonce), one thread."""
    secret = "bench-secret-0123456789"
    path = workdir / "gate.secret"
    path.write_text(secret)
    path.chmod(0o600)
    fast = {"rate_per_s": 1e9, "burst": 10**9}
    settings = EdgeSettings(
        allow_plain_http=True,
        cameras={
            "key": CameraSettings(secret_header=KEY_HEADER, secret_file=path, **fast),
            "basic": CameraSettings(user="basic", secret_file=path, **fast),
            "digest": CameraSettings(user="digest", http_auth="digest", secret_file=path, **fast),
        },
    )
    gate = CameraGate(settings, CameraRegistry.load(settings))
    basic = "Basic " + base64.b64encode(f"basic:{secret}".encode()).decode()
    knocks = {
        "key": [{KEY_HEADER: secret}] * pushes,
        "basic": [{"Authorization": basic}] * pushes,
        "digest": _digest_answers(gate, secret, pushes),
    }
    costs = {}
    for method, headers in knocks.items():
        prepared = [Knock("POST", "/", CIMultiDict(h), "127.0.0.1", None) for h in headers]
        start = time.perf_counter()
        for knock in prepared:
            if gate.admit(knock) != method:
                raise RuntimeError(f"the gate refused the {method} camera")
        costs[f"adapter_auth_{method}_us"] = (time.perf_counter() - start) / pushes * 1e6
    return costs


def _digest_answers(gate: CameraGate, secret: str, pushes: int) -> list[dict[str, str]]:
    """Authorization headers as a Digest client sends them on the nonce of one
    challenge, counting up (RFC 7616, SHA-256)."""
    challenged = gate.admit(Knock("POST", "/", {}, "127.0.0.1", None))
    assert isinstance(challenged, Refusal)
    (challenge,) = [v for k, v in challenged.headers if v.startswith("Digest ")]
    params = parse_params(challenge.removeprefix("Digest "))
    assert params is not None
    nonce = params["nonce"]

    def h(text: str) -> str:
        return hashlib.sha256(text.encode()).hexdigest()

    ha1, ha2, cnonce = h(f"digest:{REALM}:{secret}"), h("POST:/"), "0a4f113b"
    answers = []
    for nc in range(1, pushes + 1):
        response = h(f"{ha1}:{nonce}:{nc:08x}:{cnonce}:auth:{ha2}")
        answers.append(
            {
                "Authorization": f'Digest username="digest", realm="{REALM}", '
                f'nonce="{nonce}", uri="/", algorithm=SHA-256, qop=auth, nc={nc:08x}, '
                f'cnonce="{cnonce}", response="{response}"'
            }
        )
    return answers
