"""Hotlist sync between two real node processes over mutual TLS: bulk import, initial
sync, and the delay from an entry added at the owner to it being held, verified, at
the partner."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

from google.protobuf.timestamp_pb2 import Timestamp

from gateway.cli.client import AdminClient
from gateway.federation import LocalFederation
from gateway.synthetic import synthetic_rows, write_hotlist_csv
from gateway.wire.argos.v1 import admin_pb2 as pb


def _status(client: AdminClient, agreement_id: str, role: str) -> pb.SyncStatus:
    for s in client.call("GetSyncStatus", pb.GetSyncStatusRequest()).agreements:
        if s.agreement_id == agreement_id and s.role == role:
            return s
    raise RuntimeError(f"no {role} status for {agreement_id}")


def _wait(predicate, timeout: float, what: str, poll: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(poll)


def run(workdir: Path, certs: Path, entries: int, deltas: int) -> dict[str, float]:
    fed = LocalFederation(workdir, certs, ("be-gent", "nl-terneuzen"))
    results: dict[str, float] = {}
    try:
        fed.start()
        fed.connect("be-gent", "nl-terneuzen")
        agreement_id = fed.agree("be-gent", "nl-terneuzen", "--direction", "proposer_to_partner")
        gent, terneuzen = fed["be-gent"], fed["nl-terneuzen"]
        ivan = gent.add_user("ivan", "investigator")
        admin_g = AdminClient(gent.home, (gent.home / "admin.token").read_text().strip())
        admin_t = AdminClient(terneuzen.home, (terneuzen.home / "admin.token").read_text().strip())

        csv_path = write_hotlist_csv(workdir / "hotlist.csv", entries)
        start = time.perf_counter()
        out = gent.argos(
            "hotlist",
            "import",
            str(csv_path),
            "--justification",
            "bench",
            "--json",
            token_file=ivan,
        )
        results["import_s"] = time.perf_counter() - start
        assert json.loads(out.stdout)["accepted"] == str(entries)

        start = time.perf_counter()
        _wait(
            lambda: _status(admin_g, agreement_id, "provider").entries == entries,
            1800,
            "projection",
            poll=1.0,
        )
        results["projection_s"] = time.perf_counter() - start

        def in_step() -> bool:
            p = _status(admin_g, agreement_id, "provider")
            r = _status(admin_t, agreement_id, "recipient")
            return r.entries == p.entries and r.last_verified_head_seq == p.cursor == r.cursor

        _wait(in_step, 1800, "first sync", poll=1.0)
        # The measured sync starts from nothing: the recipient erases what it holds.
        admin_t.call(
            "ResyncAgreement",
            pb.ResyncAgreementRequest(agreement_id=agreement_id, justification="benchmark"),
        )
        start = time.perf_counter()
        _wait(in_step, 600, "initial sync")
        results["sync_initial_s"] = time.perf_counter() - start

        results["delta_p99_ms"], results["delta_p50_ms"] = _deltas(
            gent, terneuzen, ivan, agreement_id, deltas
        )
        for node in (gent, terneuzen):
            assert "audit log intact" in node.argos("audit", "verify").stdout
    finally:
        fed.stop()
    return results


def _deltas(gent, terneuzen, ivan_token: Path, agreement_id: str, n: int) -> tuple[float, float]:
    """Add n entries at 50 per second; each one's delay is from just before the add call
    until the recipient committed the batch that carried it (its audit record)."""
    client = AdminClient(gent.home, ivan_token.read_text().strip())
    added: dict[str, float] = {}
    expires = Timestamp()
    expires.FromSeconds(int(time.time()) + 30 * 86400)
    rows = synthetic_rows(n, seed=99)
    for row in rows:
        entry = pb.HotlistEntry(
            plate=row["plate"],
            country=row["country"],
            category=row["category"],
            action=row["action"],
        )
        entry.expires_at.CopyFrom(expires)
        t = time.time()
        reply = client.call("AddEntry", pb.AddEntryRequest(entry=entry, justification="bench"))
        added[reply.entry.entry_id] = t
        time.sleep(max(0.0, 0.02 - (time.time() - t)))
    time.sleep(2.0)
    with sqlite3.connect(gent.home / "node.sqlite") as db:
        seq_of = dict(
            db.execute("SELECT entry_id, seq FROM feed WHERE agreement_id = ?", (agreement_id,))
        )
    with sqlite3.connect(terneuzen.home / "node.sqlite") as db:
        applied = [
            (json.loads(d)["from_seq"], json.loads(d)["to_seq"], at)
            for d, at in db.execute(
                "SELECT details, at FROM audit WHERE action = 'hotlist.received' "
                "AND object_id = ? ORDER BY id",
                (agreement_id,),
            )
        ]
    delays = []
    for entry_id, t in added.items():
        seq = seq_of[entry_id]
        at = next(at for lo, hi, at in applied if lo < seq <= hi)
        applied_at = time.mktime(time.strptime(at[:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone
        applied_at += int(at[20:23]) / 1000
        delays.append((applied_at - t) * 1000)
    delays.sort()
    return delays[int(len(delays) * 0.99) - 1], delays[len(delays) // 2]
