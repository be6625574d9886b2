"""The node on PostgreSQL beside the same node on SQLite, in one run (issue 19).

Each figure is measured on PostgreSQL (each node in its own database on one local
server from Debian's packages) and on SQLite, by the same code in the same run, on
real node processes over mutual TLS:

- the initial sync (`flow`): be-gent imports `entries` rows; nl-terneuzen's copy is
  erased (ResyncAgreement) and the sync timed until its verified head is the
  provider's: `pg_sync_initial_1m_s`;
- matching and the hit delay: the matching benchmark (tests/bench/match_bench.py,
  three lists of `entries` tokens at nl-terneuzen, reads through its ingest API, hits
  delivered to be-gent) with both nodes on PostgreSQL: `pg_match_reads_per_s`,
  `pg_hit_p99_ms`; on SQLite it is the matching section's own run.

The PostgreSQL figures are pg_*, the SQLite ones pg_twin_sqlite_*, with their ratios
(the SQLite run is the primitive here: the same code, machine and minute, another
store). The takeover after the loss of a port's machine (`failover_takeover_s`) is
measured by the failover test's own flow (tests/integration/test_failover.py: a
primary with a synchronous standby, two be-gent nodes, two partners; kill, promote,
take over) from the SIGKILL of the active node to the first hit the new active node
delivers."""

from __future__ import annotations

import time
from pathlib import Path

from gateway.cli.client import AdminClient
from gateway.federation import LocalFederation
from gateway.synthetic import write_hotlist_csv
from gateway.wire.argos.v1 import admin_pb2 as pb
from tests.bench import match_bench
from tests.bench.match_bench import HIT_PLATE
from tests.bench.sync_bench import _status, _wait
from tests.integration.hotlist_support import add_entry, in_step, wait_until

# docs/admin-guide.md, "Sizing the PostgreSQL server".
SERVER_SETTINGS = {"shared_buffers": "1GB", "max_wal_size": "4GB", "checkpoint_timeout": "15min"}


def flow(workdir: Path, certs: Path, entries: int, server=None) -> dict[str, float]:
    """The import and the initial sync, on two nodes on SQLite, or on PostgreSQL with
    `server`."""
    fed = LocalFederation(workdir, certs, ("be-gent", "nl-terneuzen"))
    if server is not None:
        match_bench.PostgresAccess(server, "sync_").prepare(fed, workdir)
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

        for node in (gent, terneuzen):
            assert "audit log intact" in node.argos("audit", "verify").stdout
    finally:
        fed.stop()
    return results


def run(
    workdir: Path,
    certs: Path,
    entries: int,
    reads: int,
    hits: int,
    sqlite_matching: dict[str, float] | None = None,
) -> dict[str, float]:
    """Every PostgreSQL figure beside its SQLite twin; `sqlite_matching`: the matching
    section's figures of this run, if it ran (else the twin is measured here)."""
    from tests.pg_servers import PgServer

    server = PgServer.start(workdir / "pg")
    # Sized as the admin guide's section 11 says a port's server should be (the test
    # fixture's 64 MB of shared buffers are for many small test databases).
    server.stop("fast")
    server.write_settings(**SERVER_SETTINGS)
    server.launch()
    try:
        pg = flow(workdir / "postgresql", certs, entries, server)
        pg.update(
            match_bench.run(
                workdir / "pg-matching",
                certs,
                entries,
                reads,
                hits,
                match_bench.PostgresAccess(server, "matching_"),
            )
        )
    finally:
        server.stop("fast")
    twin = flow(workdir / "sqlite", certs, entries)
    twin.update(
        sqlite_matching or match_bench.run(workdir / "sqlite-matching", certs, entries, reads, hits)
    )
    label = f"{entries // 1_000_000}m" if entries >= 1_000_000 else f"{entries // 1000}k"
    results = {
        f"pg_sync_initial_{label}_s": pg["sync_initial_s"],
        "pg_match_reads_per_s": pg["match_reads_per_s"],
        "pg_hit_p99_ms": pg["hit_p99_ms"],
        "pg_hit_p50_ms": pg["hit_p50_ms"],
        f"pg_import_{label}_s": pg["import_s"],
        "pg_match_load_s": pg["match_load_s"],
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
    from tests.integration.failover_support import failover_once, start_pg_pair

    pair = start_pg_pair(workdir)
    try:
        return failover_once(workdir, certs, pair, seed=19)
    finally:
        pair.stop()
