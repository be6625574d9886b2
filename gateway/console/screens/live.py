"""The live stream behind the alert table and the confirmation pages: each browser
connection (an EventSource) is one upstream WatchAlerts as that person's session,
resumed from the browser's cursor, translated to server-sent events.

Why one upstream per connection, not one per user fanned out: the node stays the one
authority on every stream (its role check, its audit record of each watch with its
cursor, its end of the stream when the session ends), and a reconnecting page resumes
from its own cursor with nothing to buffer here. The price is one node thread per open
page, which the node caps ([limits] alert_watchers, _per_role, _per_user): a port sets
them above the number of console pages its control room keeps open (see
docs/admin-guide.md). The console side holds no thread per stream: the upstream is read
with grpc.aio on the event loop.

The cursor: an SSE `id:` is the item's position in the node's alert log; the browser
sends the last one back as Last-Event-ID when it reconnects by itself, and app code
that reopens the stream passes it as `?after=`. Either is handed to the node as
after_position, which replays everything kept since: nothing missed, nothing twice."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from grpc import aio

from gateway.wire.argos.v1 import ingest_pb2, ingest_pb2_grpc
from gateway.wire.local_api import bearer, socket_target

# What the node's WatchAlerts sends as initial metadata once the watch is accepted
# (authorised, audited, within the caps): the console answers 200 only then.
WATCH_OPEN = ("argos-watch", "open")
# A comment line this often keeps proxies from closing an idle stream and lets a
# vanished browser be noticed.
KEEPALIVE_S = 15.0
# Milliseconds the browser waits before reconnecting by itself.
RETRY_MS = 2000

_channels: dict[tuple[int, str], aio.Channel] = {}


def _channel(socket: Path) -> aio.Channel:
    """One grpc.aio channel per event loop and socket (aio channels belong to a loop)."""
    key = (id(asyncio.get_running_loop()), str(socket))
    channel = _channels.get(key)
    if channel is None:
        channel = aio.insecure_channel(socket_target(socket))
        _channels[key] = channel
    return channel


class CursorInvalid(ValueError):
    """A Last-Event-ID or ?after= that is not a position."""


def cursor(last_event_id: str | None, after: str | None) -> int | None:
    """The position to resume after: the browser's Last-Event-ID first (it is what the
    browser saw last), else ?after=, else None (from now on)."""
    for raw in (last_event_id, after):
        if raw is None or raw.strip() == "":
            continue
        if not raw.strip().isdigit():
            raise CursorInvalid("the cursor must be a position (a whole number)")
        return int(raw.strip())
    return None


class Watch:
    """One upstream WatchAlerts, opened and confirmed before the page's stream starts."""

    def __init__(self, call: Any) -> None:
        self._call = call

    @classmethod
    async def open(cls, socket: Path, token: str | None, after: int | None) -> Watch:
        """Open the watch as the holder of `token`; raise the node's refusal
        (grpc.RpcError: PERMISSION_DENIED, UNAUTHENTICATED, RESOURCE_EXHAUSTED,
        INVALID_ARGUMENT for a cursor the node never gave) before anything is sent."""
        request = ingest_pb2.WatchAlertsRequest()
        if after is not None:
            request.after_position = after
        stub = ingest_pb2_grpc.IngestServiceStub(_channel(socket))
        call = stub.WatchAlerts(request, metadata=bearer(token))
        metadata = await call.initial_metadata()
        if WATCH_OPEN not in tuple(metadata or ()):
            # Refused: the status follows at once (trailers only).
            code, details = await call.code(), await call.details()
            call.cancel()
            raise aio.AioRpcError(code, aio.Metadata(), aio.Metadata(), details=details)
        return cls(call)

    async def items(self) -> AsyncIterator[ingest_pb2.WatchAlertsResponse | None]:
        """The node's items; None every KEEPALIVE_S without one. Ends when the node
        ends the stream (its error raised as grpc.RpcError), or when closed."""
        queue: asyncio.Queue[Any] = asyncio.Queue()
        done = object()

        async def pump() -> None:
            try:
                async for item in self._call:
                    await queue.put(item)
                await queue.put(done)
            except BaseException as error:  # handed to the reader, raised there
                await queue.put(error)

        task = asyncio.create_task(pump())
        try:
            while True:
                try:
                    item = await asyncio.wait_for(queue.get(), KEEPALIVE_S)
                except TimeoutError:
                    yield None
                    continue
                if item is done:
                    return
                if isinstance(item, BaseException):
                    if isinstance(item, asyncio.CancelledError):
                        return
                    raise item
                yield item
        finally:
            self.close()
            task.cancel()

    def close(self) -> None:
        self._call.cancel()


def frame(data: str | dict, *, event: str = "", position: int = 0) -> str:
    """One server-sent event: `id:` the position (omitted for 0: a behind notice has
    none), `event:` its kind, `data:` JSON (one line)."""
    body = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    lines = []
    if position:
        lines.append(f"id: {position}")
    if event:
        lines.append(f"event: {event}")
    lines.extend(f"data: {line}" for line in body.split("\n"))
    return "\n".join(lines) + "\n\n"


def opening() -> str:
    """The first bytes of every stream: the browser's reconnect delay."""
    return f"retry: {RETRY_MS}\n: open\n\n"


KEEPALIVE = ": keepalive\n\n"
