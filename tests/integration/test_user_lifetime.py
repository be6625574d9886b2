"""Users over their lifetime on a real node: `argos user disable`, `enable`,
`rotate-token`, `remove` and token expiry, each through the real CLI against a real
`argos serve` process (SQLite, admin socket). The old token is refused from its next
call on, with a message that names no user, and the refusal is in the audit log; an
adapter's read stream and an operator's alert stream end once their user is disabled.
The streams are raw gRPC clients on the admin socket with real tokens, as the adapter
runtime and `argos alerts watch` are."""

from __future__ import annotations

import json
import os
import queue
import stat
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import grpc
import pytest

from gateway.federation import LocalFederation
from gateway.wire.argos.v1 import ingest_pb2, reads_pb2
from gateway.wire.local_api import LocalApi
from tests.integration.hotlist_support import wait_until

EXIT_DENIED, EXIT_REFUSED = 3, 5
WITHDRAWN = "the token is not valid on this node: it has been withdrawn"


@pytest.fixture(scope="module")
def gent(tmp_path_factory, certs) -> Iterator:
    federation = LocalFederation(tmp_path_factory.mktemp("users"), certs, ("be-gent",))
    try:
        federation.start()
        yield federation["be-gent"]
    finally:
        federation.stop()


def users(node, token=None) -> dict[str, dict]:
    return {u["name"]: u for u in node.json("user", "list", token_file=token)}


def standings(node) -> dict[str, dict]:
    """Every user as listed, but for last use (the listing administrator's own moves on)."""
    return {name: {**u, "last_used_at": None} for name, u in users(node).items()}


def audit(node, action: str, name: str) -> list[dict]:
    return [
        {**r, "details": json.loads(r.get("details_json") or "{}")}
        for r in node.json("audit", "list", "--limit", "100000")
        if r["action"] == action and r.get("object_id") == name
    ]


def refused(node, token) -> str:
    """A call with `token` that must be refused; its message."""
    result = node.argos("status", token_file=token, check=False)
    assert result.returncode == EXIT_DENIED, result.stdout
    return result.stderr


def test_the_last_active_admin_cannot_be_disabled_or_removed(gent, tmp_path):
    before = standings(gent)
    for action in ("disable", "remove"):
        result = gent.argos("user", action, "admin", check=False)
        assert result.returncode == EXIT_REFUSED
        assert "admin is the last active administrator of this node" in result.stderr
        [record] = audit(gent, f"user.{action}_refused", "admin")
        assert record["actor"] == "admin"
    assert standings(gent) == before

    # With a second administrator, one may go; the other then may not.
    root = gent.add_user("root", "admin")
    gent.argos("user", "disable", "admin", token_file=root)
    assert users(gent, root)["admin"]["state"] == "disabled"
    result = gent.argos("user", "disable", "root", token_file=root, check=False)
    assert result.returncode == EXIT_REFUSED
    assert "root is the last active administrator" in result.stderr
    gent.argos("user", "enable", "admin", token_file=root)
    assert users(gent)["admin"]["state"] == "active"


def test_a_non_admin_may_change_no_user_and_each_attempt_is_audited(gent, tmp_path):
    ivan = gent.add_user("ivan-na", "investigator")
    gent.add_user("olga-na", "operator")
    before = standings(gent)
    attempts = [
        ("disable", "olga-na"),
        ("enable", "olga-na"),
        ("remove", "olga-na"),
        ("rotate-token", "olga-na", "--token-out", str(tmp_path / "stolen.token")),
        ("add", "eve-na", "--role", "admin", "--token-out", str(tmp_path / "eve.token")),
        ("list",),
    ]
    for args in attempts:
        result = gent.argos("user", *args, token_file=ivan, check=False)
        assert result.returncode == EXIT_DENIED, args
        assert "user ivan-na has role investigator; user.manage needs admin" in result.stderr
    assert not (tmp_path / "stolen.token").exists() and not (tmp_path / "eve.token").exists()
    assert standings(gent) == before
    denied = [
        r
        for r in gent.json("audit", "list", "--limit", "100000")
        if r["action"] == "access.denied" and r["actor"] == "ivan-na"
    ]
    assert [r["object_id"] for r in denied] == ["user.manage"] * len(attempts)


def test_disable_refuses_the_next_call_and_enable_lets_the_user_in_again(gent):
    olga = gent.add_user("olga-d", "operator")
    gent.argos("status", token_file=olga)
    gent.argos("user", "disable", "olga-d", "--justification", "on leave")
    before = users(gent)["olga-d"]
    assert before["state"] == "disabled"

    message = refused(gent, olga)
    assert WITHDRAWN in message
    assert "olga-d" not in message
    assert users(gent)["olga-d"] == before
    [record] = audit(gent, "user.token_refused", "olga-d")
    assert record["details"] == {"reason": "disabled"}
    [change] = audit(gent, "user.disable", "olga-d")
    assert (change["actor"], change["justification"]) == ("admin", "on leave")

    gent.argos("user", "enable", "olga-d")
    assert users(gent)["olga-d"]["state"] == "active"
    gent.argos("status", token_file=olga)
    [enabled] = audit(gent, "user.enable", "olga-d")
    assert enabled["actor"] == "admin"


def test_rotate_token_refuses_the_old_token_from_its_next_call_and_the_new_one_works(
    gent, tmp_path
):
    old = gent.add_user("ivan-r", "investigator")
    gent.argos("status", token_file=old)
    new = tmp_path / "ivan-r.new.token"
    gent.argos("user", "rotate-token", "ivan-r", "--token-out", str(new), "--expires", "30d")
    assert stat.S_IMODE(os.stat(new).st_mode) == 0o600
    assert new.read_text() != old.read_text()

    before = users(gent)["ivan-r"]
    message = refused(gent, old)
    assert WITHDRAWN in message and "ivan-r" not in message
    assert users(gent)["ivan-r"] == before
    [record] = audit(gent, "user.token_refused", "ivan-r")
    assert record["details"] == {"reason": "rotated"}
    gent.argos("status", token_file=new)
    row = users(gent)["ivan-r"]
    assert row["state"] == "active"
    expires = datetime.fromisoformat(row["token_expires_at"])
    assert timedelta(days=29) < expires - datetime.now(UTC) <= timedelta(days=30)
    # An existing file is never overwritten with a token.
    result = gent.argos("user", "rotate-token", "ivan-r", "--token-out", str(new), check=False)
    assert result.returncode != 0 and "exists" in result.stderr
    gent.argos("status", token_file=new)


def test_remove_refuses_the_token_for_good_and_lists_the_user_as_removed(gent, tmp_path):
    olga = gent.add_user("olga-x", "operator")
    gent.argos("user", "remove", "olga-x", "--justification", "left the port authority")
    before = users(gent)["olga-x"]
    assert before["state"] == "removed"

    message = refused(gent, olga)
    assert WITHDRAWN in message and "olga-x" not in message
    [record] = audit(gent, "user.token_refused", "olga-x")
    assert record["details"] == {"reason": "removed"}
    # Removed is final, and the name is never given to anyone else.
    result = gent.argos("user", "enable", "olga-x", check=False)
    assert result.returncode == EXIT_REFUSED and "stays removed" in result.stderr
    reuse = tmp_path / "again.token"
    result = gent.argos(
        "user", "add", "olga-x", "--role", "admin", "--token-out", str(reuse), check=False
    )
    assert result.returncode == EXIT_REFUSED
    assert "never given to another user" in result.stderr
    assert not reuse.exists()
    assert users(gent)["olga-x"] == before
    assert audit(gent, "user.enable_refused", "olga-x")


def test_a_token_past_its_expiry_is_refused_and_the_user_listed_as_expired(gent, tmp_path):
    # A lifetime of one second, counted by the node's clock from the add: the test
    # polls until the node refuses the token, and asserts that it was for its expiry.
    token = tmp_path / "otto.token"
    gent.argos(
        "user", "add", "otto-e", "--role", "operator", "--token-out", str(token), "--expires", "1s"
    )
    wait_until(
        lambda: gent.argos("status", token_file=token, check=False).returncode == EXIT_DENIED,
        what="the token's expiry",
    )
    before = users(gent)["otto-e"]
    assert before["state"] == "expired"
    message = refused(gent, token)
    assert "the token is not valid on this node: it expired at" in message
    assert "otto-e" not in message
    assert users(gent)["otto-e"] == before
    reasons = {r["details"]["reason"] for r in audit(gent, "user.token_refused", "otto-e")}
    assert reasons == {"expired"}
    # A new token with a new expiry lets the user in again.
    renewed = tmp_path / "otto.renewed.token"
    gent.argos("user", "rotate-token", "otto-e", "--token-out", str(renewed), "--expires", "90d")
    gent.argos("status", token_file=renewed)
    assert users(gent)["otto-e"]["state"] == "active"


def test_user_list_shows_the_last_use_after_a_call(gent):
    ivan = gent.add_user("ivan-l", "investigator")
    assert users(gent)["ivan-l"]["last_used_at"] == "never"
    before_call = datetime.now(UTC).replace(microsecond=0)
    gent.argos("status", token_file=ivan)
    last = datetime.fromisoformat(users(gent)["ivan-l"]["last_used_at"])
    assert before_call <= last <= datetime.now(UTC)
    table = gent.argos("user", "list").stdout
    assert "ivan-l" in table and "last use" in table


def _read() -> reads_pb2.PlateRead:
    read = reads_pb2.PlateRead(plate="1ABC123", country="BE", camera="cam-7", site="tunnel")
    read.observed_at.FromDatetime(datetime.now(UTC))
    return read


def test_an_adapters_read_stream_ends_at_its_next_batch_once_the_adapter_is_disabled(gent):
    cam = gent.add_user("cam-s", "adapter")
    batches: queue.Queue = queue.Queue()

    def requests():
        while (batch := batches.get()) is not None:
            yield batch

    with LocalApi.with_token_file(gent.home / "admin.sock", cam) as api:
        answers = api.ingest.SubmitReads(requests(), metadata=api.metadata, timeout=120)
        batches.put(ingest_pb2.SubmitReadsRequest(batch_id="b1", reads=[_read()]))
        assert next(answers).batch_id == "b1"
        gent.argos("user", "disable", "cam-s")
        batches.put(ingest_pb2.SubmitReadsRequest(batch_id="b2", reads=[_read()]))
        with pytest.raises(grpc.RpcError) as ended:
            next(answers)
        batches.put(None)
    assert ended.value.code() is grpc.StatusCode.UNAUTHENTICATED
    assert WITHDRAWN in ended.value.details()
    [record] = audit(gent, "user.token_refused", "cam-s")
    assert record["details"] == {"reason": "disabled"}


def test_an_operators_alert_stream_ends_once_the_operator_is_removed(gent):
    olga = gent.add_user("olga-s", "operator")
    with LocalApi.with_token_file(gent.home / "admin.sock", olga) as api:
        watch = api.ingest.WatchAlerts(
            ingest_pb2.WatchAlertsRequest(), metadata=api.metadata, timeout=120
        )
        wait_until(
            lambda: any(r["actor"] == "olga-s" for r in audit(gent, "alerts.watch", "local")),
            what="the watch to open",
        )
        gent.argos("user", "remove", "olga-s")
        with pytest.raises(grpc.RpcError) as ended:
            next(watch)  # ends within the watch's poll (half a second), saying why
    assert ended.value.code() is grpc.StatusCode.UNAUTHENTICATED
    assert WITHDRAWN in ended.value.details()
    [record] = audit(gent, "user.token_refused", "olga-s")
    assert record["details"] == {"reason": "removed"}
