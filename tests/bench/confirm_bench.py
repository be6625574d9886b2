"""Confirmation round trip between two node processes over mutual TLS: an investigator
at Terneuzen asks Gent to confirm an alert; a stand-in for Gent's investigator answers
the moment the request shows on Gent's alert stream. Each round trip runs from the
request call until the answer shows on Terneuzen's alert stream, minus the stand-in's
own time between seeing the request and answering it (the human part)."""

from __future__ import annotations

import queue
import threading
import time
from pathlib import Path

import grpc

from gateway.cli.client import AdminClient
from gateway.federation import LocalFederation
from gateway.wire.argos.v1 import admin_pb2 as pb
from gateway.wire.argos.v1 import agreement_pb2, confirmations_pb2, ingest_pb2, ingest_pb2_grpc
from tests.integration.hotlist_support import add_entry, received, wait_until


def _notices(node, token: str, out: queue.Queue, stop: threading.Event) -> threading.Thread:
    """Put (monotonic time, notice) for every confirmation notice of node into out."""

    def run() -> None:
        with grpc.insecure_channel(f"unix:{node.home / 'admin.sock'}") as channel:
            stub = ingest_pb2_grpc.IngestServiceStub(channel)
            stream = stub.WatchAlerts(
                ingest_pb2.WatchAlertsRequest(), metadata=[("authorization", f"Bearer {token}")]
            )
            for item in stream:
                if stop.is_set():
                    stream.cancel()
                    return
                if item.HasField("confirmation"):
                    out.put((time.monotonic(), item.confirmation))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def run(workdir: Path, certs: Path, n: int) -> dict[str, float]:
    fed = LocalFederation(workdir, certs, ("be-gent", "nl-terneuzen"))
    stop = threading.Event()
    try:
        fed.start()
        fed.connect("be-gent", "nl-terneuzen")
        agreement_id = fed.agree("be-gent", "nl-terneuzen", "--direction", "proposer_to_partner")
        gent, terneuzen = fed["be-gent"], fed["nl-terneuzen"]
        ivan_file = gent.add_user("ivan", "investigator")
        ines_file = terneuzen.add_user("ines", "investigator")
        entry_id = add_entry(gent, ivan_file, "1-ABC-123", "B")
        wait_until(lambda: entry_id in received(terneuzen, agreement_id), what="the entry")
        camera = terneuzen.add_user("cam", "adapter")
        reads = workdir / "reads.jsonl"
        reads.write_text('{"plate": "1ABC123", "country": "BE", "camera": "c1", "site": "s1"}\n')
        terneuzen.argos("reads", "replay", str(reads), token_file=camera)
        ivan = AdminClient(gent.home, ivan_file.read_text().strip())
        ines = AdminClient(terneuzen.home, ines_file.read_text().strip())
        hit_id = ines.call("ListHits", pb.ListHitsRequest(observed=True)).hits[0].hit_id

        at_gent: queue.Queue = queue.Queue()
        at_terneuzen: queue.Queue = queue.Queue()
        _notices(gent, ivan.token or "", at_gent, stop)
        _notices(terneuzen, ines.token or "", at_terneuzen, stop)
        time.sleep(0.5)
        delays = []
        for i in range(n):
            start = time.monotonic()
            asked = ines.call(
                "RequestConfirmation",
                pb.RequestConfirmationRequest(
                    kind=confirmations_pb2.CONFIRMATION_KIND_ALERT_CONFIRMATION,
                    hit_id=hit_id,
                    purpose=agreement_pb2.PURPOSE_CRIMINAL_INVESTIGATION,
                    case_reference=f"BENCH-{i}",
                ),
            )
            request_id = asked.confirmation.request.request_id
            seen_at = _wait_for(at_gent, request_id, "incoming")
            human = time.monotonic() - seen_at
            ivan.call(
                "AnswerConfirmation",
                pb.AnswerConfirmationRequest(
                    request_id=request_id, outcome=confirmations_pb2.OUTCOME_CONFIRMED
                ),
            )
            answered_at = _wait_for(at_terneuzen, request_id, "answered")
            delays.append((answered_at - start - human) * 1000)
        for node in (gent, terneuzen):
            assert "audit log intact" in node.argos("audit", "verify").stdout
    finally:
        stop.set()
        fed.stop()
    delays.sort()
    return {
        "confirm_roundtrip_p99_ms": delays[max(0, int(len(delays) * 0.99) - 1)],
        "confirm_roundtrip_p50_ms": delays[len(delays) // 2],
    }


def _wait_for(notices: queue.Queue, request_id: str, what: str, timeout: float = 30.0) -> float:
    deadline = time.monotonic() + timeout
    while True:
        at, notice = notices.get(timeout=max(0.01, deadline - time.monotonic()))
        if notice.request_id == request_id and notice.what == what:
            return at
