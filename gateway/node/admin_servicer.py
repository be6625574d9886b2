"""AdminService: the local CLI's way into the node. Authenticates the user from the
"authorization" metadata, checks the role, translates, and calls the use cases."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path

import grpc

from gateway.domain.agreement import Agreement, AgreementState
from gateway.domain.confirmations import RequestKind, State, Urgency
from gateway.domain.errors import InvalidInput
from gateway.domain.hits import MatchKind
from gateway.domain.local_export import LocalEntry
from gateway.domain.roles import Action, Role
from gateway.node.status_codes import grpc_method, grpc_stream
from gateway.services.administration import AdministrationService
from gateway.services.agreements import AgreementService
from gateway.services.confirmations import (
    AnswerDraft,
    ConfirmationService,
    ConfirmationView,
    RequestDraft,
)
from gateway.services.context import Caller, NodeContext
from gateway.services.feed import FeedService
from gateway.services.hits import HitService
from gateway.services.hotlist import EntryDraft, HotlistService
from gateway.services.local_export import LocalExportService
from gateway.services.matching import AdapterSeen, MatchingService
from gateway.services.operations import NodeFigures, OperationsService
from gateway.services.sync import SyncService
from gateway.store.database import parse_time_text
from gateway.store.hits import ObservedHit, ReceivedHit
from gateway.wire import codec, hits_codec
from gateway.wire import confirmations_codec as cwire
from gateway.wire.argos.v1 import admin_pb2 as pb
from gateway.wire.argos.v1 import admin_pb2_grpc, confirmations_pb2, hits_pb2
from gateway.wire.strict import to_datetime, to_timestamp

EXPORT_CHUNK = 5_000
# How long `argos status` waits for each partner's health check (all in parallel).
REACH_TIMEOUT_S = 3.0
BACKUP_FOLDER = "backups"

ROLE_TO_PB = {
    Role.ADMIN: pb.ROLE_ADMIN,
    Role.INVESTIGATOR: pb.ROLE_INVESTIGATOR,
    Role.OPERATOR: pb.ROLE_OPERATOR,
    Role.AUDITOR: pb.ROLE_AUDITOR,
    Role.ADAPTER: pb.ROLE_ADAPTER,
}
ROLE_FROM_PB = {v: k for k, v in ROLE_TO_PB.items()}
STATE_TO_PB = {
    AgreementState.PROPOSED: pb.AGREEMENT_STATE_PROPOSED,
    AgreementState.ACTIVE: pb.AGREEMENT_STATE_ACTIVE,
    AgreementState.SUSPENDED: pb.AGREEMENT_STATE_SUSPENDED,
    AgreementState.REVOKED: pb.AGREEMENT_STATE_REVOKED,
    AgreementState.EXPIRED: pb.AGREEMENT_STATE_EXPIRED,
    AgreementState.SUPERSEDED: pb.AGREEMENT_STATE_SUPERSEDED,
}


def local_caller(
    admin: AdministrationService, context: grpc.ServicerContext, action: Action
) -> Caller:
    """The local user behind a call (bearer token), allowed to perform `action`."""
    metadata = dict(context.invocation_metadata())
    header = metadata.get("authorization", "")
    token = header[len("Bearer ") :] if header.startswith("Bearer ") else None
    caller = admin.authenticate(token)
    admin.authorize(caller, action)
    return caller


class AdminServicer(admin_pb2_grpc.AdminServiceServicer):
    def __init__(
        self,
        ctx: NodeContext,
        federation_endpoint: str,
        feed: FeedService,
        sync: SyncService,
        hits: HitService,
        confirmations: ConfirmationService,
        matching: MatchingService,
        operations: OperationsService,
    ) -> None:
        self._ctx = ctx
        self._operations = operations
        self._admin = AdministrationService(ctx)
        self._agreements = AgreementService(ctx)
        self._hotlist = HotlistService(ctx)
        self._sync = sync
        self._feed = feed
        self._hits = hits
        self._confirmations = confirmations
        self._matching = matching
        self._export = LocalExportService(ctx)
        self._endpoint = federation_endpoint

    def _caller(self, context: grpc.ServicerContext, action: Action) -> Caller:
        return local_caller(self._admin, context, action)

    def _agreement_pb(self, agreement: Agreement, version: int = 0) -> pb.Agreement:
        v = agreement.version(version) if version else (agreement.pending or agreement.current)
        assert v is not None
        now = self._ctx.clock()
        return pb.Agreement(
            document=codec.terms_to_pb(v.terms),
            envelope=codec.envelope_to_pb(v.envelope),
            state=STATE_TO_PB[agreement.state_of(v.terms.version, now)],
            fingerprint=v.fingerprint,
            status_issuer=agreement.revoked_by or agreement.suspended_by or "",
            status_reason=agreement.status_reason,
        )

    @grpc_method()
    def GetStatus(self, request, context):
        caller = self._caller(context, Action.STATUS)
        f = self._operations.figures()
        partners = self._admin.partners()
        return pb.GetStatusResponse(
            node_id=self._ctx.node_id,
            key_id=self._ctx.signing_key.key_id,
            federation_address=self._endpoint,
            partners=len(partners),
            active_agreements=f.agreements.get(AgreementState.ACTIVE.value, 0),
            pending_agreements=sum(a.pending is not None for a in self._agreements.all()),
            audit_records=f.audit_records,
            user=caller.name,
            role=ROLE_TO_PB[caller.role],
            hotlist_entries=f.own_entries,
            entries_due_for_review=f.entries_due_for_review,
            adapters=[_adapter_pb(a) for a in f.adapters],
            outbox_pending=f.outbox_total("pending"),
            outbox_refused=f.outbox_total("refused"),
            outbox_delivered=f.outbox_total("delivered"),
            open_confirmations=f.open_confirmations,
            partner_status=self._partner_status(partners, f),
            entries_expiring=f.entries_expiring,
            expiry_warning_days=f.expiry_warning.days,
            confirmations_near_deadline=[
                pb.ConfirmationDue(
                    request_id=c.request_id,
                    partner=c.partner,
                    outgoing=c.outgoing,
                    kind=cwire.KINDS[RequestKind(c.kind)],
                    deadline=to_timestamp(parse_time_text(c.deadline)),
                )
                for c in f.confirmations_near_deadline
            ],
            confirmation_warning_minutes=int(f.confirmation_warning.total_seconds() // 60),
        )

    def _partner_status(self, partners, f: NodeFigures) -> list[pb.PartnerStatus]:
        """Each partner, health-checked over mutual TLS in parallel, with its sync and
        outbox figures."""
        if not partners:
            return []
        with ThreadPoolExecutor(max_workers=min(8, len(partners))) as pool:
            problems = list(
                pool.map(lambda p: self._ctx.federation.check_health(p, REACH_TIMEOUT_S), partners)
            )
        out = []
        for p, problem in zip(partners, problems, strict=True):
            received = [s for s in f.sync if s.partner == p.node_id and s.role == "recipient"]
            out.append(
                pb.PartnerStatus(
                    node_id=p.node_id,
                    reachable=not problem,
                    problem=problem,
                    sync_lag_changes=sum(s.lag_changes for s in received),
                    entries_held=sum(s.entries for s in received),
                    rejected_batches=sum(s.rejected_batches for s in received),
                    outbox_pending=f.outbox.get((p.node_id, "pending"), 0),
                )
            )
        return out

    @grpc_method()
    def SnapshotDatabase(self, request, context):
        caller = self._caller(context, Action.BACKUP)
        folder = Path(self._ctx.database.path).resolve().parent / BACKUP_FOLDER
        path, seq = self._admin.snapshot(caller, folder, request.justification)
        return pb.SnapshotDatabaseResponse(path=str(path), audit_seq=seq)

    @grpc_method()
    def AddPartner(self, request, context):
        caller = self._caller(context, Action.PARTNER_MANAGE)
        p = request.partner
        record = self._admin.add_partner(
            caller,
            node_id=p.node_id,
            endpoint=p.endpoint,
            public_key=p.public_key,
            tls_ca_pem=p.tls_ca_pem,
            tls_pin_sha256=p.tls_pin_sha256,
        )
        return pb.AddPartnerResponse(partner=_partner_pb(record))

    @grpc_method()
    def ListPartners(self, request, context):
        self._caller(context, Action.PARTNER_READ)
        return pb.ListPartnersResponse(partners=[_partner_pb(p) for p in self._admin.partners()])

    @grpc_method()
    def RemovePartner(self, request, context):
        caller = self._caller(context, Action.PARTNER_MANAGE)
        self._admin.remove_partner(caller, request.node_id, request.justification)
        return pb.RemovePartnerResponse()

    @grpc_method()
    def CreateAgreementProposal(self, request, context):
        caller = self._caller(context, Action.AGREEMENT_MANAGE)
        draft = codec.terms_from_pb(request.draft, draft=True)
        agreement = self._agreements.propose(caller, draft, request.justification)
        return pb.CreateAgreementProposalResponse(agreement=self._agreement_pb(agreement))

    @grpc_method()
    def CountersignAgreement(self, request, context):
        caller = self._caller(context, Action.AGREEMENT_MANAGE)
        agreement = self._agreements.countersign(
            caller, request.agreement_id, request.version, request.justification
        )
        return pb.CountersignAgreementResponse(agreement=self._agreement_pb(agreement))

    @grpc_method()
    def AmendAgreement(self, request, context):
        caller = self._caller(context, Action.AGREEMENT_MANAGE)
        draft = codec.terms_from_pb(request.draft, draft=True)
        agreement = self._agreements.amend(
            caller, request.agreement_id, draft, request.justification
        )
        return pb.AmendAgreementResponse(agreement=self._agreement_pb(agreement))

    @grpc_method()
    def SetAgreementStatus(self, request, context):
        caller = self._caller(context, Action.AGREEMENT_MANAGE)
        kind = codec.status_kind_from_pb(request.kind)
        agreement = self._agreements.set_status(caller, request.agreement_id, kind, request.reason)
        return pb.SetAgreementStatusResponse(agreement=self._agreement_pb(agreement))

    @grpc_method()
    def ListAgreements(self, request, context):
        self._caller(context, Action.AGREEMENT_READ)
        return pb.ListAgreementsResponse(
            agreements=[self._agreement_pb(a) for a in self._agreements.all()]
        )

    @grpc_method()
    def GetAgreement(self, request, context):
        self._caller(context, Action.AGREEMENT_READ)
        agreement = self._agreements.get(request.agreement_id)
        return pb.GetAgreementResponse(agreement=self._agreement_pb(agreement, request.version))

    @grpc_method()
    def AddUser(self, request, context):
        caller = self._caller(context, Action.USER_MANAGE)
        if request.role not in ROLE_FROM_PB:
            raise InvalidInput("a user needs a role: admin, investigator, operator or auditor")
        user, token = self._admin.add_user(caller, request.name, ROLE_FROM_PB[request.role])
        return pb.AddUserResponse(user=_user_pb(user), token=token)

    @grpc_method()
    def ListUsers(self, request, context):
        self._caller(context, Action.USER_MANAGE)
        return pb.ListUsersResponse(users=[_user_pb(u) for u in self._admin.users()])

    @grpc_method()
    def ListAuditRecords(self, request, context):
        caller = self._caller(context, Action.AUDIT_READ)
        records = self._admin.audit_records(caller, request.after_seq, request.limit)
        return pb.ListAuditRecordsResponse(
            records=[
                pb.AuditRecord(
                    seq=r.seq,
                    at=r.at,
                    actor_kind=r.actor_kind,
                    actor=r.actor,
                    action=r.action,
                    object_type=r.object_type,
                    object_id=r.object_id,
                    justification=r.justification,
                    recipient=r.recipient,
                    details_json=json.dumps(dict(r.details), sort_keys=True),
                    prev_hash=r.prev_hash,
                    hash=r.hash,
                )
                for r in records
            ]
        )

    @grpc_method()
    def VerifyAudit(self, request, context):
        caller = self._caller(context, Action.AUDIT_READ)
        checked, problem = self._admin.verify_audit(caller)
        if problem is None:
            return pb.VerifyAuditResponse(ok=True, records_checked=checked)
        return pb.VerifyAuditResponse(
            ok=False,
            records_checked=checked,
            first_bad_seq=problem.seq or 0,
            reason=problem.reason,
        )

    # -- hotlist -----------------------------------------------------------------------

    def _entry_pb(self, e) -> pb.HotlistEntry:
        created_by, _ = self._ctx.own_entries.meta(e.entry_id) or ("", "")
        return pb.HotlistEntry(
            entry_id=e.entry_id,
            plate=e.plate.raw,
            plate_normalised=e.plate.normalised,
            country=e.plate.country,
            category=e.category,
            action=e.action.value,
            flags=list(e.flags),
            vehicle_description=e.vehicle_description,
            contact=e.contact,
            case_reference=e.case_reference,
            valid_from=to_timestamp(e.valid_from),
            expires_at=to_timestamp(e.expires_at),
            version=e.version,
            status=e.status(self._ctx.clock()).value,
            created_by=created_by,
        )

    @grpc_method()
    def AddEntry(self, request, context):
        caller = self._caller(context, Action.HOTLIST_MANAGE)
        entry = self._hotlist.add(caller, draft_from_pb(request.entry), request.justification)
        self._feed.entries_changed()
        return pb.AddEntryResponse(entry=self._entry_pb(entry))

    @grpc_method()
    def UpdateEntry(self, request, context):
        caller = self._caller(context, Action.HOTLIST_MANAGE)
        entry = self._hotlist.update(
            caller, request.entry.entry_id, draft_from_pb(request.entry), request.justification
        )
        self._feed.entries_changed()
        return pb.UpdateEntryResponse(entry=self._entry_pb(entry))

    @grpc_method()
    def WithdrawEntry(self, request, context):
        caller = self._caller(context, Action.HOTLIST_MANAGE)
        entry = self._hotlist.withdraw(caller, request.entry_id, request.justification)
        self._feed.entries_changed()
        return pb.WithdrawEntryResponse(entry=self._entry_pb(entry))

    @grpc_method()
    def ListEntries(self, request, context):
        caller = self._caller(context, Action.HOTLIST_READ)
        entries = self._hotlist.page(caller, request.after_entry_id, request.limit, request.status)
        return pb.ListEntriesResponse(entries=[self._entry_pb(e) for e in entries])

    @grpc_method()
    def GetEntry(self, request, context):
        caller = self._caller(context, Action.HOTLIST_READ)
        return pb.GetEntryResponse(
            entry=self._entry_pb(self._hotlist.get(caller, request.entry_id))
        )

    @grpc_method()
    def ImportEntries(self, request_iterator, context):
        caller = self._caller(context, Action.HOTLIST_MANAGE)
        first = next(request_iterator, None)
        if first is None or not first.HasField("options"):
            raise InvalidInput("an import starts with its options")
        options = first.options

        def chunks():
            for message in request_iterator:
                if not message.HasField("rows"):
                    raise InvalidInput("options may be sent only once, first")
                yield [
                    (row.line, row.parse_error or draft_from_pb(row.entry))
                    for row in message.rows.rows
                ]

        result = self._hotlist.import_rows(
            caller,
            chunks(),
            keep_good=options.keep_good,
            source=options.source,
            justification=options.justification,
        )
        self._feed.entries_changed()
        return pb.ImportEntriesResponse(
            accepted=result.accepted,
            rejected=result.rejected,
            errors=[pb.RowError(line=line, reason=reason) for line, reason in result.errors],
            committed=result.committed,
        )

    # -- sync --------------------------------------------------------------------------------

    @grpc_method()
    def GetSyncStatus(self, request, context):
        self._caller(context, Action.SYNC_READ)
        return pb.GetSyncStatusResponse(
            agreements=[pb.SyncStatus(**asdict(row)) for row in self._sync.overview()]
        )

    @grpc_method()
    def ResyncAgreement(self, request, context):
        caller = self._caller(context, Action.SYNC_MANAGE)
        purged = self._sync.resync(caller, request.agreement_id, request.justification)
        return pb.ResyncAgreementResponse(purged=purged)

    @grpc_method()
    def VerifyReceivedEntries(self, request, context):
        caller = self._caller(context, Action.SYNC_READ)
        proven, problem = self._sync.verify_held(caller, request.agreement_id)
        return pb.VerifyReceivedEntriesResponse(proven=proven, problem=problem)

    @grpc_method()
    def ListHits(self, request, context):
        caller = self._caller(context, Action.HITS_READ)
        found = self._hits.list(
            caller, observed=request.observed, entry_id=request.entry_id, limit=request.limit
        )
        notified = self._hits.notified([h.hit_id for h in found])
        return pb.ListHitsResponse(
            hits=[hit_pb(h, self._ctx.node_id, h.hit_id in notified) for h in found]
        )

    @grpc_method()
    def GetHit(self, request, context):
        caller = self._caller(context, Action.HITS_READ)
        hit = self._hits.get(caller, request.hit_id)
        notified = self._hits.notified([hit.hit_id])
        return pb.GetHitResponse(hit=hit_pb(hit, self._ctx.node_id, hit.hit_id in notified))

    @grpc_stream
    def ExportHotlist(self, request, context):
        caller = self._caller(context, Action.HOTLIST_EXPORT)
        version, entries = self._export.export(caller, request.known_version)
        if entries is None:
            yield pb.ExportHotlistResponse(version=version, unchanged=True)
            return
        for i in range(0, max(len(entries), 1), EXPORT_CHUNK):
            chunk = entries[i : i + EXPORT_CHUNK]
            yield pb.ExportHotlistResponse(
                version=version, entries=[_exported_pb(e) for e in chunk]
            )

    @grpc_method()
    def RequestConfirmation(self, request, context):
        caller = self._caller(context, Action.CONFIRM_MANAGE)
        view = self._confirmations.request(caller, draft_request_from_pb(request))
        return pb.RequestConfirmationResponse(confirmation=confirmation_pb(view))

    @grpc_method()
    def ListConfirmations(self, request, context):
        caller = self._caller(context, Action.CONFIRM_READ)
        views = self._confirmations.list(
            caller, open_only=request.open_only, limit=request.limit or 100
        )
        return pb.ListConfirmationsResponse(confirmations=[confirmation_pb(v) for v in views])

    @grpc_method()
    def GetConfirmation(self, request, context):
        caller = self._caller(context, Action.CONFIRM_READ)
        view = self._confirmations.get(caller, request.request_id)
        return pb.GetConfirmationResponse(confirmation=confirmation_pb(view))

    @grpc_method()
    def AnswerConfirmation(self, request, context):
        caller = self._caller(context, Action.CONFIRM_MANAGE)
        draft = AnswerDraft(
            outcome=cwire.enum_from_pb(cwire.OUTCOMES, request.outcome, "outcome")
            if request.outcome
            else None,
            note=request.note,
            action=request.action if request.HasField("action") else None,
            flags=tuple(request.flags) if request.flags_shared else None,
            contact=request.contact if request.HasField("contact") else None,
        )
        view = self._confirmations.answer(caller, request.request_id, draft)
        return pb.AnswerConfirmationResponse(confirmation=confirmation_pb(view))

    @grpc_method()
    def RefuseConfirmation(self, request, context):
        caller = self._caller(context, Action.CONFIRM_MANAGE)
        view = self._confirmations.refuse(caller, request.request_id, request.reason)
        return pb.RefuseConfirmationResponse(confirmation=confirmation_pb(view))

    @grpc_method()
    def WithdrawConfirmation(self, request, context):
        caller = self._caller(context, Action.CONFIRM_MANAGE)
        view = self._confirmations.withdraw(caller, request.request_id, request.reason)
        return pb.WithdrawConfirmationResponse(confirmation=confirmation_pb(view))


def _exported_pb(e: LocalEntry) -> pb.ExportedEntry:
    msg = pb.ExportedEntry(
        entry_id=e.entry_id,
        plate=e.plate,
        country=e.country,
        category=e.category,
        action=e.action,
        flags=e.flags,
        owner=e.owner,
        description=e.description,
    )
    msg.expires_at.CopyFrom(to_timestamp(e.expires_at))
    return msg


def _adapter_pb(a: AdapterSeen) -> pb.AdapterHealth:
    msg = pb.AdapterHealth(
        user=a.user, batches=a.batches, reads=a.reads, hits=a.hits, rejected=a.rejected
    )
    if a.last_batch_at is not None:
        msg.last_batch_at.CopyFrom(to_timestamp(a.last_batch_at))
    return msg


def draft_request_from_pb(r: pb.RequestConfirmationRequest) -> RequestDraft:
    def when(field: str):
        return to_datetime(getattr(r, field), field) if r.HasField(field) else None

    return RequestDraft(
        kind=cwire.enum_from_pb(cwire.KINDS, r.kind, "request kind"),
        purpose=cwire.enum_from_pb(cwire.PURPOSES, r.purpose, "purpose"),
        case_reference=r.case_reference,
        urgency=cwire.enum_from_pb(cwire.URGENCIES, r.urgency, "urgency")
        if r.urgency
        else Urgency.NORMAL,
        urgent_reason=r.urgent_reason,
        deadline=when("deadline"),
        hit_id=r.hit_id,
        agreement_id=r.agreement_id,
        plate=r.plate,
        country=r.country,
        window_start=when("window_start"),
        window_end=when("window_end"),
        legal_order=r.legal_order,
        previous_request_id=r.previous_request_id,
        question=r.question,
    )


_STATES = {
    State.OPEN: confirmations_pb2.CONFIRMATION_STATE_OPEN,
    State.ANSWERED: confirmations_pb2.CONFIRMATION_STATE_ANSWERED,
    State.REFUSED: confirmations_pb2.CONFIRMATION_STATE_REFUSED,
    State.WITHDRAWN: confirmations_pb2.CONFIRMATION_STATE_WITHDRAWN,
    State.EXPIRED: confirmations_pb2.CONFIRMATION_STATE_EXPIRED,
}


def confirmation_pb(view: ConfirmationView) -> pb.Confirmation:
    c = view.confirmation
    msg = pb.Confirmation(
        request=cwire.request_to_pb(c.request),
        state=_STATES[c.state],
        outgoing=view.outgoing,
        closed_by=c.answered_by or c.withdrawn_by,
        refusal_reason=c.refusal_reason,
        delivered=view.delivered,
    )
    if c.answer is not None:
        msg.answer.CopyFrom(cwire.answer_to_pb(c.answer))
    if c.closed_at is not None:
        msg.closed_at.CopyFrom(to_timestamp(c.closed_at))
    return msg


def hit_pb(hit: ObservedHit | ReceivedHit, this_node: str, notified: bool = False) -> pb.Hit:
    """A stored hit as investigators see it; an observed hit carries everything this
    node's own camera saw, a notified one only what the agreement shared."""
    msg = pb.Hit(hit_id=hit.hit_id, entry_id=hit.entry_id, agreement_id=hit.agreement_id or "")
    msg.observed_at.CopyFrom(to_timestamp(parse_time_text(hit.observed_at)))
    msg.expires_at.CopyFrom(to_timestamp(parse_time_text(hit.expires_at)))
    msg.match = hits_codec.MATCH_KINDS[MatchKind(hit.match)]
    msg.country_inferred = hit.country_inferred
    msg.location.CopyFrom(
        hits_pb2.NotifiedLocation(camera=hit.camera or "", site=hit.site or "", zone=hit.zone or "")
    )
    if isinstance(hit, ObservedHit):
        msg.observer, msg.owner = this_node, hit.entry_owner
        msg.category = hit.category
        msg.direction = hits_codec.DIRECTIONS.get(hit.direction, 0)
        msg.image_ref = hit.image_ref
        msg.owner_notified = notified
    else:
        msg.observer, msg.owner = hit.observer, this_node
    return msg


def draft_from_pb(e: pb.HotlistEntry) -> EntryDraft:
    # Positional, each field read once: an import decodes a million of these.
    flags = e.flags
    return EntryDraft(
        e.plate,
        e.country,
        e.category,
        e.action,
        to_datetime(e.expires_at, "expires_at") if e.HasField("expires_at") else None,
        tuple(flags) if flags else (),
        to_datetime(e.valid_from, "valid_from") if e.HasField("valid_from") else None,
        e.vehicle_description,
        e.contact,
        e.case_reference,
        e.entry_id,
    )


def _partner_pb(p) -> pb.Partner:
    return pb.Partner(
        node_id=p.node_id,
        endpoint=p.endpoint,
        public_key=p.public_key.raw,
        key_id=p.public_key.key_id,
        tls_ca_pem=p.tls_ca_pem,
        tls_pin_sha256=p.tls_pin_sha256,
    )


def _user_pb(u) -> pb.User:
    return pb.User(name=u.name, role=ROLE_TO_PB[Role(u.role)])
