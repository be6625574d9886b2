"""IscService: the CLI's way to the ISC use cases. Authenticates and authorises like
AdminService, translates protobuf to values and back; decisions live in the domain."""

from __future__ import annotations

import json

from gateway.domain.errors import InvalidInput
from gateway.domain.isc import parse_tlp
from gateway.domain.roles import Action
from gateway.node.admin_servicer import local_caller
from gateway.node.status_codes import grpc_method
from gateway.services.administration import AdministrationService
from gateway.services.context import NodeContext
from gateway.services.isc import IscService, PromoteDraft
from gateway.store.isc import Candidate, Publication
from gateway.wire.argos.v1 import isc_pb2 as pb
from gateway.wire.argos.v1 import isc_pb2_grpc
from gateway.wire.strict import to_datetime


def publication_pb(p: Publication) -> pb.IscPublication:
    return pb.IscPublication(
        publication_id=p.publication_id,
        kind=p.kind,
        subject=p.subject,
        tlp=p.tlp,
        state=p.state,
        digest=p.digest,
        bundle_json=json.dumps(p.bundle, indent=1),
        created_by=p.created_by,
        published_by=p.published_by,
    )


def candidate_pb(c: Candidate) -> pb.IscCandidate:
    return pb.IscCandidate(
        candidate_id=c.candidate_id,
        object_id=c.object_id,
        version=c.version,
        plate=c.plate,
        country=c.country,
        title=c.title,
        description=c.description,
        tlp=c.tlp,
        sightings=c.sightings,
        last_sighting=c.last_sighting,
        state=c.state,
        received_at=c.received_at,
        decided_by=c.decided_by,
        decision_reason=c.decision_reason,
        entry_id=c.entry_id,
    )


class IscServicer(isc_pb2_grpc.IscServiceServicer):
    def __init__(self, ctx: NodeContext, service: IscService) -> None:
        self._admin = AdministrationService(ctx)
        self._isc = service

    def _caller(self, context, action: Action):
        return local_caller(self._admin, context, action)

    @grpc_method()
    def PublishStatistics(self, request, context):
        caller = self._caller(context, Action.ISC_PUBLISH)
        tlp = parse_tlp(request.tlp) if request.tlp else None
        pub = self._isc.publish_statistics(caller, request.week, tlp)
        return pb.PublishStatisticsResponse(publication=publication_pb(pub))

    @grpc_method()
    def DraftReport(self, request, context):
        caller = self._caller(context, Action.ISC_PUBLISH)
        pub = self._isc.draft_report(caller, request.kind, request.title, request.text, request.tlp)
        return pb.DraftReportResponse(publication=publication_pb(pub))

    @grpc_method()
    def GetPublication(self, request, context):
        caller = self._caller(context, Action.ISC_READ)
        return pb.GetPublicationResponse(
            publication=publication_pb(self._isc.publication(caller, request.publication_id))
        )

    @grpc_method()
    def PublishReport(self, request, context):
        caller = self._caller(context, Action.ISC_PUBLISH)
        pub = self._isc.publish_report(caller, request.publication_id, request.reviewed_digest)
        return pb.PublishReportResponse(publication=publication_pb(pub))

    @grpc_method()
    def ExportMisp(self, request, context):
        caller = self._caller(context, Action.ISC_PUBLISH)
        event = self._isc.export_misp(caller, request.publication_id)
        return pb.ExportMispResponse(event_json=json.dumps(event, indent=1))

    @grpc_method()
    def PullNow(self, request, context):
        caller = self._caller(context, Action.ISC_PULL)
        tally, cursor = self._isc.pull(caller)
        return pb.PullNowResponse(
            fetched=tally.fetched,
            new_candidates=tally.new_candidates,
            sightings=tally.sightings,
            ignored=tally.ignored,
            rejected=tally.rejected,
            already_held=tally.already_held,
            pages=tally.pages,
            cursor=cursor,
        )

    @grpc_method()
    def GetIscStatus(self, request, context):
        caller = self._caller(context, Action.ISC_READ)
        state, recent, open_count = self._isc.status(caller)
        return pb.GetIscStatusResponse(
            cursor=state.cursor,
            pulls=state.pulls,
            fetched=state.fetched,
            candidates=state.candidates,
            sightings=state.sightings,
            ignored=state.ignored,
            rejected=state.rejected,
            last_pull_at=state.last_pull_at,
            last_error=state.last_error,
            open_candidates=open_count,
            recent_rejections=[pb.IscRejection(object_id=o, reason=r, at=a) for o, r, a in recent],
        )

    @grpc_method()
    def ListCandidates(self, request, context):
        caller = self._caller(context, Action.ISC_READ)
        found = self._isc.candidates(caller, request.state, request.limit)
        return pb.ListCandidatesResponse(candidates=[candidate_pb(c) for c in found])

    @grpc_method()
    def GetCandidate(self, request, context):
        caller = self._caller(context, Action.ISC_READ)
        return pb.GetCandidateResponse(
            candidate=candidate_pb(self._isc.candidate(caller, request.candidate_id))
        )

    @grpc_method()
    def PromoteCandidate(self, request, context):
        caller = self._caller(context, Action.ISC_PROMOTE)
        if not request.HasField("expires_at"):
            raise InvalidInput("a promotion needs an expiry (the entry's review date)")
        draft = PromoteDraft(
            category=request.category,
            action=request.action,
            expires_at=to_datetime(request.expires_at, "expires_at"),
            purpose=request.purpose,
            case_reference=request.case_reference,
            justification=request.justification,
            country=request.country,
            flags=tuple(request.flags),
        )
        cand, entry_id = self._isc.promote(caller, request.candidate_id, draft)
        return pb.PromoteCandidateResponse(candidate=candidate_pb(cand), entry_id=entry_id)

    @grpc_method()
    def DismissCandidate(self, request, context):
        caller = self._caller(context, Action.ISC_PROMOTE)
        cand = self._isc.dismiss(caller, request.candidate_id, request.reason)
        return pb.DismissCandidateResponse(candidate=candidate_pb(cand))
