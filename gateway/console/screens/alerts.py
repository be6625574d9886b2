"""Operator: the live alert table (/alerts), its event stream (/alerts/events), and one
alert (/alerts/<hit id>?at=<position>, the row's deep link).

The page is an empty table; the rows come over server-sent events, each rendered here
from the node's Alert (the plate as the node shows this person) and inserted by
static/screens.js without touching the row the operator selected. The stream is also
what the investigator's confirmation pages listen to for their notices.

One alert is read back from the node's alert log as the person watches it (WatchAlerts
from just before its position, the first item taken): operators may watch alerts but
not read hits (GetHit), so this is their deep link; without `at`, /alerts/<id> is the
hit as investigators and auditors read it (hits.py).

Acknowledge and claim (/alerts/<position>/mark) are the node's MarkAlert: the mark is
logged after the alert and audited, and every page watching (this person's other
screens, the colleagues beside them) is given it over its stream and shows who
claimed or acknowledged which alert; a page that resumes from its cursor is replayed
the marks with the alerts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC

import grpc
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from gateway.console.screens import live
from gateway.console.screens.display import (
    ACTION_SEVERITY,
    action_icon,
    flag_icon,
    fragment,
    when,
)
from gateway.console.web import (
    Refused,
    call,
    console_of,
    form,
    refusal_of,
    render,
    session_token,
    signed_in,
    translate,
)
from gateway.wire.admin_codec import ALERT_MARKS, alert_mark_name
from gateway.wire.argos.v1 import confirmations_pb2 as cpb
from gateway.wire.argos.v1 import ingest_pb2, reads_pb2


@signed_in("operator", "investigator")
async def alerts_page(request: Request) -> Response:
    return render(request, "alerts/page.html", {})


def alert_view(alert: ingest_pb2.Alert, position: int) -> dict:
    """What a row shows of one alert: the owner's action and flags first."""
    observed = alert.observed_at.ToDatetime(tzinfo=UTC)
    return {
        "position": position,
        "hit_id": alert.hit_id,
        "observed_at": observed.isoformat(timespec="seconds"),
        "observed_time": observed.strftime("%H:%M:%S"),
        "observed_date": observed.strftime("%Y-%m-%d"),
        "plate": alert.plate,
        "country": alert.country,
        "country_inferred": alert.country_inferred,
        "camera": alert.camera,
        "site": alert.site,
        "zone": alert.zone,
        "direction": reads_pb2.ReadDirection.Name(alert.direction)
        .removeprefix("READ_DIRECTION_")
        .lower(),
        "fuzzy": alert.match == 2,
        "matched": alert.matched,
        "owner": alert.entry_owner,
        "own_list": not alert.agreement_id,
        "agreement_id": alert.agreement_id,
        "entry_id": alert.entry_id,
        "category": alert.category,
        "action": alert.action,
        "severity": ACTION_SEVERITY.get(alert.action, "info"),
        "action_icon": action_icon(alert.action),
        "flags": [{"name": f, "icon": flag_icon(f)} for f in alert.flags],
        "advisories": list(alert.advisories),
        "owner_notified": alert.owner_notified,
    }


def notice_view(notice: ingest_pb2.ConfirmationNotice, position: int) -> dict:
    kind = cpb.ConfirmationKind.Name(notice.kind).removeprefix("CONFIRMATION_KIND_").lower()
    return {
        "position": position,
        "request_id": notice.request_id,
        "kind": kind,
        "what": notice.what,
        "partner": notice.partner,
        "deadline": when(notice.deadline) if notice.HasField("deadline") else "",
        "urgent": notice.urgency == cpb.URGENCY_URGENT,
    }


@signed_in()
async def alert_events(request: Request) -> Response:
    """The stream: 200 once the node accepted the watch (its refusal otherwise, as a
    page would get it), then one event per item until either side hangs up."""
    t = translate(request)
    try:
        after = live.cursor(request.headers.get("last-event-id"), request.query_params.get("after"))
    except live.CursorInvalid as error:
        raise Refused(400, str(error)) from None
    console = console_of(request)
    try:
        watch = await live.Watch.open(console.config.admin_socket, session_token(request), after)
    except grpc.RpcError as error:
        raise await refusal_of(request, error) from None

    async def events() -> AsyncIterator[str]:
        yield live.opening()
        try:
            async for item in watch.items():
                if item is None:
                    yield live.KEEPALIVE
                    continue
                yield _event(request, item)
        except grpc.RpcError as error:
            # The node ended the stream (the session ended, the user was disabled, the
            # node stops): the page is told why and stops reconnecting.
            ended = error.code() is grpc.StatusCode.UNAUTHENTICATED
            yield live.frame(
                {"ended": True, "signin": ended, "message": t("alerts.stream_ended")},
                event="ended",
            )
        finally:
            watch.close()

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"X-Accel-Buffering": "no"},
    )


def _event(request: Request, item: ingest_pb2.WatchAlertsResponse) -> str:
    if item.HasField("behind"):
        b = item.behind
        return live.frame({"resumes_after": b.resumes_after, "newest": b.newest}, event="behind")
    if item.HasField("confirmation"):
        view = notice_view(item.confirmation, item.position)
        html = fragment(request, "alerts/_notice.html", {"n": view})
        return live.frame(
            {"request_id": view["request_id"], "what": view["what"], "html": html},
            event="confirmation",
            position=item.position,
        )
    if item.HasField("feed"):
        f = item.feed
        html = fragment(
            request,
            "alerts/_feed.html",
            {"f": {"partner": f.partner, "what": f.what, "stopped": f.matching_stopped}},
        )
        return live.frame({"html": html}, event="feed", position=item.position)
    if item.HasField("mark"):
        m = item.mark
        by_me = m.by == request.state.user.name
        return live.frame(
            {
                "hit_id": m.hit_id,
                "alert_position": m.alert_position,
                "mark": alert_mark_name(m.mark),
                "by": m.by,
                "mine": by_me,
            },
            event="mark",
            position=item.position,
        )
    view = alert_view(item.alert, item.position)
    html = fragment(request, "alerts/_row.html", {"a": view})
    return live.frame(
        {"hit_id": view["hit_id"], "seize": view["action"] == "seize", "html": html},
        event="alert",
        position=item.position,
    )


# How long the alert log may take to give back the item at a position (it is there, or
# it was erased and the next one is not yet raised).
ONE_ALERT_WAIT_S = 5.0


async def one_alert(request: Request, position: int) -> Response:
    """The alert kept at `position`, if it is the hit named in the path."""
    t = translate(request)
    console = console_of(request)
    try:
        watch = await live.Watch.open(
            console.config.admin_socket, session_token(request), position - 1
        )
    except grpc.RpcError as error:
        raise await refusal_of(request, error) from None
    item = None
    try:
        items = watch.items()
        item = await asyncio.wait_for(anext(items, None), ONE_ALERT_WAIT_S)
        await items.aclose()
    except (TimeoutError, grpc.RpcError):
        item = None
    finally:
        watch.close()
    hit_id = request.path_params["hit_id"]
    if item is None or item.position != position or item.alert.hit_id != hit_id:
        raise Refused(404, t("alerts.not_kept"))
    return render(request, "alerts/detail.html", {"a": alert_view(item.alert, position)})


@signed_in()
async def mark_alert(request: Request) -> Response:
    """Claim or acknowledge the alert at a position (sent by the page's script, the
    CSRF token in its header); 204, and the mark comes back over every open stream.
    Any role reaches the node, which refuses (and audits) those that may not watch."""
    t = translate(request)
    mark = (await form(request)).get("mark", "")
    if mark not in ALERT_MARKS:
        raise Refused(400, t("alerts.mark_unknown"))
    position = request.path_params["position"]
    await call(
        request,
        "ingest",
        "MarkAlert",
        ingest_pb2.MarkAlertRequest(position=position, mark=ALERT_MARKS[mark]),
    )
    return Response(status_code=204)


ROUTES = [
    Route("/alerts", alerts_page, methods=["GET"]),
    Route("/alerts/events", alert_events, methods=["GET"]),
    Route("/alerts/{position:int}/mark", mark_alert, methods=["POST"]),
]
