"""The console application: the log-in pages and the screens, the static files, and
around them the security headers, the CSRF check and an access log that names paths
and statuses only (never a query, a form, a cookie or a token)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import quote

import structlog
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.console import auth, screens
from gateway.console.config import ConsoleConfig
from gateway.console.node_client import NodeClient
from gateway.console.security import SESSION_COOKIE, CsrfCheck, SecurityHeaders
from gateway.console.web import (
    STATIC_DIR,
    Console,
    ReauthRequired,
    Refused,
    SessionEnded,
    clear_cookie,
    environment,
    error_page,
    login_url,
    translate,
)

log = structlog.get_logger("argos.console")


class ConsoleApp(Starlette):
    """Starlette with the security headers outside everything, so that the error
    pages of its outermost middleware carry them too."""

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeaders(super().build_middleware_stack())


class AccessLog:
    """One log line per request: method, path, status, milliseconds."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.monotonic()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            log.info(
                "console.request",
                method=scope["method"],
                path=scope["path"],
                status=status,
                ms=round((time.monotonic() - started) * 1000, 1),
            )


async def _session_ended(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SessionEnded)
    response = RedirectResponse(login_url(request, ended=True), status_code=303)
    clear_cookie(response, SESSION_COOKIE)
    return response


async def _reauth_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ReauthRequired)
    return RedirectResponse("/reauth?next=" + quote(exc.next_path, safe=""), status_code=303)


async def _refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Refused)
    return error_page(request, exc.status, exc.message)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return error_page(request, exc.status_code, translate(request)(f"error.{exc.status_code}"))


async def _server_error(request: Request, exc: Exception) -> Response:
    log.error("console.error", path=request.url.path, error=type(exc).__name__)
    return error_page(request, 500, translate(request)("error.internal"))


async def refusal_page(request: Request, status: int) -> Response:
    """The CSRF check's 403 page, and its 413 page for a body over its limit."""
    t = translate(request)
    return error_page(request, status, t("error.too_large" if status == 413 else "error.csrf"))


def create_app(config: ConsoleConfig) -> Starlette:
    """The console of one node, calling it over its admin socket."""
    console = Console(
        config=config,
        node=NodeClient(config.admin_socket, config.call_timeout_s),
        templates=environment(),
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        log.info("console.started", node_id=config.node_id, url=config.url)
        yield
        console.node.close()

    app = ConsoleApp(
        routes=[
            *auth.ROUTES,
            *screens.ROUTES,
            Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
        ],
        middleware=[
            Middleware(AccessLog),
            Middleware(CsrfCheck, key=config.csrf_key, refuse=refusal_page),
        ],
        exception_handlers={
            SessionEnded: _session_ended,
            ReauthRequired: _reauth_required,
            Refused: _refused,
            HTTPException: _http_error,
            Exception: _server_error,
        },
        lifespan=lifespan,
    )
    app.state.console = console
    return app
