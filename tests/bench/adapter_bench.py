"""The OpenALPR webhook adapter as its own process (`argos adapter run openalpr`) in
front of a running node: a concurrent client on this machine POSTs alpr_group
payloads, one read each; the rate counts reads the node has taken (the adapter's
forwarded count), beside the rate of the same client against a bare HTTP listener that
does nothing, measured in the same run. The adapter runs twice: with its default spool
(a committed read survives the adapter process dying) and with spool_sync = "full" (an
fsync per group commit, which also survives a power cut)."""

from __future__ import annotations

import http.client
import json
import subprocess
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from gateway.federation import LocalFederation, argos_command, free_port
from gateway.synthetic import synthetic_rows

CLIENTS = 8
SAMPLE = Path(__file__).parents[1] / "unit" / "vendor_samples" / "openalpr_group.json"


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


def _post_all(port: int, bodies: list[bytes]) -> float:
    """Seconds for CLIENTS threads, each on one kept-alive connection as a camera agent
    would hold it, to POST every body."""

    def client(share: list[bytes]) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for body in share:
            connection.request("POST", "/", body=body, headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"adapter answered {response.status}")
        connection.close()

    start = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(client, [bodies[i::CLIENTS] for i in range(CLIENTS)]))
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


def _health(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=10) as r:
        return json.loads(r.read())


def _adapter_rate(workdir: Path, gent, bodies: list[bytes], spool_sync: str) -> float:
    """Reads per second the node took through one adapter process (its spool committed
    with `spool_sync`), from the first POST until the node has them all."""
    port = free_port()
    config = workdir / f"openalpr-{spool_sync}.toml"
    config.write_text(
        f'node_socket = "{gent.home / "admin.sock"}"\n'
        f'token_file = "{gent.add_user(f"alpr-{spool_sync}", "adapter")}"\n'
        f'site = "gate-1"\nlisten = "127.0.0.1:{port}"\n'
        f'quarantine_dir = "{workdir / "quarantine"}"\nimages_dir = "{workdir / "images"}"\n'
        f'spool_path = "{workdir / f"spool-{spool_sync}.sqlite"}"\nspool_sync = "{spool_sync}"\n'
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
                _health(port)
                break
            except OSError:
                if time.monotonic() > deadline or adapter.poll() is not None:
                    raise
                time.sleep(0.05)
        _post_all(port, bodies[:100])  # warm up both processes
        while _health(port)["forwarded"] < 100 and time.monotonic() < deadline:
            time.sleep(0.05)
        warm = _health(port)["forwarded"]
        start = time.perf_counter()
        _post_all(port, bodies)
        while _health(port)["forwarded"] < warm + len(bodies) and time.monotonic() < deadline + 300:
            time.sleep(0.02)
        elapsed = time.perf_counter() - start
        return (_health(port)["forwarded"] - warm) / elapsed
    finally:
        adapter.terminate()
        adapter.wait(timeout=10)


def run(workdir: Path, certs: Path, n: int) -> dict[str, float]:
    fed = LocalFederation(workdir, certs, ("be-gent",))
    try:
        fed.start()
        gent = fed["be-gent"]
        bodies = _bodies(n)
        rate = _adapter_rate(workdir, gent, bodies, "normal")
        rate_full = _adapter_rate(workdir, gent, bodies, "full")
    finally:
        fed.stop()
    bare = _bare_listener_rate(_bodies(min(n, 5000)))
    return {
        "adapter_http_reads_per_s": rate,
        "adapter_http_reads_per_s_spool_fsync": rate_full,
        "adapter_bare_http_posts_per_s": bare,
        "adapter_http_over_bare_http": rate / bare,
    }
