"""Oblivious matching (issue 20): reads through the partner's (nl-terneuzen) ingest API,
each reading blinded there and evaluated by the owner (be-gent), a second node process,
over mutual TLS; beside it, in the same run, the same reads under a token agreement,
and the raw cost of the primitive on each side.

Said plainly: the list Terneuzen holds is the one real entry the hit delay is measured
on. Under oblivious matching the cost of a read is its evaluation (elliptic-curve work
on both nodes and a round trip), not the lookup, which is one dict probe as under token:
the size of the list does not change the figure. Fuzzy matching is off for the
throughput runs (one element per read) and on for none: match_fuzzy under oblivious
multiplies the elements per read by the variants tried."""

from __future__ import annotations

import os
import time
from pathlib import Path

import rbcl

from gateway.domain import oprf
from gateway.federation import LocalFederation
from tests.bench.match_bench import (
    HIT_PLATE,
    SqliteAccess,
    _batches,
    _hit_delays,
    _plates,
    _throughput,
)
from tests.integration.hotlist_support import add_entry, in_step, wait_until

ELEMENTS = 128  # as the partner sends them (services.oblivious_matching)


def group_operations(rounds: int = 2000) -> dict[str, float]:
    """One core, libsodium through rbcl: the group operations RFC 9497's batch VOPRF is
    made of, and what they alone allow per read (one element) on this machine.

    Per element the protocol needs, at the least: the partner's hash to the group, its
    Blind and Finalize multiplications, its two composite sums (M and Z: one
    multiplication and one addition each); the owner's evaluation and its composite M
    (one multiplication, one addition). libsodium has no multi-scalar multiplication,
    and each of its additions decodes and encodes its points, so the composites cost
    as much as they look. Nothing else (gRPC, TLS, hashing, the ingest API) is counted:
    `oblivious_ceiling_reads_per_s` is what the machine's cores could not exceed."""
    secret = rbcl.crypto_core_ristretto255_scalar_random()
    point = rbcl.crypto_core_ristretto255_from_hash(os.urandom(64))
    seed = os.urandom(64)
    timings = {}
    for name, op in (
        ("mult", lambda: rbcl.crypto_scalarmult_ristretto255(secret, point)),
        ("add", lambda: rbcl.crypto_core_ristretto255_add(point, point)),
        ("from_hash", lambda: rbcl.crypto_core_ristretto255_from_hash(seed)),
    ):
        start = time.perf_counter()
        for _ in range(rounds):
            op()
        timings[name] = (time.perf_counter() - start) / rounds * 1e6
    per_read_us = timings["from_hash"] + 6 * timings["mult"] + 3 * timings["add"]
    return {
        "primitive_ristretto_mult_us": timings["mult"],
        "primitive_ristretto_add_us": timings["add"],
        "primitive_ristretto_from_hash_us": timings["from_hash"],
        "oblivious_group_ops_us_per_read": per_read_us,
        "oblivious_ceiling_reads_per_s": (os.cpu_count() or 1) * 1e6 / per_read_us,
    }


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def primitives(rounds: int = 20) -> dict[str, float]:
    """Per element, one core: the owner's BlindEvaluate with its share of one proof over
    a batch of ELEMENTS, and the partner's Blind + VerifyProof + Finalize."""
    key = oprf.derive_key_pair(os.urandom(32), b"bench")
    inputs = [os.urandom(12) for _ in range(ELEMENTS)]
    mine = [oprf.blind(x) for x in inputs]
    elements = [m.element for m in mine]
    start = time.perf_counter()
    for _ in range(rounds):
        answer = oprf.blind_evaluate(key, elements)
    owner_us = (time.perf_counter() - start) / rounds / ELEMENTS * 1e6
    start = time.perf_counter()
    for _ in range(rounds):  # against the last answer: the owner's part is not timed
        mine_again = [oprf.blind(x, blind=m.blind) for x, m in zip(inputs, mine, strict=True)]
        oprf.finalize(
            inputs, [m.blind for m in mine], [m.element for m in mine_again], answer, key.public
        )
    partner_us = (time.perf_counter() - start) / rounds / ELEMENTS * 1e6
    start = time.perf_counter()
    for x in inputs:
        oprf.evaluate(key.secret, x)
    evaluate_us = (time.perf_counter() - start) / ELEMENTS * 1e6
    return {
        "primitive_oprf_evaluate_us": owner_us,
        "primitive_oprf_partner_us": partner_us,
        "primitive_oprf_direct_evaluate_us": evaluate_us,
    }


def _one_pair(workdir: Path, certs: Path, matching: tuple[str, ...]):
    fed = LocalFederation(workdir, certs, ("be-gent", "nl-terneuzen"))
    fed.start()
    fed.connect("be-gent", "nl-terneuzen")
    agreement_id = fed.agree(
        "be-gent", "nl-terneuzen", "--direction", "proposer_to_partner", *matching
    )
    gent, terneuzen = fed["be-gent"], fed["nl-terneuzen"]
    ivan = gent.add_user("ivan", "investigator")
    assert add_entry(gent, ivan, HIT_PLATE, "B")
    wait_until(lambda: in_step(gent, terneuzen, agreement_id), what="the hit entry, verified")
    token = terneuzen.add_user("cam", "adapter").read_text().strip()
    terneuzen.stop()
    with (terneuzen.home / "node.toml").open("a") as f:
        f.write("fuzzy_matching = false\n")
    terneuzen.start()
    return fed, token, f"unix:{terneuzen.home / 'admin.sock'}"


def run(workdir: Path, certs: Path, reads: int, hits: int) -> dict[str, float]:
    results: dict[str, float] = {}
    traffic = _plates(reads, seed=2)
    fed, token, target = _one_pair(workdir / "token", certs, ())
    try:
        results["match_reads_per_s"] = _throughput(target, token, _batches(traffic))
    finally:
        fed.stop()
    budget = ("--matching", "oblivious", "--oblivious-budget", "1000000,10000000000")
    fed, token, target = _one_pair(workdir / "oblivious", certs, budget)
    try:
        nodes = [fed[name].process.pid for name in ("be-gent", "nl-terneuzen")]
        before = [_cpu_s(pid) for pid in nodes]
        results["oblivious_match_reads_per_s"] = _throughput(target, token, _batches(traffic))
        owner_s, partner_s = (_cpu_s(pid) - b for pid, b in zip(nodes, before, strict=True))
        # CPU of each node process per read over the throughput run (both share the
        # machine's cores): what the ceiling below is compared with.
        results["oblivious_owner_cpu_us_per_read"] = owner_s / len(traffic) * 1e6
        results["oblivious_partner_cpu_us_per_read"] = partner_s / len(traffic) * 1e6
        delays = _hit_delays(fed, token, hits, 50.0, SqliteAccess())
        results["oblivious_hit_p99_ms"] = delays[max(0, int(len(delays) * 0.99) - 1)]
        results["oblivious_hit_p50_ms"] = delays[len(delays) // 2]
    finally:
        fed.stop()
    results.update(primitives())
    results.update(group_operations())
    return results
