"""`make bench`: the benchmark suite. Prints a table and writes bench-results.json.

BENCH_SCALE=small runs a quick version (100,000 entries instead of 1,000,000, per list
for matching). BENCH_ONLY=adapter (a comma-separated list of sections: primitives,
verify, sync, matching, confirmations, adapter, isc, alerts, console, postgresql,
oblivious) runs
only those;
primitives run with sync, whose ratios need them. Every figure is measured in this run
beside the primitive it depends on; targets come from the issues and are printed, never
asserted in tests."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

from tests.bench import (
    adapter_bench,
    alert_bench,
    confirm_bench,
    console_bench,
    isc_bench,
    match_bench,
    oblivious_bench,
    pg_bench,
    primitives,
    sync_bench,
    verify_bench,
)

ROOT = Path(__file__).resolve().parents[2]
console = Console(width=100)

# metric -> (target, "max" if lower is better else "min")
TARGETS = {
    "sync_initial_1m_s": (15.0, "max"),
    "sync_speedup_vs_per_entry_verify": (5.0, "min"),
    "delta_p99_ms": (1000.0, "max"),
    "import_1m_s": (30.0, "max"),
    "match_reads_per_s": (100_000.0, "min"),
    "match_engine_ratio": (0.5, "min"),
    "match_fuzzy_reads_per_s": (20_000.0, "min"),
    "hit_p99_ms": (100.0, "max"),
    "rss_mb_3m_entries": (1500.0, "max"),
    "confirm_roundtrip_p99_ms": (200.0, "max"),
    "adapter_http_reads_per_s": (2000.0, "min"),
    "adapter_https_auth_reads_per_s": (2000.0, "min"),
    "console_alert_p99_ms": (500.0, "max"),
    "pg_sync_initial_1m_s": (20.0, "max"),
    "pg_hit_p99_ms": (100.0, "max"),
    "pg_match_reads_per_s": (100_000.0, "min"),
    "failover_takeover_s": (30.0, "max"),
    "oblivious_match_reads_per_s": (5000.0, "min"),
    "oblivious_hit_p99_ms": (250.0, "max"),
}


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


SECTIONS = (
    "primitives",
    "verify",
    "sync",
    "matching",
    "confirmations",
    "adapter",
    "isc",
    "alerts",
    "console",
    "postgresql",
    "oblivious",
)


def sections() -> set[str]:
    only = {s.strip() for s in os.environ.get("BENCH_ONLY", "").split(",") if s.strip()}
    unknown = only - set(SECTIONS)
    if unknown:
        raise SystemExit(f"BENCH_ONLY: unknown {', '.join(sorted(unknown))}; known: {SECTIONS}")
    if "sync" in only:
        only.add("primitives")
    return only or set(SECTIONS)


def main() -> int:
    run = sections()
    scale = os.environ.get("BENCH_SCALE", "full")
    full = scale != "small"
    entries = 1_000_000 if full else 100_000
    label = "1m" if full else "100k"
    certs = ROOT / "certs-dev" / "out"
    subprocess.run(
        [sys.executable, str(ROOT / "certs-dev" / "generate.py"), "--out", str(certs)],
        check=True,
        capture_output=True,
    )
    results: dict[str, float | str] = {"scale": scale, "machine": machine()}
    if run != set(SECTIONS):
        results["sections"] = ",".join(s for s in SECTIONS if s in run)

    if "primitives" in run:
        console.print("[bold]primitives[/] (one core)")
        prim = primitives.measure()
        results.update(prim)

    if "verify" in run:
        n = 200_000 if full else 20_000
        console.print(
            f"[bold]verify pipeline[/] ({n:,} entries, as a node runs it and in one thread)"
        )
        results.update(verify_bench.run(n))

    if "sync" in run:
        _sync(results, prim, certs, full, entries, label)
    if "matching" in run:
        _matching(results, certs, full, entries)
    if "confirmations" in run:
        rounds = 1000 if full else 200
        console.print(f"[bold]confirmations[/] ({rounds} round trips, two node processes)")
        with tempfile.TemporaryDirectory() as d:
            results.update(confirm_bench.run(Path(d), certs, rounds))
    if "adapter" in run:
        posts = 20_000 if full else 5_000
        console.print(
            f"[bold]adapter[/] (OpenALPR webhook, {posts:,} POSTs from "
            f"{adapter_bench.CLIENTS} clients)"
        )
        with tempfile.TemporaryDirectory() as d:
            results.update(adapter_bench.run(Path(d), certs, posts))
    if "isc" in run:
        objects = 10_000 if full else 1_000
        console.print(
            f"[bold]ISC pull[/] ({objects:,} objects from a local medallion; beside it, "
            "on 1,000, plain taxii2-client paging against the same server)"
        )
        with tempfile.TemporaryDirectory() as d:
            results.update(isc_bench.run(Path(d), certs, objects))
    if "alerts" in run:
        alerts = 10_000 if full else 2_000
        console.print(
            f"[bold]alert replay[/] ({alerts:,} alerts replayed from a cursor through the "
            "gRPC stream of a node process; beside it, the same rows read and decoded "
            "straight from its SQLite file)"
        )
        with tempfile.TemporaryDirectory() as d:
            results.update(alert_bench.run(Path(d), certs, alerts))

    if "console" in run:
        alerts = 200 if full else 40
        console.print(
            f"[bold]console alerts[/] ({alerts} camera reads, each alert timed on "
            f"{console_bench.SESSIONS} open console sessions' event streams over HTTPS, and "
            "on the node's own WatchAlerts stream)"
        )
        with tempfile.TemporaryDirectory() as d:
            results.update(console_bench.run(Path(d), certs, alerts))

    if "postgresql" in run:
        reads = 300_000 if full else 50_000  # as the matching section
        console.print(
            f"[bold]PostgreSQL[/] ({entries:,}-entry sync, {reads:,} reads, hits: two node "
            "processes on PostgreSQL, then the same on SQLite; one failover of a port's "
            "active node to its standby)"
        )
        with tempfile.TemporaryDirectory() as d:
            twin = (
                {k: results[k] for k in ("match_reads_per_s", "hit_p99_ms")}
                if "matching" in run
                else None
            )
            results.update(
                pg_bench.run(Path(d), certs, entries, reads, 1000 if full else 200, twin)
            )

    if "oblivious" in run:
        reads = 50_000 if full else 10_000
        console.print(
            f"[bold]oblivious matching[/] ({reads:,} reads through the partner's ingest API, "
            "each evaluated by the owner's node process over mutual TLS; the same reads "
            "under token beside it)"
        )
        with tempfile.TemporaryDirectory() as d:
            results.update(oblivious_bench.run(Path(d), certs, reads, 1000 if full else 200))

    _report(console, results, scale)
    return 0


def _sync(results: dict, prim: dict, certs: Path, full: bool, entries: int, label: str) -> None:
    console.print(f"[bold]sync[/] ({entries:,} entries, two node processes over mutual TLS)")
    with tempfile.TemporaryDirectory() as d:
        sync = sync_bench.run(Path(d), certs, entries, 1000 if full else 200)
    results[f"import_{label}_s"] = sync["import_s"]
    results[f"projection_{label}_s"] = sync["projection_s"]
    results[f"sync_initial_{label}_s"] = sync["sync_initial_s"]
    results["delta_p99_ms"] = sync["delta_p99_ms"]
    results["delta_p50_ms"] = sync["delta_p50_ms"]
    # Ratios to the primitives measured above.
    per_entry_us = sync["sync_initial_s"] / entries * 1e6
    results["sync_us_per_entry_over_ed25519_verify"] = (
        per_entry_us / prim["primitive_ed25519_verify_us"]
    )
    results["import_rows_per_s_over_sqlite_insert"] = (
        entries / sync["import_s"] / prim["primitive_sqlite_insert_rows_per_s"]
    )


def _matching(results: dict, certs: Path, full: bool, entries: int) -> None:
    per_list = entries
    console.print(
        f"[bold]matching[/] (3 lists of {per_list:,} entries held by one node, reads through "
        "its ingest API; hits delivered over mutual TLS)"
    )
    with tempfile.TemporaryDirectory() as d:
        results.update(
            match_bench.run(
                Path(d), certs, per_list, 300_000 if full else 50_000, 1000 if full else 200
            )
        )


def _report(console: Console, results: dict, scale: str) -> None:
    table = Table("metric", "value", "target", "")
    for name, value in results.items():
        if isinstance(value, str):
            continue
        target = TARGETS.get(name)
        verdict = ""
        if target:
            ok = value <= target[0] if target[1] == "max" else value >= target[0]
            verdict = "[green]met[/]" if ok else "[red]missed[/]"
        table.add_row(
            name,
            f"{value:,.3f}",
            f"{'≤' if target and target[1] == 'max' else '≥'} {target[0]:g}" if target else "",
            verdict,
        )
    console.print(table)
    console.print(f"scale {scale}; machine {results['machine']}")
    (ROOT / "bench-results.json").write_text(json.dumps(results, indent=2) + "\n")
    console.print("wrote bench-results.json")


if __name__ == "__main__":
    sys.exit(main())
