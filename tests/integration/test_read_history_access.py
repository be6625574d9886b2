"""The read-history service (`argos adapter run read-history`, its own process) answers
only the node: a search without the secret they share, or with a wrong one, is refused
(401) with the same answer whatever plate it asked, counted and logged without the
plate; the node's retrospective query goes through with the secret, and every search
the node makes, answered or not, is in its audit log. Everything is real: both nodes
over mutual TLS, the service process, its HTTP listener, the CLI."""

from __future__ import annotations

import json
import subprocess
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gateway.federation import argos_command
from tests.integration.hotlist_support import wait_until

SECRET = "shared by the node and its read history"
SEEN, UNSEEN = "1ABC123", "9ZZZ999"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def _secret_file(path: Path, text: str) -> Path:
    path.write_text(text + "\n")
    path.chmod(0o600)
    return path


class History:
    """The service over a store of one passage of 1-ABC-123, two hours ago."""

    def __init__(self, folder: Path) -> None:
        self.seen_at = (datetime.now(UTC) - timedelta(hours=2)).replace(microsecond=0)
        passage = {
            "plate": "1-ABC-123",
            "country": "BE",
            "time": _iso(self.seen_at),
            "camera": "gate-1-in",
            "site": "kennedy-tunnel",
            "direction": "in",
        }
        (folder / "reads.jsonl").write_text(json.dumps(passage) + "\n")
        _secret_file(folder / "node.secret", SECRET)
        config = folder / "read-history.toml"
        config.write_text(
            'backend = "store"\nlisten = "127.0.0.1:0"\nsecret_file = "node.secret"\n'
            '[store]\nreads = ["reads.jsonl"]\n'
        )
        self.output = folder / "read-history.out"
        with self.output.open("w") as out:
            self.process = subprocess.Popen(
                [*argos_command(), "adapter", "run", "read-history", "--config", str(config)],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.port = wait_until(self._listening, timeout=60, what="the read history to listen")

    def _listening(self) -> int | None:
        for line in self.output.read_text().splitlines():
            if line.startswith("read history on http://"):
                return int(line.rsplit(":", 1)[1].split("/")[0])
        assert self.process.poll() is None, self.output.read_text()
        return None

    def search(self, plate: str, authorization: str | None) -> tuple[int, bytes]:
        query = {"plate": plate, "country": "BE", "limit": 10}
        query |= {"from": _iso(self.seen_at - timedelta(hours=1))}
        query |= {"to": _iso(self.seen_at + timedelta(hours=1))}
        headers = {"Content-Type": "application/json"}
        if authorization is not None:
            headers["Authorization"] = authorization
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/search", json.dumps(query).encode(), headers
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def logged(self) -> list[dict]:
        text = self.output.read_text()
        return [json.loads(line) for line in text.splitlines() if line.startswith("{")]

    def stop(self) -> str:
        self.process.terminate()
        self.process.wait(timeout=20)
        return self.output.read_text()


@pytest.fixture
def history(tmp_path):
    service = History(tmp_path)
    yield service
    service.stop()


def test_a_search_without_the_nodes_secret_is_refused_and_tells_nothing_about_the_plate(
    history,
):
    attempts = [None, "", "Bearer", f"Bearer {SECRET[:-1]}", SECRET, f"Basic {SECRET}"]
    answers = {
        (plate, authorization): history.search(plate, authorization)
        for plate in (SEEN, UNSEEN)
        for authorization in attempts
    }
    # One answer for every attempt, whether the plate was seen or not.
    assert set(answers.values()) == {
        (401, b'{"error": "only the node may search: its secret is missing or wrong"}')
    }
    # The same queries with the secret are answered: only the secret was missing.
    seen, unseen = (history.search(p, f"Bearer {SECRET}") for p in (SEEN, UNSEEN))
    assert seen[0] == unseen[0] == 200
    assert len(json.loads(seen[1])["sightings"]) == 1 and json.loads(unseen[1])["sightings"] == []

    output = history.stop()
    refused = [line for line in history.logged() if line["event"] == "read_history.refused"]
    assert [line["refused"] for line in refused] == list(range(1, len(answers) + 1))
    assert {line["reason"] for line in refused} == {"no secret", "wrong secret"}
    assert all(line["peer"] == "127.0.0.1" for line in refused)
    assert [line["searched"] for line in history.logged() if "searched" in line] == [1, 2]
    for plate in ("1-ABC-123", SEEN, UNSEEN, SECRET):
        assert plate not in output


def _audit(node, request_id: str) -> list[dict]:
    records = node.json("audit", "list", "--limit", "1000")
    return [r for r in records if r.get("object_id") == request_id]


def test_the_nodes_retrospective_query_needs_the_secret_and_each_of_its_searches_is_audited(
    pair, history
):
    gent, terneuzen = pair["be-gent"], pair["nl-terneuzen"]
    secret = _secret_file(terneuzen.home / "read-history.secret", "not the service's secret")
    terneuzen.stop()
    with (terneuzen.home / "node.toml").open("a") as f:
        f.write(f'read_history_url = "http://127.0.0.1:{history.port}"\n')
        f.write('read_history_secret_file = "read-history.secret"\n')
    terneuzen.start()
    agreement_id = pair.agree(
        "be-gent", "nl-terneuzen", "--direction", "proposer_to_partner", "--granularity", "site"
    )
    ivan = gent.add_user("ivan", "investigator")
    ines = terneuzen.add_user("ines", "investigator")
    asked = gent.json(
        "confirm",
        "request",
        "--kind",
        "retro",
        "--agreement",
        agreement_id,
        "--purpose",
        "criminal_investigation",
        "--case-reference",
        "PV-GNT-9",
        "--from",
        _iso(history.seen_at - timedelta(hours=1)),
        "--to",
        _iso(history.seen_at + timedelta(hours=1)),
        "--legal-order",
        "OM-2026-0042",
        "--plate",
        "1-ABC-123",
        "--country",
        "B",
        token_file=ivan,
    )
    request_id = asked["request"]["request_id"]
    wait_until(
        lambda: (
            terneuzen.argos("confirm", "show", request_id, token_file=ines, check=False).returncode
            == 0
        ),
        what="the request at Terneuzen",
    )

    # With a secret the service does not know, the search is refused, and on record.
    failed = terneuzen.argos("confirm", "answer", request_id, token_file=ines, check=False)
    assert failed.returncode != 0 and "read history refused the query (HTTP 401)" in failed.stderr
    (record,) = [r for r in _audit(terneuzen, request_id) if r["action"].startswith("reads.")]
    assert record["action"] == "reads.search_failed"
    assert record["justification"] == "OM-2026-0042"
    assert "HTTP 401" in json.loads(record["details_json"])["reason"]

    # With the shared secret, it goes through: answered, and on record.
    _secret_file(secret, SECRET)
    terneuzen.stop()
    terneuzen.start()
    terneuzen.argos("confirm", "answer", request_id, token_file=ines)
    wait_until(
        lambda: (
            gent.json("confirm", "show", request_id, token_file=ivan)["state"]
            == "CONFIRMATION_STATE_ANSWERED"
        ),
        what="the answer at Gent",
    )
    answer = gent.json("confirm", "show", request_id, token_file=ivan)["answer"]
    assert answer["outcome"] == "OUTCOME_CONFIRMED"
    actions = [
        r["action"] for r in _audit(terneuzen, request_id) if r["action"].startswith("reads.")
    ]
    assert sorted(actions) == ["reads.search_failed", "reads.searched"]
    # Every search the service answered is one the node has on record, and the one it
    # refused is counted there.
    logged = history.logged()
    assert [line["searched"] for line in logged if line["event"] == "read_history.searched"] == [1]
    assert [line["refused"] for line in logged if line["event"] == "read_history.refused"] == [1]
    assert "1ABC123" not in history.stop()


def test_a_node_refuses_to_start_with_a_plain_http_read_history_on_another_host(pair):
    """Each search carries a plate and the secret: plain http only to loopback."""
    terneuzen = pair["nl-terneuzen"]
    _secret_file(terneuzen.home / "read-history.secret", SECRET)
    terneuzen.stop()
    config = terneuzen.home / "node.toml"
    settings = config.read_text()
    for url in ("http://10.20.30.40:8080", "http://reads.port.example"):
        config.write_text(
            settings + f'read_history_url = "{url}"\n'
            'read_history_secret_file = "read-history.secret"\n'
        )
        with pytest.raises(RuntimeError) as refused:
            terneuzen.start()
        assert "read_history_url: plain http:// would carry plates" in str(refused.value)
        assert SECRET not in terneuzen.log_path.read_text()
    config.write_text(
        settings + 'read_history_url = "https://reads.port.example"\n'
        'read_history_secret_file = "read-history.secret"\n'
    )
    terneuzen.start()  # https to another host is what is asked for: the node starts
