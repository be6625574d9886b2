"""The node on PostgreSQL beside the same node on SQLite, in one run (issue 19).

One flow, run twice, once per store, each on two real node processes over mutual TLS
(be-gent the owner, nl-terneuzen the recipient, both on the store under test; for
PostgreSQL, each in its own database on one local server from Debian's packages):

1. be-gent imports `entries` rows; nl-terneuzen's copy is erased (ResyncAgreement) and
   the initial sync timed until its verified head is the provider's: `sync_initial_s`.
2. nl-terneuzen, restarted with exact matching (as match_reads_per_s is measured),
   holds that one list; camera reads of other plates (nearly every read a no-hit, as
   at a real camera) go through its ingest API: `match_reads_per_s`.
3. Reads of a plate on the list at 50 per second, one per batch: each hit's delay from
   the read until be-gent has its notification stored: `hit_p50_ms`, `hit_p99_ms`.

The PostgreSQL figures are reported as pg_*, the SQLite ones of the same flow as
pg_twin_sqlite_*, and their ratios (the SQLite run is the primitive here: the same
code, the same machine, the same minute, another store).

The takeover after the loss of a port's machine (`failover_takeover_s`) is measured by
the failover test's own flow (tests/integration/test_failover.py: a primary with a
synchronous standby, two be-gent nodes, two partners; kill, promote, take over) from
the SIGKILL of the active node to the first hit the new active node delivers."""

from __future__ import annotations

import shutil
import sqlite3
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import grpc
import psycopg

from gateway.cli.client import AdminClient
from gateway.domain.plates import normalise_plate
from gateway.federation import LocalFederation, LocalNode
from gateway.synthetic import write_hotlist_csv
from gateway.wire.argos.v1 import admin_pb2 as pb
from gateway.wire.argos.v1 import ingest_pb2, ingest_pb2_grpc
from tests.bench.match_bench import HIT_PLATE, _batches, _ms, _plates, _read, _throughput
from tests.bench.sync_bench import _status, _wait
from tests.integration.hotlist_support import add_entry, in_step, wait_until

HIT_RATE_PER_S = 50.0


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * q) - 1)]


def _on_postgresql(fed: LocalFederation, server, workdir: Path) -> Callable[[LocalNode], list]:
    """Give each node a database of its own on `server`; return how to read one's
    received hits (observed_at, received_at) straight from its database."""
    workdir.mkdir(parents=True, exist_ok=True)
    password = workdir / "pg.password"
    shutil.copyfile(server.password_file, password)
    password.chmod(0o600)
    for node in fed.nodes.values():
        name = "bench_" + node.node_id.replace("-", "_")
        server.create_database(name)
        node.postgresql_dsn = server.dsn(name)
        node.postgresql_password_file = password

    def hits_of(node: LocalNode) -> list:
        name = "bench_" + node.node_id.replace("-", "_")
        with psycopg.connect(server.conninfo(name)) as conn:
            return conn.execute("SELECT observed_at, received_at FROM received_hits").fetchall()

    return hits_of


def _sqlite_hits(node: LocalNode) -> list:
    with sqlite3.connect(node.home / "node.sqlite") as db:
        return db.execute("SELECT observed_at, received_at FROM received_hits").fetchall()


def _hit_delays(fed: LocalFederation, token: str, n: int, stored: Callable[[], list]) -> list:
    terneuzen = fed["nl-terneuzen"]
    run = uuid.uuid4().hex

    def requests():
        for i in range(n):
            ms = int(time.time() * 1000)
            yield ingest_pb2.SubmitReadsRequest(
                batch_id=f"{run}-{i}", reads=[_read(normalise_plate(HIT_PLATE), "BE", ms)]
            )
            time.sleep(max(0.0, 1 / HIT_RATE_PER_S - (time.time() * 1000 - ms) / 1000))

    with grpc.insecure_channel(f"unix:{terneuzen.home / 'admin.sock'}") as channel:
        stub = ingest_pb2_grpc.IngestServiceStub(channel)
        answers = list(
            stub.SubmitReads(requests(), metadata=[("authorization", f"Bearer {token}")])
        )
    assert sum(a.hits for a in answers) == n, "every hit read must hit"
    rows = wait_until(lambda: len(r := stored()) >= n and r, timeout=180, what="every hit")
    return [_ms(received_at) - _ms(observed) for observed, received_at in rows]


def flow(
    workdir: Path, certs: Path, entries: int, reads: int, hits: int, server=None
) -> dict[str, float]:
    """The three measurements on two nodes on SQLite, or on PostgreSQL with `server`."""
    fed = LocalFederation(workdir, certs, ("be-gent", "nl-terneuzen"))
    hits_of = _on_postgresql(fed, server, workdir) if server is not None else _sqlite_hits
    results: dict[str, float] = {}
    try:
        fed.start()
        fed.connect("be-gent", "nl-terneuzen")
        agreement_id = fed.agree("be-gent", "nl-terneuzen", "--direction", "proposer_to_partner")
        gent, terneuzen = fed["be-gent"], fed["nl-terneuzen"]
        ivan = gent.add_user("ivan", "investigator")
        admin_g = AdminClient(gent.home, (gent.home / "admin.token").read_text().strip())
        admin_t = AdminClient(terneuzen.home, (terneuzen.home / "admin.token").read_text().strip())
        hit_entry = add_entry(gent, ivan, HIT_PLATE, "B")
        assert hit_entry
        wait_until(lambda: in_step(gent, terneuzen, agreement_id), what="the hit entry")

        csv_path = write_hotlist_csv(workdir / "hotlist.csv", entries)
        start = time.perf_counter()
        gent.argos(
            "hotlist", "import", str(csv_path), "--justification", "bench", token_file=ivan,
            timeout_s=1800,
        )  # fmt: skip
        results["import_s"] = time.perf_counter() - start
        _wait(
            lambda: _status(admin_g, agreement_id, "provider").entries == entries + 1,
            1800,
            "projection",
            poll=1.0,
        )
        _wait(lambda: in_step(gent, terneuzen, agreement_id), 1800, "first sync", poll=1.0)
        admin_t.call(
            "ResyncAgreement",
            pb.ResyncAgreementRequest(agreement_id=agreement_id, justification="benchmark"),
        )
        start = time.perf_counter()
        _wait(lambda: in_step(gent, terneuzen, agreement_id), 900, "initial sync", poll=0.2)
        results["sync_initial_s"] = time.perf_counter() - start

        token = terneuzen.add_user("cam", "adapter").read_text().strip()
        # Exact matching, as match_reads_per_s measures it (fuzzy has its own figure),
        # from a node started afresh on what it now holds.
        terneuzen.stop()
        with (terneuzen.home / "node.toml").open("a") as f:
            f.write("fuzzy_matching = false\n")
        terneuzen.start()
        traffic = _plates(reads, seed=2)
        target = f"unix:{terneuzen.home / 'admin.sock'}"
        results["match_reads_per_s"] = _throughput(target, token, _batches(traffic))

        delays = _hit_delays(fed, token, hits, lambda: hits_of(gent))
        results["hit_p99_ms"] = _percentile(delays, 0.99)
        results["hit_p50_ms"] = _percentile(delays, 0.50)
        for node in (gent, terneuzen):
            assert "audit log intact" in node.argos("audit", "verify").stdout
    finally:
        fed.stop()
    return results


def run(workdir: Path, certs: Path, entries: int, reads: int, hits: int) -> dict[str, float]:
    from tests.pg_servers import PgServer

    server = PgServer.start(workdir / "pg")
    try:
        pg = flow(workdir / "postgresql", certs, entries, reads, hits, server)
    finally:
        server.stop("fast")
    twin = flow(workdir / "sqlite", certs, entries, reads, hits)
    label = f"{entries // 1_000_000}m" if entries >= 1_000_000 else f"{entries // 1000}k"
    results = {
        f"pg_sync_initial_{label}_s": pg["sync_initial_s"],
        "pg_match_reads_per_s": pg["match_reads_per_s"],
        "pg_hit_p99_ms": pg["hit_p99_ms"],
        "pg_hit_p50_ms": pg["hit_p50_ms"],
        f"pg_import_{label}_s": pg["import_s"],
        f"pg_twin_sqlite_sync_initial_{label}_s": twin["sync_initial_s"],
        "pg_twin_sqlite_match_reads_per_s": twin["match_reads_per_s"],
        "pg_twin_sqlite_hit_p99_ms": twin["hit_p99_ms"],
        "pg_sync_over_sqlite": pg["sync_initial_s"] / twin["sync_initial_s"],
        "pg_match_over_sqlite": pg["match_reads_per_s"] / twin["match_reads_per_s"],
        "pg_hit_p99_over_sqlite": pg["hit_p99_ms"] / twin["hit_p99_ms"],
    }
    results["failover_takeover_s"] = takeover(workdir / "failover", certs)
    return results


def takeover(workdir: Path, certs: Path) -> float:
    """One failover of the failover test's flow; seconds from the kill to the first hit
    the new active node delivered."""
    from tests.integration.test_failover import failover_once, start_pg_pair

    pair = start_pg_pair(workdir)
    try:
        return failover_once(workdir, certs, pair, seed=19)
    finally:
        pair.stop()
