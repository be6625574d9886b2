"""The partner's pace under an owner's evaluation budget
(gateway/services/oblivious_matching.Pace): what it lets through at once, what it waits
for, and what it refuses to wait for."""

from __future__ import annotations

import pytest

from gateway.domain.errors import ResourceExhausted
from gateway.services.oblivious import EvaluationBudget
from gateway.services.oblivious_matching import ELEMENTS_PER_CALL, MAX_PACE_WAIT_S, Pace


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_a_call_is_never_bigger_than_what_the_owners_bucket_holds():
    assert Pace(3).call_size == 2  # 90 % of 3
    assert Pace(1).call_size == 1
    assert Pace(100).call_size == 90
    assert Pace(1_000_000).call_size == ELEMENTS_PER_CALL


def test_calls_beyond_the_rate_wait_for_their_share_and_the_owner_refuses_none():
    clock = Clock()
    pace = Pace(10, clock=clock, sleep=clock.sleep)
    owner = EvaluationBudget(10, 10**9, clock=clock)
    for _ in range(20):  # 180 elements: twenty seconds' worth at 9 a second
        pace.take(pace.call_size)
        owner.take(pace.call_size)  # raises ResourceExhausted if the pace overran it
    assert clock.slept and clock.now - 1000.0 == pytest.approx(19 * 9 / 9.0)


def test_a_wait_longer_than_the_bound_is_refused_and_takes_nothing():
    clock = Clock()
    pace = Pace(1, clock=clock, sleep=clock.sleep)  # 0.9 a second
    too_many = int(MAX_PACE_WAIT_S * 0.9) + 3
    with pytest.raises(ResourceExhausted, match="budget of 1 a second"):
        pace.take(too_many)
    assert clock.slept == []
    pace.take(1)  # the refused call took nothing: the bucket's one element is there
    assert clock.slept == []
