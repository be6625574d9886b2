"""Alert replay (issue 17): a watcher reconnecting with a cursor is replayed every alert
raised since, through the real gRPC stream of a node process. `n` hits are raised by
reads through the ingest API with no watcher connected; then a watcher opens
WatchAlerts from position 0 and the time until its n-th alert is the replay. Beside
it, in the same run, the primitive under it: reading and decoding the same rows
straight from the node's SQLite file in one thread (the log's own cost, without the
stream, the audit of the watch and the token checks)."""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from gateway.federation import LocalFederation
from gateway.wire.argos.v1 import ingest_pb2
from gateway.wire.local_api import LocalApi
from tests.integration.hotlist_support import add_entry

PLATE = "1ABC123"


def _reads(path: Path, n: int) -> Path:
    start = datetime.now(UTC) - timedelta(hours=1)
    with path.open("w") as f:
        for i in range(n):
            at = (start + timedelta(milliseconds=i)).isoformat(timespec="milliseconds")
            read = {"plate": PLATE, "country": "BE", "camera": "c1", "site": "s1", "time": at}
            f.write(json.dumps(read) + "\n")
    return path


def _replay(node, operator: Path, n: int) -> float:
    with LocalApi.with_token_file(node.home / "admin.sock", operator) as api:
        start = time.perf_counter()
        call = api.ingest.WatchAlerts(
            ingest_pb2.WatchAlertsRequest(after_position=0), metadata=api.metadata, timeout=600
        )
        got = 0
        for item in call:
            got += item.HasField("alert")
            if got == n:
                break
        elapsed = time.perf_counter() - start
        call.cancel()
    return elapsed


def _sqlite_read(db: Path, n: int) -> float:
    conn = sqlite3.connect(db)
    try:
        start = time.perf_counter()
        rows = conn.execute("SELECT position, body FROM alert_log ORDER BY position").fetchall()
        for position, body in rows:
            item = ingest_pb2.WatchAlertsResponse.FromString(body)
            item.position = position
            item.SerializeToString()
        elapsed = time.perf_counter() - start
    finally:
        conn.close()
    assert len(rows) >= n
    return elapsed


def run(workdir: Path, certs: Path, n: int) -> dict[str, float]:
    fed = LocalFederation(workdir, certs, ("be-gent",))
    try:
        fed.start()
        node = fed["be-gent"]
        ivan = node.add_user("ivan", "investigator")
        add_entry(node, ivan, "1-ABC-123", "B")
        camera = node.add_user("cam", "adapter")
        operator = node.add_user("olga", "operator")
        node.argos("reads", "replay", str(_reads(workdir / "reads.jsonl", n)), token_file=camera)
        replay_s = _replay(node, operator, n)
        raw_s = _sqlite_read(node.home / "node.sqlite", n)
    finally:
        fed.stop()
    replay = n / replay_s
    raw = n / raw_s
    return {
        "alert_replay_per_s": replay,
        "alert_log_read_decode_per_s": raw,
        "alert_replay_over_log_read": replay / raw,
    }
