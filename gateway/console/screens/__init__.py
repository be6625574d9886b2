"""The pages of each role, built on gateway.console.web (issue18-screens fills this in).

ROUTES are mounted by app.create_app beside the log-in pages. HOMES names the page a
person lands on after log-in, by role; NAV the links of the header, by role, as
(translation key, path). The core ships a placeholder home per role (home.py)."""

from __future__ import annotations

from starlette.routing import BaseRoute

from gateway.console.screens import home

HOMES: dict[str, str] = {
    "operator": "/operator",
    "investigator": "/investigator",
    "admin": "/admin",
    "auditor": "/auditor",
}

NAV: dict[str, list[tuple[str, str]]] = {
    "operator": [("nav.home", "/operator")],
    "investigator": [("nav.home", "/investigator")],
    "admin": [("nav.home", "/admin")],
    "auditor": [("nav.home", "/auditor")],
}

ROUTES: list[BaseRoute] = [*home.ROUTES]
