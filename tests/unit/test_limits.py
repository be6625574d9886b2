"""What no single caller may take of a node: long streams per caller, per role and in
all; calls per second; audit records of refusals per minute. Pure counting with a
clock the test turns by hand, and the settings that size them."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.domain.errors import InvalidInput, PartnerUnreachable, ResourceExhausted
from gateway.node.config import LimitsConfig, NodeConfig
from gateway.services.limits import (
    RefusalThrottle,
    StreamCaps,
    StreamSlots,
    TokenBuckets,
)
from gateway.settings import settings_from


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_holder_past_its_cap_is_refused_with_the_cap_named_and_others_still_get_in():
    slots = StreamSlots(StreamCaps("feed", total=5, per_holder=2, holder_name="partner"))
    held = [slots.acquire("nl-terneuzen"), slots.acquire("nl-terneuzen")]
    with pytest.raises(ResourceExhausted) as refused:
        slots.acquire("nl-terneuzen")
    assert "at most 2 feed streams per partner" in str(refused.value)
    assert slots.acquire("be-antwerpen").holder == "be-antwerpen"
    assert (slots.open, slots.refused) == (3, 1)
    held[0].release()
    held[0].release()  # twice is harmless
    assert slots.acquire("nl-terneuzen") is not None
    assert slots.open == 3


def test_the_total_cap_holds_however_many_holders_ask():
    slots = StreamSlots(StreamCaps("feed", total=3, per_holder=2))
    for holder in ("a", "b", "c"):
        slots.acquire(holder)
    with pytest.raises(ResourceExhausted, match="at most 3 feed streams in all"):
        slots.acquire("d")


def test_a_role_cap_keeps_one_role_from_taking_every_slot():
    slots = StreamSlots(StreamCaps("alert", total=4, per_holder=2, per_group=3))
    for user in ("olga", "otto", "oscar"):
        slots.acquire(user, "operator")
    with pytest.raises(ResourceExhausted, match="at most 3 alert streams per role operator"):
        slots.acquire("oona", "operator")
    slots.acquire("ivan", "investigator")  # the last slot is still there for another role
    assert slots.open == 4


def test_a_slot_used_as_a_context_is_released_when_the_stream_ends():
    slots = StreamSlots(StreamCaps("read", total=1, per_holder=1))
    with slots.acquire("cam"):
        with pytest.raises(ResourceExhausted):
            slots.acquire("cam")
    with slots.acquire("cam"):
        pass
    assert slots.open == 0


def test_resource_exhausted_is_retried_as_an_outage_by_callers():
    # The outbox and the sync runner retry PartnerUnreachable; a partner at its limit
    # must be tried again later, never marked refused for good.
    assert issubclass(ResourceExhausted, PartnerUnreachable)


def test_a_token_bucket_allows_a_burst_then_its_rate_per_key():
    clock = Clock()
    buckets = TokenBuckets(rate=2.0, burst=3, clock=clock)
    assert [buckets.take("a") for _ in range(4)] == [True, True, True, False]
    assert buckets.take("b")  # each key has its own bucket
    clock.now += 0.5  # one token back
    assert buckets.take("a") and not buckets.take("a")
    clock.now += 100  # never more than the burst saved up
    assert [buckets.take("a") for _ in range(4)] == [True, True, True, False]


def test_refusals_past_the_burst_are_counted_and_handed_out_once_per_interval():
    clock = Clock()
    throttle = RefusalThrottle(per_minute=6, burst=2, interval_s=60, clock=clock)
    admitted = [throttle.admit("nl-terneuzen", "NotifyHit", "InvalidInput") for _ in range(5)]
    assert admitted == [True, True, False, False, False]
    throttle.admit("nl-terneuzen", "GetMatchingKey", "NotFound")
    assert throttle.due() == []  # the interval is not over yet
    clock.now += 60
    (caller, held), *rest = throttle.due()
    assert rest == [] and caller == "nl-terneuzen"
    assert held.count == 4
    assert held.errors == {"InvalidInput": 3, "NotFound": 1}
    assert held.methods == {"NotifyHit": 3, "GetMatchingKey": 1}
    assert throttle.due(everything=True) == []  # handed out once
    assert throttle.total_suppressed["nl-terneuzen"] == 4


def test_a_summary_keeps_a_bounded_number_of_method_names_whatever_a_caller_calls():
    throttle = RefusalThrottle(per_minute=1, burst=1, interval_s=1, clock=Clock())
    for n in range(100):
        throttle.admit("unidentified", f"no.such/Method{n}", "PartnerUnknown")
    ((_, held),) = throttle.due(everything=True)
    assert len(held.methods) == 9  # eight names, and "other"
    assert held.methods["other"] == 99 - 8


def test_default_limits_leave_threads_free_beside_the_long_streams():
    limits = LimitsConfig()
    assert limits.federation_streams < limits.federation_workers
    assert limits.feed_streams_per_partner < limits.federation_streams
    assert limits.alert_watchers + limits.read_streams < limits.admin_workers
    assert limits.alert_watchers_per_role < limits.alert_watchers


def _node_toml(**extra: object) -> dict:
    return {
        "home": "/tmp/x",
        "node_id": "be-gent",
        "federation_listen": "127.0.0.1:1",
        "tls_cert": "c.pem",
        "tls_key": "k.pem",
        "tls_ca": "ca.pem",
        **extra,
    }


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        ({"federation_streams": 32}, "limits.federation_streams (32) must be below"),
        ({"alert_watchers": 10, "read_streams": 14}, "must be below limits.admin_workers"),
        ({"feed_streams_per_partner": 0}, "limits.feed_streams_per_partner must be above 0"),
    ],
)
def test_limits_that_would_leave_no_thread_for_unary_calls_are_refused(limits, message):
    with pytest.raises(InvalidInput) as refused:
        settings_from(_node_toml(limits=limits), NodeConfig, base=Path("/"), source="node.toml")
    assert message in str(refused.value)


def test_an_unknown_stale_feed_action_is_refused_by_name():
    with pytest.raises(InvalidInput, match="stale_feed_action must be one of alert, stop_matching"):
        settings_from(
            _node_toml(stale_feed_action="ignore"), NodeConfig, base=Path("/"), source="node.toml"
        )
