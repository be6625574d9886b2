"""IscService: the local CLI's way to the ISC use cases. Thin: the caller, protobuf to
values, the use case, and back."""

from __future__ import annotations

import json

from gateway.bootstrap import Application
from gateway.domain.isc import parse_tlp
from gateway.node.admin_servicer import local_caller
from gateway.node.status_codes import grpc_method
from gateway.services.isc import PromoteDraft
from gateway.services.ports import Candidate, Publication
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
    def __init__(self, app: Application) -> None:
        self._app = app
        self._isc = app.isc

    def _caller(self, context):
        return local_caller(self._app, context)

    @grpc_method()
    def PublishStatistics(self, request, context):
        caller = self._caller(context)
        tlp = parse_tlp(request.tlp) if request.tlp else None
        pub = self._isc.publish_statistics(caller, request.week, tlp)
        return pb.PublishStatisticsResponse(publication=publication_pb(pub))

    @grpc_method()
    def DraftReport(self, request, context):
        pub = self._isc.draft_report(
            self._caller(context), request.kind, request.title, request.text, request.tlp
        )
        return pb.DraftReportResponse(publication=publication_pb(pub))

    @grpc_method()
    def GetPublication(self, request, context):
        pub = self._isc.publication(self._caller(context), request.publication_id)
        return pb.GetPublicationResponse(publication=publication_pb(pub))

    @grpc_method()
    def PublishReport(self, request, context):
        pub = self._isc.publish_report(
            self._caller(context), request.publication_id, request.reviewed_digest
        )
        return pb.PublishReportResponse(publication=publication_pb(pub))

    @grpc_method()
    def ExportMisp(self, request, context):
        event = self._isc.export_misp(self._caller(context), request.publication_id)
        return pb.ExportMispResponse(event_json=json.dumps(event, indent=1))

    @grpc_method()
    def PullNow(self, request, context):
        tally, cursor = self._isc.pull(self._caller(context))
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
        state, recent, open_count = self._isc.status(self._caller(context))
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
        found = self._isc.candidates(self._caller(context), request.state, request.limit)
        return pb.ListCandidatesResponse(candidates=[candidate_pb(c) for c in found])

    @grpc_method()
    def GetCandidate(self, request, context):
        cand = self._isc.candidate(self._caller(context), request.candidate_id)
        return pb.GetCandidateResponse(candidate=candidate_pb(cand))

    @grpc_method()
    def PromoteCandidate(self, request, context):
        caller = self._caller(context)
        draft = PromoteDraft(
            category=request.category,
            action=request.action,
            expires_at=to_datetime(request.expires_at, "expires_at")
            if request.HasField("expires_at")
            else None,
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
        cand = self._isc.dismiss(self._caller(context), request.candidate_id, request.reason)
        return pb.DismissCandidateResponse(candidate=candidate_pb(cand))
