"""Issue 19, done means 2: a port survives the loss of its machine. Two nodes of be-gent
(one identity: the second folder a copy of the first's keys, certificates and token
master; their own admin sockets; one federation address) share a PostgreSQL primary
with a synchronous streaming standby; nl-terneuzen and be-antwerpen are partners on
SQLite. While reads produce hits on both sides, hotlists sync and confirmations are
open, the active node is killed with SIGKILL, the primary stopped (immediate) and the
standby promoted. The standby node takes over, and then every hit recorded before the
kill reaches its owner exactly once, every sync ends at the provider's signed head,
every open confirmation can still be answered, and `argos audit verify` passes.

Everything is real: `argos serve` processes over mutual TLS, PostgreSQL servers from
Debian's packages (tests/pg_servers.py), the argos CLI. The takeover time (kill to the
first hit delivered by the new active node) is printed as failover_takeover_s."""

from __future__ import annotations

import os
import random

import pytest

from tests.integration.failover_support import SLOW_RUNS, failover_once, start_pg_pair


@pytest.fixture(scope="module")
def pg_pair(tmp_path_factory):
    """The primary+standby pair of this module's one failover (a promotion uses it up)."""
    pair = start_pg_pair(tmp_path_factory.mktemp("failover-pg"))
    yield pair
    pair.stop()


@pytest.mark.timeout(600)
def test_the_standby_node_takes_over_and_nothing_recorded_is_lost_or_doubled(
    tmp_path, certs, pg_pair
):
    seed = int(os.environ.get("ARGOS_FAILOVER_SEED", "19"))
    failover_once(tmp_path, certs, pg_pair, seed)


@pytest.mark.slow
@pytest.mark.timeout(2400)
def test_ten_failovers_with_the_kill_at_random_points(tmp_path, certs):
    seed = int(os.environ.get("ARGOS_FAILOVER_SEED", str(random.SystemRandom().randrange(10**6))))
    print(f"failover seeds from {seed}")
    rng = random.Random(seed)
    times = []
    for run in range(SLOW_RUNS):
        pg = start_pg_pair(tmp_path / f"run-{run}")
        try:
            times.append(failover_once(tmp_path / f"run-{run}", certs, pg, rng.randrange(10**6)))
        finally:
            pg.stop()
    print(f"failover_takeover_s max={max(times):.2f} all={[round(t, 2) for t in times]}")
