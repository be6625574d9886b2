"""What the investigator's screen tests share: CSV files in the format `argos hotlist
import` reads, a multipart upload over real HTTPS, and ISC candidates in a node's store.

Candidates are a stand-in, and the only one: a node keeps a candidate when its pull from
the ISC (a TAXII server) screens a vehicle indicator. That pull is tested end to end
against the OASIS reference server in tests/integration/test_isc.py; here the candidate
is written where the pull writes it (the node's own SQLite store, through the store's
own code, beside the running node as a second writer), so the console's screens can be
tested without an ISC and a node restart in every console module."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from gateway.domain.isc.screening import Screened, Verdict
from gateway.domain.isc.tlp import Tlp
from gateway.domain.times import time_text
from gateway.store.sqlite.database import SqliteStore
from tests.console.conftest import ConsoleClient, Page

HEADER = "plate,country,category,action,expires_at,case_reference"


def review_day(days: int = 30) -> str:
    """A review date (YYYY-MM-DD) the node accepts: ahead, within its longest period."""
    return (datetime.now(UTC) + timedelta(days=days)).strftime("%Y-%m-%d")


def csv_of(*rows: str) -> str:
    return HEADER + "\n" + "\n".join(rows) + "\n"


def upload(
    client: ConsoleClient,
    path: str,
    content: bytes,
    *,
    name: str = "list.csv",
    fields: dict[str, str] | None = None,
    csrf: str | None = None,
) -> Page:
    """POST a multipart form with one file as a browser does (its CSRF token in a field
    of the form; `csrf` "" sends none)."""
    token = client.csrf_token() if csrf is None else csrf
    data = dict(fields or {})
    if token:
        data["csrf_token"] = token
    return client.request("POST", path, data=data, files={"file": (name, content, "text/csv")})


def put_candidate(node: Any, plate: str, country: str, tlp: Tlp = Tlp.GREEN) -> str:
    """An open ISC candidate in `node`'s store, as its pull keeps one (see above)."""
    candidate_id = str(uuid.uuid4())
    screened = Screened(
        Verdict.VEHICLE_INDICATOR,
        object_id=f"indicator--{uuid.uuid4()}",
        version=time_text(datetime.now(UTC)),
        plate=plate,
        country=country,
        title="Stolen van, reported by the ISC",
        description="White delivery van taken from a depot",
        tlp=tlp,
    )
    store = SqliteStore(node.home / "node.sqlite", node.node_id)
    try:
        with store.write() as uow:
            uow.isc.add_candidate(candidate_id, screened, time_text(datetime.now(UTC)))
            uow.commit()
    finally:
        store.close()
    return candidate_id


def entries_of(node: Any, token: Any) -> list[dict[str, Any]]:
    """The node's own entries as its CLI lists them (as the person whose token it is)."""
    return node.json("hotlist", "list", "--limit", "10000", token_file=token)
