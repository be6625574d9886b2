"""Console alert latency (issue 18): a camera read handed in through the node's ingest
API until the alert event arrives on each of 50 open browser sessions' event streams
(GET /alerts/events over real HTTPS with real session cookies, read by an async HTTP
client: it is the browser's event stream being measured, not its rendering), p99 over
every session and alert. In the same run, the primitive under it: the same reads until
the node's own WatchAlerts stream (gRPC on the admin socket) gives each alert, and the
ratio of the two.

The console holds one upstream WatchAlerts per open stream (gateway/console/screens/
live.py), so the node's caps on alert watchers are raised here as a port with 50 open
alert pages would raise them: [limits] alert_watchers, alert_watchers_per_role and
alert_watchers_per_user 60, admin_workers 80 (each watcher holds a thread of that pool;
the rest serves every other call). Each session is its own operator (a TOTP code signs
in once per user and step)."""

from __future__ import annotations

import asyncio
import json
import re
import ssl
import statistics
import threading
import time
import uuid
from pathlib import Path

import grpc
import httpx
import pyotp

from gateway.federation import LocalConsole, LocalFederation, LocalNode
from gateway.node.config import ADMIN_TOKEN_FILE
from gateway.wire.argos.v1 import (
    admin_pb2,
    admin_pb2_grpc,
    ingest_pb2,
    reads_pb2,
    sessions_pb2,
    sessions_pb2_grpc,
)
from gateway.wire.local_api import LocalApi, bearer, read_token, socket_target
from tests.integration.hotlist_support import add_entry

SESSIONS = 50
PLATE = "1BCH001"
LIMITS = """
[limits]
admin_workers = 80
alert_watchers = 60
alert_watchers_per_role = 60
alert_watchers_per_user = 60
"""
# One read every this many seconds: alerts one at a time, as cameras raise them.
PACE_S = 0.2


def _people(node: LocalNode, n: int) -> list[tuple[str, str, str]]:
    """n operators with console credentials (name, password, TOTP secret)."""
    token = read_token(node.home / ADMIN_TOKEN_FILE)
    people = []
    with grpc.insecure_channel(socket_target(node.home / "admin.sock")) as channel:
        users = admin_pb2_grpc.AdminServiceStub(channel)
        sessions = sessions_pb2_grpc.SessionServiceStub(channel)
        for i in range(n):
            name = f"op{i:02d}"
            users.AddUser(
                admin_pb2.AddUserRequest(name=name, role=admin_pb2.ROLE_OPERATOR),
                metadata=bearer(token),
                timeout=30,
            )
            password = f"bench-{i:02d}-console-pass"
            reply = sessions.SetConsoleCredentials(
                sessions_pb2.SetConsoleCredentialsRequest(
                    user=name, password=password, new_totp_secret=True
                ),
                metadata=bearer(token),
                timeout=30,
            )
            people.append((name, password, reply.totp_secret))
    return people


def _sign_in(http: httpx.Client, name: str, password: str, secret: str) -> str:
    """Both log-in steps as a browser does them; the session cookie."""

    def csrf(page: httpx.Response) -> str:
        found = re.search(r'<meta name="csrf-token" content="([^"]*)"', page.text)
        assert found, page.status_code
        return found.group(1)

    http.cookies.clear()
    first = http.post(
        "/login", data={"user": name, "password": password, "csrf_token": csrf(http.get("/login"))}
    )
    assert first.status_code == 303, first.text
    code_page = http.get("/login/code")
    done = http.post(
        "/login/code",
        data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf(code_page)},
    )
    assert done.status_code == 303, done.text
    cookie = http.cookies.get("__Host-argos-session")
    assert cookie
    return cookie


def _read(ms: int) -> reads_pb2.PlateRead:
    read = reads_pb2.PlateRead(plate=PLATE, country="BE", confidence=0.9, camera="c1", site="s1")
    read.observed_at.seconds, read.observed_at.nanos = ms // 1000, (ms % 1000) * 1_000_000
    return read


class _Submitter:
    """Reads handed in one batch at a time as the adapter, each one's send time kept by
    the hit id the node answers with."""

    def __init__(self, node: LocalNode, adapter: Path) -> None:
        self.api = LocalApi.with_token_file(node.home / "admin.sock", adapter)
        self.sent: dict[str, float] = {}

    def submit(self) -> None:
        batch = ingest_pb2.SubmitReadsRequest(
            batch_id=uuid.uuid4().hex, reads=[_read(int(time.time() * 1000))]
        )
        start = time.perf_counter()
        (answer,) = list(
            self.api.ingest.SubmitReads(iter([batch]), metadata=self.api.metadata, timeout=60)
        )
        for hit in answer.batch_hits:
            self.sent[hit.hit_id] = start


def _node_watch(node: LocalNode, operator: Path, arrived: dict, ready: threading.Event, n: int):
    """The primitive: the node's own stream, as its CLI reads it."""
    with LocalApi.with_token_file(node.home / "admin.sock", operator) as api:
        call = api.ingest.WatchAlerts(
            ingest_pb2.WatchAlertsRequest(), metadata=api.metadata, timeout=3600
        )
        call.initial_metadata()
        ready.set()
        for item in call:
            if item.HasField("alert"):
                arrived[item.alert.hit_id] = time.perf_counter()
                if len(arrived) >= n:
                    break
        call.cancel()


async def _session_stream(
    http: httpx.AsyncClient, cookie: str, arrivals: list, opened: asyncio.Event, counter: list
) -> None:
    headers = {"cookie": f"__Host-argos-session={cookie}", "accept": "text/event-stream"}
    async with http.stream("GET", "/alerts/events", headers=headers) as response:
        assert response.status_code == 200, response.status_code
        event, data = "", ""
        async for line in response.aiter_lines():
            if line.startswith("retry:"):
                counter[0] += 1
                if counter[0] == SESSIONS:
                    opened.set()
            elif line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data = line[5:].strip()
            elif line == "" and event:
                if event == "alert":
                    arrivals.append((json.loads(data)["hit_id"], time.perf_counter()))
                event, data = "", ""


async def _measure(console: LocalConsole, cookies: list[str], submitter: _Submitter, n: int):
    context = ssl.create_default_context(cafile=str(console.ca_file))
    limits = httpx.Limits(max_connections=SESSIONS + 10, max_keepalive_connections=SESSIONS + 10)
    arrivals: list[tuple[str, float]] = []
    opened, counter = asyncio.Event(), [0]
    async with httpx.AsyncClient(
        base_url=console.url, verify=context, limits=limits, timeout=httpx.Timeout(60, read=None)
    ) as http:
        tasks = [
            asyncio.create_task(_session_stream(http, c, arrivals, opened, counter))
            for c in cookies
        ]
        await asyncio.wait_for(opened.wait(), 120)
        for _ in range(n):
            await asyncio.to_thread(submitter.submit)
            await asyncio.sleep(PACE_S)
        deadline = time.monotonic() + 60
        while len(arrivals) < n * SESSIONS and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return arrivals


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else 0


def run(workdir: Path, certs: Path, n: int) -> dict[str, float]:
    fed = LocalFederation(workdir, certs, ("be-gent",))
    node = fed["be-gent"]
    console = LocalConsole(node)
    try:
        fed.ensure_certs()
        node.init()
        with (node.home / "node.toml").open("a") as f:
            f.write(LIMITS)
        node.start()
        console.start()
        ivan = node.add_user("ivan", "investigator")
        add_entry(node, ivan, "1-BCH-001", "B", "stolen_vehicle", "--action", "seize")
        adapter = node.add_user("cam", "adapter")
        watcher = node.add_user("olga", "operator")
        context = ssl.create_default_context(cafile=str(console.ca_file))
        with httpx.Client(base_url=console.url, verify=context, timeout=60) as http:
            cookies = [_sign_in(http, *p) for p in _people(node, SESSIONS)]
        node_arrived: dict[str, float] = {}
        ready = threading.Event()
        primitive = threading.Thread(
            target=_node_watch, args=(node, watcher, node_arrived, ready, n), daemon=True
        )
        primitive.start()
        ready.wait(60)
        submitter = _Submitter(node, adapter)
        arrivals = asyncio.run(_measure(console, cookies, submitter, n))
        primitive.join(60)
        submitter.api.close()
    finally:
        console.stop()
        fed.stop()
    sent = submitter.sent
    delays = [(t - sent[h]) * 1000 for h, t in arrivals if h in sent]
    node_delays = [(t - sent[h]) * 1000 for h, t in node_arrived.items() if h in sent]
    received = len(delays)
    console_p99 = _p(delays, 99)
    node_p99 = _p(node_delays, 99)
    return {
        "console_alert_p99_ms": console_p99,
        "console_alert_p50_ms": _p(delays, 50),
        "console_alert_node_p99_ms": node_p99,
        "console_alert_p99_over_node": console_p99 / node_p99 if node_p99 else 0.0,
        "console_alert_sessions": float(SESSIONS),
        "console_alert_events_missing": float(len(sent) * SESSIONS - received),
    }
