"""The HTTP side of the adapters: aiohttp's low-level server (C HTTP parser, HTTP/1.1
keep-alive) on one asyncio event loop, on a thread of its own. It knows HTTP only; what
a request means is its handler's business. Two kinds of handler use it: a vendor's push
(`push_handler`: `POST` any path from a camera the gate admits hands the payload to a
receiver, adapters/runtime.py; `GET /health` shows its counts) and the node's
read-history search (adapters/read_store.py). With an ssl.SSLContext it serves HTTPS
only (adapters/edge/tls.py)."""

from __future__ import annotations

import asyncio
import json
import ssl
import threading
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Protocol

from aiohttp import web
from aiohttp.http_parser import RawRequestMessage
from aiohttp.streams import StreamReader
from aiohttp.web_protocol import RequestHandler

from adapters.edge.gate import CameraGate, Knock, Refusal

MAX_BODY = 32 * 1024 * 1024
# A refused request's body is read and dropped, never kept (so the connection can go
# on, as a Digest client expects after its challenge), only up to this size: a camera's
# event with its pictures fits; a larger or chunked one ends the connection unread.
DRAIN_REFUSED = 1024 * 1024

Handler = Callable[[web.BaseRequest], Awaitable[web.StreamResponse]]


def answer(status: int, body: dict) -> web.Response:
    """A JSON answer."""
    return web.Response(
        status=status, body=json.dumps(body).encode(), content_type="application/json"
    )


async def read_body(request: web.BaseRequest, max_body: int) -> bytes | None:
    """The request's body, or None when it is over max_body: refused unread when its
    length is announced, else (sent chunked) as soon as it passes the limit. Answer
    None with `too_large`."""
    if (request.content_length or 0) > max_body:
        return None
    try:
        return await request.read()
    except web.HTTPRequestEntityTooLarge:
        return None


def too_large(what: str, max_body: int) -> web.Response:
    refused = answer(413, {"error": f"{what} over {max_body} bytes"})
    refused.force_close()  # the body is not read whole: this connection cannot go on
    return refused


class Listener:
    def __init__(
        self,
        handle: Handler,
        host: str,
        port: int,
        *,
        max_body: int = MAX_BODY,
        ssl_context: ssl.SSLContext | None = None,
    ):
        self._handle = handle
        self._host, self._wanted_port = host, port
        self._max_body = max_body
        self._ssl_context = ssl_context
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
                self.run(self._close(self._runner))
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout=5)
        self.loop.close()

    @staticmethod
    async def _close(runner: web.ServerRunner) -> None:
        """Stop serving, then end what the connections still run (a TLS connection's
        handler can outlive the server's cleanup while its close is under way)."""
        await runner.cleanup()
        pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

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
        site = web.TCPSite(
            self._runner,
            self._host,
            self._wanted_port,
            backlog=512,
            ssl_context=self._ssl_context,
        )
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
            message, payload, protocol, writer, task, self.loop, client_max_size=self._max_body
        )


# -- vendor push ----------------------------------------------------------------------


class PushReceiver(Protocol):
    def receive(self, body: bytes, content_type: str, camera: str) -> Awaitable[tuple[int, dict]]:
        """(HTTP status, JSON answer) for one payload pushed by `camera` (a configured
        camera's id, authenticated by the gate); runs on the loop."""
        ...

    def too_large(self, content_type: str) -> None:
        """A push over MAX_BODY bytes was refused unread."""
        ...

    def health_view(self) -> dict:
        """What GET /health shows: counts, never content, never a hit count."""
        ...


def push_handler(receiver: PushReceiver, gate: CameraGate) -> Handler:
    """`POST` (any path) from a camera the gate admits is a vendor push handed to the
    receiver, anything else refused before its body is read; `GET /health` shows the
    receiver's counts to the addresses allowed to see them."""

    async def handle(request: web.BaseRequest) -> web.StreamResponse:
        peer = request.remote or ""
        if request.method == "GET":
            if request.path != "/health":
                return answer(404, {"error": "GET /health only"})
            if not gate.may_see_health(peer):
                return answer(403, {"error": "GET /health is served to health_allow_from only"})
            return answer(200, receiver.health_view())
        if request.method != "POST":
            return answer(405, {"error": "POST a payload, or GET /health"})
        transport = request.transport
        admitted = gate.admit(
            Knock(
                method=request.method,
                target=request.raw_path,
                headers=request.headers,
                peer=peer,
                peer_certificate=(
                    transport.get_extra_info("peercert") if transport is not None else None
                ),
            )
        )
        if isinstance(admitted, Refusal):
            return _refused(request, admitted)
        content_type = request.headers.get("Content-Type", "")
        body = await read_body(request, MAX_BODY)
        if body is None:
            receiver.too_large(content_type)
            return too_large("payload", MAX_BODY)
        status, body_answer = await receiver.receive(body, content_type, admitted)
        return answer(status, body_answer)

    return handle


def _refused(request: web.BaseRequest, refusal: Refusal) -> web.Response:
    response = answer(refusal.status, {"error": refusal.reason})
    for name, value in refusal.headers:
        response.headers.add(name, value)
    length = request.content_length
    if (length is None and request.body_exists) or (length or 0) > DRAIN_REFUSED:
        response.force_close()
    return response
