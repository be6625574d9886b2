"""Long streams cannot starve a node. gRPC Python serves each call on a thread of its
server's pool (federation 32, admin 24) and a stream keeps its thread: uncapped, a
partner following its feed more times than the pool has threads, or an operator
opening alert window after alert window, would hold every thread, and hit
notifications, agreement proposals and camera reads would wait forever.

Three real node processes over mutual TLS. The misbehaving partner is a stand-in: a
raw gRPC client presenting nl-terneuzen's real certificate (the real nl-terneuzen node
runs beside it); the many alert watchers are raw clients on Gent's admin socket with
real operator tokens. Everything else is the real CLI."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator

import grpc
import pytest

from gateway.federation import LocalFederation, free_port
from gateway.wire.argos.v1 import federation_pb2 as fpb
from gateway.wire.argos.v1 import ingest_pb2
from gateway.wire.local_api import LocalApi
from tests.integration.federation_support import federation_stub
from tests.integration.hits_support import configure, hits, read, reads_file
from tests.integration.hotlist_support import add_entry, received, wait_until
from tests.integration.test_daily_operation import scrape, value

STREAMS = 40  # more than the federation pool's 32 threads


@pytest.fixture
def ports(tmp_path, certs) -> Iterator[dict]:
    """Gent shares stolen vehicles with Terneuzen and with Antwerpen (hit notification
    on); each holds Gent's entry for 1-ABC-123. Gent has an investigator, an adapter and
    three operators, and serves /metrics."""
    federation = LocalFederation(
        tmp_path / "nodes", certs, ("be-gent", "nl-terneuzen", "be-antwerpen")
    )
    try:
        federation.start()
        gent = federation["be-gent"]
        metrics = free_port()
        gent.stop()
        configure(gent, metrics_port=metrics)
        gent.start()
        federation.connect("be-gent", "nl-terneuzen")
        federation.connect("be-gent", "be-antwerpen")
        options = ("--categories", "stolen_vehicle", "--direction", "proposer_to_partner")
        to_terneuzen = federation.agree("be-gent", "nl-terneuzen", *options)
        to_antwerpen = federation.agree("be-gent", "be-antwerpen", *options)
        ivan = gent.add_user("ivan", "investigator")
        entry_id = add_entry(gent, ivan, "1-ABC-123", "B")
        for node, agreement_id in (
            (federation["nl-terneuzen"], to_terneuzen),
            (federation["be-antwerpen"], to_antwerpen),
        ):
            wait_until(lambda n=node, a=agreement_id: entry_id in received(n, a), what="the entry")
        yield {
            "federation": federation,
            "to_terneuzen": to_terneuzen,
            "ivan": ivan,
            "metrics": metrics,
            "operators": [gent.add_user(n, "operator") for n in ("olga", "otto", "oscar")],
            "tmp": tmp_path,
        }
    finally:
        federation.stop()


def _audit_count(node, action: str) -> int:
    with sqlite3.connect(f"file:{node.home / 'node.sqlite'}?mode=ro", uri=True) as db:
        return db.execute("SELECT count(*) FROM audit WHERE action = ?", (action,)).fetchone()[0]


def _open_watchers(node, token, n: int) -> tuple[list, list[grpc.RpcError]]:
    """Open n alert watchers as the token's user, one after the other; each is either
    in (the node audited its watch) or refused (the call ended). (held, refusals)."""
    api = LocalApi.with_token_file(node.home / "admin.sock", token)
    held, refused = [], []
    for _ in range(n):
        before = _audit_count(node, "alerts.watch")
        call = api.ingest.WatchAlerts(
            ingest_pb2.WatchAlertsRequest(), metadata=api.metadata, timeout=300
        )
        wait_until(
            lambda c=call, b=before: c.done() or _audit_count(node, "alerts.watch") > b,
            what="the watcher to be let in or refused",
        )
        if call.done():
            with pytest.raises(grpc.RpcError) as caught:
                next(call)
            refused.append(caught.value)
        else:
            held.append(call)
    return held, refused


def test_streams_past_the_caps_are_refused_and_the_calls_that_matter_are_served(ports):
    federation, tmp = ports["federation"], ports["tmp"]
    gent, antwerpen = federation["be-gent"], federation["be-antwerpen"]
    certs = federation.certs

    # A partner opens more feed streams than the federation pool has threads.
    stand_in = federation_stub(gent, certs, "nl-terneuzen")
    follow = fpb.PullHotlistChangesRequest(
        agreement_id=ports["to_terneuzen"], after_seq=0, follow=True
    )
    following, refused = [], []
    for _ in range(STREAMS):
        stream = stand_in.PullHotlistChanges(follow, timeout=300)
        try:
            next(stream)  # the first batch or head: this stream is being served
            following.append(stream)
        except grpc.RpcError as error:
            refused.append(error)
    # The real nl-terneuzen node follows the same feed: at most 4 for the partner in all.
    assert 1 <= len(following) <= 4
    assert len(refused) == STREAMS - len(following)
    for error in refused:
        assert error.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "at most 4 feed streams per partner at once" in error.details()

    # Operators open many alert windows: three per user, six per role.
    olga, otto, oscar = ports["operators"]
    held, refused_alerts = _open_watchers(gent, olga, 10)
    assert (len(held), len(refused_alerts)) == (3, 7)
    assert "at most 3 alert streams per user" in refused_alerts[0].details()
    more, past_user = _open_watchers(gent, otto, 10)
    none, by_role = _open_watchers(gent, oscar, 2)
    assert (len(more), len(past_user), len(none)) == (3, 7, 0)
    assert all(e.code() is grpc.StatusCode.RESOURCE_EXHAUSTED for e in by_role)
    assert "at most 6 alert streams per role operator" in by_role[0].details()
    investigator, _ = _open_watchers(gent, ports["ivan"], 1)  # another role still gets in
    assert len(investigator) == 1
    held += more + investigator

    try:
        # Still served: a read submitted by Gent's own adapter ...
        cam = gent.add_user("cam", "adapter")
        reads = reads_file(tmp / "gent.jsonl", [read("1ABC123")])
        out = gent.argos("reads", "replay", str(reads), "--json", token_file=cam)
        assert json.loads(out.stdout)["hits"] == 1
        # ... a hit notification from another partner ...
        antwerpen_cam = antwerpen.add_user("cam", "adapter")
        reads = reads_file(tmp / "antwerpen.jsonl", [read("1ABC123", camera="cam-2")])
        antwerpen.argos("reads", "replay", str(reads), token_file=antwerpen_cam)
        wait_until(
            lambda: any(h["observer"] == "be-antwerpen" for h in hits(gent, ports["ivan"])),
            timeout=60,
            what="Antwerpen's hit notification at Gent",
        )
        # ... an agreement proposal and its countersignature, both ways ...
        federation.agree("be-antwerpen", "be-gent", "--categories", "stolen_plate")
        # ... and the misbehaving partner's own unary calls.
        reply = stand_in.GetNodeInfo(fpb.GetNodeInfoRequest(), timeout=30)
        assert reply.node_id == "be-gent"
        # The streams that were let in are still served.
        assert all(s.is_active() for s in following)
        assert all(w.is_active() for w in held)

        # The refusals are counted, and recorded in the audit log.
        _, samples = scrape(ports["metrics"])
        assert value(samples, "argos_streams_refused_total", kind="feed") >= len(refused)
        assert value(samples, "argos_streams_refused_total", kind="alert") == 7 + 7 + 2
        assert value(samples, "argos_streams_open", kind="alert") == 7
        records = gent.json("audit", "list", "--limit", "5000")
        capped = [
            r
            for r in records
            if r["action"] == "federation.refused"
            and r["actor"] == "nl-terneuzen"
            and "feed streams per partner" in r["justification"]
        ]
        assert capped  # one by one up to the record rate, summed up past it
    finally:
        for call in following + held:
            call.cancel()
