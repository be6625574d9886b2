"""The alert log's bodies and the alert stream's items (IngestService.WatchAlerts): a
notice is kept in the alert log as its encoded WatchAlertsResponse (the stream item
without a position), and a logged alert goes out as those bytes with its position set.
Translation only."""

from __future__ import annotations

from gateway.services.alerts import FellBehind, Notice, WatchItem
from gateway.wire.admin_codec import watch_item_pb
from gateway.wire.argos.v1 import ingest_pb2


def notice_body(item: Notice) -> bytes:
    """What the alert log keeps of a notice: its stream item, without a position."""
    return watch_item_pb(item).SerializeToString()


def watch_response_pb(item: WatchItem) -> ingest_pb2.WatchAlertsResponse:
    """A logged alert (its kept body, with its position) or a behind notice."""
    if isinstance(item, FellBehind):
        return ingest_pb2.WatchAlertsResponse(
            behind=ingest_pb2.BehindNotice(resumes_after=item.resumes_after, newest=item.newest)
        )
    msg = ingest_pb2.WatchAlertsResponse.FromString(item.body)
    msg.position = item.position
    return msg
