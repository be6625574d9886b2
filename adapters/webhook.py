"""The alerts-out adapter for a port's control room: takes every alert and confirmation
notice from the node's alert stream (IngestService.WatchAlerts, as an operator), writes it
to a spool on disk, then POSTs it as signed JSON to the control room's URL until the
receiver takes it. An adapter crash or a receiver outage loses nothing.

The steps, in order: watch (gRPC stream) → `payload` (a stable JSON object) → spool
(SQLite, idempotent by id) → `deliver_due` (HTTP POST, signed) → delivered, retried with
exponential backoff, or refused for good.

Body (UTF-8 JSON, one object; JSON Schema in adapters/webhook_schema.json)::

    {"id": ..., "type": "hit" | "confirmation" | "feed" | "mark", "occurred_at": ..., ...}

- ``id``: the hit id for a hit; ``request_id + ":" + what`` for a confirmation notice
  (e.g. ``"01J…:deadline approaching"``). The same id is never delivered as two different
  events; delivery is at-least-once, so a receiver must ignore an id it already holds
  (possible only if the adapter dies between the receiver's 2xx and marking it).
- ``position``: the event's position in the node's alert log (issue 17). Events are
  POSTed in increasing position, one at a time: a later one is not sent before every
  earlier one is delivered or refused for good. Positions have gaps (a hit erased by
  retention before the adapter took it); a receiver may keep the greatest position it
  holds to see what order things were raised in, but dedupes by ``id``.
- ``occurred_at``: RFC 3339 UTC with milliseconds and ``Z``. For a hit, when the camera
  read the plate; for a confirmation notice (which carries no time of its own), when this
  adapter took it from the node's stream.
- ``node``: the id of the node that raised it (this port's node, e.g. ``"be-gent"``).
- ``advisories``: what operators must know before acting (always a list; empty for
  confirmation notices).

Hit fields (the proto ``Alert`` field names, as ``argos alerts watch --json`` shows them):
``camera``, ``site``, ``zone``, ``direction`` (``"in"``/``"out"``), ``image_ref``,
``plate`` and ``country`` (as this port's own camera read it: this is this port's control
room), ``country_inferred``, ``match`` (``"exact"``/``"fuzzy"``), ``matched`` (the reading
that matched: the read, an OCR candidate or a fuzzy variant), ``entry_owner``,
``entry_id``, ``agreement_id`` (null for this node's own list), ``category``, ``action``,
``flags``, ``owner_notified``. Confirmation fields: ``request_id``, ``kind``
(``"alert_confirmation"``, ``"hit_details"``, ``"retro_query"``, ``"retro_details"``),
``what``, ``partner``, ``deadline`` (RFC 3339 UTC), ``urgency`` (``"normal"``/``"urgent"``).
Feed fields (a partner feed gone stale or fresh again): ``agreement_id``, ``partner``,
``what`` (``"stale"``/``"fresh"``), ``last_head_at``, ``matching_stopped``.
Mark fields (a person at this port claimed or acknowledged a hit; the latest mark
holds): ``hit_id``, ``alert_position``, ``mark`` (``"claimed"``/``"acknowledged"``),
``by`` (the user name), ``occurred_at`` (when they marked it).
A field the node left empty (an empty string, an unspecified enum) is ``null``, never
omitted. Nothing a partner shared as a plate token is ever in a body: an alert carries
none.

Signature. Each attempt carries ``X-Argos-Timestamp: <unix seconds>`` and
``X-Argos-Signature: sha256=<hex>``, the HMAC-SHA256 under the shared secret of
``timestamp + "." + body`` (the exact body bytes). A receiver verifies before parsing
(`verify_signature` is the reference): recompute the HMAC over the raw body it received,
compare with ``hmac.compare_digest`` (constant time), and refuse a timestamp more than
300 s from its own clock either way, so a captured request cannot be replayed later.
Within the window, dedupe by ``id``. Answer 2xx once stored; 4xx (other than 408/429)
refuses the event for good (it stays in the spool with the reason); 408, 429, 5xx,
timeouts and anything else are retried with the same body.

Transport. An alert carries the plate this port's camera read, so it travels over
HTTPS (the system's trusted CAs, or the control room's own CA as ``ca_file``). A plain
``http://`` URL is refused when the settings are read, unless the receiver is on this
host's loopback (127.0.0.0/8, ::1, localhost) and ``allow_plain_http_loopback = true``
says so: a receiver beside the adapter, where nothing crosses a wire.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

import grpc
import structlog

from adapters.process import run_until_interrupted, start_process
from adapters.settings import check_http_url, check_positive, load_adapter_settings
from adapters.spool import DeliverySpool, SpoolError
from gateway.domain.addresses import is_loopback
from gateway.domain.retry import Backoff
from gateway.domain.times import time_text
from gateway.settings import Settings
from gateway.wire.argos.v1 import admin_pb2, confirmations_pb2, hits_pb2, ingest_pb2, reads_pb2
from gateway.wire.local_api import LocalApi

log = structlog.get_logger(__name__)

SIGNATURE_HEADER = "X-Argos-Signature"
TIMESTAMP_HEADER = "X-Argos-Timestamp"
TOLERANCE_S = 300
FIRST_BACKOFF_S = 1.0
MAX_REASON = 300


# -- config ---------------------------------------------------------------------------------


class WebhookConfig(Settings):
    node_socket: Path  # the node's admin socket (ingest API)
    token_file: Path  # an operator's token
    url: str  # the control room's receiver
    secret_file: Path  # the HMAC secret shared with the receiver
    spool_path: Path = Path("webhook-spool.sqlite")
    max_backoff_s: float = 300.0
    timeout_s: float = 10.0
    # The CA that signed the receiver's certificate, when not one the system trusts.
    ca_file: Path | None = None
    # Plain http:// to a receiver on this host's loopback only, and only when set.
    allow_plain_http_loopback: bool = False

    def __post_init__(self) -> None:
        check_http_url("url", self.url)
        check_plain_http("url", self.url, allowed=self.allow_plain_http_loopback)
        check_positive(max_backoff_s=self.max_backoff_s, timeout_s=self.timeout_s)

    @classmethod
    def load(cls, path: Path) -> WebhookConfig:
        """Read the TOML; relative paths are relative to the file's folder."""
        return load_adapter_settings(path, cls)


def check_plain_http(key: str, url: str, *, allowed: bool) -> None:
    """Refuse http:// unless to loopback with allow_plain_http_loopback (see Transport)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "http":
        return
    if not is_loopback(parts.hostname or ""):
        raise ValueError(
            f"{key}: plain http:// sends alerts (plates) readable on the wire: use https://"
            " (allow_plain_http_loopback allows http:// only to 127.0.0.1, ::1 or localhost)"
        )
    if not allowed:
        raise ValueError(
            f"{key}: plain http:// is refused: use https://, or, for a receiver on this "
            "host's loopback, set allow_plain_http_loopback = true"
        )


def read_secret(path: Path) -> bytes:
    """The secret file's content without surrounding whitespace; never logged."""
    secret = path.read_bytes().strip()
    if not secret:
        raise ValueError(f"secret file {path} is empty")
    return secret


# -- payload --------------------------------------------------------------------------------


def _time(ts) -> str:
    """A protobuf Timestamp in the RFC 3339 form above (the gateway's stored form)."""
    return time_text(datetime.fromtimestamp(ts.seconds, UTC).replace(microsecond=ts.nanos // 1000))


def _enum(enum_type, value: int, prefix: str) -> str | None:
    """READ_DIRECTION_IN -> "in"; an unspecified or unknown value -> None."""
    if value == 0:
        return None
    try:
        return enum_type.Name(value).removeprefix(prefix).lower()
    except ValueError:
        return None


def _text(value: str) -> str | None:
    return value or None


def payload(item: ingest_pb2.WatchAlertsResponse, *, node: str, received_at: datetime) -> dict:
    """The JSON object delivered for one item of the alert stream (schema above)."""
    return {**_fields_of(item, node=node, received_at=received_at), "position": item.position}


def _fields_of(item: ingest_pb2.WatchAlertsResponse, *, node: str, received_at: datetime) -> dict:
    if item.HasField("alert"):
        a = item.alert
        return {
            "id": a.hit_id,
            "type": "hit",
            "occurred_at": _time(a.observed_at),
            "node": node,
            "camera": _text(a.camera),
            "site": _text(a.site),
            "zone": _text(a.zone),
            "direction": _enum(reads_pb2.ReadDirection, a.direction, "READ_DIRECTION_"),
            "image_ref": _text(a.image_ref),
            "plate": _text(a.plate),
            "country": _text(a.country),
            "country_inferred": a.country_inferred,
            "match": _enum(hits_pb2.MatchKind, a.match, "MATCH_KIND_"),
            "matched": _text(a.matched),
            "entry_owner": _text(a.entry_owner),
            "entry_id": _text(a.entry_id),
            "agreement_id": _text(a.agreement_id),
            "category": _text(a.category),
            "action": _text(a.action),
            "flags": list(a.flags),
            "owner_notified": a.owner_notified,
            "advisories": list(a.advisories),
        }
    if item.HasField("confirmation"):
        n = item.confirmation
        return {
            "id": f"{n.request_id}:{n.what}",
            "type": "confirmation",
            "occurred_at": time_text(received_at),
            "node": node,
            "request_id": n.request_id,
            "kind": _enum(confirmations_pb2.ConfirmationKind, n.kind, "CONFIRMATION_KIND_"),
            "what": n.what,
            "partner": _text(n.partner),
            "deadline": _time(n.deadline) if n.HasField("deadline") else None,
            "urgency": _enum(confirmations_pb2.Urgency, n.urgency, "URGENCY_"),
            "advisories": [],
        }
    if item.HasField("feed"):
        f = item.feed
        return {
            "id": f"{f.agreement_id}:{f.what}:{time_text(received_at)}",
            "type": "feed",
            "occurred_at": time_text(received_at),
            "node": node,
            "agreement_id": f.agreement_id,
            "partner": _text(f.partner),
            "what": f.what,
            "last_head_at": _time(f.last_head_at) if f.HasField("last_head_at") else None,
            "matching_stopped": f.matching_stopped,
            "advisories": [],
        }
    if item.HasField("mark"):
        m = item.mark
        mark = _enum(ingest_pb2.AlertMarkKind, m.mark, "ALERT_MARK_KIND_")
        at = _time(m.at)
        return {
            "id": f"{m.hit_id}:{mark}:{m.by}:{at}",
            "type": "mark",
            "occurred_at": at,
            "node": node,
            "hit_id": m.hit_id,
            "alert_position": m.alert_position,
            "mark": mark,
            "by": m.by,
            "advisories": [],
        }
    raise ValueError("a WatchAlertsResponse with neither alert, confirmation, feed nor mark")


def encode(body: dict) -> bytes:
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


# -- signature ------------------------------------------------------------------------------


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    """The X-Argos-Signature value: HMAC-SHA256 over timestamp + "." + body."""
    mac = hmac.new(secret, timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify_signature(
    secret: bytes,
    timestamp: str,
    body: bytes,
    header: str,
    *,
    now: float,
    tolerance_s: float = TOLERANCE_S,
) -> bool:
    """The receiver's check: `header` is the X-Argos-Signature of `timestamp` and the
    exact `body` bytes under `secret`, and `timestamp` (unix seconds, X-Argos-Timestamp)
    is within `tolerance_s` of `now` either way. False on anything malformed."""
    if not timestamp.isascii() or not timestamp.isdigit():
        return False
    if abs(now - int(timestamp)) > tolerance_s:
        return False  # a replay, or a clock far off: refuse either way
    if not header.startswith("sha256="):
        return False
    expected = sign(secret, timestamp, body)
    return hmac.compare_digest(expected.encode("ascii"), header.encode("ascii", "replace"))


# -- delivery -------------------------------------------------------------------------------


class Outcome(NamedTuple):
    verdict: str  # "delivered", "retry" or "refused"
    reason: str  # kept in the spool; may quote the receiver, so never logged
    status: int | None = None


def judge(status: int | None, detail: str = "") -> Outcome:
    """2xx delivered; 408, 429 and every other non-4xx (5xx, a redirect, no answer at
    all) worth another try; any other 4xx refused for good."""
    if status is not None and 200 <= status < 300:
        return Outcome("delivered", "", status)
    reason = (f"HTTP {status}" if status is not None else "no answer") + (
        f": {detail}" if detail else ""
    )
    if status is not None and 400 <= status < 500 and status not in (408, 429):
        return Outcome("refused", reason[:MAX_REASON], status)
    return Outcome("retry", reason[:MAX_REASON], status)


def backoff_s(attempts: int, max_backoff_s: float) -> float:
    """Delay before the next try after `attempts` failed ones: 1 s, 2 s, 4 s … capped."""
    first_s = min(FIRST_BACKOFF_S, max_backoff_s)
    return Backoff(first_s=first_s, max_s=max_backoff_s).delay(attempts - 1)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A signed body goes to the configured URL or nowhere; a redirect is an answer (3xx).
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class AlertWebhook:
    """The node's alert stream, spooled and delivered to one URL."""

    def __init__(self, config: WebhookConfig) -> None:
        self.config = config
        self._secret = read_secret(config.secret_file)
        self._spool = DeliverySpool(config.spool_path)
        tls = ssl.create_default_context(
            cafile=str(config.ca_file) if config.ca_file is not None else None
        )
        self._opener = urllib.request.build_opener(
            _NoRedirect, urllib.request.HTTPSHandler(context=tls)
        )
        self._node = ""
        self._stopping = threading.Event()
        self._wake = threading.Event()
        self._delivering = threading.Lock()
        self._call: grpc.Call | None = None
        self._call_lock = threading.Lock()
        self._counts_lock = threading.Lock()
        self._connects = 0
        self._stream_errors = 0
        self._threads = [
            threading.Thread(target=self._watch, name="webhook-watch", daemon=True),
            threading.Thread(target=self._deliver, name="webhook-deliver", daemon=True),
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()
        host = urllib.parse.urlsplit(self.config.url).hostname
        log.info("webhook.started", receiver=host)

    def stop(self) -> None:
        """Hang up on the node and let an attempt in flight finish; what is not yet
        delivered stays in the spool for the next start."""
        self._stopping.set()
        self._wake.set()
        with self._call_lock:
            if self._call is not None:
                self._call.cancel()
        for thread in self._threads:
            if thread.is_alive():
                thread.join(timeout=self.config.timeout_s + 5)
        self._spool.close()

    def spool(self, item: ingest_pb2.WatchAlertsResponse) -> bool:
        """Keep one stream item for delivery, and its position as the stream's cursor;
        False if its id is already spooled."""
        body = payload(item, node=self._node, received_at=datetime.now(UTC))
        position = item.position or None
        added = self._spool.add(body["id"], encode(body), time.time(), position)
        if added:
            log.info("webhook.spooled", id=body["id"], type=body["type"])
            self._wake.set()
        return added

    def deliver_due(self) -> int:
        """Try every event whose time has come, once; the number delivered."""
        delivered = 0
        with self._delivering:
            for due in self._spool.due(time.time()):
                if self._stopping.is_set():
                    break
                outcome = self._post(due.body)
                attempts = due.attempts + 1
                if outcome.verdict == "delivered":
                    self._spool.delivered(due.id, attempts)
                    delivered += 1
                    log.info("webhook.delivered", id=due.id, attempts=attempts)
                elif outcome.verdict == "refused":
                    self._spool.refused(due.id, attempts, outcome.reason)
                    log.error("webhook.refused", id=due.id, status=outcome.status)
                else:
                    delay = backoff_s(attempts, self.config.max_backoff_s)
                    self._spool.retry(due.id, attempts, time.time() + delay, outcome.reason)
                    log.warning(
                        "webhook.retrying", id=due.id, attempts=attempts, status=outcome.status
                    )
                    break  # head of line: nothing later goes before it
        return delivered

    def health(self) -> dict[str, int]:
        """Counts, never content."""
        with self._counts_lock:
            stream = {"stream_connects": self._connects, "stream_errors": self._stream_errors}
        return {**self._spool.counts(), **stream}

    def _post(self, body: bytes) -> Outcome:
        timestamp = str(int(time.time()))
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked at load
            self.config.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "User-Agent": "argos-webhook/1",
                TIMESTAMP_HEADER: timestamp,
                SIGNATURE_HEADER: sign(self._secret, timestamp, body),
            },
        )
        try:
            with self._opener.open(request, timeout=self.config.timeout_s) as response:
                return judge(response.status)
        except urllib.error.HTTPError as error:
            detail = error.read(MAX_REASON).decode("utf-8", "replace").strip()
            return judge(error.code, detail)
        except (OSError, http.client.HTTPException) as error:  # refused, reset, timed out
            reason = getattr(error, "reason", error)
            return judge(None, f"{type(reason).__name__}: {reason}")

    def _deliver(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                self.deliver_due()
            except SpoolError:
                log.exception("webhook.spool_failed")
            next_due = self._spool.next_due() if not self._stopping.is_set() else None
            wait = 5.0 if next_due is None else min(5.0, max(0.0, next_due - time.time()))
            self._wake.wait(wait)

    def _watch(self) -> None:
        backoff = Backoff(first_s=0.5, max_s=30.0)
        while not self._stopping.is_set():
            node = LocalApi.with_token_file(self.config.node_socket, self.config.token_file)
            try:
                if not self._node:
                    status = node.admin.GetStatus(
                        admin_pb2.GetStatusRequest(), metadata=node.metadata, timeout=10
                    )
                    self._node = status.node_id
                # From the last position spooled: whatever the node raised while this
                # adapter, the stream or the node was down is replayed first.
                request = ingest_pb2.WatchAlertsRequest()
                cursor = self._spool.cursor()
                if cursor is not None:
                    request.after_position = cursor
                call = node.ingest.WatchAlerts(request, metadata=node.metadata)
                with self._call_lock:
                    self._call = call
                    if self._stopping.is_set():
                        call.cancel()
                with self._counts_lock:
                    self._connects += 1
                backoff.reset()
                for item in call:
                    if item.HasField("behind"):
                        log.warning(
                            "webhook.stream_behind", resumes_after=item.behind.resumes_after
                        )
                        continue  # the node replays from our cursor: nothing is skipped
                    try:
                        self.spool(item)
                    except SpoolError:
                        log.exception("webhook.spool_failed")  # nowhere to keep it: say so
                        call.cancel()  # not past an item not kept: reopen from the cursor
                        break
            except grpc.RpcError as error:
                if self._stopping.is_set():
                    break
                with self._counts_lock:
                    self._stream_errors += 1
                log.warning("webhook.node_unavailable", code=error.code().name)
            finally:
                node.close()
            if self._stopping.wait(backoff.next()):
                break


def run(config_path: Path) -> None:
    """Run until interrupted (argos adapter run webhook)."""
    webhook = AlertWebhook(start_process(lambda: WebhookConfig.load(config_path)))
    webhook.start()
    host = urllib.parse.urlsplit(webhook.config.url).hostname
    print(f"alerts webhook delivering to {host}", flush=True)
    run_until_interrupted(webhook.stop)
