"""Matching: one node (nl-terneuzen) holding three partner hotlists of `per_list` plate
tokens each, fed camera reads through its ingest API by a client in this process; the
in-process engine against the raw keyed-hash + set-lookup rate; the delay from a read
at the observer until its hit notification is durable at the owner (be-gent).

Setup shortcut, said plainly: the three big lists are written straight into the
node's SQLite file (as a completed sync would leave them) instead of being synced,
which would take minutes per million and is measured by the sync benchmark. The
node then loads them at start exactly as after any restart. The hit-delay run uses a
real agreement, a real synced entry and real delivery over mutual TLS."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
import uuid
from pathlib import Path

import grpc

from gateway.domain.matching import EntryRef, HotlistIndex, MatchEngine
from gateway.domain.ocr import FuzzyPolicy
from gateway.domain.plates import normalise_country, normalise_plate
from gateway.domain.schemes.token import TOKEN_PERSON, plate_token
from gateway.domain.times import parse_time_text
from gateway.federation import LocalFederation
from gateway.synthetic import synthetic_rows
from gateway.wire.argos.v1 import ingest_pb2, ingest_pb2_grpc, reads_pb2
from tests.integration.hotlist_support import add_entry, in_step, wait_until

LISTS = 3
BATCH = 1000
HIT_PLATE = "1-ABC-123"


def _plates(n: int, seed: int) -> list[tuple[str, str]]:
    return [
        (normalise_plate(r["plate"]), normalise_country(r["country"]))
        for r in synthetic_rows(n, seed=seed)
    ]


def _inject_lists(db_path: Path, plates: list[tuple[str, str]]) -> list[bytes]:
    """Write LISTS received lists of len(plates) token entries into a stopped node."""
    keys = [hashlib.sha256(b"bench-list-%d" % i).digest() for i in range(LISTS)]
    far = int(time.time()) + 365 * 86400
    conn = sqlite3.connect(db_path)
    with conn:
        for i, key in enumerate(keys):
            agreement_id = f"bench-list-{i}"
            conn.execute(
                "INSERT INTO sync_state (agreement_id, provider, cursor, live_count, set_digest) "
                "VALUES (?, ?, 0, ?, ?)",
                (agreement_id, f"xx-bench-{i}", len(plates), "0" * 64),
            )
            conn.execute(
                "INSERT INTO matching_keys (agreement_id, agreement_version, matching_mode, "
                "token_key) VALUES (?, 1, 'token', ?)",
                (agreement_id, key),
            )
            conn.executemany(
                "INSERT INTO received_entries (agreement_id, entry_id, leaf, checkpoint_id, "
                "leaf_index, category, plate_token, plate, country, expires_at) "
                "VALUES (?, ?, x'', 0, 0, 'stolen_vehicle', ?, NULL, NULL, ?)",
                (
                    (agreement_id, f"{i}-{n:034d}", plate_token(key, p, c), far)
                    for n, (p, c) in enumerate(plates)
                ),
            )
    conn.close()
    return keys


def _inject_lists_pg(conninfo: str, plates: list[tuple[str, str]]) -> list[bytes]:
    """As _inject_lists, into a stopped node's PostgreSQL database (COPY for the rows)."""
    import psycopg

    keys = [hashlib.sha256(b"bench-list-%d" % i).digest() for i in range(LISTS)]
    far = int(time.time()) + 365 * 86400
    with psycopg.connect(conninfo) as conn:
        for i, key in enumerate(keys):
            agreement_id = f"bench-list-{i}"
            conn.execute(
                "INSERT INTO sync_state (agreement_id, provider, cursor, live_count, set_digest) "
                "VALUES (%s, %s, 0, %s, %s)",
                (agreement_id, f"xx-bench-{i}", len(plates), "0" * 64),
            )
            conn.execute(
                "INSERT INTO matching_keys (agreement_id, agreement_version, matching_mode, "
                "token_key) VALUES (%s, 1, 'token', %s)",
                (agreement_id, key),
            )
            with conn.cursor().copy(
                "COPY received_entries (agreement_id, entry_id, leaf, checkpoint_id, "
                "leaf_index, category, plate_token, expires_at) FROM STDIN"
            ) as copy:
                for n, (p, c) in enumerate(plates):
                    copy.write_row(
                        (agreement_id, f"{i}-{n:034d}", b"", 0, 0, "stolen_vehicle",
                         plate_token(key, p, c), far)
                    )  # fmt: skip
    # A node that synced its lists did so long before its cameras' reads: the store has
    # since vacuumed and checkpointed those rows. Injected just now, PostgreSQL would
    # pay that debt (a vacuum of every page, a checkpoint writing them) during the
    # measurement, and every commit on the hit path would wait behind it.
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) received_entries")
        conn.execute("CHECKPOINT")
    return keys


class SqliteAccess:
    """Where the bench reaches past a node into its SQLite file (set-up and read-back)."""

    def prepare(self, fed: LocalFederation, workdir: Path) -> None:
        pass

    def inject(self, node, plates: list[tuple[str, str]]) -> None:
        _inject_lists(node.home / "node.sqlite", plates)

    def received_hits(self, node) -> list[tuple[str, str]]:
        with sqlite3.connect(node.home / "node.sqlite") as db:
            return db.execute("SELECT observed_at, received_at FROM received_hits").fetchall()


class PostgresAccess:
    """The same, each node in its own database on one PostgreSQL server."""

    def __init__(self, server, prefix: str = "bench_") -> None:
        self.server = server
        self.prefix = prefix

    def _database(self, node) -> str:
        return self.prefix + node.node_id.replace("-", "_")

    def prepare(self, fed: LocalFederation, workdir: Path) -> None:
        import shutil

        workdir.mkdir(parents=True, exist_ok=True)
        password = workdir / "pg.password"
        shutil.copyfile(self.server.password_file, password)
        password.chmod(0o600)
        for node in fed.nodes.values():
            self.server.create_database(self._database(node))
            node.postgresql_dsn = self.server.dsn(self._database(node))
            node.postgresql_password_file = password

    def inject(self, node, plates: list[tuple[str, str]]) -> None:
        _inject_lists_pg(self.server.conninfo(self._database(node)), plates)

    def received_hits(self, node) -> list[tuple[str, str]]:
        import psycopg

        with psycopg.connect(self.server.conninfo(self._database(node))) as conn:
            return conn.execute("SELECT observed_at, received_at FROM received_hits").fetchall()


def _read(plate: str, country: str, ms: int) -> reads_pb2.PlateRead:
    read = reads_pb2.PlateRead(
        plate=plate, country=country, confidence=0.9, camera="cam-1", site="site-1"
    )
    read.observed_at.seconds, read.observed_at.nanos = ms // 1000, (ms % 1000) * 1_000_000
    return read


def _throughput(target: str, token: str, batches: list[ingest_pb2.SubmitReadsRequest]) -> float:
    """Reads per second through SubmitReads, one stream, batches pre-built."""
    with grpc.insecure_channel(target) as channel:
        stub = ingest_pb2_grpc.IngestServiceStub(channel)
        metadata = [("authorization", f"Bearer {token}")]
        # Warm up the channel and the node's first-call paths.
        # The warm-up batch under an id of its own: the node answers a batch id once.
        warm = ingest_pb2.SubmitReadsRequest(batch_id=f"warm-{uuid.uuid4().hex}")
        warm.reads.extend(batches[0].reads)
        list(stub.SubmitReads(iter([warm]), metadata=metadata))
        start = time.perf_counter()
        answers = list(stub.SubmitReads(iter(batches), metadata=metadata))
        elapsed = time.perf_counter() - start
    reads = sum(a.accepted + len(a.rejected) for a in answers)
    return reads / elapsed


def _batches(plates: list[tuple[str, str]]) -> list[ingest_pb2.SubmitReadsRequest]:
    ms = int(time.time() * 1000)
    reads = [_read(p, c, ms) for p, c in plates]
    run = uuid.uuid4().hex  # the node answers a batch id once: ids unique to this run
    return [
        ingest_pb2.SubmitReadsRequest(batch_id=f"{run}-{i}", reads=reads[i : i + BATCH])
        for i in range(0, len(reads), BATCH)
    ]


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _engine_rates(plates: list[tuple[str, str]], reads: list[tuple[str, str]]) -> dict:
    """In-process: the engine's exact rate, and the raw rate of what any token matcher
    must do per read (one keyed BLAKE2b and one set lookup per list)."""
    keys = [os.urandom(32) for _ in range(LISTS)]
    engine = MatchEngine(FuzzyPolicy())
    far = 2**40
    for i, key in enumerate(keys):
        index = HotlistIndex(f"list-{i}", "bench", (key,))
        for n, (p, c) in enumerate(plates):
            index.entries[plate_token(key, p, c)] = EntryRef(f"{i}-{n}", "stolen_vehicle", 0, far)
        engine.replace_list(index)
    sets = [set(index.entries) for index in engine.lists.values()]
    now = int(time.time())
    raw_reads = [(normalise_plate(p), normalise_country(c)) for p, c in reads]

    start = time.perf_counter()
    for p, c in reads:
        engine.match(p, c, (), now=now)
    engine_rate = len(reads) / (time.perf_counter() - start)

    start = time.perf_counter()
    for p, c in raw_reads:
        data = f"{p}\x1f{c}".encode()
        for key, tokens in zip(keys, sets, strict=True):
            hashlib.blake2b(data, key=key, digest_size=16, person=TOKEN_PERSON).digest() in tokens  # noqa: B015
    raw_rate = len(raw_reads) / (time.perf_counter() - start)
    return {
        "match_engine_reads_per_s": engine_rate,
        "match_raw_hash_lookup_reads_per_s": raw_rate,
        "match_engine_ratio": engine_rate / raw_rate,
    }


def _hit_delays(
    fed: LocalFederation, token: str, n: int, rate: float, access: SqliteAccess | PostgresAccess
) -> list[float]:
    """n reads of an entry Gent shares, at `rate` per second, one read per batch; each
    delay runs from the read's ingestion until Gent has stored its notification."""
    terneuzen, gent = fed["nl-terneuzen"], fed["be-gent"]
    target = f"unix:{terneuzen.home / 'admin.sock'}"
    sent: list[int] = []
    run = uuid.uuid4().hex  # the node answers a batch id once: ids unique to this run

    def requests():
        for i in range(n):
            ms = int(time.time() * 1000)
            sent.append(ms)
            plate, country = normalise_plate(HIT_PLATE), "BE"
            yield ingest_pb2.SubmitReadsRequest(
                batch_id=f"{run}-{i}", reads=[_read(plate, country, ms)]
            )
            time.sleep(max(0.0, 1 / rate - (time.time() * 1000 - ms) / 1000))

    with grpc.insecure_channel(target) as channel:
        stub = ingest_pb2_grpc.IngestServiceStub(channel)
        metadata = [("authorization", f"Bearer {token}")]
        answers = list(stub.SubmitReads(requests(), metadata=metadata))
    assert sum(a.hits for a in answers) == n, "every hit read must hit"

    def stored() -> list[tuple[str, str]]:
        return access.received_hits(gent)

    rows = wait_until(lambda: len(r := stored()) >= n and r, timeout=120, what="every hit")
    return sorted((_ms(received) - _ms(observed)) for observed, received in rows)


def _ms(text: str) -> float:
    return parse_time_text(text).timestamp() * 1000


def run(
    workdir: Path,
    certs: Path,
    per_list: int,
    reads: int,
    hits: int,
    access: SqliteAccess | PostgresAccess | None = None,
) -> dict[str, float]:
    """The matching figures with both nodes on SQLite, or on PostgreSQL (access)."""
    access = access or SqliteAccess()
    fed = LocalFederation(workdir, certs, ("be-gent", "nl-terneuzen"))
    access.prepare(fed, workdir)
    results: dict[str, float] = {}
    try:
        fed.start()
        fed.connect("be-gent", "nl-terneuzen")
        agreement_id = fed.agree("be-gent", "nl-terneuzen", "--direction", "proposer_to_partner")
        gent, terneuzen = fed["be-gent"], fed["nl-terneuzen"]
        ivan = gent.add_user("ivan", "investigator")
        entry_id = add_entry(gent, ivan, HIT_PLATE, "B")
        assert entry_id
        wait_until(lambda: in_step(gent, terneuzen, agreement_id), what="the hit entry, verified")
        token = terneuzen.add_user("cam", "adapter").read_text().strip()
        target = f"unix:{terneuzen.home / 'admin.sock'}"

        plates = _plates(per_list, seed=1)
        terneuzen.stop()
        access.inject(terneuzen, plates)
        with (terneuzen.home / "node.toml").open("a") as f:
            f.write("fuzzy_matching = false\n")
        start = time.perf_counter()
        terneuzen.start()
        results["match_load_s"] = time.perf_counter() - start
        results[f"rss_mb_{_label(per_list * LISTS)}_entries"] = _rss_mb(terneuzen.process.pid)
        # Reads of other plates than the lists hold: nearly every read is a no-hit,
        # as at a real camera.
        traffic = _plates(reads, seed=2)
        results["match_reads_per_s"] = _throughput(target, token, _batches(traffic))

        terneuzen.stop()
        text = (terneuzen.home / "node.toml").read_text()
        (terneuzen.home / "node.toml").write_text(
            text.replace("fuzzy_matching = false", "fuzzy_matching = true")
        )
        terneuzen.start()
        results["match_fuzzy_reads_per_s"] = _throughput(
            target, token, _batches(traffic[: max(BATCH, reads // 5)])
        )
        delays = _hit_delays(fed, token, hits, 50.0, access)
        results["hit_p99_ms"] = delays[max(0, int(len(delays) * 0.99) - 1)]
        results["hit_p50_ms"] = delays[len(delays) // 2]
        for node in (gent, terneuzen):
            assert "audit log intact" in node.argos("audit", "verify").stdout
    finally:
        fed.stop()
    results.update(_engine_rates(_plates(per_list, seed=1), _raw(reads // 5)))
    return results


def _raw(n: int) -> list[tuple[str, str]]:
    return [(r["plate"], r["country"]) for r in synthetic_rows(n, seed=3)]


def _label(n: int) -> str:
    return f"{n // 1_000_000}m" if n >= 1_000_000 else f"{n // 1000}k"


if __name__ == "__main__":  # quick look: python -m tests.bench.match_bench
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        out = run(Path(d), Path("certs-dev/out"), 100_000, 50_000, 200)
    print(json.dumps(out, indent=2))
