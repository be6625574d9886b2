"""Console log-in on real nodes (issue 18): two `argos serve` processes (be-gent with the
default [console] settings; nl-terneuzen with an idle timeout of 6 s and sessions fresh
for 3 s, so the timeouts can be watched happen), their SessionService reached over
the real admin socket as the console reaches it, credentials given with the real CLI
(`argos user set-password`, the password piped in). Every refusal is checked for its
answer (the same words whatever the reason), its audit record (with the reason, never
a secret) and that nothing changed. Finally the nodes' logs and an audit export are
searched for every password, TOTP code and session token used here: none is there."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import grpc
import pytest

from gateway.domain.sessions import LOGIN_REFUSED, TOTP_STEP_S, totp_step
from gateway.federation import LocalFederation
from gateway.services.console_factors import totp_code_at
from gateway.wire.argos.v1 import admin_pb2, ingest_pb2
from gateway.wire.argos.v1 import sessions_pb2 as pb
from gateway.wire.local_api import LocalApi
from tests.integration.hotlist_support import wait_until

PASSWORD = "a long console passphrase"
ADDRESS = "192.0.2.10"
# Every secret this module hands a node, to be searched for at the end.
USED: list[str] = [PASSWORD]


@pytest.fixture(scope="module")
def ports(tmp_path_factory, certs) -> Iterator[LocalFederation]:
    federation = LocalFederation(
        tmp_path_factory.mktemp("console-sessions"), certs, ("be-gent", "nl-terneuzen")
    )
    try:
        federation.start()
        federation.connect("be-gent", "nl-terneuzen")
        terneuzen = federation["nl-terneuzen"]
        terneuzen.stop()
        with (terneuzen.home / "node.toml").open("a") as f:
            f.write("[console]\nidle_timeout_minutes = 0.1\nfresh_minutes = 0.05\n")
        terneuzen.start()
        yield federation
    finally:
        federation.stop()


@pytest.fixture(scope="module")
def gent(ports):
    return ports["be-gent"]


def person(node, name: str, role: str, password: str = PASSWORD) -> str:
    """A user with console credentials; their TOTP secret."""
    node.add_user(name, role)
    secret = node.set_console_credentials(name, password)
    USED.append(secret)
    return secret


def code(secret: str, offset: int = 0) -> str:
    """The code an authenticator app shows (offset steps away), away from a step's
    edges so the node sees the same step."""
    wait_until(
        lambda: 2 <= time.time() % TOTP_STEP_S <= TOTP_STEP_S - 4,
        timeout=TOTP_STEP_S,
        what="the middle of a TOTP step",
    )
    value = totp_code_at(secret, totp_step(datetime.now(UTC)) + offset)
    USED.append(value)
    return value


def api(node, token: str | None = None) -> LocalApi:
    return LocalApi(node.home / "admin.sock", token)


def login(node, name: str, secret: str, *, offset: int = 0, address: str = ADDRESS):
    """The console's two steps; (token, session)."""
    with api(node) as a:
        started = a.sessions.StartLogin(
            pb.StartLoginRequest(user=name, password=PASSWORD, client_address=address),
            timeout=30,
        )
        finished = a.sessions.FinishLogin(
            pb.FinishLoginRequest(
                login_id=started.login_id, totp_code=code(secret, offset), client_address=address
            ),
            timeout=30,
        )
    USED.append(finished.session_token)
    return finished.session_token, finished.session


def refusal(call) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as refused:
        call()
    return refused.value


def audit(node, action: str) -> list[dict]:
    return [
        {**r, "details": json.loads(r.get("details_json") or "{}")}
        for r in node.json("audit", "list", "--limit", "100000")
        if r["action"] == action
    ]


def state(node, agreement_id: str) -> str:
    [held] = [a for a in node.json("agreement", "list") if a["agreement_id"] == agreement_id]
    return held["state"]


def status(node, token: str):
    with api(node, token) as a:
        return a.admin.GetStatus(admin_pb2.GetStatusRequest(), metadata=a.metadata, timeout=30)


def test_two_step_login_gives_a_session_that_acts_with_the_users_role(gent):
    olga = person(gent, "olga", "operator")
    token, session = login(gent, "olga", olga)
    assert (session.user, session.role, session.client_address) == (
        "olga",
        admin_pb2.ROLE_OPERATOR,
        ADDRESS,
    )
    assert session.idle_timeout_s == 15 * 60 and session.HasField("fresh_until")
    reply = status(gent, token)
    assert (reply.user, reply.role) == ("olga", admin_pb2.ROLE_OPERATOR)
    with api(gent, token) as a:
        denied = refusal(
            lambda: a.admin.ListUsers(admin_pb2.ListUsersRequest(), metadata=a.metadata)
        )
        mine = a.sessions.GetSession(pb.GetSessionRequest(), metadata=a.metadata).session
    assert denied.code() is grpc.StatusCode.PERMISSION_DENIED
    assert "user olga has role operator" in denied.details()
    assert mine.session_id == session.session_id
    [record] = [r for r in audit(gent, "session.login") if r["actor"] == "olga"]
    assert record["object_id"] == session.session_id
    assert record["details"] == {"client_address": ADDRESS, "role": "operator"}
    listed = gent.json("sessions", "list", "--user", "olga")
    assert [s["session_id"] for s in listed] == [session.session_id]


def test_refused_logins_say_the_same_whatever_the_reason_and_each_is_audited(gent):
    ivan = person(gent, "ivan", "investigator")
    before = gent.json("sessions", "list")
    with api(gent) as a:
        answers = []
        for name, password in (("ivan", "not the password!"), ("nobody-here", PASSWORD)):
            answers.append(
                refusal(
                    lambda n=name, p=password: a.sessions.StartLogin(
                        pb.StartLoginRequest(user=n, password=p, client_address="192.0.2.20")
                    )
                )
            )
        started = a.sessions.StartLogin(
            pb.StartLoginRequest(user="ivan", password=PASSWORD, client_address="192.0.2.20")
        )
        right = code(ivan)
        wrong = f"{(int(right) + 500_000) % 1_000_000:06d}"
        answers.append(
            refusal(
                lambda: a.sessions.FinishLogin(
                    pb.FinishLoginRequest(
                        login_id=started.login_id, totp_code=wrong, client_address="192.0.2.20"
                    )
                )
            )
        )
    assert [(e.code(), e.details()) for e in answers] == [
        (grpc.StatusCode.UNAUTHENTICATED, LOGIN_REFUSED)
    ] * 3
    refused = [
        (r["object_id"], r["details"]["reason"], r["details"]["step"])
        for r in audit(gent, "session.login_refused")
        if r["details"]["client_address"] == "192.0.2.20"
    ]
    assert refused == [
        ("ivan", "wrong_password", "password"),
        ("unknown", "unknown_user", "password"),
        ("ivan", "wrong_code", "code"),
    ]
    assert gent.json("sessions", "list") == before


def test_the_sixth_failure_is_throttled_and_audited(gent):
    otto = person(gent, "otto", "operator")
    address = "198.51.100.7"
    with api(gent) as a:

        def attempt(password: str):
            return a.sessions.StartLogin(
                pb.StartLoginRequest(user="otto", password=password, client_address=address)
            )

        for n in range(5):
            assert refusal(lambda n=n: attempt(f"wrong password {n}")).code() is (
                grpc.StatusCode.UNAUTHENTICATED
            )
        throttled = refusal(lambda: attempt(PASSWORD))  # even the right one, for now
    assert throttled.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "too many failed log-ins" in throttled.details()
    [record] = [r for r in audit(gent, "session.login_throttled") if r["object_id"] == address]
    assert record["details"] == {"step": "password", "locked": "user"}
    # Another user from another address is not held up by otto's lock.
    pia = person(gent, "pia", "operator")
    login(gent, "pia", pia, address="198.51.100.8")
    assert otto  # otto's own lock ends 15 minutes on (tests/unit/test_console_sessions.py)


def test_a_totp_code_is_accepted_once(gent):
    rita = person(gent, "rita", "auditor")
    with api(gent) as a:
        first = a.sessions.StartLogin(pb.StartLoginRequest(user="rita", password=PASSWORD))
        second = a.sessions.StartLogin(pb.StartLoginRequest(user="rita", password=PASSWORD))
        same = code(rita)
        a.sessions.FinishLogin(pb.FinishLoginRequest(login_id=first.login_id, totp_code=same))
        replayed = refusal(
            lambda: a.sessions.FinishLogin(
                pb.FinishLoginRequest(login_id=second.login_id, totp_code=same)
            )
        )
    assert (replayed.code(), replayed.details()) == (grpc.StatusCode.UNAUTHENTICATED, LOGIN_REFUSED)
    reasons = [r["details"]["reason"] for r in audit(gent, "session.login_refused")]
    assert reasons.count("replayed_code") == 1


def test_disabling_the_user_ends_the_session_and_its_alert_stream(gent):
    vera = person(gent, "vera", "operator")
    token, session = login(gent, "vera", vera)
    with api(gent, token) as a:
        watch = a.ingest.WatchAlerts(
            ingest_pb2.WatchAlertsRequest(), metadata=a.metadata, timeout=120
        )
        wait_until(
            lambda: any(r["actor"] == "vera" for r in audit(gent, "alerts.watch")),
            what="the watch to open",
        )
        gent.argos("user", "disable", "vera", "--justification", "on leave")
        ended = refusal(lambda: next(watch))
    assert ended.code() is grpc.StatusCode.UNAUTHENTICATED
    assert "the session has ended (user_disabled)" in ended.details()
    assert refusal(lambda: status(gent, token)).code() is grpc.StatusCode.UNAUTHENTICATED
    [record] = [r for r in audit(gent, "session.ended") if r["object_id"] == session.session_id]
    assert record["details"] == {"user": "vera", "reason": "user_disabled"}
    assert record["actor"] == "admin"
    gent.argos("user", "enable", "vera")
    assert refusal(lambda: status(gent, token)).code() is grpc.StatusCode.UNAUTHENTICATED


def test_new_credentials_end_the_users_sessions(gent):
    wim = person(gent, "wim", "investigator")
    token, _ = login(gent, "wim", wim)
    gent.argos("user", "set-password", "wim", input="another long passphrase\n")
    refused = refusal(lambda: status(gent, token))
    assert refused.code() is grpc.StatusCode.UNAUTHENTICATED
    assert "credentials_reset" in refused.details()
    USED.append("another long passphrase")
    [set_again] = [r for r in audit(gent, "session.credentials_set") if r["object_id"] == "wim"][1:]
    assert set_again["details"] == {"new_totp_secret": False, "sessions_ended": 1}
    assert gent.json("sessions", "list", "--user", "wim") == []


def test_an_administrator_ends_a_session_with_the_cli(gent):
    yara = person(gent, "yara", "investigator")
    code(yara)  # waits for the middle of a TOTP step
    # The code as the demo gets it: `argos user totp-code` on the secret file.
    printed = gent.argos("user", "totp-code", "--secret-file", str(gent.home / "yara.totp"))
    USED.append(printed.stdout.strip())
    with api(gent) as a:
        started = a.sessions.StartLogin(pb.StartLoginRequest(user="yara", password=PASSWORD))
        finished = a.sessions.FinishLogin(
            pb.FinishLoginRequest(login_id=started.login_id, totp_code=printed.stdout.strip())
        )
    token, session = finished.session_token, finished.session
    USED.append(token)
    status(gent, token)
    missing = gent.argos("sessions", "end", "--user", "yara", check=False)
    assert missing.returncode != 0 and "--justification" in missing.stderr
    ended = gent.json(
        "sessions", "end", "--session", session.session_id, "--justification", "lost laptop"
    )
    assert ended == {"ended": 1}
    refused = refusal(lambda: status(gent, token))
    assert refused.code() is grpc.StatusCode.UNAUTHENTICATED
    assert "ended_by_admin" in refused.details()
    [record] = [r for r in audit(gent, "session.ended") if r["object_id"] == session.session_id]
    assert (record["actor"], record["justification"]) == ("admin", "lost laptop")
    again = gent.argos(
        "sessions", "end", "--session", session.session_id, "--justification", "x", check=False
    )
    assert again.returncode == 5 and "ended already" in again.stderr


def test_an_admin_session_reauthenticates_before_accepting_an_agreement(ports):
    gent, terneuzen = ports["be-gent"], ports["nl-terneuzen"]
    secret = terneuzen.set_console_credentials("admin", PASSWORD)
    USED.append(secret)
    # A CLI token is a machine credential, never asked to re-authenticate.
    proposed = gent.json(
        "agreement", "propose", "--partner", "nl-terneuzen", "--justification", "pilot"
    )
    agreement_id = proposed["agreement_id"]
    wait_until(
        lambda: any(a["agreement_id"] == agreement_id for a in terneuzen.json("agreement", "list")),
        what="the proposal at Terneuzen",
    )
    # Logged in with the previous step's code, so the current one is left for later.
    token, session = login(terneuzen, "admin", secret, offset=-1)
    with api(terneuzen, token) as a:

        def accept():
            return a.admin.CountersignAgreement(
                admin_pb2.CountersignAgreementRequest(
                    agreement_id=agreement_id, justification="fingerprint compared by phone"
                ),
                metadata=a.metadata,
                timeout=60,
            )

        def fresh() -> bool:
            got = a.sessions.GetSession(pb.GetSessionRequest(), metadata=a.metadata)
            return got.session.HasField("fresh_until")

        wait_until(lambda: not fresh(), what="the log-in's freshness (3 s) to pass")
        stale = refusal(accept)
        assert stale.code() is grpc.StatusCode.FAILED_PRECONDITION
        assert stale.details().startswith("reauthentication required")
        assert state(terneuzen, agreement_id) != "active"
        again = a.sessions.Reauthenticate(
            pb.ReauthenticateRequest(password=PASSWORD, totp_code=code(secret)),
            metadata=a.metadata,
        )
        assert again.session.HasField("fresh_until")
        accept()
    assert state(terneuzen, agreement_id) == "active"
    [required] = audit(terneuzen, "access.reauthentication_required")
    assert (required["actor"], required["object_id"]) == ("admin", "agreement.manage")
    assert required["details"] == {"session_id": session.session_id}
    assert [r["object_id"] for r in audit(terneuzen, "session.reauthenticated")] == [
        session.session_id
    ]
    terneuzen.argos("user", "list")  # the CLI token, long after any log-in: no question


def test_an_idle_session_ends_after_the_configured_timeout(ports):
    terneuzen = ports["nl-terneuzen"]
    olga = person(terneuzen, "olga", "operator")
    token, session = login(terneuzen, "olga", olga)
    assert session.idle_timeout_s == 6
    status(terneuzen, token)

    def idle_over() -> bool:
        """The node's own view, read with the CLI token (the session left unused)."""
        [held] = terneuzen.json("sessions", "list", "--user", "olga")
        seen = datetime.fromisoformat(held["last_seen_at"])
        return (datetime.now(UTC) - seen).total_seconds() > held["idle_timeout_s"] + 1

    wait_until(idle_over, timeout=60, what="the session to sit idle past its timeout")
    refused = refusal(lambda: status(terneuzen, token))
    assert refused.code() is grpc.StatusCode.UNAUTHENTICATED
    assert "the session has ended (idle)" in refused.details()
    [ended] = [r for r in audit(terneuzen, "session.ended") if r["object_id"] == session.session_id]
    assert ended["details"]["reason"] == "idle" and ended["actor_kind"] == "system"
    assert terneuzen.json("sessions", "list", "--user", "olga") == []


def test_no_password_code_or_token_reaches_the_logs_or_the_audit_export(ports, tmp_path):
    assert len(USED) > 10
    for node in ports.nodes.values():
        export = tmp_path / f"{node.node_id}.audit"
        node.argos(
            "audit", "export", "--from", "2000-01-01", "--to", "2100-01-01", "--out", str(export)
        )
        texts = {"log": node.log_path.read_text(errors="replace"), "export": export.read_text()}
        assert "session.login" in texts["export"]
        for where, text in texts.items():
            for secret in USED:
                # A code is six digits: looked for as a word of its own, not inside a
                # hash or a time, where six digits in a row occur by chance.
                found = (
                    re.search(rf"(?<![0-9a-fA-F]){secret}(?![0-9a-fA-F])", text)
                    if secret.isdigit()
                    else secret in text
                )
                assert not found, (node.node_id, where)
