"""Helpers for hotlist tests: add entries as an investigator, read what a partner holds."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable

from gateway.wire import feed_codec


def wait_until(predicate: Callable[[], object], timeout: float = 20.0, what: str = "") -> object:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or predicate}")
        time.sleep(0.1)


def add_entry(
    node, token, plate: str, country: str = "B", category: str = "stolen_vehicle", *extra: str
) -> str:
    if "--expires-at" not in extra:
        extra = (*extra, "--expires-in-days", "30")
    result = node.argos(
        "hotlist",
        "add",
        "--plate",
        plate,
        "--country",
        country,
        "--category",
        category,
        "--action",
        "discreet_check",
        "--case-reference",
        "PV-2026-0042",
        "--justification",
        "test",
        *extra,
        "--json",
        token_file=token,
    )
    return json.loads(result.stdout)["entry_id"]


def received(node, agreement_id: str) -> dict[str, dict]:
    """entry_id -> row of what node holds from its partner under agreement_id, with the
    agreement version read from the stored signed leaf."""
    with sqlite3.connect(node.home / "node.sqlite") as db:
        db.row_factory = sqlite3.Row
        rows = db.execute(
            "SELECT * FROM received_entries WHERE agreement_id = ?", (agreement_id,)
        ).fetchall()
    return {
        r["entry_id"]: {
            **dict(r),
            "agreement_version": feed_codec.change_from_leaf(r["leaf"]).agreement_version,
        }
        for r in rows
    }


def sync_row(node, agreement_id: str, role: str) -> dict:
    for s in node.json("sync", "status"):
        if s["agreement_id"] == agreement_id and s["role"] == role:
            return s
    raise AssertionError(f"no {role} sync row for {agreement_id} on {node.node_id}")


def in_step(provider, recipient, agreement_id: str) -> bool:
    """Recipient holds exactly the provider's set: same count at a verified head."""
    p = sync_row(provider, agreement_id, "provider")
    r = sync_row(recipient, agreement_id, "recipient")
    return (
        int(r["cursor"]) == int(p["cursor"])
        and int(r["entries"]) == int(p["entries"])
        and int(r["last_verified_head_seq"]) == int(p["cursor"])
    )
