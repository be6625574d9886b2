"""Investigator: hits (/hits), one hit (/hits/<id>, also the alert table's deep link
/alerts/<id>), and asking a partner about it (POST /hits/<id>/confirm): the owner's
investigator asks for the details of a sighting, the observer's asks the owner to
confirm the alert. The node finds the agreement and the partner from the hit."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from gateway.console.screens.agreement_terms import PURPOSE_NAMES
from gateway.console.screens.alerts import one_alert
from gateway.console.screens.display import shown
from gateway.console.web import Refused, call, form, render, signed_in, translate
from gateway.wire.argos.v1 import admin_pb2 as pb
from gateway.wire.argos.v1 import agreement_pb2 as apb
from gateway.wire.argos.v1 import confirmations_pb2 as cpb

PURPOSES = PURPOSE_NAMES


def purpose_value(name: str) -> int:
    if name not in PURPOSES:
        raise ValueError(name)
    return apb.Purpose.Value("PURPOSE_" + name.upper())


def hit_view(h: pb.Hit, node_id: str) -> dict:
    loc = h.location
    return {
        "hit_id": h.hit_id,
        "observer": h.observer,
        "owner": h.owner,
        "entry_id": h.entry_id,
        "agreement_id": h.agreement_id,
        "observed_at": shown(h.observed_at),
        "where": " / ".join(x for x in (loc.zone, loc.site, loc.camera) if x),
        "fuzzy": h.match == 2,
        "category": h.category,
        "image_ref": h.image_ref,
        "expires_at": shown(h.expires_at),
        "owner_notified": h.owner_notified,
        # What this port may ask about it: the owner asks the observer for details,
        # the observer asks the owner to confirm; nothing about a hit of our own
        # cameras on our own entries.
        "ask": ("" if not h.agreement_id else ("details" if h.owner == node_id else "alert")),
    }


@signed_in()
async def hits_page(request: Request) -> Response:
    node_id = _node_id(request)
    on_ours = await call(request, "admin", "ListHits", pb.ListHitsRequest(limit=200))
    observed = await call(
        request, "admin", "ListHits", pb.ListHitsRequest(observed=True, limit=200)
    )
    return render(
        request,
        "hits/list.html",
        {
            "on_ours": [hit_view(h, node_id) for h in on_ours.hits],
            "observed": [hit_view(h, node_id) for h in observed.hits],
        },
    )


@signed_in()
async def hit_page(request: Request) -> Response:
    at = request.query_params.get("at", "")
    if request.url.path.startswith("/alerts/") and at.isdigit() and int(at) > 0:
        return await one_alert(request, int(at))
    hit_id = request.path_params["hit_id"]
    reply = await call(request, "admin", "GetHit", pb.GetHitRequest(hit_id=hit_id))
    return render(
        request,
        "hits/detail.html",
        {"hit": hit_view(reply.hit, _node_id(request)), "purposes": PURPOSES, "error": ""},
    )


@signed_in()
async def request_confirmation(request: Request) -> Response:
    """Ask the partner about this hit; then the request's own page, which shows the
    answer when it comes."""
    hit_id = request.path_params["hit_id"]
    f = await form(request)
    t = translate(request)
    kind = {
        "alert": cpb.CONFIRMATION_KIND_ALERT_CONFIRMATION,
        "details": cpb.CONFIRMATION_KIND_HIT_DETAILS,
    }.get(f.get("kind", ""))
    if kind is None:
        raise Refused(400, t("confirmations.bad_kind"))
    try:
        purpose = purpose_value(f.get("purpose", ""))
    except ValueError:
        raise Refused(400, t("confirmations.bad_purpose")) from None
    urgent_reason = f.get("urgent_reason", "").strip()
    message = pb.RequestConfirmationRequest(
        kind=kind,
        hit_id=hit_id,
        purpose=purpose,
        case_reference=f.get("case_reference", "").strip(),
        urgency=cpb.URGENCY_URGENT if urgent_reason else cpb.URGENCY_NORMAL,
        urgent_reason=urgent_reason,
        question=f.get("question", "").strip(),
    )
    reply = await call(request, "admin", "RequestConfirmation", message)
    return RedirectResponse(
        f"/confirmations/{reply.confirmation.request.request_id}", status_code=303
    )


def _node_id(request: Request) -> str:
    return request.app.state.console.config.node_id


ROUTES = [
    Route("/hits", hits_page, methods=["GET"]),
    Route("/hits/{hit_id}", hit_page, methods=["GET"]),
    Route("/alerts/{hit_id}", hit_page, methods=["GET"]),
    Route("/hits/{hit_id}/confirm", request_confirmation, methods=["POST"]),
]
