"""The pages of each role, built on gateway.console.web.

ROUTES are mounted by app.create_app beside the log-in pages. HOMES names the page a
person lands on after log-in, by role; NAV the links of the header, by role, as
(translation key, path). One module per screen: alerts (operator); hits,
confirmations, entries, entry_import and candidates (investigator); agreements,
partners and users (administrator); audit and its statistics (auditor); live.py is
the event stream they share. The core's placeholder homes (home.py) stay reachable."""

from __future__ import annotations

from starlette.routing import BaseRoute

from gateway.console.screens import (
    agreements,
    alerts,
    audit,
    candidates,
    confirmations,
    entries,
    entry_import,
    hits,
    home,
    partners,
    users,
)

HOMES: dict[str, str] = {
    "operator": "/alerts",
    "investigator": "/confirmations",
    "admin": "/agreements",
    "auditor": "/audit",
}

NAV: dict[str, list[tuple[str, str]]] = {
    "operator": [("nav.alerts", "/alerts")],
    "investigator": [
        ("nav.confirmations", "/confirmations"),
        ("nav.hits", "/hits"),
        ("nav.alerts", "/alerts"),
        ("nav.entries", "/entries"),
        ("nav.candidates", "/isc/candidates"),
    ],
    "admin": [
        ("nav.agreements", "/agreements"),
        ("nav.partners", "/partners"),
        ("nav.users", "/users"),
    ],
    "auditor": [
        ("nav.audit", "/audit"),
        ("nav.audit_stats", "/audit/stats"),
        ("nav.partners", "/partners"),
        ("nav.confirmations", "/confirmations"),
        ("nav.hits", "/hits"),
        ("nav.entries", "/entries"),
        ("nav.candidates", "/isc/candidates"),
    ],
}

# Order matters where paths overlap: /alerts/events before /alerts/{hit_id}, and
# /entries/import before /entries/{entry_id}.
ROUTES: list[BaseRoute] = [
    *alerts.ROUTES,
    *hits.ROUTES,
    *confirmations.ROUTES,
    *agreements.ROUTES,
    *audit.ROUTES,
    *partners.ROUTES,
    *users.ROUTES,
    *entry_import.ROUTES,
    *entries.ROUTES,
    *candidates.ROUTES,
    *home.ROUTES,
]
