"""The federation gate, called directly (no gRPC) on a real node folder and SQLite file:
a partner's refusals are recorded with what it sent cut short, past a rate they are
summed up in one record instead of one each, a partner calling too fast is refused,
and a partner holding its share of feed streams gets no more. The clock is turned by
hand; the end-to-end attacks are in tests/integration/test_bounded_evidence.py and
test_stream_caps.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gateway.bootstrap import Application, build_application
from gateway.domain.errors import InvalidInput, ResourceExhausted
from gateway.domain.identity import NodeSigningKey
from gateway.domain.roles import Role
from gateway.services.context import Caller
from gateway.services.federation import FederationGate, FederationLimits
from tests.unit.app_support import NoPartners, gent_config

ADMIN = Caller("user", "admin", Role.ADMIN)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def app(tmp_path, certs) -> Iterator[Application]:
    config = gent_config(tmp_path, certs)
    application = build_application(config, federation=NoPartners())
    application.administration.add_partner(
        ADMIN,
        node_id="nl-terneuzen",
        endpoint="127.0.0.1:2",
        public_key=NodeSigningKey.generate().public.raw,
        tls_ca_pem=(certs / "ca.pem").read_text(),
    )
    yield application
    application.close()


def audit(app: Application, action: str) -> list:
    with app.store.read() as uow:
        return [r for r in uow.audit.records() if r.action == action]


def test_a_flood_of_refusals_is_recorded_cut_short_then_summed_up(app):
    clock = Clock()
    gate = FederationGate(
        app.ctx,
        app.administration,
        FederationLimits(
            refusal_record_burst=3, refusal_records_per_minute=6, refusal_summary_interval_s=60
        ),
        clock=clock,
    )
    megabyte = InvalidInput("entry " + "x" * 1_000_000 + " is unknown")
    for _ in range(100):
        gate.refused("nl-terneuzen", "NotifyHit", megabyte)
    recorded = audit(app, "federation.refused")
    assert len(recorded) == 3
    for r in recorded:
        assert len(r.justification) < 600
        assert r.justification.endswith("(cut from 1000017 characters)")
        assert r.details == {"error": "InvalidInput"}

    assert gate.summarise_refusals() == 0  # not before the interval is over
    clock.now += 60
    assert gate.summarise_refusals() == 97
    (summary,) = audit(app, "federation.refusals_summarised")
    assert summary.actor == "nl-terneuzen"
    assert summary.details == {
        "refusals": 97,
        "errors": "InvalidInput=97",
        "methods": "NotifyHit=97",
    }
    assert gate.figures().refusals == {("nl-terneuzen", "InvalidInput"): 100}
    assert gate.figures().refusals_unrecorded == {"nl-terneuzen": 97}
    assert app.ctx.verify_audit()[1] is None


def test_refusals_still_counted_at_shutdown_are_summed_up_at_once(app):
    gate = FederationGate(
        app.ctx, app.administration, FederationLimits(refusal_record_burst=1), clock=Clock()
    )
    for _ in range(5):
        gate.refused("unidentified", "GetNodeInfo", InvalidInput("no"))
    assert gate.summarise_refusals(everything=True) == 4
    assert len(audit(app, "federation.refusals_summarised")) == 1


def test_a_partner_past_its_call_rate_is_refused_and_counted(app):
    clock = Clock()
    gate = FederationGate(
        app.ctx, app.administration, FederationLimits(calls_per_s=1, call_burst=2), clock=clock
    )
    gate.admit("nl-terneuzen")
    gate.admit("nl-terneuzen")
    with pytest.raises(ResourceExhausted, match="nl-terneuzen calls faster than this node"):
        gate.admit("nl-terneuzen")
    clock.now += 1
    gate.admit("nl-terneuzen")
    assert gate.figures().rate_limited == {"nl-terneuzen": 1}


def test_a_partner_holding_its_feed_streams_gets_no_more_and_the_refusal_is_recorded(app, certs):
    gate = FederationGate(
        app.ctx, app.administration, FederationLimits(feed_streams=3, feed_streams_per_partner=2)
    )
    cert = (certs / "nl-terneuzen" / "cert.pem").read_bytes()
    first = gate.streaming(cert, "PullHotlistChanges")
    second = gate.streaming(cert, "PullHotlistChanges")
    assert first.__enter__() == second.__enter__() == "nl-terneuzen"
    with pytest.raises(ResourceExhausted, match="at most 2 feed streams per partner"):
        with gate.streaming(cert, "PullHotlistChanges"):
            pass
    (refusal,) = audit(app, "federation.refused")
    assert refusal.actor == "nl-terneuzen"
    assert refusal.details == {"error": "ResourceExhausted"}
    first.__exit__(None, None, None)
    with gate.streaming(cert, "PullHotlistChanges") as peer:  # a slot came free
        assert peer == "nl-terneuzen"
    second.__exit__(None, None, None)
    assert gate.figures().feed_streams_open == 0
    assert gate.figures().feed_streams_refused == 1
