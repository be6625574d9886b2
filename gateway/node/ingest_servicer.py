"""The local ingest API: adapters stream camera reads in, operators watch alerts. Thin:
protobuf in, the matching and hit services, protobuf out."""

from __future__ import annotations

import threading

import grpc

from gateway.domain.confirmations import RequestKind, Urgency
from gateway.domain.roles import Action
from gateway.node.admin_servicer import local_caller
from gateway.node.status_codes import grpc_stream
from gateway.services.administration import AdministrationService
from gateway.services.alerts import Alert, AlertHub, ConfirmationNotice
from gateway.services.context import NodeContext
from gateway.services.hits import HitService
from gateway.services.matching import IncomingRead, MatchingService
from gateway.wire import hits_codec
from gateway.wire.argos.v1 import ingest_pb2 as pb
from gateway.wire.argos.v1 import ingest_pb2_grpc, reads_pb2
from gateway.wire.confirmations_codec import KINDS, URGENCIES
from gateway.wire.strict import to_timestamp


def read_from_pb(r: reads_pb2.PlateRead) -> IncomingRead:
    ts = r.observed_at
    return IncomingRead(
        r.plate,
        r.country,
        tuple(c.plate for c in r.candidates) if r.candidates else (),
        r.camera,
        r.site,
        ts.seconds * 1000 + ts.nanos // 1_000_000,
        hits_codec.direction_name(r.direction),
        r.image_ref,
        r.confidence,
    )


def alert_pb(a: Alert) -> pb.Alert:
    msg = pb.Alert(
        hit_id=a.hit_id,
        camera=a.camera,
        site=a.site,
        zone=a.zone,
        direction=hits_codec.DIRECTIONS.get(a.direction, 0),
        image_ref=a.image_ref,
        plate=a.plate,
        country=a.country,
        country_inferred=a.country_inferred,
        match=hits_codec.MATCH_KINDS[a.match],
        matched=a.matched,
        entry_owner=a.entry_owner,
        entry_id=a.entry_id,
        agreement_id=a.agreement_id,
        category=a.category,
        action=a.action,
        flags=a.flags,
        advisories=a.advisories,
        owner_notified=a.owner_notified,
    )
    msg.observed_at.CopyFrom(to_timestamp(hits_codec.from_epoch_ms(a.observed_ms)))
    return msg


def notice_pb(n: ConfirmationNotice) -> pb.ConfirmationNotice:
    msg = pb.ConfirmationNotice(
        request_id=n.request_id,
        kind=KINDS[RequestKind(n.kind)],
        what=n.what,
        partner=n.partner,
        urgency=URGENCIES[Urgency(n.urgency)],
    )
    msg.deadline.CopyFrom(to_timestamp(n.deadline))
    return msg


class IngestServicer(ingest_pb2_grpc.IngestServiceServicer):
    def __init__(
        self,
        ctx: NodeContext,
        matching: MatchingService,
        hits: HitService,
        alerts: AlertHub,
        stopping: threading.Event,
    ) -> None:
        self._ctx = ctx
        self._admin = AdministrationService(ctx)
        self._matching = matching
        self._hits = hits
        self._alerts = alerts
        self._stopping = stopping

    @grpc_stream
    def SubmitReads(self, request_iterator, context: grpc.ServicerContext):
        caller = local_caller(self._admin, context, Action.READS_SUBMIT)
        for request in request_iterator:
            reads = [read_from_pb(r) for r in request.reads]
            read_hits, outcome = self._matching.match_batch(reads)
            self._hits.record(read_hits)
            self._matching.seen_from(caller.name, outcome)
            yield pb.SubmitReadsResponse(
                batch_id=request.batch_id,
                accepted=outcome.accepted,
                hits=outcome.hits,
                rejected=[pb.ReadRejection(index=i, reason=r) for i, r in outcome.rejected],
            )

    @grpc_stream
    def WatchAlerts(self, request, context: grpc.ServicerContext):
        caller = local_caller(self._admin, context, Action.ALERTS_WATCH)
        self._ctx.record(caller, "alerts.watch", "alerts", "local")
        gone = threading.Event()
        context.add_callback(gone.set)
        for item in self._alerts.watch(lambda: gone.is_set() or self._stopping.is_set()):
            if isinstance(item, ConfirmationNotice):
                yield pb.WatchAlertsResponse(confirmation=notice_pb(item))
            else:
                yield pb.WatchAlertsResponse(alert=alert_pb(item))
