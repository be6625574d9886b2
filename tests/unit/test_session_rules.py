"""The console's log-in rules (gateway/domain/sessions.py), pure: password policy, the
throttle per user name and address, TOTP step acceptance and replay, a session's idle
and absolute end to the millisecond, and freshness for sensitive acts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.domain.errors import InvalidInput
from gateway.domain.roles import Action, Role, User, UserState
from gateway.domain.sessions import (
    SENSITIVE_ACTIONS,
    ConsoleSession,
    EndReason,
    LoginThrottlePolicy,
    SessionPolicy,
    TotpVerdict,
    check_password,
    end_reason,
    fresh_until,
    is_fresh,
    is_locked,
    locked_until,
    needs_fresh_session,
    recent_failures,
    totp_step,
    touch_due,
    verify_totp,
)

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
MS = timedelta(milliseconds=1)
MIN = timedelta(minutes=1)
POLICY = SessionPolicy()
THROTTLE = LoginThrottlePolicy()
OLGA = User("olga", Role.OPERATOR, T0)


def session(**changes) -> ConsoleSession:
    fields = {
        "session_id": "s-1",
        "user": "olga",
        "role": Role.OPERATOR,
        "client_address": "10.0.0.7",
        "started_at": T0,
        "last_seen_at": T0,
    }
    return ConsoleSession(**{**fields, **changes})


# -- rule 1: passwords -------------------------------------------------------------------


def test_a_password_of_twelve_characters_is_enough_and_eleven_are_not():
    check_password("olga", "x" * 12)
    with pytest.raises(InvalidInput, match="at least 12 characters"):
        check_password("olga", "x" * 11)


def test_a_password_containing_the_user_name_in_any_case_is_refused():
    with pytest.raises(InvalidInput, match="must not contain the user's name"):
        check_password("olga", "my name is OLGA and that is long")


def test_a_refused_password_is_never_repeated_in_the_message():
    for bad in ("short-pw", "olga-olga-olga-olga", "y" * 300):
        with pytest.raises(InvalidInput) as refused:
            check_password("olga", bad)
        assert bad not in str(refused.value)


# -- rule 2: the throttle ---------------------------------------------------------------


def failures(*minutes: float) -> tuple[datetime, ...]:
    return tuple(T0 + timedelta(minutes=m) for m in minutes)


def test_five_failures_within_fifteen_minutes_lock_for_fifteen_minutes_from_the_last():
    five = failures(0, 1, 2, 3, 4)
    assert not is_locked(five[:4], T0 + 4 * MIN, THROTTLE)
    assert locked_until(five, THROTTLE) == T0 + 19 * MIN
    assert is_locked(five, T0 + 19 * MIN - MS, THROTTLE)
    assert not is_locked(five, T0 + 19 * MIN, THROTTLE)


def test_five_failures_spread_over_more_than_the_window_lock_nothing():
    spread = failures(0, 4, 8, 12, 15)
    assert locked_until(spread, THROTTLE) is None
    assert not is_locked(spread, T0 + 15 * MIN, THROTTLE)


def test_failures_older_than_the_window_stop_counting_but_a_lock_keeps_its_own():
    assert recent_failures(failures(0, 1), T0 + 15 * MIN + MS, THROTTLE) == failures(1)
    assert recent_failures(failures(0, 1), T0 + 16 * MIN, THROTTLE) == ()
    locked = failures(0, 1, 2, 3, 4)
    # Window 15 minutes, lock until minute 19: at minute 18 the lock still holds.
    assert recent_failures(locked, T0 + 18 * MIN, THROTTLE) == locked
    assert is_locked(recent_failures(locked, T0 + 18 * MIN, THROTTLE), T0 + 18 * MIN, THROTTLE)


@settings(deadline=None, max_examples=200)
@given(st.lists(st.integers(min_value=0, max_value=60 * 60), max_size=20))
def test_never_locked_with_fewer_than_five_failures_in_any_window(seconds):
    times = tuple(sorted(T0 + timedelta(seconds=s) for s in seconds))
    until = locked_until(times, THROTTLE)
    last_five = times[-5:]
    if until is not None:
        assert len(last_five) == 5 and last_five[-1] - last_five[0] < THROTTLE.window
        assert until == last_five[-1] + THROTTLE.lockout
    kept = recent_failures(times, T0 + timedelta(hours=2), THROTTLE)
    assert len(kept) <= THROTTLE.failures


# -- rule 3: TOTP -----------------------------------------------------------------------


def code_at(step: int) -> str:
    return f"{step % 1_000_000:06d}"


def same(a: str, b: str) -> bool:
    return a == b


def test_a_code_of_the_current_step_or_one_either_side_is_accepted_and_no_further():
    now = T0 + timedelta(seconds=15)
    step = totp_step(now)
    for offset in (-1, 0, 1):
        verdict, matched = verify_totp(code_at(step + offset), now, None, code_at, same)
        assert (verdict, matched) == (TotpVerdict.ACCEPTED, step + offset)
    for offset in (-2, 2):
        assert verify_totp(code_at(step + offset), now, None, code_at, same)[0] is TotpVerdict.WRONG


def test_a_step_used_once_is_refused_as_a_replay_and_so_is_any_earlier_step():
    now = T0
    step = totp_step(now)
    assert verify_totp(code_at(step), now, step, code_at, same)[0] is TotpVerdict.REPLAYED
    assert verify_totp(code_at(step - 1), now, step, code_at, same)[0] is TotpVerdict.REPLAYED
    assert verify_totp(code_at(step + 1), now, step, code_at, same)[0] is TotpVerdict.ACCEPTED


def test_totp_steps_are_thirty_seconds_from_the_unix_epoch():
    assert totp_step(datetime(1970, 1, 1, 0, 0, 59, tzinfo=UTC)) == 1
    assert totp_step(datetime(1970, 1, 1, 0, 1, 0, tzinfo=UTC)) == 2


# -- rules 4 and 5: a session's end -----------------------------------------------------


def test_idle_timeout_one_millisecond_before_works_and_at_the_timeout_ends():
    s = session(last_seen_at=T0 + 3 * MIN)
    idle = T0 + 3 * MIN + POLICY.idle_timeout
    assert end_reason(s, OLGA, idle - MS, POLICY) is None
    assert end_reason(s, OLGA, idle, POLICY) is EndReason.IDLE


def test_absolute_timeout_ends_a_session_in_use_at_its_exact_time():
    end = T0 + POLICY.absolute_timeout
    s = session(last_seen_at=end - MS)
    assert end_reason(s, OLGA, end - MS, POLICY) is None
    assert end_reason(s, OLGA, end, POLICY) is EndReason.ABSOLUTE


def test_a_session_ends_with_its_users_standing_or_role():
    s = session()
    disabled = User("olga", Role.OPERATOR, T0, UserState.DISABLED)
    removed = User("olga", Role.OPERATOR, T0, UserState.REMOVED)
    promoted = User("olga", Role.INVESTIGATOR, T0)
    assert end_reason(s, disabled, T0, POLICY) is EndReason.DISABLED
    assert end_reason(s, removed, T0, POLICY) is EndReason.REMOVED
    assert end_reason(s, None, T0, POLICY) is EndReason.REMOVED
    assert end_reason(s, promoted, T0, POLICY) is EndReason.ROLE_CHANGED


def test_use_is_written_at_most_every_thirty_seconds_or_a_tenth_of_a_short_idle_timeout():
    assert not touch_due(T0, T0 + timedelta(seconds=30) - MS, POLICY)
    assert touch_due(T0, T0 + timedelta(seconds=30), POLICY)
    short = SessionPolicy(idle_timeout=timedelta(seconds=60))
    assert not touch_due(T0, T0 + timedelta(seconds=6) - MS, short)
    assert touch_due(T0, T0 + timedelta(seconds=6), short)


# -- rule 6: fresh sessions for sensitive acts ------------------------------------------


def test_the_sensitive_acts_are_agreements_partners_users_keys_and_the_token_secret():
    assert SENSITIVE_ACTIONS == {
        Action.AGREEMENT_MANAGE,
        Action.PARTNER_MANAGE,
        Action.USER_MANAGE,
        Action.KEYS_MANAGE,
        Action.TOKEN_SECRET_ROTATE,
    }
    assert not needs_fresh_session(Action.AGREEMENT_READ)
    assert not needs_fresh_session(Action.ALERTS_WATCH)


def test_fresh_until_its_time_and_not_a_millisecond_after():
    until = fresh_until(session(), T0, POLICY)
    assert until == T0 + POLICY.fresh_for
    assert is_fresh(until, until - MS)
    assert not is_fresh(until, until)
    assert not is_fresh(None, T0)


def test_freshness_never_outlasts_the_session():
    late = T0 + POLICY.absolute_timeout - MIN
    assert fresh_until(session(), late, POLICY) == T0 + POLICY.absolute_timeout
