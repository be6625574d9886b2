"""How fresh a received feed is: the age of the provider's last verified signed head
(before the first one, of the last batch applied); past the bound it is stale."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gateway.domain.times import time_text
from gateway.services.ports import SyncState
from gateway.services.sync import freshness_of

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
BOUND = timedelta(seconds=300)


def state(**fields: str) -> SyncState:
    return SyncState("agr-1", "be-gent", 10, 3, 1, **fields)


def test_a_feed_with_nothing_received_is_not_stale():
    f = freshness_of(SyncState("agr-1", "be-gent", 0, 0, 0), NOW, BOUND)
    assert (f.last_head_at, f.age_s, f.stale) == (None, None, False)


def test_a_head_within_the_bound_is_fresh_and_one_past_it_is_stale():
    fresh = freshness_of(state(last_head_issued_at=time_text(NOW - BOUND)), NOW, BOUND)
    stale = freshness_of(
        state(last_head_issued_at=time_text(NOW - BOUND - timedelta(seconds=1))), NOW, BOUND
    )
    assert (fresh.age_s, fresh.stale) == (300.0, False)
    assert (stale.age_s, stale.stale) == (301.0, True)
    assert stale.last_head_at == NOW - BOUND - timedelta(seconds=1)


def test_the_head_counts_not_the_last_batch_once_a_head_was_verified():
    f = freshness_of(
        state(
            last_head_issued_at=time_text(NOW - timedelta(hours=1)),
            last_applied_at=time_text(NOW - timedelta(seconds=5)),
        ),
        NOW,
        BOUND,
    )
    assert f.stale


def test_before_any_head_the_last_batch_applied_stands_in():
    old = freshness_of(state(last_applied_at=time_text(NOW - timedelta(10))), NOW, BOUND)
    assert old.stale and old.age_s == timedelta(10).total_seconds()
    assert old.last_head_at is None  # no head was ever verified


def test_a_head_time_ahead_of_now_counts_as_no_age_not_negative():
    f = freshness_of(state(last_head_issued_at=time_text(NOW + timedelta(hours=1))), NOW, BOUND)
    assert (f.age_s, f.stale) == (0.0, False)
