"""Auditor: the audit log (/audit) newest first with filters, the history of one object
(/audit/object/<type>/<id>), and verification (POST /audit/verify) with its result in
plain words.

The node's ListAuditRecords pages forward from a sequence number and filters nothing,
so the console reads the newest WINDOW records (each page read is itself audited by the
node) and filters those for the screen; `?before=<seq>` steps back a window. Filtering
in the node (a wider ListAuditRecordsRequest) is the better place once the log grows:
noted for the lead, not invented here."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gateway.console.web import call, render, signed_in
from gateway.wire.argos.v1 import admin_pb2 as pb

WINDOW = 1000
PAGE = 1000
# Pages read for one screen at most, whatever the seq numbers do (an erased prefix
# leaves the first seq far above the count).
MAX_PAGES = 10
FILTERS = ("action", "object_type", "object_id", "actor", "since", "until")


def record_view(r: pb.AuditRecord) -> dict:
    return {
        "seq": r.seq,
        "at": r.at,
        "actor": f"{r.actor_kind}:{r.actor}",
        "actor_name": r.actor,
        "action": r.action,
        "object_type": r.object_type,
        "object_id": r.object_id,
        "justification": r.justification,
        "recipient": r.recipient,
        "details": r.details_json if r.details_json not in ("", "{}") else "",
    }


async def _window(request: Request, before: int | None) -> list[pb.AuditRecord]:
    """The newest WINDOW records (before `before` when given), oldest first."""
    if before is None:
        status = await call(request, "admin", "GetStatus", pb.GetStatusRequest())
        after = max(0, status.audit_records - WINDOW)
    else:
        after = max(0, before - WINDOW - 1)
    kept: list[pb.AuditRecord] = []
    for _ in range(MAX_PAGES):
        reply = await call(
            request,
            "admin",
            "ListAuditRecords",
            pb.ListAuditRecordsRequest(after_seq=after, limit=PAGE),
        )
        records = [r for r in reply.records if before is None or r.seq < before]
        kept = (kept + records)[-WINDOW:]
        if len(reply.records) < PAGE or (before is not None and len(records) < PAGE):
            break
        after = reply.records[-1].seq
    return kept


def matches(view: dict, filters: dict[str, str]) -> bool:
    for name in ("action", "object_type", "object_id"):
        wanted = filters.get(name, "")
        if wanted and wanted not in view[name]:
            return False
    actor = filters.get("actor", "")
    if actor and actor not in view["actor"]:
        return False
    # Times compare as ISO 8601 text in UTC ("2026-12-03T16:40" is a prefix of a record's).
    since, until = filters.get("since", ""), filters.get("until", "")
    if since and view["at"] < since:
        return False
    return not (until and view["at"][: len(until)] > until)


async def _log(
    request: Request, filters: dict[str, str], *, title_object: tuple[str, str] | None
) -> Response:
    before_raw = request.query_params.get("before", "")
    before = int(before_raw) if before_raw.isdigit() else None
    records = await _window(request, before)
    views = [v for v in map(record_view, reversed(records)) if matches(v, filters)]
    oldest = records[0].seq if records else 0
    return render(
        request,
        "audit/log.html",
        {
            "records": views,
            "filters": {k: filters.get(k, "") for k in FILTERS},
            "object": title_object,
            "older": oldest if oldest > 1 else 0,
            "window": WINDOW,
            "verification": None,
        },
    )


@signed_in()
async def audit_page(request: Request) -> Response:
    filters = {k: request.query_params.get(k, "").strip() for k in FILTERS}
    return await _log(request, filters, title_object=None)


@signed_in()
async def object_history(request: Request) -> Response:
    kind, object_id = request.path_params["object_type"], request.path_params["object_id"]
    filters = {"object_type": kind, "object_id": object_id}
    return await _log(request, filters, title_object=(kind, object_id))


@signed_in()
async def verify(request: Request) -> Response:
    r = await call(request, "admin", "VerifyAudit", pb.VerifyAuditRequest())
    result = {
        "ok": r.ok,
        "records_checked": r.records_checked,
        "first_bad_seq": r.first_bad_seq,
        "at_anchor": r.at_anchor,
        "reason": r.reason,
    }
    return render(request, "audit/verify.html", {"v": result})


ROUTES = [
    Route("/audit", audit_page, methods=["GET"]),
    Route("/audit/object/{object_type}/{object_id:path}", object_history, methods=["GET"]),
    Route("/audit/verify", verify, methods=["POST"]),
]
