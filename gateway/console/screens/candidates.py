"""Investigator: candidates from the ISC (/isc/candidates), the vehicles the national
information-sharing community reported that the node's pull kept for a person to
decide on: the list by state, one candidate (/isc/candidates/<id>, a consultation the
node audits), and the two decisions, each once: promote it to an own hotlist entry
(PromoteCandidate: purpose, case reference, expiry and justification required, and
only when its TLP lets it reach partners, all the node's rules) or dismiss it with a
reason (DismissCandidate). Auditors may read the list and a candidate."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from gateway.cli.importing import parse_timestamp
from gateway.console.screens.agreement_terms import CATEGORY_NAMES, PURPOSE_NAMES
from gateway.console.screens.entries import ACTIONS, FLAG_NAMES
from gateway.console.web import Refused, call, form, render, signed_in, translate
from gateway.wire.argos.v1 import isc_pb2 as ipb

STATES = ("open", "promoted", "dismissed")


def candidate_view(c: ipb.IscCandidate) -> dict:
    return {
        "candidate_id": c.candidate_id,
        "object_id": c.object_id,
        "version": c.version,
        "plate": c.plate,
        "country": c.country,
        "title": c.title,
        "description": c.description,
        "tlp": c.tlp,
        "sightings": c.sightings,
        "last_sighting": c.last_sighting,
        "state": c.state,
        "open": c.state == "open",
        "received_at": c.received_at,
        "decided_by": c.decided_by,
        "decision_reason": c.decision_reason,
        "entry_id": c.entry_id,
    }


@signed_in()
async def list_page(request: Request) -> Response:
    state = request.query_params.get("state", "open")
    state = state if state in STATES else ""
    reply = await call(
        request, "isc", "ListCandidates", ipb.ListCandidatesRequest(state=state, limit=500)
    )
    return render(
        request,
        "candidates/list.html",
        {
            "candidates": [candidate_view(c) for c in reply.candidates],
            "state": state,
            "states": STATES,
        },
    )


@signed_in()
async def detail(request: Request) -> Response:
    candidate_id = request.path_params["candidate_id"]
    reply = await call(
        request, "isc", "GetCandidate", ipb.GetCandidateRequest(candidate_id=candidate_id)
    )
    return render(
        request,
        "candidates/detail.html",
        {
            "c": candidate_view(reply.candidate),
            "categories": CATEGORY_NAMES,
            "purposes": PURPOSE_NAMES,
            "actions": ACTIONS,
            "flag_names": FLAG_NAMES,
        },
    )


@signed_in()
async def promote(request: Request) -> Response:
    candidate_id = request.path_params["candidate_id"]
    f = await form(request)
    flags = [str(v) for v in (await request.form()).getlist("flags")]
    message = ipb.PromoteCandidateRequest(
        candidate_id=candidate_id,
        category=f.get("category", "").strip(),
        action=f.get("action", "").strip(),
        purpose=f.get("purpose", "").strip(),
        case_reference=f.get("case_reference", "").strip(),
        justification=f.get("justification", "").strip(),
        country=f.get("country", "").strip(),
        flags=flags,
    )
    expires = f.get("expires_at", "").strip()
    if expires:
        try:
            message.expires_at.CopyFrom(parse_timestamp(expires))
        except ValueError:
            raise Refused(400, translate(request)("entries.bad_date")) from None
    reply = await call(request, "isc", "PromoteCandidate", message)
    return RedirectResponse(f"/entries/{reply.entry_id}", status_code=303)


@signed_in()
async def dismiss(request: Request) -> Response:
    candidate_id = request.path_params["candidate_id"]
    reason = (await form(request)).get("reason", "").strip()
    await call(
        request,
        "isc",
        "DismissCandidate",
        ipb.DismissCandidateRequest(candidate_id=candidate_id, reason=reason),
    )
    return RedirectResponse(f"/isc/candidates/{candidate_id}", status_code=303)


ROUTES = [
    Route("/isc/candidates", list_page, methods=["GET"]),
    Route("/isc/candidates/{candidate_id}", detail, methods=["GET"]),
    Route("/isc/candidates/{candidate_id}/promote", promote, methods=["POST"]),
    Route("/isc/candidates/{candidate_id}/dismiss", dismiss, methods=["POST"]),
]
