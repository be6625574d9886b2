"""Administrator: sharing agreements (/agreements). The list with state and partner;
one agreement with our node's fingerprint beside the one the partner's administrator
reads out on the phone (typed in, compared group by group), its terms and signers;
propose, accept (countersign), amend, suspend, resume, revoke as AdminService offers
them; two versions side by side (/agreements/<id>/versions), the changed terms marked.
Accepting, amending and changing the status need a fresh session: the node answers
"reauthentication required" and web.call sends the person to /reauth and back.

The comparison of the typed fingerprint is a check of the person's intent made before
the node is asked (the node's CountersignAgreement takes no fingerprint): a mismatch
is refused here, 409, and nothing is sent."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from gateway.console.screens import agreement_terms as terms
from gateway.console.screens.display import fingerprint_groups, same_fingerprint
from gateway.console.web import Refused, call, form, render, signed_in, translate
from gateway.wire.argos.v1 import admin_pb2 as pb
from gateway.wire.argos.v1 import agreement_pb2 as apb

_STATUS_KINDS = {
    "suspend": apb.AgreementStatusChange.KIND_SUSPEND,
    "resume": apb.AgreementStatusChange.KIND_RESUME,
    "revoke": apb.AgreementStatusChange.KIND_REVOKE,
}


def _state(a: pb.Agreement) -> str:
    return pb.AgreementState.Name(a.state).removeprefix("AGREEMENT_STATE_").lower()


def agreement_view(a: pb.Agreement, node_id: str) -> dict:
    d = a.document
    proposed_by_us = d.proposer == node_id
    state = _state(a)
    return {
        "agreement_id": d.agreement_id,
        "version": d.version,
        "state": state,
        "partner": d.partner if proposed_by_us else d.proposer,
        "proposer": d.proposer,
        "proposed_by_us": proposed_by_us,
        "fingerprint": a.fingerprint,
        "groups": fingerprint_groups(a.fingerprint),
        "signers": sorted(s.key_id for s in a.envelope.signatures),
        "status_issuer": a.status_issuer,
        "status_reason": a.status_reason,
        "terms": terms.terms_view(d),
        # What the node will consider (it decides): the partner's proposal may be
        # countersigned here; an agreement in force suspended, amended or revoked; a
        # suspension resumed.
        "can_accept": state == "proposed" and not proposed_by_us,
        "can_amend": state == "active",
        "can_suspend": state == "active",
        "can_resume": state == "suspended",
        "can_revoke": state in ("active", "suspended", "proposed"),
    }


def _node_id(request: Request) -> str:
    return request.app.state.console.config.node_id


@signed_in()
async def agreements_page(request: Request) -> Response:
    reply = await call(request, "admin", "ListAgreements", pb.ListAgreementsRequest())
    node_id = _node_id(request)
    views = [agreement_view(a, node_id) for a in reply.agreements]
    # Waiting for this port's countersignature first.
    views.sort(key=lambda v: (not v["can_accept"], v["partner"], v["agreement_id"]))
    return render(request, "agreements/list.html", {"agreements": views})


async def _agreement(request: Request, version: int = 0) -> pb.Agreement:
    reply = await call(
        request,
        "admin",
        "GetAgreement",
        pb.GetAgreementRequest(agreement_id=request.path_params["agreement_id"], version=version),
    )
    return reply.agreement


def _version(raw: str | None) -> int:
    return int(raw) if raw and raw.isdigit() else 0


@signed_in()
async def agreement_page(request: Request) -> Response:
    a = await _agreement(request, _version(request.query_params.get("version")))
    return render(
        request,
        "agreements/detail.html",
        {"a": agreement_view(a, _node_id(request)), "heard": "", "error": ""},
    )


@signed_in()
async def accept(request: Request) -> Response:
    """Countersign, once the fingerprint typed in (as the partner read it out) is ours."""
    f = await form(request)
    a = await _agreement(request, _version(f.get("version")))
    heard = f.get("partner_fingerprint", "")
    if not same_fingerprint(heard, a.fingerprint):
        view = agreement_view(a, _node_id(request))
        return render(
            request,
            "agreements/detail.html",
            {"a": view, "heard": heard, "error": translate(request)("agreements.mismatch")},
            status=409,
        )
    await call(
        request,
        "admin",
        "CountersignAgreement",
        pb.CountersignAgreementRequest(
            agreement_id=a.document.agreement_id,
            version=a.document.version,
            justification=f.get("justification", "").strip()
            or translate(request)("agreements.compared_by_phone"),
        ),
    )
    return RedirectResponse(f"/agreements/{a.document.agreement_id}", status_code=303)


@signed_in()
async def change_status(request: Request) -> Response:
    f = await form(request)
    kind = _STATUS_KINDS.get(f.get("kind", ""))
    if kind is None:
        raise Refused(400, translate(request)("agreements.bad_status"))
    agreement_id = request.path_params["agreement_id"]
    await call(
        request,
        "admin",
        "SetAgreementStatus",
        pb.SetAgreementStatusRequest(
            agreement_id=agreement_id, kind=kind, reason=f.get("reason", "").strip()
        ),
    )
    return RedirectResponse(f"/agreements/{agreement_id}", status_code=303)


@signed_in()
async def propose_page(request: Request) -> Response:
    partners = await call(request, "admin", "ListPartners", pb.ListPartnersRequest())
    return _terms_page(request, [p.node_id for p in partners.partners], dict(terms.DEFAULTS))


def _terms_page(
    request: Request,
    partners: list[str],
    values: dict[str, str],
    *,
    amend: dict | None = None,
    error: str = "",
    status: int = 200,
) -> Response:
    return render(
        request,
        "agreements/terms.html",
        {
            "partners": partners,
            "values": values,
            "amend": amend,
            "error": error,
            "categories": terms.CATEGORY_NAMES,
            "purposes": terms.PURPOSE_NAMES,
            "fields": terms.FIELD_NAMES,
            "directions": terms.DIRECTIONS,
            "granularities": terms.GRANULARITIES,
            "matching": terms.MATCHING,
        },
        status=status,
    )


@signed_in()
async def propose(request: Request) -> Response:
    f = await form(request)
    try:
        draft = terms.draft_from_form(f, f.get("partner", ""))
    except terms.TermsInvalid as bad:
        return _terms_page(
            request,
            [f.get("partner", "")],
            f,
            error=translate(request)("agreements.bad_term", name=str(bad)),
            status=400,
        )
    reply = await call(
        request,
        "admin",
        "CreateAgreementProposal",
        pb.CreateAgreementProposalRequest(
            draft=draft, justification=f.get("justification", "").strip()
        ),
    )
    return RedirectResponse(f"/agreements/{reply.agreement.document.agreement_id}", status_code=303)


@signed_in()
async def amend_page(request: Request) -> Response:
    a = await _agreement(request)
    view = agreement_view(a, _node_id(request))
    return _terms_page(request, [view["partner"]], terms.form_from_document(a.document), amend=view)


@signed_in()
async def amend(request: Request) -> Response:
    f = await form(request)
    a = await _agreement(request)
    view = agreement_view(a, _node_id(request))
    try:
        draft = terms.draft_from_form(f, view["partner"])
    except terms.TermsInvalid as bad:
        return _terms_page(
            request,
            [view["partner"]],
            f,
            amend=view,
            error=translate(request)("agreements.bad_term", name=str(bad)),
            status=400,
        )
    await call(
        request,
        "admin",
        "AmendAgreement",
        pb.AmendAgreementRequest(
            agreement_id=a.document.agreement_id,
            draft=draft,
            justification=f.get("justification", "").strip(),
        ),
    )
    return RedirectResponse(f"/agreements/{a.document.agreement_id}", status_code=303)


def _versions_query(request: Request, latest: int) -> tuple[int, int]:
    """(older, newer) from ?a=&b=, by default the latest version and the one before."""
    newer = _version(request.query_params.get("b")) or latest
    older = _version(request.query_params.get("a")) or max(newer - 1, 1)
    newer, older = min(max(newer, 1), latest), min(max(older, 1), latest)
    return (older, newer) if older <= newer else (newer, older)


@signed_in()
async def versions_page(request: Request) -> Response:
    """Two versions of an agreement side by side, the terms that differ marked (what an
    amendment changes, before it is countersigned)."""
    latest = await _agreement(request)
    older, newer = _versions_query(request, latest.document.version)
    node_id = _node_id(request)
    views = []
    for number in (older, newer):
        a = latest if number == latest.document.version else await _agreement(request, number)
        views.append(agreement_view(a, node_id))
    return render(
        request,
        "agreements/versions.html",
        {
            "left": views[0],
            "right": views[1],
            "rows": terms.compare(views[0]["terms"], views[1]["terms"]),
            "numbers": list(range(1, latest.document.version + 1)),
            "agreement_id": latest.document.agreement_id,
            "partner": views[1]["partner"],
        },
    )


ROUTES = [
    Route("/agreements", agreements_page, methods=["GET"]),
    Route("/agreements", propose, methods=["POST"]),
    Route("/agreements/new", propose_page, methods=["GET"]),
    Route("/agreements/{agreement_id}", agreement_page, methods=["GET"]),
    Route("/agreements/{agreement_id}/accept", accept, methods=["POST"]),
    Route("/agreements/{agreement_id}/status", change_status, methods=["POST"]),
    Route("/agreements/{agreement_id}/versions", versions_page, methods=["GET"]),
    Route("/agreements/{agreement_id}/amend", amend_page, methods=["GET"]),
    Route("/agreements/{agreement_id}/amend", amend, methods=["POST"]),
]
