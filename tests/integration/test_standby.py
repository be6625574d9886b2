"""Active and standby on one SQLite database: a second `argos serve` of the same node
folder waits as the standby, serving nothing, and takes over when the active node is
killed; an active node whose lease is gone stops at once and exits non-zero. Real node
processes over mutual TLS; the only stand-in is the lease held by the test itself where
it plays an active node on another machine (and says so)."""

from __future__ import annotations

import json
import socket

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from gateway.federation import LocalFederation, LocalNode
from gateway.node.standby import EXIT_LEASE_LOST
from gateway.store.sqlite.lease import SqliteLease, lease_path
from gateway.wire.local_api import socket_target
from tests.integration.hits_support import configure, hits, read, reads_file
from tests.integration.hotlist_support import add_entry, in_step, received, wait_until

FAST_LEASE = {"lease_check_s": 0.2, "outbox_max_backoff_s": 1.0}


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1.0)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _admin_health(node: LocalNode) -> str:
    with grpc.insecure_channel(socket_target(node.home / "admin.sock")) as channel:
        reply = health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(), timeout=5
        )
    return health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)


def _second_process(node: LocalNode) -> LocalNode:
    """Another `argos serve` of the same folder (the same database and address)."""
    return LocalNode(node.node_id, node.home, node.certs, port=node.port, log_name="standby.log")


def test_a_standby_serves_nothing_says_so_and_takes_over_when_the_lease_is_free(tmp_path, certs):
    federation = LocalFederation(tmp_path / "nodes", certs, ("nl-terneuzen",))
    node = federation["nl-terneuzen"]
    federation.ensure_certs()
    node.init()
    configure(node, **FAST_LEASE)
    # Stand-in: the test holds the lease, as an active node on another machine would.
    elsewhere = SqliteLease(node.home / "node.sqlite", "nl-terneuzen")
    assert elsewhere.try_acquire()
    records_before = node.home.joinpath("node.sqlite").stat().st_size
    try:
        node.launch()
        node.wait_log("node.standby")
        logged = json.loads(
            next(
                line for line in node.log_path.read_text().splitlines() if '"node.standby"' in line
            )
        )
        assert logged["node_id"] == "nl-terneuzen"
        assert logged["holder"].startswith("nl-terneuzen pid ")
        wait_until(lambda: (node.home / "admin.sock").exists(), what="the standby's socket")
        assert _admin_health(node) == "NOT_SERVING"
        status = node.argos("status", check=False)
        assert status.returncode == 6  # EXIT_UNAVAILABLE
        assert "nl-terneuzen is the standby, waiting for the lease (held by" in status.stderr
        assert not _listening(node.port)  # no federation listener
        assert node.home.joinpath("node.sqlite").stat().st_size == records_before
        assert node.process.poll() is None
    finally:
        elsewhere.release()
    node.wait_ready()
    out = node.argos("status").stdout
    assert out.startswith("node            nl-terneuzen at ")
    assert _listening(node.port)
    assert '"node.lease_taken"' in node.log_path.read_text()
    assert "audit log intact" in node.argos("audit", "verify").stdout
    node.stop()


def test_a_second_serve_of_one_folder_waits_then_takes_over_the_killed_node_s_hits(tmp_path, certs):
    federation = LocalFederation(tmp_path / "nodes", certs, ("be-gent", "nl-terneuzen"))
    gent, terneuzen = federation["be-gent"], federation["nl-terneuzen"]
    standby = _second_process(terneuzen)
    try:
        federation.start()
        federation.connect("be-gent", "nl-terneuzen")
        terneuzen.stop()
        configure(terneuzen, **FAST_LEASE)
        terneuzen.start()
        agreement_id = federation.agree(
            "be-gent",
            "nl-terneuzen",
            "--categories",
            "stolen_vehicle",
            "--direction",
            "proposer_to_partner",
            "--granularity",
            "site",
        )
        ivan = gent.add_user("ivan", "investigator")
        entry_id = add_entry(gent, ivan, "1-ABC-123", "B")
        wait_until(lambda: entry_id in received(terneuzen, agreement_id), what="the entry")
        wait_until(lambda: in_step(gent, terneuzen, agreement_id), what="a verified head")
        adapter = terneuzen.add_user("cam", "adapter")
        ines = terneuzen.add_user("ines", "investigator")

        standby.launch()
        standby.wait_log("node.standby")
        assert standby.process.poll() is None
        # The folder's socket stays the active node's: status answers from it.
        assert terneuzen.argos("status").stdout.startswith("node            nl-terneuzen")

        gent.stop()  # the owner is away: the hits wait in the active node's outbox
        reads = reads_file(tmp_path / "reads.jsonl", [read("1ABC123") for _ in range(20)])
        terneuzen.argos("reads", "replay", str(reads), "--batch", "5", token_file=adapter)
        observed = hits(terneuzen, ines, "--observed", "--limit", "100")
        assert len(observed) == 20
        terneuzen.kill()

        standby.wait_ready()  # took the lease and serves the same folder and address
        assert '"node.lease_taken"' in standby.log_path.read_text()
        gent.start()
        at_owner = wait_until(
            lambda: len(h := hits(gent, ivan, "--limit", "100")) >= 20 and h,
            timeout=60,
            what="every hit at the owner",
        )
        assert sorted(h["hit_id"] for h in at_owner) == sorted(h["hit_id"] for h in observed)
        wait_until(
            lambda: all(
                h.get("owner_notified") for h in hits(standby, ines, "--observed", "--limit", "100")
            ),
            what="the new active node to know every notification arrived",
        )
        assert len(hits(gent, ivan, "--limit", "100")) == 20  # exactly once
        for node in (standby, gent):
            assert "audit log intact" in node.argos("audit", "verify").stdout
    finally:
        standby.stop()
        federation.stop()


def test_an_active_node_whose_lease_is_gone_stops_at_once_and_exits_non_zero(tmp_path, certs):
    federation = LocalFederation(tmp_path / "nodes", certs, ("be-gent",))
    gent = federation["be-gent"]
    federation.ensure_certs()
    gent.init()
    configure(gent, **FAST_LEASE)
    gent.start()
    ivan = gent.add_user("ivan", "investigator")
    entry_id = add_entry(gent, ivan, "1-ABC-123", "B")
    try:
        # An operator removes the lock file: another node could now lock a new one.
        lease_path(gent.home / "node.sqlite").unlink()
        assert gent.process.wait(timeout=30) == EXIT_LEASE_LOST
        lost = [
            json.loads(line)
            for line in gent.log_path.read_text().splitlines()
            if '"node.lease_lost"' in line
        ]
        assert len(lost) == 1 and lost[0]["node_id"] == "be-gent"
        assert lost[0]["level"] == "critical"
        assert not _listening(gent.port)
        assert '"node.stopped"' not in gent.log_path.read_text()  # no graceful stop's writes
        gent.process = None
        gent.start()  # its supervisor's restart: the only node, so the active one
        listed = json.loads(gent.argos("hotlist", "list", "--json", token_file=ivan).stdout)
        assert [e["entry_id"] for e in listed] == [entry_id]
        assert "audit log intact" in gent.argos("audit", "verify").stdout
    finally:
        gent.stop()


def test_a_graceful_stop_hands_the_lease_to_the_waiting_standby_at_once(tmp_path, certs):
    federation = LocalFederation(tmp_path / "nodes", certs, ("be-gent",))
    gent = federation["be-gent"]
    federation.ensure_certs()
    gent.init()
    configure(gent, **FAST_LEASE)
    gent.start()
    second = _second_process(gent)
    try:
        second.launch()
        second.wait_log("node.standby")
        gent.stop()  # a graceful stop releases the lease: the standby takes it at once
        second.wait_ready()
        assert '"node.lease_taken"' in second.log_path.read_text()
        assert "audit log intact" in second.argos("audit", "verify").stdout
    finally:
        second.stop()
        gent.stop()
