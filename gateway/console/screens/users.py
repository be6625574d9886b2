"""Administrator: users and their console sessions (/users). The users with role and
state and how many console sessions each has open; one user (/users/<name>) with those
sessions (end one, or all of them, with a justification), new console credentials (a
password, and a TOTP secret shown once, on the answer to the POST and never again) and
disable/enable.

Everything here is the node's user.manage, a sensitive act: even the lists need a fresh
session, so the first visit goes through /reauth (web.call sends the person there and
back). The node audits each act; the console keeps nothing of what it shows."""

from __future__ import annotations

from collections import Counter

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from gateway.console.screens.display import shown
from gateway.console.web import Refused, call, form, render, role_name, signed_in, translate
from gateway.wire.argos.v1 import admin_pb2 as pb
from gateway.wire.argos.v1 import sessions_pb2 as spb


def _state(user: pb.User) -> str:
    return pb.UserState.Name(user.state).removeprefix("USER_STATE_").lower()


def user_view(user: pb.User, open_sessions: int = 0) -> dict:
    role = role_name(user.role)
    state = _state(user)
    return {
        "name": user.name,
        "role": role,
        "state": state,
        "created": shown(user.created_at),
        "last_used": shown(user.last_used_at),
        "token_expires": shown(user.token_expires_at),
        "sessions": open_sessions,
        # What the node will consider (it decides): adapters never sign in to the console.
        "console": role != "adapter" and state != "removed",
        "can_disable": state in ("active", "expired"),
        "can_enable": state == "disabled",
    }


def session_view(s: spb.Session) -> dict:
    return {
        "session_id": s.session_id,
        "user": s.user,
        "role": role_name(s.role),
        "started": shown(s.started_at),
        "last_seen": shown(s.last_seen_at),
        "ends": shown(s.absolute_end),
        "fresh": s.HasField("fresh_until"),
        "client_address": s.client_address,
    }


async def _sessions(request: Request, user: str = "") -> list[spb.Session]:
    reply = await call(request, "sessions", "ListSessions", spb.ListSessionsRequest(user=user))
    return list(reply.sessions)


@signed_in()
async def users_page(request: Request) -> Response:
    reply = await call(request, "admin", "ListUsers", pb.ListUsersRequest())
    open_by_user = Counter(s.user for s in await _sessions(request))
    views = [user_view(u, open_by_user[u.name]) for u in reply.users]
    views.sort(key=lambda v: (v["state"] == "removed", v["role"] == "adapter", v["name"]))
    return render(request, "users/list.html", {"users": views})


async def _user(request: Request) -> pb.User:
    """The user named in the path, as ListUsers gives it (the node has no GetUser)."""
    name = request.path_params["name"]
    reply = await call(request, "admin", "ListUsers", pb.ListUsersRequest())
    for user in reply.users:
        if user.name == name:
            return user
    raise Refused(404, translate(request)("users.unknown", name=name))


async def _user_page(
    request: Request, *, secret: dict | None = None, error: str = "", status: int = 200
) -> Response:
    user = await _user(request)
    sessions = [session_view(s) for s in await _sessions(request, user.name)]
    sessions.sort(key=lambda s: s["started"], reverse=True)
    mine = request.state.user.session_id
    for s in sessions:
        s["yours"] = s["session_id"] == mine
    return render(
        request,
        "users/detail.html",
        {
            "u": user_view(user, len(sessions)),
            "sessions": sessions,
            "secret": secret,
            "error": error,
        },
        status=status,
    )


@signed_in()
async def user_page(request: Request) -> Response:
    return await _user_page(request)


def _justification(request: Request, f: dict[str, str]) -> str:
    text = f.get("justification", "").strip()
    if not text:
        raise Refused(400, translate(request)("users.justification_needed"))
    return text


@signed_in()
async def end_sessions(request: Request) -> Response:
    """One session (session_id posted) or every session of the user."""
    f = await form(request)
    name = request.path_params["name"]
    justification = _justification(request, f)
    session_id = f.get("session_id", "").strip()
    message = (
        spb.EndSessionsRequest(session_id=session_id, justification=justification)
        if session_id
        else spb.EndSessionsRequest(user=name, justification=justification)
    )
    await call(request, "sessions", "EndSessions", message)
    return RedirectResponse(f"/users/{name}", status_code=303)


@signed_in()
async def set_credentials(request: Request) -> Response:
    """A new password (and, when asked, a new TOTP secret): the secret is shown on this
    answer only (no-store, like every page), for the person to hand over."""
    f = await form(request)
    name = request.path_params["name"]
    password = f.get("password", "")
    if password != f.get("password_again", ""):
        return await _user_page(
            request, error=translate(request)("users.passwords_differ"), status=400
        )
    reply = await call(
        request,
        "sessions",
        "SetConsoleCredentials",
        spb.SetConsoleCredentialsRequest(
            user=name, password=password, new_totp_secret=f.get("new_totp_secret") == "yes"
        ),
    )
    secret = {"totp_secret": reply.totp_secret, "totp_uri": reply.totp_uri, "password_set": True}
    return await _user_page(request, secret=secret)


@signed_in()
async def change_state(request: Request) -> Response:
    f = await form(request)
    name = request.path_params["name"]
    justification = f.get("justification", "").strip()
    kind = f.get("kind", "")
    if kind == "disable":
        await call(
            request,
            "admin",
            "DisableUser",
            pb.DisableUserRequest(name=name, justification=justification),
        )
    elif kind == "enable":
        await call(
            request,
            "admin",
            "EnableUser",
            pb.EnableUserRequest(name=name, justification=justification),
        )
    else:
        raise Refused(400, translate(request)("users.bad_state"))
    return RedirectResponse(f"/users/{name}", status_code=303)


ROUTES = [
    Route("/users", users_page, methods=["GET"]),
    Route("/users/{name}", user_page, methods=["GET"]),
    Route("/users/{name}/sessions/end", end_sessions, methods=["POST"]),
    Route("/users/{name}/credentials", set_credentials, methods=["POST"]),
    Route("/users/{name}/state", change_state, methods=["POST"]),
]
