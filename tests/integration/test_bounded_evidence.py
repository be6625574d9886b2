"""Bounded evidence: a partner flooding refused calls with megabyte ids and texts gets
each refused with a short error naming the field, the audit log grows by a bounded
amount (each record's fields bounded; past a rate, refusals are summed up in one
record instead of one each), nothing stored changes, and later legitimate calls still
work. A partner calling faster than its rate is refused with RESOURCE_EXHAUSTED.

The flooding partner is a stand-in: a raw gRPC client presenting nl-terneuzen's real
certificate and signing with nl-terneuzen's real node key, so every payload passes the
signature check and reaches decoding. Two real node processes over mutual TLS."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime

import grpc
import pytest

from gateway.domain import envelope as env
from gateway.domain.agreement import StatusChange, StatusKind
from gateway.domain.hits import HIT_NOTIFICATION_PAYLOAD
from gateway.domain.times import whole_ms
from gateway.federation import free_port
from gateway.services.confirmations import REQUEST_PAYLOAD
from gateway.wire import codec
from gateway.wire.argos.v1 import confirmations_pb2, hits_pb2
from gateway.wire.argos.v1 import federation_pb2 as fpb
from gateway.wire.strict import to_timestamp
from tests.integration.federation_support import federation_stub, signing_key
from tests.integration.hotlist_support import wait_until
from tests.integration.test_daily_operation import scrape, value

MEGABYTE = "x" * 1_000_000
ROUNDS = 30  # of each of four refused calls: 120 megabytes sent


def _limits(node, **limits: object) -> None:
    """Append a [limits] table to the node's settings (the node must be restarted)."""
    with (node.home / "node.toml").open("a") as f:
        f.write("[limits]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in limits.items()))


def _restart(node, **top: object) -> None:
    node.stop()
    with (node.home / "node.toml").open("r+") as f:
        text = f.read()
        f.seek(0)
        f.write("".join(f"{k} = {json.dumps(v)}\n" for k, v in top.items()) + text)
    node.start()


def _stored(node) -> dict:
    """Everything a refusal must leave as it was (the audit log is looked at apart)."""
    tables = (
        "partners",
        "agreements",
        "agreement_versions",
        "agreement_status_changes",
        "hits_received",
        "confirmations",
    )
    with sqlite3.connect(f"file:{node.home / 'node.sqlite'}?mode=ro", uri=True) as db:
        names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        return {
            t: db.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in tables if t in names
        }


def _audit(node) -> list[dict]:
    with sqlite3.connect(f"file:{node.home / 'node.sqlite'}?mode=ro", uri=True) as db:
        db.row_factory = sqlite3.Row
        return [dict(r) for r in db.execute("SELECT * FROM audit ORDER BY seq")]


def _audit_bytes(records: list[dict]) -> int:
    return sum(len(str(v)) for r in records for v in r.values())


@pytest.fixture
def flooded(pair):
    """Gent shares with Terneuzen; Gent records 5 refusals of a partner one by one (then
    one every hundred minutes: none more in this test) and sums up the rest in one record
    every ten minutes, or when it stops; Gent serves /metrics."""
    gent = pair["be-gent"]
    agreement_id = pair.agree("be-gent", "nl-terneuzen")
    port = free_port()
    _limits(
        gent,
        refusal_record_burst=5,
        refusal_records_per_minute=0.01,
        refusal_summary_interval_s=600.0,
    )
    _restart(gent, metrics_port=port)
    return {"pair": pair, "agreement_id": agreement_id, "port": port}


def _signed(node, payload_type: str, payload: bytes) -> fpb.NotifyHitRequest:
    return codec.envelope_to_pb(env.sign(payload_type, payload, signing_key(node)))


def _refused_calls(stub, terneuzen, agreement_id: str) -> list[tuple[str, Callable[[], object]]]:
    now = to_timestamp(whole_ms(datetime.now(UTC)))
    hit = hits_pb2.HitNotification(
        hit_id=MEGABYTE,
        agreement_id=agreement_id,
        agreement_version=1,
        observer="nl-terneuzen",
        owner="be-gent",
        entry_id="e",
        observed_at=now,
        match=hits_pb2.MATCH_KIND_EXACT,
    ).SerializeToString()
    status = codec.status_payload(
        StatusChange(
            agreement_id, 1, StatusKind.SUSPEND, "nl-terneuzen", MEGABYTE, datetime.now(UTC)
        )
    )
    request = confirmations_pb2.ConfirmationRequest(
        request_id=MEGABYTE, agreement_id=agreement_id, created_at=now, deadline=now
    ).SerializeToString()
    return [
        (
            "agreement_id",
            lambda: stub.GetMatchingKey(
                fpb.GetMatchingKeyRequest(agreement_id=MEGABYTE, agreement_version=1), timeout=30
            ),
        ),
        (
            "hit_id",
            lambda: stub.NotifyHit(
                fpb.NotifyHitRequest(
                    notification=_signed(terneuzen, HIT_NOTIFICATION_PAYLOAD, hit)
                ),
                timeout=30,
            ),
        ),
        (
            "reason",
            lambda: stub.ChangeAgreementStatus(
                fpb.ChangeAgreementStatusRequest(
                    change=_signed(terneuzen, env.AGREEMENT_STATUS_PAYLOAD, status)
                ),
                timeout=30,
            ),
        ),
        (
            "request_id",
            lambda: stub.DeliverConfirmation(
                fpb.DeliverConfirmationRequest(
                    message=_signed(terneuzen, REQUEST_PAYLOAD, request)
                ),
                timeout=30,
            ),
        ),
    ]


def test_a_flood_of_megabyte_ids_leaves_a_bounded_audit_log_and_nothing_changed(flooded):
    pair, agreement_id = flooded["pair"], flooded["agreement_id"]
    gent, terneuzen = pair["be-gent"], pair["nl-terneuzen"]
    stub = federation_stub(gent, pair.certs, "nl-terneuzen")
    stored, before = _stored(gent), _audit(gent)

    calls = _refused_calls(stub, terneuzen, agreement_id)
    for _ in range(ROUNDS):
        for field, call in calls:
            with pytest.raises(grpc.RpcError) as caught:
                call()
            assert caught.value.code() is grpc.StatusCode.INVALID_ARGUMENT
            details = caught.value.details()
            assert field in details and "longer than" in details
            assert len(details) < 300 and "xxxxxxxx" not in details

    sent = ROUNDS * len(calls)
    _, samples = scrape(flooded["port"])
    refusals = value(
        samples, "argos_federation_refusals_total", partner="nl-terneuzen", error="InvalidInput"
    )
    assert refusals == sent
    summarised = value(
        samples, "argos_federation_refusals_summarised_total", partner="nl-terneuzen"
    )
    assert summarised == sent - 5

    gent.stop()  # what is still counted is summed up as the node stops
    refusal_actions = ("federation.refused", "federation.refusals_summarised")
    new = [r for r in _audit(gent)[len(before) :] if r["action"] in refusal_actions]
    assert _stored(gent) == stored
    # A bounded trail: five records one by one, one for the rest; none carries what
    # the partner sent.
    assert [r["action"] for r in new] == ["federation.refused"] * 5 + [
        "federation.refusals_summarised"
    ]
    assert _audit_bytes(new) < 10_000  # for 120 MB of refused input
    for r in new:
        assert r["actor"] == "nl-terneuzen"
        assert len(r["justification"]) <= 600 and len(r["object_id"]) <= 100
        assert len(r["details"]) <= 300 and "xxxxxxxx" not in str(r)
    summary = json.loads(new[-1]["details"])
    assert summary == {
        "refusals": sent - 5,
        "errors": f"InvalidInput={sent - 5}",
        "methods": summary["methods"],
    }
    assert "NotifyHit=" in summary["methods"] and "DeliverConfirmation=" in summary["methods"]

    # While Gent is down, Terneuzen's administrator is told that Gent could not be
    # reached (once misreported as Terneuzen's own node not running).
    down = terneuzen.argos(
        "agreement", "propose", "--partner", "be-gent", "--justification", "while down",
        check=False,
    )  # fmt: skip
    assert down.returncode != 0
    assert "be-gent could not be reached" in down.stderr
    assert "not running" not in down.stderr

    gent.start()
    assert "audit log intact" in gent.argos("audit", "verify").stdout
    # Later legitimate calls still work: a proposal from the real Terneuzen node, once
    # Terneuzen reaches Gent again (its channel waits out a reconnect backoff first).
    wait_until(
        lambda: "be-gent       reachable" in terneuzen.argos("status").stdout,
        what="Terneuzen to reach the restarted Gent",
    )
    pair.agree("nl-terneuzen", "be-gent", "--categories", "stolen_plate")


def test_a_partner_calling_faster_than_its_rate_is_refused_until_it_slows_down(pair):
    gent = pair["be-gent"]
    _limits(gent, partner_calls_per_s=0.5, partner_call_burst=5)
    _restart(gent)
    stub = federation_stub(gent, pair.certs, "nl-terneuzen")
    served, refused = 0, []
    for _ in range(20):
        try:
            stub.GetNodeInfo(fpb.GetNodeInfoRequest(), timeout=30)
            served += 1
        except grpc.RpcError as error:
            refused.append(error)
    assert served >= 1  # the burst first
    assert refused and all(e.code() is grpc.StatusCode.RESOURCE_EXHAUSTED for e in refused)
    assert "nl-terneuzen calls faster than this node serves one partner" in refused[0].details()
    actions = [r["action"] for r in _audit(gent)]
    assert "federation.refused" in actions  # recorded (and past the rate, summed up)

    def answered() -> bool:
        try:
            return stub.GetNodeInfo(fpb.GetNodeInfoRequest(), timeout=30).node_id == "be-gent"
        except grpc.RpcError as error:
            assert error.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
            return False

    wait_until(answered, timeout=30, what="the partner to be served again")
