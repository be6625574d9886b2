"""Hit confirmations and retrospective queries between two real node processes: asked
by an investigator on one side, answered, refused or left to expire by a person on
the other, each with only what the agreement allows, and in both audit logs."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from datetime import UTC, datetime, timedelta

import grpc
import pytest

from adapters.read_store import ReadStore, serve
from gateway.domain import envelope as env
from gateway.domain.confirmations import AnswerContent, ConfirmationEvent, EventKind, Outcome
from gateway.domain.identity import NodeSigningKey
from gateway.services.confirmations import EVENT_PAYLOAD
from gateway.wire import codec
from gateway.wire import confirmations_codec as wire
from gateway.wire.argos.v1 import federation_pb2 as fpb
from tests.integration.federation_support import federation_stub
from tests.integration.hits_support import hits, read, reads_file, wait_watching, watch
from tests.integration.hotlist_support import add_entry, received, wait_until


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


@pytest.fixture
def hit(pair, tmp_path):
    """Gent shares its stolen vehicles with Terneuzen (site granularity, actions
    shared); a Terneuzen camera saw one; both sides hold the hit. Terneuzen's read
    history is a real HTTP read store holding that passage."""
    gent, terneuzen = pair["be-gent"], pair["nl-terneuzen"]
    store = ReadStore()
    seen_at = datetime.now(UTC) - timedelta(hours=2)
    store.add([{**read("1ABC123"), "time": _iso(seen_at)}])
    secret = terneuzen.home / "read-history.secret"
    secret.write_text("shared by the node and its read history\n")
    secret.chmod(0o600)
    server = serve(store, secret=secret.read_bytes().strip())
    terneuzen.stop()
    with (terneuzen.home / "node.toml").open("a") as f:
        f.write(f'read_history_url = "http://127.0.0.1:{server.server_address[1]}"\n')
        f.write('read_history_secret_file = "read-history.secret"\n')
        f.write("outbox_max_backoff_s = 1.0\n")
    terneuzen.start()
    agreement_id = pair.agree(
        "be-gent", "nl-terneuzen", "--direction", "proposer_to_partner", "--granularity", "site"
    )
    ivan = gent.add_user("ivan", "investigator")
    ines = terneuzen.add_user("ines", "investigator")
    entry_id = add_entry(gent, ivan, "1-ABC-123", "B")
    wait_until(lambda: entry_id in received(terneuzen, agreement_id), what="the entry to sync")
    reads = reads_file(tmp_path / "r.jsonl", [read("1ABC123")])
    terneuzen.argos("reads", "replay", str(reads), token_file=terneuzen.add_user("cam", "adapter"))
    (at_owner,) = wait_until(lambda: hits(gent, ivan), what="the hit at Gent")
    yield {
        "gent": gent,
        "terneuzen": terneuzen,
        "ivan": ivan,
        "ines": ines,
        "agreement_id": agreement_id,
        "hit_id": at_owner["hit_id"],
        "seen_at": seen_at,
    }
    server.shutdown()


def _ask(node, token, *args: str, check: bool = True):
    result = node.argos("confirm", "request", *args, "--json", token_file=token, check=check)
    return json.loads(result.stdout) if check else result


def _about_hit(node, token, kind: str, hit_id: str, case: str, *extra: str) -> str:
    """Ask about a hit under criminal investigation; the new request's id."""
    asked = _ask(
        node,
        token,
        "--kind",
        kind,
        "--hit",
        hit_id,
        "--purpose",
        "criminal_investigation",
        "--case-reference",
        case,
        *extra,
    )
    return asked["request"]["request_id"]


def _show(node, token, request_id: str) -> dict:
    return node.json("confirm", "show", request_id, token_file=token)


def _state(node, token, request_id: str) -> str:
    return _show(node, token, request_id)["state"].removeprefix("CONFIRMATION_STATE_").lower()


def _arrived(node, token, request_id: str) -> dict:
    return wait_until(
        lambda: (c := _try_show(node, token, request_id)) and c, what="the request to arrive"
    )


def _try_show(node, token, request_id: str) -> dict | None:
    result = node.argos("confirm", "show", request_id, "--json", token_file=token, check=False)
    return json.loads(result.stdout) if result.returncode == 0 else None


def _audited(node, request_id: str) -> set[str]:
    return {
        r["action"]
        for r in node.json("audit", "list", "--limit", "1000")
        if r.get("object_id") == request_id
    }


def test_the_observer_asks_the_owner_to_confirm_the_alert_and_gets_its_answer(hit):
    gent, terneuzen = hit["gent"], hit["terneuzen"]
    request_id = _about_hit(terneuzen, hit["ines"], "alert", hit["hit_id"], "PV-TNZ-1")
    incoming = _arrived(gent, hit["ivan"], request_id)
    assert not incoming.get("outgoing")
    gent.argos(
        "confirm",
        "answer",
        request_id,
        "--outcome",
        "confirmed",
        "--action",
        "seize",
        "--note",
        "still stolen",
        token_file=hit["ivan"],
    )
    wait_until(lambda: _state(terneuzen, hit["ines"], request_id) == "answered", what="answer")
    answer = _show(terneuzen, hit["ines"], request_id)["answer"]
    assert answer["outcome"] == "OUTCOME_CONFIRMED" and answer["action"] == "seize"
    for node in (gent, terneuzen):
        assert {"confirmation.answered"} <= _audited(node, request_id)
    assert "confirmation.requested" in _audited(terneuzen, request_id)
    assert "confirmation.received" in _audited(gent, request_id)
    # A second answer to an answered request changes nothing.
    again = gent.argos(
        "confirm",
        "answer",
        request_id,
        "--outcome",
        "not-confirmed",
        token_file=hit["ivan"],
        check=False,
    )
    assert again.returncode == 5 and "already answered" in again.stderr
    assert _show(gent, hit["ivan"], request_id)["answer"]["outcome"] == "OUTCOME_CONFIRMED"


def test_the_owner_asks_the_observer_for_the_details_of_the_hit_at_the_agreed_granularity(hit):
    gent, terneuzen = hit["gent"], hit["terneuzen"]
    request_id = _about_hit(gent, hit["ivan"], "details", hit["hit_id"], "PV-GNT-7")
    _arrived(terneuzen, hit["ines"], request_id)
    terneuzen.argos("confirm", "answer", request_id, token_file=hit["ines"])
    wait_until(lambda: _state(gent, hit["ivan"], request_id) == "answered", what="details")
    (sighting,) = _show(gent, hit["ivan"], request_id)["answer"]["sightings"]
    assert sighting["location"] == {"site": "kennedy-tunnel", "zone": "nl-terneuzen"}
    assert sighting["direction"] == "READ_DIRECTION_IN"
    assert sighting["image_ref"] == "img://cam-7/0001.jpg"


def test_a_retrospective_query_answers_hit_first_and_details_only_when_asked(hit):
    gent, terneuzen = hit["gent"], hit["terneuzen"]
    start = _iso(hit["seen_at"] - timedelta(hours=1))
    end = _iso(hit["seen_at"] + timedelta(hours=1))
    retro = (
        "--kind",
        "retro",
        "--agreement",
        hit["agreement_id"],
        "--purpose",
        "criminal_investigation",
        "--case-reference",
        "PV-GNT-9",
        "--from",
        start,
        "--to",
        end,
        "--legal-order",
        "OM-2026-0042",
    )
    seen = _ask(gent, hit["ivan"], *retro, "--plate", "1-ABC-123", "--country", "B")
    unseen = _ask(gent, hit["ivan"], *retro, "--plate", "9-ZZZ-999", "--country", "B")
    for asked in (seen, unseen):
        request_id = asked["request"]["request_id"]
        _arrived(terneuzen, hit["ines"], request_id)
        terneuzen.argos("confirm", "answer", request_id, token_file=hit["ines"])
    outcomes = {}
    for asked in (seen, unseen):
        request_id = asked["request"]["request_id"]
        wait_until(lambda r=request_id: _state(gent, hit["ivan"], r) == "answered", what="answer")
        answer = _show(gent, hit["ivan"], request_id)["answer"]
        assert "sightings" not in answer  # hit / no-hit first, nothing more
        outcomes[request_id] = answer["outcome"]
    assert outcomes == {
        seen["request"]["request_id"]: "OUTCOME_CONFIRMED",
        unseen["request"]["request_id"]: "OUTCOME_NOT_CONFIRMED",
    }
    details = _ask(
        gent,
        hit["ivan"],
        *retro,
        "--kind",
        "retro-details",
        "--plate",
        "1-ABC-123",
        "--country",
        "B",
        "--after",
        seen["request"]["request_id"],
    )
    request_id = details["request"]["request_id"]
    _arrived(terneuzen, hit["ines"], request_id)
    terneuzen.argos("confirm", "answer", request_id, token_file=hit["ines"])
    wait_until(lambda: _state(gent, hit["ivan"], request_id) == "answered", what="details")
    (sighting,) = _show(gent, hit["ivan"], request_id)["answer"]["sightings"]
    assert sighting["location"] == {"site": "kennedy-tunnel", "zone": "nl-terneuzen"}
    assert "reads.searched" in _audited(terneuzen, request_id)
    # Details for the query that found nothing are refused before anything is sent.
    refused = _ask(
        gent,
        hit["ivan"],
        *retro,
        "--kind",
        "retro-details",
        "--plate",
        "9-ZZZ-999",
        "--country",
        "B",
        "--after",
        unseen["request"]["request_id"],
        check=False,
    )
    assert refused.returncode != 0


def test_requests_outside_the_agreement_or_the_role_are_refused_and_change_nothing(hit):
    gent, terneuzen = hit["gent"], hit["terneuzen"]
    base = ("--kind", "alert", "--hit", hit["hit_id"], "--case-reference", "PV-TNZ-3")
    outside = _ask(terneuzen, hit["ines"], *base, "--purpose", "traffic_safety", check=False)
    assert outside.returncode == 3 and "purpose" in outside.stderr
    operator = terneuzen.add_user("olga", "operator")
    no_role = _ask(terneuzen, operator, *base, "--purpose", "criminal_investigation", check=False)
    assert no_role.returncode == 3 and "investigator" in no_role.stderr
    gent.argos(
        "agreement",
        "suspend",
        hit["agreement_id"],
        "--reason",
        "audit",
    )
    wait_until(
        lambda: terneuzen.json("agreement", "show", hit["agreement_id"])["state"] == "suspended",
        what="the suspension to arrive",
    )
    suspended = _ask(
        terneuzen, hit["ines"], *base, "--purpose", "criminal_investigation", check=False
    )
    assert suspended.returncode == 3 and "not in force" in suspended.stderr
    assert terneuzen.json("confirm", "list", token_file=hit["ines"]) == []
    assert gent.json("confirm", "list", token_file=hit["ivan"]) == []


def _stored_request(node, request_id: str) -> env.Envelope:
    with sqlite3.connect(node.home / "node.sqlite") as db:
        (data,) = db.execute(
            "SELECT request_envelope FROM confirmations WHERE request_id = ?", (request_id,)
        ).fetchone()
    return codec.envelope_from_bytes(data)


def test_forged_or_altered_requests_and_answers_are_refused_and_change_nothing(hit, certs):
    gent, terneuzen = hit["gent"], hit["terneuzen"]
    request_id = _about_hit(terneuzen, hit["ines"], "alert", hit["hit_id"], "PV-TNZ-4")
    _arrived(gent, hit["ivan"], request_id)
    original = _stored_request(terneuzen, request_id)

    # The same request with one byte of its payload changed, signature kept.
    altered = dataclasses.replace(
        original, payload=original.payload.replace(b"PV-TNZ-4", b"PV-TNZ-5")
    )
    to_gent = federation_stub(gent, certs, "nl-terneuzen")
    with pytest.raises(grpc.RpcError) as refused:
        to_gent.DeliverConfirmation(
            fpb.DeliverConfirmationRequest(message=codec.envelope_to_pb(altered))
        )
    assert refused.value.code() is grpc.StatusCode.UNAUTHENTICATED

    # An answer to it "from Gent", signed with a key that is not Gent's.
    forged = env.sign(
        EVENT_PAYLOAD,
        wire.event_payload(
            ConfirmationEvent(
                request_id,
                EventKind.ANSWERED,
                "be-gent",
                "mallory",
                datetime.now(UTC),
                AnswerContent(Outcome.NOT_CONFIRMED),
                "",
            )
        ),
        NodeSigningKey.generate(),
    )
    to_terneuzen = federation_stub(terneuzen, certs, "be-gent")
    with pytest.raises(grpc.RpcError) as refused:
        to_terneuzen.DeliverConfirmation(
            fpb.DeliverConfirmationRequest(message=codec.envelope_to_pb(forged))
        )
    assert refused.value.code() is grpc.StatusCode.UNAUTHENTICATED
    assert _state(terneuzen, hit["ines"], request_id) == "open"
    assert _state(gent, hit["ivan"], request_id) == "open"
    assert len(gent.json("confirm", "list", token_file=hit["ivan"])) == 1

    # An answer carrying a contact the agreement does not share is refused at once.
    too_much = gent.argos(
        "confirm",
        "answer",
        request_id,
        "--outcome",
        "confirmed",
        "--contact",
        "+32 9 000",
        token_file=hit["ivan"],
        check=False,
    )
    assert too_much.returncode == 3 and "contact" in too_much.stderr
    assert _state(gent, hit["ivan"], request_id) == "open"


def _notice(line: str) -> dict:
    return json.loads(line)["confirmation"]


def _every_kind(hit) -> list[tuple]:
    """(asking node, its token, answering node, its token, request args) per kind."""
    gent, terneuzen = hit["gent"], hit["terneuzen"]
    window = (
        "--from",
        _iso(hit["seen_at"] - timedelta(hours=1)),
        "--to",
        _iso(hit["seen_at"] + timedelta(hours=1)),
    )
    return [
        (terneuzen, hit["ines"], gent, hit["ivan"], ("--kind", "alert", "--hit", hit["hit_id"])),
        (gent, hit["ivan"], terneuzen, hit["ines"], ("--kind", "details", "--hit", hit["hit_id"])),
        (
            gent,
            hit["ivan"],
            terneuzen,
            hit["ines"],
            (
                "--kind",
                "retro",
                "--agreement",
                hit["agreement_id"],
                "--plate",
                "1-ABC-123",
                "--country",
                "B",
                "--legal-order",
                "OM-2026-0043",
                *window,
            ),
        ),
    ]


def test_every_kind_of_request_can_be_refused_and_shows_on_the_alert_stream(hit):
    watcher = watch(hit["terneuzen"], hit["ines"], 3)
    try:
        wait_watching(hit["terneuzen"])
        asked = []
        for asker, a_token, answerer, n_token, args in _every_kind(hit):
            request_id = _ask(
                asker,
                a_token,
                *args,
                "--purpose",
                "criminal_investigation",
                "--case-reference",
                "PV-REFUSE",
            )["request"]["request_id"]
            _arrived(answerer, n_token, request_id)
            answerer.argos(
                "confirm", "refuse", request_id, "--reason", "not our case", token_file=n_token
            )
            asked.append((asker, a_token, request_id))
        notices, _ = watcher.communicate(timeout=30)
    finally:
        watcher.kill()
    for asker, a_token, request_id in asked:
        wait_until(lambda a=asker, t=a_token, r=request_id: _state(a, t, r) == "refused")
        assert _show(asker, a_token, request_id)["refusal_reason"] == "not our case"
    # Terneuzen asked the first and was asked the others.
    seen = {(n["what"], n["request_id"]) for n in map(_notice, notices.splitlines())}
    alert, details, retro = (r for _, _, r in asked)
    assert seen == {("refused", alert), ("incoming", details), ("incoming", retro)}


def test_every_kind_of_request_expires_unanswered_on_both_sides(hit):
    deadline = _iso(datetime.now(UTC) + timedelta(seconds=8))
    asked = []
    for asker, a_token, answerer, n_token, args in _every_kind(hit):
        request_id = _ask(
            asker,
            a_token,
            *args,
            "--purpose",
            "criminal_investigation",
            "--case-reference",
            "PV-EXPIRE",
            "--deadline",
            deadline,
        )["request"]["request_id"]
        _arrived(answerer, n_token, request_id)
        asked.append((asker, a_token, answerer, n_token, request_id))
    for asker, a_token, answerer, n_token, request_id in asked:
        for node, token in ((asker, a_token), (answerer, n_token)):
            wait_until(
                lambda n=node, t=token, r=request_id: _state(n, t, r) == "expired",
                what="expiry",
            )
            assert "confirmation.expired" in _audited(node, request_id)
        late = answerer.argos(
            "confirm",
            "answer",
            request_id,
            "--outcome",
            "confirmed",
            token_file=n_token,
            check=False,
        )
        assert late.returncode == 5  # the deadline has passed: nothing changes
        assert _state(answerer, n_token, request_id) == "expired"
