"""The read-history listener the node asks (`read_history_url`, POST /search), and the
generic read store behind it for ANPR backends that keep no searchable history of their
own: reads from JSON-lines files. Backends that can search their own stored reads are
asked instead (adapters/history: Hikvision ISAPI, the OpenALPR / Rekor agent); the
listener serves any `ReadHistorySource`. The gateway itself never stores reads; this
runs at the port, beside the backend.

Contract:
  POST /search  {"plate": "1ABC123", "country": "BE", "from": ISO, "to": ISO, "limit": 100}
                with "Authorization: Bearer <the secret shared with the node>"
  200           {"sightings": [{"time": ISO, "camera": "...", "site": "...",
                                "direction": "in"|"out"|"", "image_ref": "..."}]}
  401           {"error": ...} without the node's secret: the body is not read, so the
                answer is the same whatever plate was asked (the service is no oracle)
  4xx           {"error": "reason"} for a malformed query (never echoing the plate).

Only the node may ask: every search it answers is one the node asked for a person's
approved retrospective query, and records in its audit log ("reads.searched"). The
secret is read from an owner-only file on each side (`secret_file` here,
`read_history_secret_file` in node.toml) and compared in constant time. A refused
search is counted and logged with the reason and the asker's address, never the plate."""

from __future__ import annotations

import asyncio
import hmac
import json
import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

import structlog
from aiohttp import web

from adapters.listener import Listener, answer, read_body, too_large
from adapters.process import run_until_interrupted, start_process
from gateway.domain.errors import BackendUnavailable, InvalidInput
from gateway.domain.plates import normalise_country, normalise_plate
from gateway.domain.times import parse_time
from gateway.node.secret_files import read_secret

log = structlog.get_logger(__name__)

MAX_BODY = 16 * 1024
MAX_RESULTS = 1000


def _time(text: object, what: str) -> datetime:
    if not isinstance(text, str):
        raise InvalidInput(f"{what} must be an ISO 8601 time")
    return parse_time(text, what=what)  # with a zone: the node sends UTC


@dataclass(frozen=True, repr=False)
class SearchQuery:
    plate: str  # normalised
    country: str  # ISO alpha-2, or "" when the asker does not know it
    start: datetime  # aware; the window is [start, end)
    end: datetime
    limit: int

    def __repr__(self) -> str:  # never show a plate
        return f"SearchQuery({self.start.isoformat()}..{self.end.isoformat()})"


def parse_query(query: dict) -> SearchQuery:
    """The node's POST /search body, checked; InvalidInput says what is wrong."""
    plate = normalise_plate(str(query.get("plate", "")))
    country = normalise_country(query["country"]) if query.get("country") else ""
    start, end = _time(query.get("from"), "from"), _time(query.get("to"), "to")
    if end <= start:
        raise InvalidInput("the window ends before it starts")
    limit = max(1, min(int(query.get("limit", 100)), MAX_RESULTS))
    return SearchQuery(plate, country, start, end, limit)


class ReadHistorySource(Protocol):
    def search(self, query: SearchQuery) -> list[dict]:
        """Sightings of the plate in the window, oldest first, at most query.limit,
        each {"time", "camera", "site", "direction", "image_ref"}. Raises
        BackendUnavailable when the backend cannot answer."""
        ...


class ReadStore:
    """Reads held in memory, by normalised plate and country."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_plate: dict[tuple[str, str], list[tuple[datetime, dict]]] = defaultdict(list)

    def add(self, reads: Iterable[dict]) -> int:
        added = 0
        with self._lock:
            for r in reads:
                plate = normalise_plate(r["plate"])
                country = normalise_country(r["country"]) if r.get("country") else ""
                when = _time(r.get("time"), "time")
                self._by_plate[(plate, country)].append((when, r))
                added += 1
        return added

    @classmethod
    def of_files(cls, paths: Iterable[Path]) -> ReadStore:
        """A store holding the reads of these JSON-lines files."""
        store = cls()
        for path in paths:
            store.load(path)
        return store

    def load(self, path: Path) -> int:
        with path.open() as f:
            return self.add(json.loads(line) for line in f if line.strip())

    def search(self, query: SearchQuery) -> list[dict]:
        with self._lock:
            found = [
                r
                for when, r in self._by_plate.get((query.plate, query.country), ())
                if query.start <= when < query.end
            ]
        found.sort(key=lambda r: r["time"])
        return [
            {
                "time": r["time"],
                "camera": r.get("camera", ""),
                "site": r.get("site", ""),
                "direction": r.get("direction", ""),
                "image_ref": r.get("image_ref", ""),
            }
            for r in found[: query.limit]
        ]


class ReadHistoryListener:
    """POST /search on the adapters' aiohttp listener (adapters/listener.py), for the
    node only (its secret, see Contract). A search runs on a worker thread, since a
    vendor's search is a blocking HTTP call, and the loop goes on answering.
    `server_address` and `shutdown` keep the names of the http.server listener this
    replaced."""

    def __init__(
        self, source: ReadHistorySource, host: str = "127.0.0.1", port: int = 0, *, secret: bytes
    ):
        if not secret:
            raise ValueError("the read-history listener needs the node's secret")
        self._source = source
        self._host = host
        self._expected = b"Bearer " + secret
        self._listener = Listener(self._handle, host, port, max_body=MAX_BODY)
        self.searched = 0
        self.refused = 0

    def start(self) -> ReadHistoryListener:
        self._listener.start()
        return self

    @property
    def server_address(self) -> tuple[str, int]:
        return self._host, self._listener.port

    def shutdown(self) -> None:
        self._listener.stop()

    async def _handle(self, request: web.BaseRequest) -> web.StreamResponse:
        if request.method != "POST" or request.path != "/search":
            return answer(404, {"error": "only POST /search is served"})
        given = request.headers.get("Authorization", "").encode("utf-8", "replace")
        if not hmac.compare_digest(given, self._expected):
            # Before the body is read: what was asked never shapes the answer.
            self.refused += 1
            log.warning(
                "read_history.refused",
                reason="wrong secret" if given else "no secret",
                peer=request.remote,
                refused=self.refused,
            )
            refused = answer(
                401, {"error": "only the node may search: its secret is missing or wrong"}
            )
            refused.headers["WWW-Authenticate"] = 'Bearer realm="argos-read-history"'
            refused.force_close()  # the body was not read
            return refused
        body = await read_body(request, MAX_BODY)
        if body is None:
            return too_large("query", MAX_BODY)
        try:
            query = json.loads(body)
            if not isinstance(query, dict):
                raise InvalidInput("the query must be a JSON object")
            checked = parse_query(query)
        except (InvalidInput, ValueError, KeyError, TypeError) as exc:
            reason = str(exc) if isinstance(exc, InvalidInput) else "malformed query"
            return answer(400, {"error": reason})
        loop = asyncio.get_running_loop()
        try:
            sightings = await loop.run_in_executor(None, self._source.search, checked)
        except BackendUnavailable as exc:
            log.warning("read_history.backend_unavailable", reason=str(exc)[:300])
            return answer(502, {"error": str(exc)})
        self.searched += 1
        log.info("read_history.searched", found=len(sightings), searched=self.searched)
        return answer(200, {"sightings": sightings})


def serve(
    source: ReadHistorySource, host: str = "127.0.0.1", port: int = 0, *, secret: bytes
) -> ReadHistoryListener:
    """Start the search listener on a thread of its own; `server_address` says where.
    Only a request carrying `secret` is answered."""
    return ReadHistoryListener(source, host, port, secret=secret).start()


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reads", type=Path, action="append", default=[])
    parser.add_argument("--listen", default="127.0.0.1:8470")
    parser.add_argument("--secret-file", type=Path, required=True)
    args = parser.parse_args()
    store, secret = start_process(
        lambda: (ReadStore.of_files(args.reads), read_secret(args.secret_file, "secret file"))
    )
    host, port = args.listen.rsplit(":", 1)
    server = serve(store, host, int(port), secret=secret)
    print(f"read store on http://{host}:{server.server_address[1]}/search", flush=True)
    run_until_interrupted(server.shutdown)


if __name__ == "__main__":
    main()
