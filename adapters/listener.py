"""The HTTP side of an inbound adapter: aiohttp's low-level server (C HTTP parser,
HTTP/1.1 keep-alive) on one asyncio event loop, on a thread of its own. It knows HTTP
only: `POST` (any path) is a vendor push handed to the receiver, `GET /health` shows
its counts; what a push means is the receiver's business (adapters/runtime.py)."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Awaitable, Coroutine
from typing import Any, Protocol

from aiohttp import web
from aiohttp.http_parser import RawRequestMessage
from aiohttp.streams import StreamReader
from aiohttp.web_protocol import RequestHandler

MAX_BODY = 32 * 1024 * 1024


class PushReceiver(Protocol):
    def receive(self, body: bytes, content_type: str) -> Awaitable[tuple[int, dict]]:
        """(HTTP status, JSON answer) for one pushed payload; runs on the loop."""
        ...

    def too_large(self, content_type: str) -> None:
        """A push over MAX_BODY bytes was refused unread."""
        ...

    def health_view(self) -> dict:
        """What GET /health shows: counts, never content."""
        ...


def _answer(status: int, body: dict) -> web.Response:
    return web.Response(
        status=status, body=json.dumps(body).encode(), content_type="application/json"
    )


class Listener:
    def __init__(self, receiver: PushReceiver, host: str, port: int) -> None:
        self._receiver = receiver
        self._host, self._wanted_port = host, port
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="http", daemon=True)
        self._runner: web.ServerRunner | None = None
        self.port = 0

    def start(self) -> int:
        """Bind and serve; the port bound (useful when asked for port 0)."""
        self._thread.start()
        self.port = self.run(self._start())
        return self.port

    def stop(self) -> None:
        if self._thread.is_alive():
            if self._runner is not None:
                self.run(self._runner.cleanup())
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout=5)
        self.loop.close()

    def run(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
        """Run a coroutine on the listener's loop from another thread; its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=30)

    async def _start(self) -> int:
        server = web.Server(
            self._handle,
            request_factory=self._request,
            access_log=None,  # structlog records what matters, without request lines
        )
        self._runner = web.ServerRunner(server, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._wanted_port, backlog=512)
        await site.start()
        return self._runner.addresses[0][1]

    def _request(
        self,
        message: RawRequestMessage,
        payload: StreamReader,
        protocol: RequestHandler,
        writer: Any,
        task: asyncio.Task[None],
    ) -> web.BaseRequest:
        return web.BaseRequest(
            message, payload, protocol, writer, task, self.loop, client_max_size=MAX_BODY
        )

    async def _handle(self, request: web.BaseRequest) -> web.StreamResponse:
        if request.method == "GET":
            if request.path != "/health":
                return _answer(404, {"error": "GET /health only"})
            return _answer(200, self._receiver.health_view())
        if request.method != "POST":
            return _answer(405, {"error": "POST a payload, or GET /health"})
        content_type = request.headers.get("Content-Type", "")
        too_large = _answer(413, {"error": f"payload over {MAX_BODY} bytes"})
        if (request.content_length or 0) > MAX_BODY:
            self._receiver.too_large(content_type)
            too_large.force_close()  # the body is not read: this connection cannot go on
            return too_large
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:  # sent chunked, with no length announced
            self._receiver.too_large(content_type)
            too_large.force_close()
            return too_large
        status, answer = await self._receiver.receive(body, content_type)
        return _answer(status, answer)
