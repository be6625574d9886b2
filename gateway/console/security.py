"""What every request and response of the console passes through, before any page:

1. Security headers on every response, pages, redirects, errors and static files alike
   (SecurityHeaders wraps the whole application, outside Starlette's error handling).
2. CSRF: every POST, PUT, PATCH and DELETE carries a token, in the form field
   `csrf_token` (of an urlencoded form, or of a multipart one: a file upload) or the
   `X-CSRF-Token` header, or is refused 403 before any handler runs. A body over
   MAX_BODY_BYTES is refused 413, with a page saying so.

The token is HMAC-SHA256 over the session token under a key of this console process
(never stored, nothing to keep in step with the node; a console restart only makes open
pages reload). It is bound to the session: another person's page, or a page of an
ended session, carries a token that does not fit. Before log-in there is no session, so
the log-in forms are bound the same way to a random value in a pre-session cookie."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import AsyncGenerator, Awaitable, Callable
from urllib.parse import parse_qsl

import structlog
from starlette.datastructures import Headers, MutableHeaders
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = structlog.get_logger("argos.console")

SESSION_COOKIE = "__Host-argos-session"
PRE_SESSION_COOKIE = "__Host-argos-csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# A console form is a few fields; a CSV import stays well below this.
MAX_BODY_BYTES = 2 * 1024 * 1024

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; "
    "object-src 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "strict-transport-security": "max-age=31536000; includeSubDomains",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "x-frame-options": "DENY",
}
# Pages carry police data: never kept by the browser or anything between. Static files
# (no data) may be kept, and are checked again on each use.
NO_STORE = "no-store"
STATIC_CACHE = "no-cache"


class SecurityHeaders:
    """Adds SECURITY_HEADERS and Cache-Control to every response start."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope.get("path", "").startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
                headers["cache-control"] = STATIC_CACHE if static else NO_STORE
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _mac(key: bytes, purpose: bytes, value: str) -> str:
    return hmac.new(key, purpose + b"\0" + value.encode(), hashlib.sha256).hexdigest()


def session_csrf_token(key: bytes, session_token: str) -> str:
    return _mac(key, b"session", session_token)


def pre_session_csrf_token(key: bytes, nonce: str) -> str:
    return _mac(key, b"pre-session", nonce)


def new_pre_session_nonce() -> str:
    return secrets.token_urlsafe(32)


def expected_tokens(key: bytes, cookies: dict[str, str]) -> list[str]:
    """The tokens a request with these cookies may carry: its session's, and before
    log-in (or on the log-in pages of an ended session) its pre-session cookie's."""
    tokens = []
    if cookies.get(SESSION_COOKIE):
        tokens.append(session_csrf_token(key, cookies[SESSION_COOKIE]))
    if cookies.get(PRE_SESSION_COOKIE):
        tokens.append(pre_session_csrf_token(key, cookies[PRE_SESSION_COOKIE]))
    return tokens


def token_fits(given: str, expected: list[str]) -> bool:
    # Compared with every expected token, in constant time each.
    fits = False
    for token in expected:
        fits |= hmac.compare_digest(given.encode(), token.encode())
    return bool(given) and fits


Refusal = Callable[[Request, int], Awaitable[Response]]


class CsrfCheck:
    """Refuses a state-changing request without a fitting token (403, logged without
    the token), before the application sees it. The posted body is read here once
    (at most MAX_BODY_BYTES): a form's text fields (urlencoded or multipart) are
    parsed into request.state.form, which web.form() returns, and the body is handed
    on unchanged (a page reads an uploaded file from it with request.form())."""

    def __init__(self, app: ASGIApp, key: bytes, refuse: Refusal) -> None:
        self.app = app
        self.key = key
        self.refuse = refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        body = await _read_body(receive, MAX_BODY_BYTES)
        if body is None:
            response = await self.refuse(request, 413)
            await response(scope, receive, send)
            return
        headers = Headers(scope=scope)
        form: dict[str, str] = {}
        content_type = headers.get("content-type", "")
        if content_type.startswith("application/x-www-form-urlencoded"):
            form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        elif content_type.startswith("multipart/form-data"):
            form = await multipart_fields(headers, body)
        given = headers.get(CSRF_HEADER) or form.get(CSRF_FIELD, "")
        if not token_fits(given, expected_tokens(self.key, request.cookies)):
            log.warning(
                "console.csrf_refused",
                method=scope["method"],
                path=scope["path"],
                token_given=bool(given),
            )
            response = await self.refuse(request, 403)
            await response(scope, receive, send)
            return
        form.pop(CSRF_FIELD, None)
        scope.setdefault("state", {})["form"] = form
        await self.app(scope, _replay(body, receive), send)


async def multipart_fields(headers: Headers, body: bytes) -> dict[str, str]:
    """The text fields of a multipart/form-data body (a file upload's form), read by
    the parser Starlette uses; files are left to the page. A body that is not valid
    multipart has no fields, so its request carries no token and is refused."""

    async def stream() -> AsyncGenerator[bytes, None]:
        yield body

    parser = MultiPartParser(headers, stream(), max_part_size=MAX_BODY_BYTES)
    try:
        parsed = await parser.parse()
    except MultiPartException:
        return {}
    try:
        return {name: value for name, value in parsed.multi_items() if isinstance(value, str)}
    finally:
        await parsed.close()


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body read, once; then the connection's own messages (its disconnect)."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed
