"""Auditor: the audit log (/audit) newest first with filters, the history of one object
(/audit/object/<type>/<id>), verification (POST /audit/verify) with its result in plain
words, and statistics (/audit/stats): counts per action and per user over a period.

The node filters (the filters of ListAuditRecordsRequest, and GetAuditStatistics) over
the whole log and audits each reading; the console asks for one page of PAGE records,
newest first, and `?before=<seq>` steps back a page with the same filters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gateway.console.web import call, render, signed_in
from gateway.wire.argos.v1 import admin_pb2 as pb

PAGE = 200
FILTERS = ("action", "object_type", "object_id", "actor", "since", "until")
# The statistics' period when none is chosen: the last 30 days.
DEFAULT_DAYS = 30


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


def _query(filters: dict[str, str]) -> str:
    """The filters as a query string, for links that keep them."""
    return urlencode({k: v for k, v in filters.items() if v})


async def _page(
    request: Request, filters: dict[str, str], before: int | None
) -> list[pb.AuditRecord]:
    """One page of the records the filters ask for, newest first (before `before`)."""
    reply = await call(
        request,
        "admin",
        "ListAuditRecords",
        pb.ListAuditRecordsRequest(
            limit=PAGE, newest_first=True, before_seq=before or 0, **filters
        ),
    )
    return list(reply.records)


async def _log(
    request: Request, filters: dict[str, str], *, title_object: tuple[str, str] | None
) -> Response:
    before_raw = request.query_params.get("before", "")
    before = int(before_raw) if before_raw.isdigit() else None
    records = await _page(request, filters, before)
    oldest = records[-1].seq if len(records) == PAGE else 0
    return render(
        request,
        "audit/log.html",
        {
            "records": [record_view(r) for r in records],
            "filters": {k: filters.get(k, "") for k in FILTERS},
            "object": title_object,
            "older": oldest if oldest > 1 else 0,
            "query": _query(filters),
            "window": PAGE,
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


@signed_in()
async def statistics(request: Request) -> Response:
    """Counts per action and per user over the chosen period (the node counts)."""
    default_since = (datetime.now(UTC) - timedelta(days=DEFAULT_DAYS)).strftime("%Y-%m-%d")
    since = request.query_params.get("since", default_since).strip()
    until = request.query_params.get("until", "").strip()
    r = await call(
        request,
        "admin",
        "GetAuditStatistics",
        pb.GetAuditStatisticsRequest(since=since, until=until),
    )
    period = {"since": since, "until": until}
    by_action = [
        {"action": c.key, "count": c.count, "link": _query({**period, "action": c.key})}
        for c in r.by_action
    ]
    by_actor = [
        {
            "actor": c.key,
            "kind": c.actor_kind,
            "count": c.count,
            "link": _query({**period, "actor": c.key}),
        }
        for c in r.by_actor
    ]
    return render(
        request,
        "audit/stats.html",
        {"period": period, "total": r.total, "by_action": by_action, "by_actor": by_actor},
    )


ROUTES = [
    Route("/audit", audit_page, methods=["GET"]),
    Route("/audit/stats", statistics, methods=["GET"]),
    Route("/audit/object/{object_type}/{object_id:path}", object_history, methods=["GET"]),
    Route("/audit/verify", verify, methods=["POST"]),
]
