"""How the screens show the node's values: the severity and symbol of an owner's
action and flags (never colour alone: each has its words and a symbol too), times in
UTC, fingerprints in groups to read aloud, and fragments of HTML for live updates."""

from __future__ import annotations

from datetime import UTC, datetime

from google.protobuf.timestamp_pb2 import Timestamp
from starlette.requests import Request

from gateway.console.web import console_of, csrf_token, here, language, translate

# The owner's requested action (modelled on SIS), from most to least demanding.
ACTION_SEVERITY = {
    "seize": "critical",
    "specific_check": "high",
    "discreet_check": "discreet",
    "inquiry_check": "medium",
    "report_only": "info",
}
# Symbols a control-room machine has a font for (DejaVu, Debian's default), never emoji.
_ACTION_ICONS = {
    "seize": "✖",
    "specific_check": "⌕",
    "discreet_check": "◉",
    "inquiry_check": "?",
    "report_only": "✎",
}
_FLAG_ICONS = {"suspected_clone": "⚠", "do_not_alert_subject": "⊘"}


def action_icon(action: str) -> str:
    return _ACTION_ICONS.get(action, "•")


def flag_icon(flag: str) -> str:
    return _FLAG_ICONS.get(flag, "⚑")


def when(ts: Timestamp) -> str:
    """A protobuf time as ISO 8601 in UTC (the page's script shows it locally)."""
    return ts.ToDatetime(tzinfo=UTC).isoformat(timespec="seconds")


def shown(ts: Timestamp) -> str:
    """A protobuf time for reading: 2026-12-03 16:40 UTC."""
    if not ts.seconds and not ts.nanos:
        return ""
    return ts.ToDatetime(tzinfo=UTC).strftime("%Y-%m-%d %H:%M UTC")


def seconds_left(ts: Timestamp, now: datetime | None = None) -> int:
    return int((ts.ToDatetime(tzinfo=UTC) - (now or datetime.now(UTC))).total_seconds())


def fingerprint_groups(fingerprint: str) -> list[str]:
    """ABCD-EFGH-IJKL-MNOP as its groups, each read out on its own."""
    return [g for g in fingerprint.replace(" ", "-").split("-") if g]


def same_fingerprint(a: str, b: str) -> bool:
    """Equal once case, spaces and dashes are set aside (as heard on the phone)."""

    def norm(x: str) -> str:
        return "".join(c for c in x.upper() if c.isalnum())

    return bool(norm(a)) and norm(a) == norm(b)


def fragment(request: Request, template: str, context: dict) -> str:
    """A piece of a page (a table row, a notice) rendered with what pages have."""
    values = {
        "user": getattr(request.state, "user", None),
        "t": translate(request),
        "lang": language(request),
        "csrf_token": csrf_token(request),
        "here": here(request),
        **context,
    }
    return console_of(request).templates.get_template(template).render(values)
