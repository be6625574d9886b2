"""Investigator: this node's own hotlist (/entries): the entries, newest first, filtered
by status and category; one entry (/entries/<id>, a consultation the node audits); add
(/entries/new), edit (/entries/<id>/edit) and withdraw, each through the node's
AddEntry, UpdateEntry and WithdrawEntry with the person's justification. The node
checks every entry (gateway/domain/hotlist.py) and decides what partners receive of it;
a refused form comes back with the node's reason and what the person typed. Auditors
may read the list and an entry (the node lets them), not change them."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from gateway.cli.importing import parse_timestamp
from gateway.console.screens.agreement_terms import CATEGORY_NAMES
from gateway.console.screens.display import ACTION_SEVERITY, action_icon, flag_icon, shown
from gateway.console.web import Refused, call, form, render, signed_in, translate
from gateway.domain.hotlist import FLAGS
from gateway.wire.argos.v1 import admin_pb2 as pb

STATUSES = ("active", "pending", "expired", "withdrawn")
ACTIONS = tuple(ACTION_SEVERITY)
FLAG_NAMES = tuple(sorted(FLAGS))
PAGE = 1000
# How many entries one look at the list reads (each page read is audited by the node).
MAX_READ = 5 * PAGE
TEXT_FIELDS = ("plate", "country", "category", "action", "vehicle_description", "contact")


def entry_view(e: pb.HotlistEntry) -> dict:
    return {
        "entry_id": e.entry_id,
        "plate": e.plate,
        "plate_normalised": e.plate_normalised,
        "country": e.country,
        "category": e.category,
        "action": e.action,
        "severity": ACTION_SEVERITY.get(e.action, "info"),
        "action_icon": action_icon(e.action),
        "flags": [(f, flag_icon(f)) for f in e.flags],
        "vehicle_description": e.vehicle_description,
        "contact": e.contact,
        "case_reference": e.case_reference,
        "valid_from": shown(e.valid_from),
        "expires_at": shown(e.expires_at),
        "expires_date": _date(e.expires_at),
        "valid_from_date": _date(e.valid_from),
        "version": e.version,
        "status": e.status,
        "withdrawn": e.status == "withdrawn",
        "created_by": e.created_by,
        "updated_at": shown(e.updated_at),
        "updated_key": (e.updated_at.seconds, e.updated_at.nanos, e.entry_id),
    }


def _date(ts) -> str:
    """YYYY-MM-DD of a time, for a date field."""
    return shown(ts)[:10]


async def all_entries(request: Request) -> tuple[list[pb.HotlistEntry], bool]:
    """The node's own entries page by page (its pages follow entry ids), at most
    MAX_READ; and whether there were more than that."""
    found: list[pb.HotlistEntry] = []
    after = ""
    while len(found) < MAX_READ:
        reply = await call(
            request, "admin", "ListEntries", pb.ListEntriesRequest(limit=PAGE, after_entry_id=after)
        )
        found.extend(reply.entries)
        if len(reply.entries) < PAGE:
            return found, False
        after = reply.entries[-1].entry_id
    return found, True


def _count(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@signed_in()
async def list_page(request: Request) -> Response:
    q = request.query_params
    status = q.get("status", "") if q.get("status", "") in STATUSES else ""
    category = q.get("category", "") if q.get("category", "") in CATEGORY_NAMES else ""
    entries, more = await all_entries(request)
    views = [entry_view(e) for e in entries]
    # The node says each entry's status; the console only picks the ones asked for.
    shown_views = [
        v
        for v in views
        if (not status or v["status"] == status) and (not category or v["category"] == category)
    ]
    shown_views.sort(key=lambda v: v["updated_key"], reverse=True)
    return render(
        request,
        "entries/list.html",
        {
            "entries": shown_views,
            "total": len(views),
            "more": more,
            "max_read": MAX_READ,
            "statuses": STATUSES,
            "categories": CATEGORY_NAMES,
            "status": status,
            "category": category,
            "imported": _count(q.get("imported")),
            "refused": _count(q.get("refused")),
        },
    )


async def _get(request: Request) -> pb.HotlistEntry:
    entry_id = request.path_params["entry_id"]
    reply = await call(request, "admin", "GetEntry", pb.GetEntryRequest(entry_id=entry_id))
    return reply.entry


@signed_in()
async def detail(request: Request) -> Response:
    return render(request, "entries/detail.html", {"e": entry_view(await _get(request))})


def _form_page(
    request: Request, values: dict, *, entry_id: str = "", error: str = "", status: int = 200
) -> Response:
    return render(
        request,
        "entries/form.html",
        {
            "v": values,
            "entry_id": entry_id,
            "error": error,
            "categories": CATEGORY_NAMES,
            "actions": ACTIONS,
            "flag_names": FLAG_NAMES,
        },
        status=status,
    )


def _blank() -> dict:
    return {name: "" for name in (*TEXT_FIELDS, "case_reference", "expires_date")} | {
        "valid_from_date": "",
        "flags": [],
        "justification": "",
    }


def _posted(f: dict[str, str], flags: list[str]) -> dict:
    """What the person typed, to fill the form again after a refusal."""
    values = _blank()
    for name in (*TEXT_FIELDS, "case_reference"):
        values[name] = f.get(name, "").strip()
    values["expires_date"] = f.get("expires_at", "").strip()
    values["valid_from_date"] = f.get("valid_from", "").strip()
    values["flags"] = [(flag, flag_icon(flag)) for flag in flags]
    values["justification"] = f.get("justification", "").strip()
    return values


def _fill(request: Request, entry: pb.HotlistEntry, values: dict) -> None:
    """The form's fields onto the entry (the whole new state, as UpdateEntry takes it).
    Dates are days, UTC; the node checks the rest."""
    t = translate(request)
    for name in TEXT_FIELDS:
        setattr(entry, name, values[name])
    entry.case_reference = values["case_reference"]
    del entry.flags[:]
    entry.flags.extend(flag for flag, _ in values["flags"])
    try:
        # A day the form shows unchanged keeps the entry's own time of that day.
        if values["expires_date"] and values["expires_date"] != _date(entry.expires_at):
            entry.expires_at.CopyFrom(parse_timestamp(values["expires_date"]))
        if values["valid_from_date"] and values["valid_from_date"] != _date(entry.valid_from):
            entry.valid_from.CopyFrom(parse_timestamp(values["valid_from_date"]))
    except ValueError:
        raise Refused(400, t("entries.bad_date")) from None


async def _flags(request: Request) -> list[str]:
    """The ticked flags (checkboxes of one name: more than the one value form() keeps)."""
    posted = await request.form()
    return [str(v) for v in posted.getlist("flags")]


@signed_in("investigator")
async def new_page(request: Request) -> Response:
    return _form_page(request, _blank())


@signed_in()
async def add(request: Request) -> Response:
    f = await form(request)
    values = _posted(f, await _flags(request))
    entry = pb.HotlistEntry()
    try:
        _fill(request, entry, values)
        reply = await call(
            request,
            "admin",
            "AddEntry",
            pb.AddEntryRequest(entry=entry, justification=values["justification"]),
        )
    except Refused as refused:
        if refused.status not in (400, 409):
            raise
        return _form_page(request, values, error=refused.message, status=refused.status)
    return RedirectResponse(f"/entries/{reply.entry.entry_id}", status_code=303)


@signed_in("investigator")
async def edit_page(request: Request) -> Response:
    e = entry_view(await _get(request))
    if e["withdrawn"]:
        raise Refused(409, translate(request)("entries.withdrawn_no_edit"))
    values = {**e, "justification": ""}
    return _form_page(request, values, entry_id=e["entry_id"])


@signed_in()
async def update(request: Request) -> Response:
    entry_id = request.path_params["entry_id"]
    f = await form(request)
    values = _posted(f, await _flags(request))
    # Only what the form holds changes: the node's copy is the start, so a field the
    # form does not show keeps its value.
    entry = await _get(request)
    try:
        _fill(request, entry, values)
        await call(
            request,
            "admin",
            "UpdateEntry",
            pb.UpdateEntryRequest(entry=entry, justification=values["justification"]),
        )
    except Refused as refused:
        if refused.status not in (400, 409):
            raise
        return _form_page(
            request, values, entry_id=entry_id, error=refused.message, status=refused.status
        )
    return RedirectResponse(f"/entries/{entry_id}", status_code=303)


@signed_in()
async def withdraw(request: Request) -> Response:
    entry_id = request.path_params["entry_id"]
    # The node asks a stated reason of every withdrawal, and refuses one without it.
    justification = (await form(request)).get("justification", "").strip()
    await call(
        request,
        "admin",
        "WithdrawEntry",
        pb.WithdrawEntryRequest(entry_id=entry_id, justification=justification),
    )
    return RedirectResponse(f"/entries/{entry_id}", status_code=303)


ROUTES = [
    Route("/entries", list_page, methods=["GET"]),
    Route("/entries", add, methods=["POST"]),
    Route("/entries/new", new_page, methods=["GET"]),
    Route("/entries/{entry_id}", detail, methods=["GET"]),
    Route("/entries/{entry_id}", update, methods=["POST"]),
    Route("/entries/{entry_id}/edit", edit_page, methods=["GET"]),
    Route("/entries/{entry_id}/withdraw", withdraw, methods=["POST"]),
]
