"""Oblivious matching (issue 20) between two real node processes over mutual TLS: Gent
shares its list with Terneuzen under an oblivious agreement. Reads at Terneuzen hit
exact and fuzzy entries as under token; Terneuzen holds no key that tests a plate
offline; an evaluation not proven under Gent's committed key is refused; reads beyond
the agreed budget are refused and audited; reads waiting for an unreachable owner
leave nothing on disk."""

from __future__ import annotations

import json
import sqlite3

import grpc
import pytest

from gateway.domain import oprf
from gateway.domain.schemes.oblivious import CommittedKey, plate_input
from gateway.domain.schemes.token import plate_token
from gateway.federation import free_port
from gateway.wire.argos.v1 import federation_pb2 as fpb
from tests.integration.federation_support import federation_stub
from tests.integration.hits_support import (
    configure,
    hits,
    read,
    reads_file,
    wait_watching,
    watch,
)
from tests.integration.hotlist_support import add_entry, in_step, received, wait_until
from tests.integration.oblivious_support import MisbehavingOwner, route_partner_through
from tests.integration.test_daily_operation import scrape, value


def _agree_oblivious(pair, *budget: str) -> str:
    return pair.agree(
        "be-gent",
        "nl-terneuzen",
        "--categories",
        "stolen_vehicle",
        "--direction",
        "proposer_to_partner",
        "--matching",
        "oblivious",
        *budget,
    )


@pytest.fixture
def oblivious(pair, tmp_path):
    """Gent shares stolen vehicles with Terneuzen under oblivious matching; Terneuzen
    has an adapter and an operator; Gent has an investigator with one entry."""
    gent, terneuzen = pair["be-gent"], pair["nl-terneuzen"]
    agreement_id = _agree_oblivious(pair)
    ivan = gent.add_user("ivan", "investigator")
    entry_id = add_entry(gent, ivan, "1-ABC-123", "B")
    wait_until(lambda: entry_id in received(terneuzen, agreement_id), what="the entry to sync")
    wait_until(lambda: in_step(gent, terneuzen, agreement_id), what="a verified head")
    return {
        "pair": pair,
        "agreement_id": agreement_id,
        "entry_id": entry_id,
        "ivan": ivan,
        "adapter": terneuzen.add_user("cam", "adapter"),
        "operator": terneuzen.add_user("olga", "operator"),
        "tmp": tmp_path,
    }


def _replay(node, adapter, path) -> dict:
    return json.loads(node.argos("reads", "replay", str(path), "--json", token_file=adapter).stdout)


def test_exact_and_fuzzy_reads_hit_an_oblivious_list_as_under_token(oblivious):
    pair, tmp = oblivious["pair"], oblivious["tmp"]
    gent, terneuzen = pair["be-gent"], pair["nl-terneuzen"]
    watcher = watch(terneuzen, oblivious["operator"], 2)
    try:
        wait_watching(terneuzen)
        reads = reads_file(tmp / "reads.jsonl", [read("1ABC123"), read("9XYZ999"), read("1ABC1Z3")])
        assert _replay(terneuzen, oblivious["adapter"], reads) == {
            "reads": 3,
            "accepted": 3,
            "hits": 2,
            "rejected": 0,
            "problems": [],
        }
        stdout, _ = watcher.communicate(timeout=30)
    finally:
        watcher.kill()
    alerts = [json.loads(line) for line in stdout.splitlines()]
    assert [a["match"] for a in alerts] == ["MATCH_KIND_EXACT", "MATCH_KIND_FUZZY"]
    assert [a["matched"] for a in alerts] == ["1ABC123", "1ABC123"]
    assert {a["entry_id"] for a in alerts} == {oblivious["entry_id"]}
    assert all(a["entry_owner"] == "be-gent" and a["owner_notified"] for a in alerts)
    at_owner = wait_until(
        lambda: len(h := hits(gent, oblivious["ivan"])) == 2 and h, what="both hits at Gent"
    )
    assert {h["hit_id"] for h in at_owner} == {a["hit_id"] for a in alerts}


def _blobs(db_path) -> list[bytes]:
    """Every byte string of 16 bytes or more in every column of every table."""
    out = []
    with sqlite3.connect(db_path) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            for row in db.execute(f'SELECT * FROM "{table}"'):
                for value in row:
                    if isinstance(value, str):
                        value = value.encode()
                    if isinstance(value, bytes) and len(value) >= 16:
                        out.append(value)
    return out


def test_the_partners_database_holds_no_key_that_tests_a_plate_offline(oblivious):
    terneuzen = oblivious["pair"]["nl-terneuzen"]
    held = received(terneuzen, oblivious["agreement_id"])[oblivious["entry_id"]]
    published = held["plate_token"]
    assert len(published) == 16
    data = plate_input("1ABC123", "BE")
    tried = 0
    for blob in _blobs(terneuzen.home / "node.sqlite"):
        # Each key-like piece (every 32-byte window: a token key, a scalar, a
        # committed key's first bytes) tried as a token key, as a VOPRF secret, and as
        # a VOPRF public key taken for a secret.
        for i in range(0, len(blob) - 31):
            window = blob[i : i + 32]
            tried += 1
            assert plate_token(window, "1ABC123", "BE") != published
            try:
                assert oprf.evaluate(window, data)[:16] != published
            except RuntimeError:
                pass  # not a usable scalar
    assert tried > 0
    # What is held for the list is Gent's public key, which tests nothing.
    with sqlite3.connect(terneuzen.home / "node.sqlite") as db:
        (key,) = db.execute(
            "SELECT token_key FROM matching_keys WHERE agreement_id = ?",
            (oblivious["agreement_id"],),
        ).fetchone()
    assert CommittedKey.decode(key).agreement_version == 1


def _stored(node) -> dict[str, list]:
    """What a node holds that a refusal must leave as it was: entries, received
    entries, keys and hits."""
    with sqlite3.connect(f"file:{node.home / 'node.sqlite'}?mode=ro", uri=True) as db:
        return {
            table: sorted(db.execute(f"SELECT * FROM {table}").fetchall())
            for table in ("entries", "received_entries", "matching_keys", "hits")
        }


def _audit(node, action: str) -> list[dict]:
    return [r for r in node.json("audit", "list", "--limit", "5000") if r["action"] == action]


def _with_metrics(node) -> int:
    """Restart `node` exposing /metrics on a port of its own; the port."""
    port = free_port()
    node.stop()
    configure(node, metrics_port=port)
    node.start()
    return port


def test_evaluations_beyond_the_agreed_budget_are_refused_counted_and_audited(pair, certs):
    gent, terneuzen = pair["be-gent"], pair["nl-terneuzen"]
    metrics = _with_metrics(gent)
    # A budget of 3 evaluations a second and a day.
    agreement_id = _agree_oblivious(pair, "--oblivious-budget", "3,3")
    before = (_stored(gent), _stored(terneuzen))

    # A stand-in partner that ignores the budget (Terneuzen's own node keeps to it: the
    # next test), with Terneuzen's certificate: five elements in one call.
    stub = federation_stub(gent, certs, "nl-terneuzen")
    plates = ["1ABC123", "2ABC123", "3ABC123", "4ABC123", "5ABC123"]
    blinded = [oprf.blind(plate_input(p, "B")).element for p in plates]

    def evaluate(elements: list[bytes]) -> fpb.EvaluatePlatesResponse:
        request = fpb.EvaluatePlatesRequest(
            agreement_id=agreement_id, agreement_version=1, blinded=elements
        )
        return stub.EvaluatePlates(request, timeout=10)

    with pytest.raises(grpc.RpcError) as refused:
        evaluate(blinded)
    assert refused.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "exceeds the budget of 3 a second" in refused.value.details()

    refusals = [
        r
        for r in _audit(gent, "federation.refused")
        if r["object_id"] == "EvaluatePlates" and "budget" in r["justification"]
    ]
    assert len(refusals) == 1 and refusals[0]["actor"] == "nl-terneuzen"
    assert "exceeds the budget of 3 a second" in refusals[0]["justification"]
    _, samples = scrape(metrics)
    assert value(samples, "argos_oblivious_refusals_total", partner="nl-terneuzen") == 1
    evaluated = ("argos_oblivious_evaluations_total", frozenset({("partner", "nl-terneuzen")}))
    assert samples.get(evaluated, 0) == 0
    assert (_stored(gent), _stored(terneuzen)) == before

    # Within the budget, an evaluation is served and counted (a count, no plate).
    assert len(evaluate(blinded[:1]).evaluated) == 1
    text, samples = scrape(metrics)
    assert samples.get(evaluated) == 1
    assert "1ABC123" not in text and "2ABC123" not in text


def test_reads_beyond_the_budget_wait_at_the_partner_and_every_one_is_evaluated(pair, tmp_path):
    """The partner keeps to the owner's budget itself: calls no bigger than a second of
    it, paced (services.oblivious_matching.Pace). Before, a batch of reads needing more
    than a second's budget was refused whole at every try until it was dropped."""
    gent, terneuzen = pair["be-gent"], pair["nl-terneuzen"]
    metrics = _with_metrics(gent)
    agreement_id = _agree_oblivious(pair, "--oblivious-budget", "3,100000")
    ivan = gent.add_user("ivan", "investigator")
    entry_id = add_entry(gent, ivan, "1-ABC-123", "B")
    wait_until(lambda: entry_id in received(terneuzen, agreement_id), what="the entry to sync")
    wait_until(lambda: in_step(gent, terneuzen, agreement_id), what="a verified head")

    adapter = terneuzen.add_user("cam", "adapter")
    plates = ["1ABC123", "2ABC123", "3ABC123", "4ABC123", "5ABC123", "6ABC123"]
    answer = _replay(
        terneuzen, adapter, reads_file(tmp_path / "r.jsonl", [read(p) for p in plates])
    )
    assert (answer["accepted"], answer["hits"]) == (6, 1)

    _, samples = scrape(metrics)
    # Six readings (one a read: no OCR variant of these reads is tried) need two
    # seconds of a budget of 3: three paced calls of 2, none refused.
    assert value(samples, "argos_oblivious_evaluations_total", partner="nl-terneuzen") == 6
    refused = ("argos_oblivious_refusals_total", frozenset({("partner", "nl-terneuzen")}))
    assert samples.get(refused, 0) == 0
    assert not [r for r in _audit(gent, "federation.refused") if r["object_id"] == "EvaluatePlates"]


@pytest.fixture
def stand_in(oblivious, certs):
    """Terneuzen reaches Gent through a stand-in that forwards every call to Gent but
    answers EvaluatePlates itself (tests/integration/oblivious_support.py)."""
    gent, terneuzen = oblivious["pair"]["be-gent"], oblivious["pair"]["nl-terneuzen"]
    owner = MisbehavingOwner(gent, certs, "nl-terneuzen")
    owner.start()
    terneuzen.stop()
    route_partner_through(terneuzen, "be-gent", owner.endpoint)
    terneuzen.start()
    try:
        yield owner
    finally:
        owner.stop()


def test_an_evaluation_under_another_key_than_the_committed_one_is_refused(oblivious, stand_in):
    """The stand-in owner evaluates Terneuzen's blinded readings under another key
    than the one Gent committed to, with a proof that is valid for that other key."""
    terneuzen = oblivious["pair"]["nl-terneuzen"]
    before = _stored(terneuzen)
    reads = reads_file(oblivious["tmp"] / "r.jsonl", [read("1ABC123")])
    answer = _replay(terneuzen, oblivious["adapter"], reads)
    assert (answer["accepted"], answer["hits"]) == (1, 0)
    assert len(stand_in.seen) == 1  # the reading did go to the (stand-in) owner
    refused = _audit(terneuzen, "oblivious.proof_refused")
    assert [(r["object_id"], r["actor"]) for r in refused] == [
        (oblivious["agreement_id"], "be-gent")
    ]
    assert "not proven under the key it committed to" in refused[0]["justification"]
    assert _stored(terneuzen) == before  # no hit, nothing else changed


def test_blinded_readings_sent_to_an_owner_that_does_not_answer_are_nowhere_on_disk(
    oblivious, stand_in
):
    """The stand-in owner takes the blinded readings and answers UNAVAILABLE: the reads
    wait in Terneuzen's memory. No file of Terneuzen holds the plates or any of the
    blinded bytes the owner was sent."""
    stand_in.answer = "unavailable"
    terneuzen = oblivious["pair"]["nl-terneuzen"]
    plates = [("1-ABC-123", "1ABC123"), ("7-QQQ-777", "7QQQ777")]
    reads = reads_file(oblivious["tmp"] / "r.jsonl", [read(raw) for raw, _ in plates])
    answer = _replay(terneuzen, oblivious["adapter"], reads)
    assert (answer["accepted"], answer["hits"]) == (2, 0)
    # Two readings a try; the held reads are tried again every second, blinded anew.
    wait_until(lambda: len(stand_in.seen) >= 4, what="a second try of the held reads")
    needles = list(stand_in.seen)
    for raw, normalised in plates:
        needles += [raw.encode(), normalised.encode(), plate_input(normalised, "BE")]
    assert _files_containing(terneuzen.home, needles) == []


def _files_containing(home, needles: list[bytes]) -> list[str]:
    found = []
    for path in sorted(home.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            found += [f"{path.relative_to(home)}: {n!r}" for n in needles if n in data]
    return found


def test_reads_waiting_for_an_unreachable_owner_leave_nothing_on_disk(oblivious):
    pair, tmp = oblivious["pair"], oblivious["tmp"]
    gent, terneuzen = pair["be-gent"], pair["nl-terneuzen"]
    gent.stop()
    plates = [("1-ABC-123", "1ABC123"), ("7-QQQ-777", "7QQQ777")]  # listed, not listed
    reads = reads_file(tmp / "r.jsonl", [read(raw) for raw, _ in plates])
    answer = _replay(terneuzen, oblivious["adapter"], reads)
    assert (answer["accepted"], answer["hits"]) == (2, 0)  # waiting for Gent

    needles = []
    for raw, normalised in plates:
        needles += [raw.encode(), normalised.encode(), plate_input(normalised, "BE")]
        needles.append(normalised.encode("utf-16-le"))
    assert _files_containing(terneuzen.home, needles) == []

    # Back in time: the listed plate's read hits, as any read would have.
    gent.start()
    inez = terneuzen.add_user("inez", "investigator")
    found = wait_until(
        lambda: hits(terneuzen, inez, "--observed"),
        timeout=60,
        what="the held read's hit once Gent is back",
    )
    assert [h["entry_id"] for h in found] == [oblivious["entry_id"]]


def _epochs_held(node, agreement_id: str) -> list[int]:
    with sqlite3.connect(f"file:{node.home / 'node.sqlite'}?mode=ro", uri=True) as db:
        rows = db.execute(
            "SELECT token_epoch FROM matching_keys WHERE agreement_id = ? ORDER BY token_epoch",
            (agreement_id,),
        ).fetchall()
    return [r[0] for r in rows]


def test_a_token_secret_rotation_moves_the_oblivious_key_to_the_new_epoch(oblivious):
    """The owner's VOPRF key is derived from its token master per epoch: a rotation
    re-sends the entries under the new epoch's key, the partner fetches and verifies
    the new commitment, matches under both keys during the overlap and only under the
    new one after it."""
    pair, tmp = oblivious["pair"], oblivious["tmp"]
    gent, terneuzen = pair["be-gent"], pair["nl-terneuzen"]
    agreement_id = oblivious["agreement_id"]

    def hits_of(n: int) -> int:
        path = reads_file(tmp / f"r{n}.jsonl", [read("1ABC123")])
        return _replay(terneuzen, oblivious["adapter"], path)["hits"]

    assert _epochs_held(terneuzen, agreement_id) == [0]
    rotated = gent.json("keys", "rotate", "token", "--overlap", "24h")
    assert rotated["epoch"] == 1 and rotated["token_feeds"] == 1
    wait_until(lambda: gent.json("keys", "token-status")["feeds_pending"] == 0, what="re-send")
    wait_until(lambda: in_step(gent, terneuzen, agreement_id), what="the re-sent entry")
    assert _epochs_held(terneuzen, agreement_id) == [0, 1]
    assert hits_of(1) == 1

    gent.argos("keys", "end-overlap", "token")
    wait_until(lambda: _epochs_held(terneuzen, agreement_id) == [1], what="the old key to go")
    assert hits_of(2) == 1
    assert "token_key.erased" in [r["action"] for r in terneuzen.json("audit", "list")]
