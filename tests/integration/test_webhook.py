"""The alerts-out webhook (adapters.webhook) between a running node and a control room's
HTTP receiver on loopback: each alert arrives once, signed, after a receiver outage and
across a restart of the adapter; and the receiver-side signature check refuses what it
must."""

from __future__ import annotations

import json
import sqlite3
import ssl
import subprocess
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from adapters.spool import DeliverySpool
from adapters.webhook import (
    AlertWebhook,
    WebhookConfig,
    backoff_s,
    encode,
    judge,
    payload,
    sign,
    verify_signature,
)
from gateway.domain.errors import InvalidInput
from gateway.federation import argos_command, free_port
from gateway.wire.argos.v1 import confirmations_pb2, ingest_pb2
from tests.integration.hits_support import hits, read, reads_file
from tests.integration.hotlist_support import add_entry, wait_until

SECRET = b"a control room secret, 32 bytes+"
SCHEMA = json.loads((Path(__file__).parents[2] / "adapters" / "webhook_schema.json").read_text())


class Receiver:
    """A control room's endpoint: checks each request's signature, records it, and
    answers `fail_status` to the first `fail_first` requests, 200 after that. With
    `tls` (a certificate and key file), over HTTPS."""

    def __init__(
        self, fail_first: int = 0, fail_status: int = 503, tls: tuple[Path, Path] | None = None
    ) -> None:
        self.fail_first = fail_first
        self.fail_status = fail_status
        self.requests: list[dict] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._scheme = "http"
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
            self._scheme = "https"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"{self._scheme}://127.0.0.1:{self._server.server_address[1]}/argos"

    def accepted(self) -> list[dict]:
        with self._lock:
            return [r for r in self.requests if r["status"] == 200]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _answer(self, headers, body: bytes) -> int:
        verified = verify_signature(
            SECRET,
            headers.get("X-Argos-Timestamp", ""),
            body,
            headers.get("X-Argos-Signature", ""),
            now=time.time(),
        )
        with self._lock:
            if not verified:
                status = 401
            elif len(self.requests) < self.fail_first:
                status = self.fail_status
            else:
                status = 200
            self.requests.append(
                {"headers": dict(headers), "body": body, "verified": verified, "status": status}
            )
        return status

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status = receiver._answer(self.headers, body)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def _config(tmp_path: Path, url: str, **paths) -> WebhookConfig:
    secret = tmp_path / "webhook.secret"
    secret.write_bytes(SECRET + b"\n")
    return WebhookConfig(
        node_socket=paths.get("node_socket", tmp_path / "no-node.sock"),
        token_file=paths.get("token_file", tmp_path / "no.token"),
        url=url,
        secret_file=secret,
        spool_path=tmp_path / "spool" / "webhook.sqlite",
        max_backoff_s=0.2,
        timeout_s=5,
        allow_plain_http_loopback=paths.get("allow_plain_http_loopback", True),
        ca_file=paths.get("ca_file"),
    )


@pytest.fixture
def gent(pair, tmp_path):
    """Gent with an entry of its own for 1-ABC-123, an investigator, a camera adapter
    and an operator for the webhook."""
    node = pair["be-gent"]
    ivan = node.add_user("ivan", "investigator")
    entry_id = add_entry(node, ivan, "1-ABC-123", "B")
    operator = node.add_user("control-room", "operator")
    return {
        "node": node,
        "ivan": ivan,
        "camera": node.add_user("cam", "adapter"),
        "entry_id": entry_id,
        "config": lambda url: _config(
            tmp_path,
            url,
            node_socket=node.home / "admin.sock",
            token_file=operator,
        ),
        "reads": tmp_path / "reads.jsonl",
    }


def _watches(node) -> int:
    records = node.json("audit", "list", "--limit", "1000")
    return sum(r["action"] == "alerts.watch" for r in records)


def _camera_reads(gent, plate: str) -> int:
    reads = reads_file(gent["reads"], [read(plate)])
    out = gent["node"].argos("reads", "replay", str(reads), "--json", token_file=gent["camera"])
    return json.loads(out.stdout)["hits"]


def _fields(kind: str) -> set[str]:
    return set(SCHEMA["$defs"][kind]["required"])


def test_each_alert_arrives_as_one_signed_post_even_when_the_receiver_fails_the_first_two(
    gent, receiver
):
    receiver.fail_first = 2
    webhook = AlertWebhook(gent["config"](receiver.url))
    webhook.start()
    try:
        wait_until(lambda: _watches(gent["node"]) >= 1, what="the webhook to watch alerts")
        assert _camera_reads(gent, "1ABC123") == 1
        (delivered,) = wait_until(receiver.accepted, what="the alert to be delivered")

        assert [r["status"] for r in receiver.requests] == [503, 503, 200]
        assert all(r["verified"] for r in receiver.requests)
        assert {r["body"] for r in receiver.requests} == {delivered["body"]}
        event = json.loads(delivered["body"])
        (hit,) = hits(gent["node"], gent["ivan"])
        assert event["id"] == hit["hit_id"] and event["type"] == "hit"
        assert event["node"] == "be-gent" and event["entry_id"] == gent["entry_id"]
        assert event["plate"] == "1ABC123" and event["agreement_id"] is None
        assert event["occurred_at"].endswith("Z") and isinstance(event["advisories"], list)
        assert set(event) == _fields("hit")
        assert not any("token" in key for key in event)

        headers = delivered["headers"]
        tampered = delivered["body"].replace(b"1ABC123", b"1ABC124")
        assert not verify_signature(
            SECRET,
            headers["X-Argos-Timestamp"],
            tampered,
            headers["X-Argos-Signature"],
            now=time.time(),
        )

        # The same alert again (by id) is stored once and never sent again.
        again = ingest_pb2.WatchAlertsResponse(alert=ingest_pb2.Alert(hit_id=event["id"]))
        assert webhook.spool(again) is False
        assert webhook.deliver_due() == 0
        assert len(receiver.requests) == 3
        health = webhook.health()
        assert health["spooled"] == health["delivered"] == 1
        assert health["pending"] == health["refused"] == 0 and health["attempts"] == 3
    finally:
        webhook.stop()


def test_stopping_and_restarting_between_spool_and_delivery_loses_nothing_and_duplicates_nothing(
    gent, receiver
):
    receiver.fail_first = 10**9  # the control room is down
    config = gent["config"](receiver.url)
    first = AlertWebhook(config)
    first.start()
    try:
        wait_until(lambda: _watches(gent["node"]) >= 1, what="the webhook to watch alerts")
        assert _camera_reads(gent, "1ABC123") == 1
        wait_until(lambda: first.health()["attempts"] >= 1, what="a failed attempt")
    finally:
        first.stop()
    assert receiver.accepted() == []

    receiver.fail_first = 0  # the control room is back
    second = AlertWebhook(config)
    second.start()
    try:
        (delivered,) = wait_until(receiver.accepted, what="the spooled alert to be delivered")
        assert len({r["body"] for r in receiver.requests}) == 1
        wait_until(lambda: _watches(gent["node"]) >= 2, what="the webhook to watch again")
        assert _camera_reads(gent, "1ABC123") == 1
        wait_until(lambda: len(receiver.accepted()) == 2, what="the next alert")
        assert second.deliver_due() == 0
        ids = [json.loads(r["body"])["id"] for r in receiver.accepted()]
        assert len(set(ids)) == 2 and ids[0] == json.loads(delivered["body"])["id"]
        assert sorted(ids) == sorted(h["hit_id"] for h in hits(gent["node"], gent["ivan"]))
        health = second.health()
        assert health["spooled"] == health["delivered"] == 2 and health["pending"] == 0
    finally:
        second.stop()


# -- without a node ------------------------------------------------------------------------


def test_verify_signature_accepts_what_the_webhook_signs_within_the_window():
    body = b'{"id":"h1"}'
    header = sign(SECRET, "1700000000", body)
    assert header.startswith("sha256=") and len(header) == len("sha256=") + 64
    assert verify_signature(SECRET, "1700000000", body, header, now=1700000000)
    assert verify_signature(SECRET, "1700000000", body, header, now=1700000000 + 299)


def test_verify_signature_refuses_a_wrong_secret():
    body = b'{"id":"h1"}'
    header = sign(b"someone else's secret", "1700000000", body)
    assert not verify_signature(SECRET, "1700000000", body, header, now=1700000000)


def test_verify_signature_refuses_a_timestamp_outside_the_window_either_way():
    body = b'{"id":"h1"}'
    header = sign(SECRET, "1700000000", body)
    assert not verify_signature(SECRET, "1700000000", body, header, now=1700000000 + 301)
    assert not verify_signature(SECRET, "1700000000", body, header, now=1700000000 - 301)
    assert not verify_signature(SECRET, "1700000000", body, header, now=1700000060, tolerance_s=30)


def test_verify_signature_refuses_a_tampered_body_or_a_moved_timestamp():
    body = b'{"id":"h1","plate":"1ABC123"}'
    header = sign(SECRET, "1700000000", body)
    assert not verify_signature(SECRET, "1700000000", body + b" ", header, now=1700000000)
    assert not verify_signature(
        SECRET, "1700000000", body.replace(b"1ABC123", b"1ABC124"), header, now=1700000000
    )
    # The timestamp is signed: a replay cannot simply be given a fresh one.
    assert not verify_signature(SECRET, "1700000100", body, header, now=1700000100)


def test_verify_signature_refuses_malformed_headers():
    body = b"{}"
    good = sign(SECRET, "1700000000", body)
    for timestamp, header in [
        ("1700000000", good.removeprefix("sha256=")),
        ("1700000000", "sha1=" + good.removeprefix("sha256=")),
        ("1700000000", ""),
        ("1700000000", "sha256=é"),
        ("1.7e9", good),
        ("", good),
        ("-1700000000", good),
    ]:
        assert not verify_signature(SECRET, timestamp, body, header, now=1700000000)


def test_a_confirmation_notice_is_an_event_identified_by_its_request_and_what_happened():
    notice = ingest_pb2.ConfirmationNotice(
        request_id="01JREQ",
        kind=confirmations_pb2.CONFIRMATION_KIND_ALERT_CONFIRMATION,
        what="deadline approaching",
        partner="nl-terneuzen",
        urgency=confirmations_pb2.URGENCY_URGENT,
    )
    notice.deadline.FromJsonString("2026-03-01T10:00:00Z")
    event = payload(
        ingest_pb2.WatchAlertsResponse(confirmation=notice, position=42),
        node="be-gent",
        received_at=datetime(2026, 3, 1, 9, 55, tzinfo=UTC),
    )
    assert event == {
        "id": "01JREQ:deadline approaching",
        "position": 42,
        "type": "confirmation",
        "occurred_at": "2026-03-01T09:55:00.000Z",
        "node": "be-gent",
        "request_id": "01JREQ",
        "kind": "alert_confirmation",
        "what": "deadline approaching",
        "partner": "nl-terneuzen",
        "deadline": "2026-03-01T10:00:00.000Z",
        "urgency": "urgent",
        "advisories": [],
    }
    assert set(event) == _fields("confirmation")
    assert json.loads(encode(event)) == event


def test_a_mark_is_an_event_naming_the_hit_the_person_and_the_time():
    mark = ingest_pb2.AlertMark(
        alert_position=41,
        hit_id="01JHIT",
        mark=ingest_pb2.ALERT_MARK_KIND_CLAIMED,
        by="olga",
    )
    mark.at.FromJsonString("2026-03-01T09:56:00.250Z")
    event = payload(
        ingest_pb2.WatchAlertsResponse(mark=mark, position=43),
        node="be-gent",
        received_at=datetime(2026, 3, 1, 9, 57, tzinfo=UTC),
    )
    assert event == {
        "id": "01JHIT:claimed:olga:2026-03-01T09:56:00.250Z",
        "position": 43,
        "type": "mark",
        "occurred_at": "2026-03-01T09:56:00.250Z",
        "node": "be-gent",
        "hit_id": "01JHIT",
        "alert_position": 41,
        "mark": "claimed",
        "by": "olga",
        "advisories": [],
    }
    assert set(event) == _fields("mark")
    assert json.loads(encode(event)) == event


def test_a_4xx_refuses_an_event_for_good_and_keeps_it_with_the_reason(tmp_path):
    receiver = Receiver(fail_first=1, fail_status=422)
    webhook = AlertWebhook(_config(tmp_path, receiver.url))
    try:
        alert = ingest_pb2.Alert(hit_id="h-refused", plate="1ABC123")
        assert webhook.spool(ingest_pb2.WatchAlertsResponse(alert=alert))
        assert webhook.deliver_due() == 0
        time.sleep(0.3)
        assert webhook.deliver_due() == 0
        assert [r["status"] for r in receiver.requests] == [422]
        assert webhook.health()["refused"] == 1 and webhook.health()["pending"] == 0
        with sqlite3.connect(webhook.config.spool_path) as db:
            body, error, refused_at = db.execute(
                "SELECT body, last_error, refused_at FROM deliveries WHERE id = 'h-refused'"
            ).fetchone()
        assert json.loads(body)["id"] == "h-refused" and error == "HTTP 422" and refused_at
    finally:
        webhook.stop()
        receiver.close()


def test_events_go_in_position_order_and_a_later_one_waits_for_an_earlier_retry(tmp_path):
    receiver = Receiver(fail_first=1)
    config = _config(tmp_path, receiver.url)
    webhook = AlertWebhook(config)
    try:
        for position, hit_id in ((7, "h-first"), (8, "h-second"), (10, "h-third")):
            alert = ingest_pb2.Alert(hit_id=hit_id)
            assert webhook.spool(ingest_pb2.WatchAlertsResponse(alert=alert, position=position))
        assert webhook.deliver_due() == 0  # the first failed: nothing overtakes it
        assert [json.loads(r["body"])["id"] for r in receiver.requests] == ["h-first"]
        wait_until(lambda: webhook.deliver_due() == 3, what="the retry, then the rest")
        posted = [json.loads(r["body"]) for r in receiver.accepted()]
        assert [(p["id"], p["position"]) for p in posted] == [
            ("h-first", 7),
            ("h-second", 8),
            ("h-third", 10),
        ]
    finally:
        webhook.stop()
        receiver.close()
    # The position of the last event spooled is kept with the spool, for the next start.
    spool = DeliverySpool(config.spool_path)
    try:
        assert spool.cursor() == 10
    finally:
        spool.close()


def test_an_unreachable_receiver_is_retried_with_backoff(tmp_path):
    webhook = AlertWebhook(_config(tmp_path, f"http://127.0.0.1:{free_port()}/"))
    try:
        assert webhook.spool(ingest_pb2.WatchAlertsResponse(alert=ingest_pb2.Alert(hit_id="h")))
        assert webhook.deliver_due() == 0
        assert webhook.deliver_due() == 0  # not due again before its backoff
        health = webhook.health()
        assert health["pending"] == 1 and health["attempts"] == 1
    finally:
        webhook.stop()


def test_only_2xx_delivers_and_only_4xx_other_than_408_and_429_refuses():
    assert judge(200).verdict == judge(204).verdict == "delivered"
    for status in (400, 401, 403, 404, 410, 413, 422):
        assert judge(status).verdict == "refused"
    for status in (None, 301, 408, 429, 500, 502, 503, 504):
        assert judge(status).verdict == "retry"
    assert [backoff_s(n, 300) for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert backoff_s(40, 300) == 300


def test_the_config_names_paths_relative_to_its_own_folder(tmp_path):
    path = tmp_path / "webhook.toml"
    path.write_text(
        'node_socket = "node/admin.sock"\ntoken_file = "operator.token"\n'
        'url = "https://control.example/argos"\nsecret_file = "webhook.secret"\n'
        "max_backoff_s = 60\n"
    )
    config = WebhookConfig.load(path)
    assert config.node_socket == tmp_path / "node" / "admin.sock"
    assert config.secret_file == tmp_path / "webhook.secret"
    assert config.spool_path == tmp_path / "webhook-spool.sqlite"
    assert config.max_backoff_s == 60 and config.timeout_s == 10
    path.write_text(path.read_text().replace("https://", "file://"))
    with pytest.raises(InvalidInput, match=r"webhook\.toml: url: must be an http"):
        WebhookConfig.load(path)


@pytest.mark.parametrize(
    ("line", "refusal"),
    [
        ("max_backof_s = 60", "max_backof_s: unknown setting"),
        ('max_backoff_s = "a minute"', "max_backoff_s: expected float, got str"),
        ("max_backoff_s = 0", "max_backoff_s: must be more than 0"),
        ("timeout_s = -1", "timeout_s: must be more than 0"),
    ],
)
def test_the_config_refuses_unknown_keys_and_bad_values_naming_the_key(tmp_path, line, refusal):
    path = tmp_path / "webhook.toml"
    path.write_text(
        'node_socket = "node/admin.sock"\ntoken_file = "operator.token"\n'
        'url = "https://control.example/argos"\nsecret_file = "webhook.secret"\n' + line + "\n"
    )
    with pytest.raises(InvalidInput, match=f"^webhook\\.toml: {refusal}"):
        WebhookConfig.load(path)


def test_alerts_go_over_https_to_a_receiver_whose_certificate_the_configured_ca_signed(
    tmp_path, certs
):
    tls = (certs / "be-gent" / "cert.pem", certs / "be-gent" / "key.pem")
    receiver = Receiver(tls=tls)
    alert = ingest_pb2.WatchAlertsResponse(alert=ingest_pb2.Alert(hit_id="h-tls"))
    webhook = AlertWebhook(
        _config(tmp_path, receiver.url, allow_plain_http_loopback=False, ca_file=certs / "ca.pem")
    )
    try:
        assert webhook.spool(alert)
        assert webhook.deliver_due() == 1
    finally:
        webhook.stop()
        receiver.close()
    (delivered,) = receiver.accepted()
    assert delivered["verified"] and json.loads(delivered["body"])["id"] == "h-tls"


def test_a_receiver_whose_certificate_no_trusted_ca_signed_gets_nothing(tmp_path, foreign_certs):
    tls = (foreign_certs / "be-gent" / "cert.pem", foreign_certs / "be-gent" / "key.pem")
    receiver = Receiver(tls=tls)
    webhook = AlertWebhook(_config(tmp_path, receiver.url, allow_plain_http_loopback=False))
    try:
        assert webhook.spool(ingest_pb2.WatchAlertsResponse(alert=ingest_pb2.Alert(hit_id="h")))
        assert webhook.deliver_due() == 0
        assert webhook.health()["pending"] == 1  # kept for a retry, never sent in clear
    finally:
        webhook.stop()
        receiver.close()
    assert receiver.requests == []
    with sqlite3.connect(tmp_path / "spool" / "webhook.sqlite") as db:
        (reason,) = db.execute("SELECT last_error FROM deliveries").fetchone()
    assert "CERTIFICATE_VERIFY_FAILED" in reason


OFF_LOOPBACK = (
    "url: plain http:// sends alerts (plates) readable on the wire: use https:// "
    "(allow_plain_http_loopback allows http:// only to 127.0.0.1, ::1 or localhost)"
)


@pytest.mark.parametrize(
    ("url", "allow", "refusal"),
    [
        (
            "http://control.example/argos",
            False,
            OFF_LOOPBACK,
        ),
        (
            "http://10.20.1.9:8080/argos",
            True,
            OFF_LOOPBACK,
        ),
        (
            "http://127.0.0.1:9/argos",
            False,
            "url: plain http:// is refused: use https://, or, for a receiver on this host's "
            "loopback, set allow_plain_http_loopback = true",
        ),
    ],
)
def test_a_plain_http_receiver_is_refused_unless_on_loopback_and_allowed_by_name(
    tmp_path, url, allow, refusal
):
    """The webhook process does not start: one line naming the setting, no spool made,
    nothing sent."""
    (tmp_path / "webhook.secret").write_bytes(SECRET)
    config = tmp_path / "webhook.toml"
    config.write_text(
        'node_socket = "admin.sock"\ntoken_file = "operator.token"\n'
        f'url = "{url}"\nsecret_file = "webhook.secret"\n'
        f"allow_plain_http_loopback = {str(allow).lower()}\n"
    )
    refused = subprocess.run(
        [*argos_command(), "adapter", "run", "webhook", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode != 0 and "Traceback" not in refused.stderr
    assert refused.stderr.strip() == f"error: webhook.toml: {refusal}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["webhook.secret", "webhook.toml"]


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/", "http://[::1]:9/", "http://localhost/"])
def test_plain_http_to_loopback_is_taken_when_the_setting_allows_it(tmp_path, url):
    config = tmp_path / "webhook.toml"
    config.write_text(
        'node_socket = "admin.sock"\ntoken_file = "operator.token"\n'
        f'url = "{url}"\nsecret_file = "webhook.secret"\nallow_plain_http_loopback = true\n'
    )
    assert WebhookConfig.load(config).url == url
