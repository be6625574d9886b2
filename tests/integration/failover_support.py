"""The failover flow of issue 19 (done means 2), shared by its test
(tests/integration/test_failover.py) and the benchmark's takeover figure
(tests/bench/pg_bench.py): a PostgreSQL primary with a synchronous standby, two be-gent
nodes of one identity on it, two partners on SQLite, traffic, the kill, the promotion,
the takeover and every check after it."""

from __future__ import annotations

import random
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from gateway.federation import LocalFederation, LocalNode
from tests.integration.hits_support import configure, hits, read, reads_file
from tests.integration.hotlist_support import add_entry, in_step, wait_until

DATABASE = "argos_gent"
NODE_SETTINGS = {"lease_check_s": 0.5, "outbox_max_backoff_s": 1.0, "feed_heartbeat_s": 1.0}
TAKEOVER_TIMEOUT_S = 90.0
SLOW_RUNS = 10


@dataclass
class PgPair:
    primary: object
    standby: object

    def dsn(self) -> str:
        """Both servers; libpq takes the one that accepts writes (after a promotion: the
        promoted standby), as a port's node.toml would name its two database hosts."""
        return (
            f"host=127.0.0.1,127.0.0.1 port={self.primary.port},{self.standby.port} "
            f"dbname={DATABASE} user=postgres target_session_attrs=read-write"
        )

    def stop(self) -> None:
        for server in (self.standby, self.primary):
            server.stop("immediate")


def start_pg_pair(directory: Path) -> PgPair:
    """A primary and its one synchronous standby, with the port's empty database."""
    from tests.pg_servers import PgServer, bin_dir

    bin_dir()  # skips, naming the install command, when PostgreSQL is missing
    primary = PgServer.start(directory / "pg-primary")
    primary.create_database(DATABASE)
    standby = PgServer.start_standby(primary, directory / "pg-standby")
    return PgPair(primary, standby)


def second_node_of(active: LocalNode, home: Path) -> LocalNode:
    """The port's other machine: a copy of the folder's identity (keys, certificates,
    token master, node.toml naming the same database and password file), its own admin
    socket and log, the same address."""
    shutil.copytree(active.home, home, ignore=shutil.ignore_patterns("admin.sock", "*.log"))
    return LocalNode(active.node_id, home, active.certs, port=active.port)


def wait_active(node: LocalNode, restarts: int = 3) -> None:
    """Until the node is active, restarting it when it exits, as the guide's systemd
    unit (Restart=always) does: a standby that took the lease on the old primary in the
    milliseconds before it was stopped loses it again and exits; restarted, it waits
    for the promoted server."""
    for attempt in range(restarts + 1):
        try:
            node.wait_ready()
            return
        except RuntimeError:
            exited = node.process is not None and node.process.poll() is not None
            if not exited or attempt == restarts:
                raise
            print(f"{node.node_id} exited {node.process.returncode}; restarted")
            node.launch()


def _agree(federation: LocalFederation, provider: str, recipient: str) -> str:
    return federation.agree(
        provider,
        recipient,
        "--categories",
        "stolen_vehicle",
        "--direction",
        "proposer_to_partner",
        "--granularity",
        "site",
    )


def _ask_to_confirm(node: LocalNode, token: Path, hit_id: str) -> str:
    asked = node.json(
        "confirm",
        "request",
        "--kind",
        "alert",
        "--hit",
        hit_id,
        "--purpose",
        "criminal_investigation",
        "--case-reference",
        f"PV-{hit_id[-6:]}",
        token_file=token,
    )
    return asked["request"]["request_id"]


def _state(node: LocalNode, token: Path, request_id: str) -> str:
    shown = node.json("confirm", "show", request_id, token_file=token)
    return shown["state"].removeprefix("CONFIRMATION_STATE_").lower()


def _answer(node: LocalNode, token: Path, request_id: str) -> None:
    node.argos(
        "confirm", "answer", request_id, "--outcome", "confirmed", "--note", "still stolen",
        token_file=token,
    )  # fmt: skip


def _ids(listed: list[dict]) -> list[str]:
    return [h["hit_id"] for h in listed]


class Traffic:
    """What goes on while the node is killed: cameras at Gent and Antwerpen reading
    listed plates, Terneuzen adding to the list it shares with Gent. Each step is a real
    CLI call; a call to the killed node fails, which is what cameras see too."""

    def __init__(self, tmp: Path, steps: dict[str, tuple[LocalNode, Path, str]]) -> None:
        self._tmp = tmp
        self._steps = steps
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._run, args=(name,), daemon=True) for name in steps
        ]
        self.done: dict[str, int] = dict.fromkeys(steps, 0)

    def __enter__(self) -> Traffic:
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=60)

    def _run(self, name: str) -> None:
        node, token, plate = self._steps[name]
        n = 0
        while not self._stop.is_set():
            n += 1
            if name == "entries":
                result = node.argos(
                    "hotlist", "add", "--plate", f"{plate}{n:03d}", "--country", "NL",
                    "--category", "stolen_vehicle", "--action", "discreet_check",
                    "--case-reference", "PV-2026-0042", "--justification", "test",
                    "--expires-in-days", "30", token_file=token, check=False,
                )  # fmt: skip
            else:
                country = "NL" if plate.startswith("NL") else "BE"
                reads = reads_file(self._tmp / f"{name}-{n}.jsonl", [read(plate, country)] * 3)
                result = node.argos(
                    "reads", "replay", str(reads), "--batch", "3", token_file=token, check=False
                )
            if result.returncode == 0:
                self.done[name] += 1


def failover_once(workdir: Path, certs: Path, pg: PgPair, seed: int) -> float:
    """One failover from start to checks; the takeover time in seconds."""
    rng = random.Random(seed)
    federation = LocalFederation(
        workdir / "nodes", certs, ("be-gent", "nl-terneuzen", "be-antwerpen")
    )
    gent, terneuzen, antwerpen = (federation[n] for n in federation.nodes)
    gent_b = None
    try:
        federation.ensure_certs()
        password = workdir / "pg.password"
        shutil.copyfile(pg.primary.password_file, password)
        password.chmod(0o600)
        gent.postgresql_dsn, gent.postgresql_password_file = pg.dsn(), password
        for node in (gent, terneuzen, antwerpen):
            node.init()
        configure(gent, **NODE_SETTINGS)
        for node in (terneuzen, antwerpen):
            configure(node, outbox_max_backoff_s=1.0, feed_heartbeat_s=1.0)
        for node in (gent, terneuzen, antwerpen):
            node.launch()  # side by side, then each waited for
        for node in (gent, terneuzen, antwerpen):
            node.wait_ready()
        federation.connect("be-gent", "nl-terneuzen")
        federation.connect("be-gent", "be-antwerpen")
        from_terneuzen = _agree(federation, "nl-terneuzen", "be-gent")
        to_antwerpen = _agree(federation, "be-gent", "be-antwerpen")
        people = {
            (n.node_id, role): n.add_user(f"{role}-{n.node_id}", role)
            for n, roles in ((gent, 2), (terneuzen, 1), (antwerpen, 2))
            for role in ("investigator", "adapter")[:roles]
        }
        gent_inv, tnz_inv, ant_inv = (
            people[(n, "investigator")] for n in ("be-gent", "nl-terneuzen", "be-antwerpen")
        )
        add_entry(terneuzen, tnz_inv, "NL-77-XY", "NL")
        add_entry(gent, gent_inv, "1-ABC-123", "B")
        wait_until(lambda: in_step(terneuzen, gent, from_terneuzen), what="Terneuzen's list")
        wait_until(lambda: in_step(gent, antwerpen, to_antwerpen), what="Gent's list")

        # One hit each way, each with a confirmation asked and left open.
        for node, plate, country in ((gent, "NL77XY", "NL"), (antwerpen, "1ABC123", "BE")):
            reads = reads_file(workdir / f"first-{node.node_id}.jsonl", [read(plate, country)])
            node.argos("reads", "replay", str(reads), token_file=people[(node.node_id, "adapter")])
        (gent_hit,) = wait_until(lambda: hits(gent, gent_inv, "--observed"), what="Gent's hit")
        (ant_hit,) = wait_until(lambda: hits(antwerpen, ant_inv, "--observed"), what="hit")
        asked_by_gent = _ask_to_confirm(gent, gent_inv, gent_hit["hit_id"])
        asked_of_gent = _ask_to_confirm(antwerpen, ant_inv, ant_hit["hit_id"])
        wait_until(
            lambda: terneuzen.argos("confirm", "show", asked_by_gent, token_file=tnz_inv,
                                    check=False).returncode == 0,
            what="Gent's request at Terneuzen",
        )  # fmt: skip
        wait_until(
            lambda: gent.argos("confirm", "show", asked_of_gent, token_file=gent_inv,
                               check=False).returncode == 0,
            what="Antwerpen's request at Gent",
        )  # fmt: skip

        # The port's other machine waits as the standby, saying so.
        gent_b = second_node_of(gent, workdir / "be-gent-b")
        gent_b.launch()
        gent_b.wait_log("node.standby")
        waiting = gent_b.argos("status", check=False)
        assert waiting.returncode == 6
        assert "be-gent is the standby, waiting for the lease (held by be-gent" in waiting.stderr

        traffic = Traffic(
            workdir,
            {
                "gent-camera": (gent, people[("be-gent", "adapter")], "NL77XY"),
                "antwerpen-camera": (antwerpen, people[("be-antwerpen", "adapter")], "1ABC123"),
                "entries": (terneuzen, tnz_inv, "NL-88-"),
            },
        )
        with traffic:
            time.sleep(rng.uniform(0.5, 4.0))  # the kill falls anywhere in the traffic
            recorded = set(_ids(hits(gent, gent_inv, "--observed", "--limit", "10000")))
            gent.kill()
            killed_at = time.monotonic()
            pg.primary.stop("immediate")
            pg.standby.promote()
            wait_active(gent_b)
        print(f"failover seed={seed} traffic={traffic.done}")

        # The takeover: the new active node records a hit and delivers it.
        reads = reads_file(workdir / "after.jsonl", [read("NL77XY", "NL")])
        gent_b.argos("reads", "replay", str(reads), token_file=people[("be-gent", "adapter")])
        observed = _ids(hits(gent_b, gent_inv, "--observed", "--limit", "10000"))
        fresh = set(observed) - recorded - set(_ids(hits(terneuzen, tnz_inv, "--limit", "10000")))
        wait_until(
            lambda: fresh <= set(_ids(hits(terneuzen, tnz_inv, "--limit", "10000"))),
            timeout=TAKEOVER_TIMEOUT_S,
            what="the first hit delivered by the new active node",
        )
        takeover_s = time.monotonic() - killed_at
        print(f"failover_takeover_s={takeover_s:.2f}")

        # Every hit recorded before the kill (and since) reaches its owner exactly once.
        assert recorded <= set(observed), "a committed hit was lost with the primary"
        at_terneuzen = wait_until(
            lambda: (
                len(h := _ids(hits(terneuzen, tnz_inv, "--limit", "10000"))) >= len(observed) and h
            ),
            timeout=TAKEOVER_TIMEOUT_S,
            what="Gent's hits at Terneuzen",
        )
        assert sorted(at_terneuzen) == sorted(observed)
        ant_observed = _ids(hits(antwerpen, ant_inv, "--observed", "--limit", "10000"))
        at_gent = wait_until(
            lambda: (
                len(h := _ids(hits(gent_b, gent_inv, "--limit", "10000"))) >= len(ant_observed)
                and h
            ),
            timeout=TAKEOVER_TIMEOUT_S,
            what="Antwerpen's hits at Gent",
        )
        assert sorted(at_gent) == sorted(ant_observed)
        wait_until(
            lambda: all(h.get("owner_notified") for h in hits(gent_b, gent_inv, "--observed",
                                                              "--limit", "10000")),
            timeout=TAKEOVER_TIMEOUT_S,
            what="the new active node to know every notification arrived",
        )  # fmt: skip

        # Every sync ends at the provider's signed head.
        wait_until(
            lambda: in_step(terneuzen, gent_b, from_terneuzen),
            timeout=TAKEOVER_TIMEOUT_S,
            what="Gent at Terneuzen's signed head",
        )
        wait_until(
            lambda: in_step(gent_b, antwerpen, to_antwerpen),
            timeout=TAKEOVER_TIMEOUT_S,
            what="Antwerpen at Gent's signed head",
        )

        # Every open confirmation can still be answered, both ways.
        _answer(terneuzen, tnz_inv, asked_by_gent)
        _answer(gent_b, gent_inv, asked_of_gent)
        wait_until(
            lambda: _state(gent_b, gent_inv, asked_by_gent) == "answered",
            timeout=TAKEOVER_TIMEOUT_S,
            what="Terneuzen's answer at the new active node",
        )
        wait_until(
            lambda: _state(antwerpen, ant_inv, asked_of_gent) == "answered",
            timeout=TAKEOVER_TIMEOUT_S,
            what="the new active node's answer at Antwerpen",
        )

        for node in (gent_b, terneuzen, antwerpen):
            assert "audit log intact" in node.argos("audit", "verify").stdout
        assert '"node.lease_taken"' in gent_b.log_path.read_text()
        for log in (gent.log_path, gent_b.log_path):
            assert pg.primary.password not in log.read_text(errors="replace")
        return takeover_s
    finally:
        if gent_b is not None:
            gent_b.stop()
        federation.stop()
