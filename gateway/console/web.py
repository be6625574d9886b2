"""What every console page uses: the signed-in person (signed_in, ConsoleUser), calling
the node as that person (call), rendering a template (render) and the posted form
(form). A page is an async endpoint that translates the request into one or a few node
calls and the answer into a template; the node decides who may do what and audits it,
so a refusal is the node's, shown to the person in words they can act on."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import anyio.to_thread
import grpc
import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from gateway.console import i18n
from gateway.console.config import ConsoleConfig
from gateway.console.node_client import NodeClient
from gateway.console.security import (
    PRE_SESSION_COOKIE,
    SESSION_COOKIE,
    new_pre_session_nonce,
    pre_session_csrf_token,
    session_csrf_token,
)
from gateway.wire.argos.v1 import admin_pb2 as pb
from gateway.wire.argos.v1 import sessions_pb2

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"
REAUTH_DETAIL = "reauthentication required"

Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class ConsoleUser:
    """The person behind a request, as their node's session says."""

    name: str
    role: str  # the node's role name: admin, investigator, operator or auditor
    session_id: str
    fresh_until: datetime | None


@dataclass
class Console:
    """What the pages share, on app.state.console."""

    config: ConsoleConfig
    node: NodeClient
    templates: jinja2.Environment


def console_of(request: Request) -> Console:
    return request.app.state.console


# -- the person and their session ------------------------------------------------------


def role_name(role: int) -> str:
    """pb.ROLE_OPERATOR -> "operator" (as the CLI prints it)."""
    return pb.Role.Name(role)[len("ROLE_") :].lower()


def user_from(session: sessions_pb2.Session) -> ConsoleUser:
    fresh = session.fresh_until.ToDatetime(tzinfo=UTC) if session.HasField("fresh_until") else None
    return ConsoleUser(
        name=session.user,
        role=role_name(session.role),
        session_id=session.session_id,
        fresh_until=fresh,
    )


def session_token(request: Request) -> str | None:
    return request.cookies.get(SESSION_COOKIE) or None


def client_address(request: Request) -> str:
    """The browser's address (behind a trusted proxy: the one it forwarded, which
    uvicorn puts in request.client; see config.trusted_proxies)."""
    return request.client.host if request.client else ""


def local_path(target: str | None) -> str | None:
    """`target` if it is a path of this console ("/alerts?x=1"), else None: never an
    address elsewhere ("//evil", "https://evil", "/\\evil"), which would make a log-in
    or re-authentication page an open redirect."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if any(ord(c) < 0x20 or c == "\\" for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def here(request: Request) -> str:
    """The path (and query) of this request, to come back to after log-in."""
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


class SessionEnded(Exception):
    """No session, or the node ended it (idle, absolute end, logged out, user
    disabled or role changed): the person signs in again, and comes back to the page
    they asked for (see login_url)."""

    def __init__(self) -> None:
        super().__init__("session ended")


class ReauthRequired(Exception):
    """The node wants the password and code again before this act."""

    def __init__(self, next_path: str) -> None:
        super().__init__(REAUTH_DETAIL)
        self.next_path = next_path


class Refused(Exception):
    """The node (or the console) refused: shown as an error page with its message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def signed_in(*roles: str) -> Callable[[Endpoint], Endpoint]:
    """For a page that needs a signed-in person: asks the node whose session this is
    (which also keeps it alive), puts them on request.state.user, and sends anyone
    without a live session to the log-in page. With `roles`, a person of another role
    gets a 403 page at once; that is a shortcut for the eye, the node refuses (and
    audits) whatever the person then tries anyway."""

    def decorate(endpoint: Endpoint) -> Endpoint:
        @functools.wraps(endpoint)
        async def page(request: Request) -> Response:
            if session_token(request) is None:
                return RedirectResponse(login_url(request), status_code=303)
            reply = await call(request, "sessions", "GetSession", sessions_pb2.GetSessionRequest())
            request.state.user = user_from(reply.session)
            if roles and request.state.user.role not in roles:
                raise Refused(403, translate(request)("error.forbidden"))
            return await endpoint(request)

        return page

    return decorate


def login_url(request: Request, *, ended: bool = False) -> str:
    """/login, coming back here afterwards (for a page, not for a form's action)."""
    params = ["ended=1"] if ended else []
    if request.method == "GET" and request.url.path not in ("/", "/login"):
        params.append("next=" + quote(here(request), safe=""))
    return "/login" + ("?" + "&".join(params) if params else "")


# -- calling the node -------------------------------------------------------------------

STATUS_FOR_CODE = {
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.FAILED_PRECONDITION: 409,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DEADLINE_EXCEEDED: 503,
}


async def node_call(
    request: Request, stub: str, method: str, message: Any, token: str | None
) -> Any:
    """One call to the node off the event loop; a refusal is raised as grpc.RpcError."""
    node = console_of(request).node
    return await anyio.to_thread.run_sync(
        functools.partial(node.invoke, stub, method, message, token)
    )


async def call(request: Request, stub: str, method: str, message: Any) -> Any:
    """Call the node (stub "admin", "ingest", "isc" or "sessions") as the signed-in
    person and return its reply. A refusal becomes what the person sees: an ended
    session the log-in page, a missing permission a 403 page, "reauthentication
    required" the re-authentication page (coming back to the form's `next` field, or
    to this page), and a refused request the node's own message (400, 404, 409, 429;
    503 when the node does not answer)."""
    try:
        return await node_call(request, stub, method, message, session_token(request))
    except grpc.RpcError as error:
        raise await refusal_of(request, error) from None


def node_stream(request: Request, stub: str, method: str, message: Any) -> Any:
    """A server stream of the node as the signed-in person (e.g. admin WatchAlerts): a
    gRPC call object to iterate off the event loop and cancel() when the browser goes.
    Its refusals arrive as grpc.RpcError while iterating; refusal_of() maps them."""
    return console_of(request).node.stream(stub, method, message, session_token(request))


async def refusal_of(request: Request, error: grpc.RpcError) -> Exception:
    code, details = error.code(), error.details() or ""
    if code is grpc.StatusCode.UNAUTHENTICATED:
        return SessionEnded()
    if code is grpc.StatusCode.FAILED_PRECONDITION and REAUTH_DETAIL in details:
        back = here(request)
        if request.method != "GET":
            back = local_path((await form(request)).get("next")) or "/"
        return ReauthRequired(back)
    t = translate(request)
    if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
        return Refused(503, t("error.unavailable"))
    status = STATUS_FOR_CODE.get(code)
    if status is None:
        return Refused(500, t("error.internal"))
    return Refused(status, details or t(f"error.{status}"))


# -- forms and pages ----------------------------------------------------------------------


async def form(request: Request) -> dict[str, str]:
    """The posted form (application/x-www-form-urlencoded), its CSRF token already
    checked and removed by security.CsrfCheck; empty for other kinds of body."""
    return dict(getattr(request.state, "form", {}) or {})


def language(request: Request) -> str:
    lang = getattr(request.state, "lang", None)
    if lang is None:
        lang = i18n.choose_language(
            request.cookies.get(i18n.LANG_COOKIE), request.headers.get("accept-language")
        )
        request.state.lang = lang
    return lang


def translate(request: Request) -> i18n.Translate:
    return i18n.translator(language(request))


def csrf_token(request: Request) -> str:
    """The token this request's forms carry: bound to the session, or before log-in to
    the pre-session cookie (made here, and set by render, when there is none yet)."""
    key = console_of(request).config.csrf_key
    token = session_token(request)
    if token:
        return session_csrf_token(key, token)
    nonce = request.cookies.get(PRE_SESSION_COOKIE) or getattr(request.state, "new_nonce", None)
    if nonce is None:
        nonce = request.state.new_nonce = new_pre_session_nonce()
    return pre_session_csrf_token(key, nonce)


def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(request: Request, template: str, context: dict, status: int = 200) -> Response:
    """A page: `template` with `context` and what every page has (user, t, lang,
    csrf_token, the node, the navigation of the user's role, the current path)."""
    from gateway.console import screens  # the screens import this module

    console = console_of(request)
    user: ConsoleUser | None = getattr(request.state, "user", None)
    values = {
        "user": user,
        "t": translate(request),
        "lang": language(request),
        "languages": i18n.LANGUAGES,
        "csrf_token": csrf_token(request),
        "node_id": console.config.node_id,
        "nav": screens.NAV.get(user.role, []) if user else [],
        "path": request.url.path,
        "here": here(request),
        **context,
    }
    html = console.templates.get_template(template).render(values)
    response = HTMLResponse(html, status_code=status)
    nonce = getattr(request.state, "new_nonce", None)
    if nonce is not None:
        set_cookie(response, PRE_SESSION_COOKIE, nonce)
    return response


def set_cookie(response: Response, name: str, value: str, max_age: int | None = None) -> None:
    """A __Host- cookie: Secure, HttpOnly, SameSite=Strict, Path=/, no Domain."""
    response.set_cookie(
        name, value, max_age=max_age, path="/", secure=True, httponly=True, samesite="strict"
    )


def clear_cookie(response: Response, name: str) -> None:
    response.delete_cookie(name, path="/", secure=True, httponly=True, samesite="strict")


def error_page(request: Request, status: int, message: str) -> Response:
    t = translate(request)
    return render(
        request,
        "error.html",
        {"status": status, "title": t(f"error.{status}"), "message": message},
        status=status,
    )
