"""SessionRepository: a user's console credentials kept and replaced, a TOTP step marked
used only forward (one statement decides a race), sessions found by their token's hash
and id, listed while open, touched, made fresh, ended once, and erased by their end
time for retention."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gateway.domain.roles import Role, User
from gateway.domain.sessions import ConsoleSession
from gateway.services.ports import ConsoleCredentials
from tests.contract.samples import START

MS = timedelta(milliseconds=1)
DAY = timedelta(days=1)


def session(session_id: str, user: str = "olga", at=START) -> ConsoleSession:
    return ConsoleSession(session_id, user, Role.OPERATOR, "192.0.2.1", at, at)


@pytest.fixture
def people(store):
    with store.write() as uow:
        for name in ("olga", "otto"):
            uow.users.add(User(name, Role.OPERATOR, START), f"hash-{name}")
        uow.commit()
    return store


def credentials(user: str = "olga", **changes) -> ConsoleCredentials:
    fields = {
        "user": user,
        "password_hash": "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
        "totp_secret": "JBSWY3DPEHPK3PXP",
        "last_totp_step": None,
        "set_at": START,
        **changes,
    }
    return ConsoleCredentials(**fields)


def test_credentials_are_kept_replaced_and_removed(people):
    store = people
    with store.write() as uow:
        assert uow.sessions.credentials("olga") is None
        uow.sessions.set_credentials(credentials())
        uow.commit()
    with store.write() as uow:
        assert uow.sessions.credentials("olga") == credentials()
        uow.sessions.set_credentials(credentials(totp_secret="KRSXG5DJNZTQ", last_totp_step=7))
        uow.sessions.set_password_hash("olga", "$argon2id$new")
        uow.commit()
    with store.read() as uow:
        held = uow.sessions.credentials("olga")
    assert (held.totp_secret, held.last_totp_step, held.password_hash) == (
        "KRSXG5DJNZTQ",
        7,
        "$argon2id$new",
    )
    with store.write() as uow:
        assert uow.sessions.remove_credentials("olga") is True
        assert uow.sessions.remove_credentials("olga") is False
        uow.commit()
    with store.read() as uow:
        assert uow.sessions.credentials("olga") is None


def test_a_totp_step_is_marked_used_only_forward(people):
    store = people
    with store.write() as uow:
        uow.sessions.set_credentials(credentials())
        assert uow.sessions.use_totp_step("olga", 100) is True
        assert uow.sessions.use_totp_step("olga", 100) is False  # the same step again
        assert uow.sessions.use_totp_step("olga", 99) is False  # an earlier one
        assert uow.sessions.use_totp_step("olga", 101) is True
        assert uow.sessions.use_totp_step("otto", 5) is False  # no credentials
        uow.commit()
    with store.read() as uow:
        assert uow.sessions.credentials("olga").last_totp_step == 101


def test_a_session_is_found_by_its_token_hash_and_id_and_listed_while_open(people):
    store = people
    a, b, c = session("s-a"), session("s-b", at=START + MS), session("s-c", "otto")
    with store.write() as uow:
        uow.sessions.add(a, "sha-a")
        uow.sessions.add(b, "sha-b")
        uow.sessions.add(c, "sha-c")
        uow.commit()
    with store.read() as uow:
        assert uow.sessions.by_token_hash("sha-a") == a
        assert uow.sessions.by_token_hash("sha-x") is None
        assert uow.sessions.get("s-c") == c
        assert uow.sessions.open_sessions() == [a, c, b]  # by start, then id
        assert uow.sessions.open_sessions("olga") == [a, b]


def test_touch_freshness_and_an_end_that_happens_once(people):
    store = people
    with store.write() as uow:
        uow.sessions.add(session("s-a"), "sha-a")
        uow.sessions.touch("s-a", START + DAY)
        uow.sessions.set_fresh_until("s-a", START + 2 * DAY, START + 2 * DAY - MS)
        assert uow.sessions.end("s-a", START + 3 * DAY, "logout") is True
        assert uow.sessions.end("s-a", START + 4 * DAY, "idle") is False
        uow.sessions.touch("s-a", START + 5 * DAY)  # an ended session is not touched
        uow.commit()
    with store.read() as uow:
        held = uow.sessions.get("s-a")
        assert uow.sessions.open_sessions() == []
    assert held.last_seen_at == START + 2 * DAY - MS
    assert held.fresh_until == START + 2 * DAY
    assert (held.ended_at, held.end_reason) == (START + 3 * DAY, "logout")


def test_ended_sessions_are_due_by_their_end_and_erased_and_counted(people):
    store = people
    with store.write() as uow:
        for n in range(3):
            uow.sessions.add(session(f"s-{n}"), f"sha-{n}")
        uow.sessions.end("s-0", START + DAY, "logout")
        uow.sessions.end("s-1", START + DAY + MS, "idle")
        uow.commit()
    with store.read() as uow:
        assert uow.sessions.ended_due(START + DAY - MS) == []
        assert uow.sessions.ended_due(START + DAY) == ["s-0"]
        assert uow.sessions.ended_due(START + 2 * DAY) == ["s-0", "s-1"]
        held = uow.sessions.held(START + 31 * DAY, 30)
    assert held.count == 3 and held.past_limit == 1
    assert held.oldest == START + DAY and held.next_due == START + 31 * DAY
    with store.write() as uow:
        assert uow.sessions.erase(["s-0", "s-9"]) == 1
        uow.commit()
    with store.read() as uow:
        assert uow.sessions.get("s-0") is None
        assert uow.sessions.get("s-1") is not None
