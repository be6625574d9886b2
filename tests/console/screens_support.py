"""What the screens' tests share: camera reads handed in through the node's ingest API as
an adapter user (as an adapter process does), signing in and re-authenticating in the
browser, and what the node's audit log and sessions say."""

from __future__ import annotations

import re
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyotp
from playwright.sync_api import expect

from gateway.wire.argos.v1 import ingest_pb2, reads_pb2
from gateway.wire.local_api import LocalApi
from tests.console.conftest import Port, totp_now
from tests.integration.hotlist_support import add_entry, wait_until

__all__ = ["add_entry", "wait_until"]


def camera_read(plate: str, country: str = "BE", camera: str = "cam-7", site: str = "kennedy"):
    read = reads_pb2.PlateRead(
        plate=plate, country=country, confidence=0.9, camera=camera, site=site
    )
    read.observed_at.FromDatetime(datetime.now(UTC))
    return read


def submit_reads(node: Any, adapter: Path, *reads: reads_pb2.PlateRead) -> list[str]:
    """Hand `reads` in as the adapter user whose token is in `adapter`, as one batch;
    the ids of the hits the node recorded."""
    with LocalApi.with_token_file(node.home / "admin.sock", adapter) as api:
        batch = ingest_pb2.SubmitReadsRequest(batch_id=uuid.uuid4().hex, reads=list(reads))
        (answer,) = list(api.ingest.SubmitReads(iter([batch]), metadata=api.metadata, timeout=60))
    return [h.hit_id for h in answer.batch_hits]


def sign_in(page: Any, base: str, person: Any, path: str) -> None:
    """Both log-in steps in the browser, landing on `path`."""
    page.goto(f"{base}{path}")
    expect(page).to_have_url(re.compile(r"/login"))
    page.get_by_label("User name").fill(person.user)
    page.get_by_label("Password").fill(person.password)
    page.get_by_role("button", name="Next").click()
    expect(page).to_have_url(re.compile(r"/login/code"))
    page.get_by_label("Code").fill(totp_now(person.totp_secret))
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}{path}")


def next_code(person: Any) -> str:
    """A code the node accepts after the one used to sign in: the next step's (the
    node accepts one step either side and never a step again or an earlier one)."""
    return pyotp.TOTP(person.totp_secret).at(time.time() + 30)


def audited(port: Port, action: str, actor: str) -> list[dict[str, Any]]:
    return [
        r for r in port.audit("--limit", "100000") if r["action"] == action and r["actor"] == actor
    ]


def session_not_fresh(port: Port, user: str) -> bool:
    """Every open session of `user` is past its fresh_until (or has none)."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    sessions = port.node.json("sessions", "list", "--user", user)
    return bool(sessions) and all(not s["fresh_until"] or s["fresh_until"] < now for s in sessions)
