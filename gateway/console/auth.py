"""The log-in pages: the password (/login), then the second factor (/login/code), the
session token then in its __Host- cookie; re-authentication before a sensitive act
(/reauth); log-out; and the language switch.

The node checks, throttles and audits every step; these pages carry the person's
entries to it with the browser's address and show its answer. Its refusal never says
which part was wrong, and neither do they. The step between password and code is held
in a short-lived cookie with the node's single-use login id, so a second kind of factor
(WebAuthn) can take the code page's place without changing the first step."""

from __future__ import annotations

from urllib.parse import quote

import grpc
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from gateway.console import i18n
from gateway.console.security import SESSION_COOKIE
from gateway.console.web import (
    Refused,
    call,
    clear_cookie,
    client_address,
    error_page,
    form,
    local_path,
    node_call,
    render,
    session_token,
    set_cookie,
    signed_in,
    translate,
    user_from,
)
from gateway.wire.argos.v1 import sessions_pb2

LOGIN_COOKIE = "__Host-argos-login"
# The node's login id lives a few minutes; the cookie no longer.
LOGIN_COOKIE_MAX_AGE_S = 300
LANG_COOKIE_MAX_AGE_S = 365 * 24 * 3600


def home_of(role: str) -> str:
    from gateway.console import screens

    return screens.HOMES.get(role, "/")


def _login_page(request: Request, message: str = "", status: int = 200, **values: str) -> Response:
    next_path = local_path(values.get("next") or request.query_params.get("next")) or ""
    return render(
        request,
        "login.html",
        {"message": message, "next": next_path, "user_name": values.get("user", "")},
        status=status,
    )


def _refusal_text(request: Request, error: grpc.RpcError) -> tuple[str, int]:
    """The node's words for a refused log-in step, and the page's status."""
    t = translate(request)
    code = error.code()
    if code is grpc.StatusCode.RESOURCE_EXHAUSTED:
        return error.details() or t("login.throttled"), 429
    if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
        return t("error.unavailable"), 503
    if code in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.INVALID_ARGUMENT):
        return error.details() or t("login.refused"), 401
    return t("error.internal"), 500


async def login_page(request: Request) -> Response:
    t = translate(request)
    message = ""
    if request.query_params.get("ended"):
        message = t("login.ended")
    elif request.query_params.get("bye"):
        message = t("login.bye")
    return _login_page(request, message)


async def login_password(request: Request) -> Response:
    values = await form(request)
    user, password = values.get("user", "").strip(), values.get("password", "")
    try:
        reply = await node_call(
            request,
            "sessions",
            "StartLogin",
            sessions_pb2.StartLoginRequest(
                user=user, password=password, client_address=client_address(request)
            ),
            None,
        )
    except grpc.RpcError as error:
        message, status = _refusal_text(request, error)
        return _login_page(request, message, status, user=user, next=values.get("next", ""))
    target = "/login/code"
    next_path = local_path(values.get("next"))
    if next_path:
        target += "?next=" + quote(next_path, safe="")
    response = RedirectResponse(target, status_code=303)
    set_cookie(response, LOGIN_COOKIE, reply.login_id, max_age=LOGIN_COOKIE_MAX_AGE_S)
    return response


async def code_page(request: Request) -> Response:
    if not request.cookies.get(LOGIN_COOKIE):
        return RedirectResponse("/login", status_code=303)
    next_path = local_path(request.query_params.get("next")) or ""
    return render(request, "login_code.html", {"message": "", "next": next_path})


async def login_code(request: Request) -> Response:
    values = await form(request)
    login_id = request.cookies.get(LOGIN_COOKIE, "")
    if not login_id:
        return RedirectResponse("/login", status_code=303)
    try:
        reply = await node_call(
            request,
            "sessions",
            "FinishLogin",
            sessions_pb2.FinishLoginRequest(
                login_id=login_id,
                totp_code=values.get("code", "").strip(),
                client_address=client_address(request),
            ),
            None,
        )
    except grpc.RpcError as error:
        # The login id is single use: a refused code starts the log-in again.
        message, status = _refusal_text(request, error)
        response = _login_page(request, message, status, next=values.get("next", ""))
        clear_cookie(response, LOGIN_COOKIE)
        return response
    user = user_from(reply.session)
    target = local_path(values.get("next")) or home_of(user.role)
    response = RedirectResponse(target, status_code=303)
    set_cookie(response, SESSION_COOKIE, reply.session_token)
    clear_cookie(response, LOGIN_COOKIE)
    return response


def _reauth_target(request: Request, given: str | None) -> str:
    target = local_path(given)
    if target is None:
        raise Refused(400, translate(request)("error.not_local"))
    return target


@signed_in()
async def reauth_page(request: Request) -> Response:
    target = _reauth_target(request, request.query_params.get("next", "/"))
    return render(request, "reauth.html", {"message": "", "next": target})


@signed_in()
async def reauthenticate(request: Request) -> Response:
    values = await form(request)
    target = _reauth_target(request, values.get("next", "/"))
    try:
        await node_call(
            request,
            "sessions",
            "Reauthenticate",
            sessions_pb2.ReauthenticateRequest(
                password=values.get("password", ""), totp_code=values.get("code", "").strip()
            ),
            session_token(request),
        )
    except grpc.RpcError as error:
        # A wrong password or code, or a session that ended meanwhile: GetSession tells.
        await call(request, "sessions", "GetSession", sessions_pb2.GetSessionRequest())
        message, status = _refusal_text(request, error)
        return render(request, "reauth.html", {"message": message, "next": target}, status)
    return RedirectResponse(target, status_code=303)


async def logout(request: Request) -> Response:
    token = session_token(request)
    if token:
        try:
            await node_call(
                request, "sessions", "EndSession", sessions_pb2.EndSessionRequest(), token
            )
        except grpc.RpcError as error:
            if error.code() is not grpc.StatusCode.UNAUTHENTICATED:
                raise
    response = RedirectResponse("/login?bye=1", status_code=303)
    clear_cookie(response, SESSION_COOKIE)
    return response


async def switch_language(request: Request) -> Response:
    values = await form(request)
    lang = values.get("lang", "")
    if lang not in i18n.LANGUAGES:
        return error_page(request, 400, translate(request)("error.400"))
    response = RedirectResponse(local_path(values.get("next")) or "/", status_code=303)
    set_cookie(response, i18n.LANG_COOKIE, lang, max_age=LANG_COOKIE_MAX_AGE_S)
    return response


async def root(request: Request) -> Response:
    """/ : the signed-in person's home, or the log-in page."""
    if session_token(request) is None:
        return RedirectResponse("/login", status_code=303)
    reply = await call(request, "sessions", "GetSession", sessions_pb2.GetSessionRequest())
    home = home_of(user_from(reply.session).role)
    if home == "/":  # a role without pages here (the node gives adapters no log-in)
        raise Refused(403, translate(request)("error.forbidden"))
    return RedirectResponse(home, status_code=303)


ROUTES = [
    Route("/", root, methods=["GET"]),
    Route("/login", login_page, methods=["GET"]),
    Route("/login", login_password, methods=["POST"]),
    Route("/login/code", code_page, methods=["GET"]),
    Route("/login/code", login_code, methods=["POST"]),
    Route("/reauth", reauth_page, methods=["GET"]),
    Route("/reauth", reauthenticate, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/lang", switch_language, methods=["POST"]),
]
