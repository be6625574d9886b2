"""Investigator: the confirmation inbox (/confirmations), open requests by time left with
a live countdown (static/screens.js) and overdue ones marked; one request
(/confirmations/<id>) with its answer, and the forms to answer, refuse (a reason is
mandatory) or withdraw. While a request is open its page listens to the alert stream
for that request's notices and then fetches /confirmations/<id>/status again, so the
requester sees the answer arrive without reloading (one audited read per change, not
one per poll)."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from gateway.console.screens.display import fragment, seconds_left, shown, when
from gateway.console.web import call, form, render, signed_in
from gateway.wire.argos.v1 import admin_pb2 as pb
from gateway.wire.argos.v1 import agreement_pb2 as apb
from gateway.wire.argos.v1 import confirmations_pb2 as cpb


def _name(enum, value: int, prefix: str) -> str:
    return enum.Name(value).removeprefix(prefix).lower()


def confirmation_view(c: pb.Confirmation, now: datetime) -> dict:
    r = c.request
    state = _name(cpb.ConfirmationState, c.state, "CONFIRMATION_STATE_")
    left = seconds_left(r.deadline, now)
    view = {
        "request_id": r.request_id,
        "kind": _name(cpb.ConfirmationKind, r.kind, "CONFIRMATION_KIND_"),
        "state": state,
        "open": c.state == cpb.CONFIRMATION_STATE_OPEN,
        "outgoing": c.outgoing,
        "partner": r.responder if c.outgoing else r.requester,
        "requester_user": r.requester_user,
        "purpose": _name(apb.Purpose, r.purpose, "PURPOSE_"),
        "case_reference": r.case_reference,
        "urgent": r.urgency == cpb.URGENCY_URGENT,
        "urgent_reason": r.urgent_reason,
        "created_at": shown(r.created_at),
        "deadline": when(r.deadline),
        "deadline_shown": shown(r.deadline),
        "seconds_left": left,
        "overdue": c.state == cpb.CONFIRMATION_STATE_OPEN and left < 0,
        "hit_id": r.hit_id,
        "entry_id": r.entry_id,
        "question": r.question,
        "closed_by": c.closed_by,
        "closed_at": shown(c.closed_at),
        "refusal_reason": c.refusal_reason,
        "delivered": c.delivered,
        "answer": None,
    }
    if c.HasField("answer"):
        a = c.answer
        view["answer"] = {
            "outcome": _name(cpb.Outcome, a.outcome, "OUTCOME_"),
            "note": a.note,
            "action": a.action if a.HasField("action") else "",
            "flags": list(a.flags) if a.flags_shared else [],
            "contact": a.contact if a.HasField("contact") else "",
            "sightings": [
                {
                    "observed_at": shown(s.observed_at),
                    "where": " / ".join(
                        x for x in (s.location.zone, s.location.site, s.location.camera) if x
                    ),
                }
                for s in a.sightings
            ],
        }
    return view


@signed_in()
async def inbox(request: Request) -> Response:
    reply = await call(
        request, "admin", "ListConfirmations", pb.ListConfirmationsRequest(limit=500)
    )
    now = datetime.now(UTC)
    views = [confirmation_view(c, now) for c in reply.confirmations]
    open_ = sorted((v for v in views if v["open"]), key=lambda v: v["seconds_left"])
    closed = [v for v in views if not v["open"]][:50]
    return render(
        request,
        "confirmations/inbox.html",
        {
            "incoming": [v for v in open_ if not v["outgoing"]],
            "outgoing": [v for v in open_ if v["outgoing"]],
            "closed": closed,
        },
    )


async def _get(request: Request) -> dict:
    request_id = request.path_params["request_id"]
    reply = await call(
        request, "admin", "GetConfirmation", pb.GetConfirmationRequest(request_id=request_id)
    )
    return confirmation_view(reply.confirmation, datetime.now(UTC))


@signed_in()
async def detail(request: Request) -> Response:
    return render(request, "confirmations/detail.html", {"c": await _get(request)})


@signed_in()
async def status(request: Request) -> Response:
    """The request's state and answer alone, for the page to swap in when a notice
    about it arrives."""
    html = fragment(request, "confirmations/_status.html", {"c": await _get(request)})
    return HTMLResponse(html)


@signed_in()
async def answer(request: Request) -> Response:
    request_id = request.path_params["request_id"]
    f = await form(request)
    message = pb.AnswerConfirmationRequest(request_id=request_id, note=f.get("note", "").strip())
    outcome = f.get("outcome", "")
    if outcome:
        message.outcome = {
            "confirmed": cpb.OUTCOME_CONFIRMED,
            "not_confirmed": cpb.OUTCOME_NOT_CONFIRMED,
        }.get(outcome, cpb.OUTCOME_UNSPECIFIED)
    if f.get("action", "").strip():
        message.action = f["action"].strip()
    if f.get("contact", "").strip():
        message.contact = f["contact"].strip()
    await call(request, "admin", "AnswerConfirmation", message)
    return RedirectResponse(f"/confirmations/{request_id}", status_code=303)


@signed_in()
async def refuse(request: Request) -> Response:
    request_id = request.path_params["request_id"]
    # A reason is mandatory: the form says so, and the node refuses a refusal without
    # one (the rule lives there, not here).
    reason = (await form(request)).get("reason", "").strip()
    await call(
        request,
        "admin",
        "RefuseConfirmation",
        pb.RefuseConfirmationRequest(request_id=request_id, reason=reason),
    )
    return RedirectResponse(f"/confirmations/{request_id}", status_code=303)


@signed_in()
async def withdraw(request: Request) -> Response:
    request_id = request.path_params["request_id"]
    reason = (await form(request)).get("reason", "").strip()
    await call(
        request,
        "admin",
        "WithdrawConfirmation",
        pb.WithdrawConfirmationRequest(request_id=request_id, reason=reason),
    )
    return RedirectResponse(f"/confirmations/{request_id}", status_code=303)


ROUTES = [
    Route("/confirmations", inbox, methods=["GET"]),
    Route("/confirmations/{request_id}", detail, methods=["GET"]),
    Route("/confirmations/{request_id}/status", status, methods=["GET"]),
    Route("/confirmations/{request_id}/answer", answer, methods=["POST"]),
    Route("/confirmations/{request_id}/refuse", refuse, methods=["POST"]),
    Route("/confirmations/{request_id}/withdraw", withdraw, methods=["POST"]),
]
