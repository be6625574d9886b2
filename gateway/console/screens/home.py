"""A placeholder home page per role: who you are and what this console will show you.
The screens of issue 18 replace these one by one."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gateway.console.web import render, signed_in


def _home(role: str):
    @signed_in(role)
    async def page(request: Request) -> Response:
        return render(request, "home.html", {"role": role})

    page.__name__ = f"{role}_home"
    return page


ROUTES = [
    Route(f"/{role}", _home(role), methods=["GET"])
    for role in ("operator", "investigator", "admin", "auditor")
]
