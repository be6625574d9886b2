"""AdminService: the local CLI's way into the node. Thin: who is calling (the bearer
token), protobuf to values (gateway.wire.admin_codec), the use case, and back. Every
rule, authorization check and audit record lives in the use cases."""

from __future__ import annotations

from datetime import timedelta

import grpc

from gateway.bootstrap import Application
from gateway.domain.errors import InvalidInput
from gateway.node.status_codes import grpc_method, grpc_stream
from gateway.services.context import Caller
from gateway.services.users import BearerCheck
from gateway.wire import admin_codec as wire
from gateway.wire import codec
from gateway.wire.argos.v1 import admin_pb2 as pb
from gateway.wire.argos.v1 import admin_pb2_grpc
from gateway.wire.local_api import token_from
from gateway.wire.partner_change_codec import partner_change_record_pb
from gateway.wire.retention_codec import retention_report_pb
from gateway.wire.strict import bounded_id, to_datetime, to_timestamp

EXPORT_CHUNK = 5_000
# Audit export lines per message: a record line is a few hundred bytes, a justification
# may make one a few kilobytes; 200 stay far below the message limit.
AUDIT_EXPORT_CHUNK = 200


def local_token(app: Application, context: grpc.ServicerContext) -> BearerCheck:
    """The local user behind a call, from its bearer token, as a check a long stream
    repeats before each message."""
    header = dict(context.invocation_metadata()).get("authorization", "")
    return app.users.check_token(token_from(header))


def local_caller(app: Application, context: grpc.ServicerContext) -> Caller:
    """The local user behind a call, from its bearer token."""
    return local_token(app, context).caller


class AdminServicer(admin_pb2_grpc.AdminServiceServicer):
    def __init__(self, app: Application) -> None:
        self._app = app
        self._node_id = app.ctx.node_id

    def _caller(self, context: grpc.ServicerContext) -> Caller:
        return local_caller(self._app, context)

    def _agreement_pb(self, agreement, version: int = 0) -> pb.Agreement:
        return wire.agreement_pb(agreement, self._app.ctx.now(), version)

    def _entry_pb(self, view) -> pb.HotlistEntry:
        return wire.entry_pb(view, self._app.ctx.now())

    @grpc_method()
    def GetStatus(self, request, context):
        status = self._app.operations.status(self._caller(context))
        ctx = self._app.ctx
        return wire.status_pb(
            status, ctx.node_id, ctx.signing_key.key_id, self._app.config.endpoint
        )

    @grpc_method()
    def SnapshotDatabase(self, request, context):
        path, seq = self._app.administration.snapshot(self._caller(context), request.justification)
        return pb.SnapshotDatabaseResponse(path=str(path), audit_seq=seq)

    # -- plate-token secret and TLS identity (issue 15) --------------------------------

    @grpc_method()
    def RotateTokenSecret(self, request, context):
        rotation = self._app.token_rotation.rotate(
            self._caller(context), timedelta(seconds=request.overlap_s)
        )
        return pb.RotateTokenSecretResponse(
            epoch=rotation.epoch,
            overlap_ends_at=to_timestamp(rotation.overlap_ends_at),
            token_feeds=rotation.token_feeds,
        )

    @grpc_method()
    def EndTokenSecretOverlap(self, request, context):
        retired = self._app.token_rotation.end_overlap(self._caller(context))
        return pb.EndTokenSecretOverlapResponse(retired_epochs=retired)

    @grpc_method()
    def GetTokenSecretStatus(self, request, context):
        caller = self._caller(context)
        state = self._app.token_rotation.status(caller)
        held = self._app.sync.held_token_epochs(caller)
        return wire.token_secret_status_pb(state, held, self._app.matching.token_keys())

    @grpc_method()
    def ReloadTls(self, request, context):
        return wire.tls_reload_pb(self._app.tls.reload(self._caller(context)))

    @grpc_method()
    def GetRetentionReport(self, request, context):
        assert self._app.retention is not None  # bootstrap always builds it
        rows = self._app.retention.report(self._caller(context))
        return retention_report_pb(rows, self._app.ctx.now())

    # -- partners, agreements, users, audit --------------------------------------------

    @grpc_method()
    def AddPartner(self, request, context):
        p = request.partner
        record = self._app.administration.add_partner(
            self._caller(context),
            node_id=p.node_id,
            endpoint=p.endpoint,
            public_key=p.public_key,
            tls_ca_pem=p.tls_ca_pem,
            tls_pin_sha256=p.tls_pin_sha256,
        )
        return pb.AddPartnerResponse(partner=wire.partner_pb(record))

    @grpc_method()
    def ListPartners(self, request, context):
        partners = self._app.administration.partners(self._caller(context))
        return pb.ListPartnersResponse(partners=[wire.partner_pb(p) for p in partners])

    @grpc_method()
    def RemovePartner(self, request, context):
        self._app.administration.remove_partner(
            self._caller(context), request.node_id, request.justification
        )
        return pb.RemovePartnerResponse()

    @grpc_method()
    def ChangePartnerTrust(self, request, context):
        previous, partner = self._app.administration.change_partner_trust(
            self._caller(context),
            request.node_id,
            tls_ca_pem=request.tls_ca_pem if request.HasField("tls_ca_pem") else None,
            tls_pin_sha256=(request.tls_pin_sha256 if request.HasField("tls_pin_sha256") else None),
            justification=request.justification,
            endpoint=request.endpoint if request.HasField("endpoint") else None,
        )
        return pb.ChangePartnerTrustResponse(
            partner=wire.partner_pb(partner), previous=wire.partner_pb(previous)
        )

    @grpc_method()
    def AnnounceOwnChange(self, request, context):
        change, fingerprint, partners = self._app.partner_changes.announce(
            self._caller(context),
            endpoint=request.endpoint,
            tls_ca_pem=request.tls_ca_pem,
            tls_cert_pem=request.tls_cert_pem,
            justification=request.justification,
        )
        return pb.AnnounceOwnChangeResponse(
            sequence=change.sequence, fingerprint=fingerprint, partners=partners
        )

    @grpc_method()
    def ListPartnerChanges(self, request, context):
        held = self._app.partner_changes.changes(
            self._caller(context), bounded_id(request.node_id, "node_id"), request.all
        )
        return pb.ListPartnerChangesResponse(changes=[partner_change_record_pb(h) for h in held])

    @grpc_method()
    def DecidePartnerChange(self, request, context):
        held, previous, partner = self._app.partner_changes.decide(
            self._caller(context),
            bounded_id(request.node_id, "node_id"),
            bounded_id(request.fingerprint, "fingerprint"),
            accept=request.accept,
            justification=request.justification,
        )
        return pb.DecidePartnerChangeResponse(
            change=partner_change_record_pb(held),
            previous=wire.partner_pb(previous),
            partner=wire.partner_pb(partner),
        )

    @grpc_method()
    def CreateAgreementProposal(self, request, context):
        caller = self._caller(context)
        draft = codec.terms_from_pb(request.draft, draft=True)
        agreement = self._app.agreements.propose(caller, draft, request.justification)
        return pb.CreateAgreementProposalResponse(agreement=self._agreement_pb(agreement))

    @grpc_method()
    def CountersignAgreement(self, request, context):
        agreement = self._app.agreements.countersign(
            self._caller(context), request.agreement_id, request.version, request.justification
        )
        return pb.CountersignAgreementResponse(agreement=self._agreement_pb(agreement))

    @grpc_method()
    def AmendAgreement(self, request, context):
        caller = self._caller(context)
        draft = codec.terms_from_pb(request.draft, draft=True)
        agreement = self._app.agreements.amend(
            caller, request.agreement_id, draft, request.justification
        )
        return pb.AmendAgreementResponse(agreement=self._agreement_pb(agreement))

    @grpc_method()
    def SetAgreementStatus(self, request, context):
        caller = self._caller(context)
        kind = codec.status_kind_from_pb(request.kind)
        agreement = self._app.agreements.set_status(
            caller, request.agreement_id, kind, request.reason
        )
        return pb.SetAgreementStatusResponse(agreement=self._agreement_pb(agreement))

    @grpc_method()
    def ListAgreements(self, request, context):
        agreements = self._app.agreements.all(self._caller(context))
        return pb.ListAgreementsResponse(agreements=[self._agreement_pb(a) for a in agreements])

    @grpc_method()
    def GetAgreement(self, request, context):
        agreement = self._app.agreements.get(self._caller(context), request.agreement_id)
        return pb.GetAgreementResponse(agreement=self._agreement_pb(agreement, request.version))

    @grpc_method()
    def AddUser(self, request, context):
        caller = self._caller(context)
        role = wire.ROLE_FROM_PB.get(request.role)
        user, token = self._app.users.add_user(
            caller, request.name, role, **wire.token_expiry_from_pb(request)
        )
        return pb.AddUserResponse(user=self._user_pb(user), token=token)

    @grpc_method()
    def ListUsers(self, request, context):
        users = self._app.users.users(self._caller(context))
        return pb.ListUsersResponse(users=[self._user_pb(u) for u in users])

    @grpc_method()
    def DisableUser(self, request, context):
        user = self._app.users.disable(self._caller(context), request.name, request.justification)
        return pb.DisableUserResponse(user=self._user_pb(user))

    @grpc_method()
    def EnableUser(self, request, context):
        user = self._app.users.enable(self._caller(context), request.name, request.justification)
        return pb.EnableUserResponse(user=self._user_pb(user))

    @grpc_method()
    def RotateUserToken(self, request, context):
        user, token = self._app.users.rotate_token(
            self._caller(context),
            request.name,
            justification=request.justification,
            **wire.token_expiry_from_pb(request),
        )
        return pb.RotateUserTokenResponse(user=self._user_pb(user), token=token)

    @grpc_method()
    def RemoveUser(self, request, context):
        user = self._app.users.remove(self._caller(context), request.name, request.justification)
        return pb.RemoveUserResponse(user=self._user_pb(user))

    def _user_pb(self, user) -> pb.User:
        return wire.user_pb(user, self._app.ctx.now())

    @grpc_method()
    def ListAuditRecords(self, request, context):
        records = self._app.administration.audit_records(
            self._caller(context),
            request.after_seq,
            request.limit,
            wire.audit_query_from_pb(request),
            before_seq=request.before_seq,
            newest_first=request.newest_first,
        )
        return pb.ListAuditRecordsResponse(records=[wire.audit_record_pb(r) for r in records])

    @grpc_method()
    def GetAuditStatistics(self, request, context):
        stats = self._app.administration.audit_statistics(
            self._caller(context), wire.audit_query_from_pb(request)
        )
        return wire.audit_statistics_pb(stats)

    @grpc_method()
    def VerifyAudit(self, request, context):
        checked, problem = self._app.administration.verify_audit(self._caller(context))
        if problem is None:
            return pb.VerifyAuditResponse(ok=True, records_checked=checked)
        return pb.VerifyAuditResponse(
            ok=False,
            records_checked=checked,
            first_bad_seq=problem.seq or 0,
            reason=problem.reason,
            at_anchor=problem.at_anchor,
        )

    @grpc_stream
    def ExportAudit(self, request, context):
        lines = self._app.audit.export(
            self._caller(context),
            to_datetime(request.period_start, "period_start"),
            to_datetime(request.period_end, "period_end"),
            request.recipient,
        )
        for i in range(0, len(lines), AUDIT_EXPORT_CHUNK):
            yield pb.ExportAuditResponse(lines=lines[i : i + AUDIT_EXPORT_CHUNK])

    # -- hotlist -----------------------------------------------------------------------

    @grpc_method()
    def AddEntry(self, request, context):
        caller = self._caller(context)
        view = self._app.hotlist.add(
            caller, wire.draft_from_pb(request.entry), request.justification
        )
        return pb.AddEntryResponse(entry=self._entry_pb(view))

    @grpc_method()
    def UpdateEntry(self, request, context):
        caller = self._caller(context)
        view = self._app.hotlist.update(
            caller, request.entry.entry_id, wire.draft_from_pb(request.entry), request.justification
        )
        return pb.UpdateEntryResponse(entry=self._entry_pb(view))

    @grpc_method()
    def WithdrawEntry(self, request, context):
        view = self._app.hotlist.withdraw(
            self._caller(context), request.entry_id, request.justification
        )
        return pb.WithdrawEntryResponse(entry=self._entry_pb(view))

    @grpc_method()
    def ListEntries(self, request, context):
        views = self._app.hotlist.page(
            self._caller(context), request.after_entry_id, request.limit, request.status
        )
        return pb.ListEntriesResponse(entries=[self._entry_pb(v) for v in views])

    @grpc_method()
    def GetEntry(self, request, context):
        view = self._app.hotlist.get(self._caller(context), request.entry_id)
        return pb.GetEntryResponse(entry=self._entry_pb(view))

    @grpc_method()
    def ImportEntries(self, request_iterator, context):
        caller = self._caller(context)
        first = next(request_iterator, None)
        if first is None or not first.HasField("options"):
            raise InvalidInput("an import starts with its options")
        options = first.options

        def chunks():
            for message in request_iterator:
                if not message.HasField("rows"):
                    raise InvalidInput("options may be sent only once, first")
                yield [
                    (row.line, row.parse_error or wire.draft_from_pb(row.entry))
                    for row in message.rows.rows
                ]

        result = self._app.hotlist.import_rows(
            caller,
            chunks(),
            keep_good=options.keep_good,
            source=options.source,
            justification=options.justification,
            dry_run=options.dry_run,
        )
        return pb.ImportEntriesResponse(
            accepted=result.accepted,
            rejected=result.rejected,
            errors=[pb.RowError(line=line, reason=reason) for line, reason in result.errors],
            committed=result.committed,
        )

    @grpc_stream
    def ExportHotlist(self, request, context):
        version, entries = self._app.local_export.export(
            self._caller(context), request.known_version
        )
        if entries is None:
            yield pb.ExportHotlistResponse(version=version, unchanged=True)
            return
        for i in range(0, max(len(entries), 1), EXPORT_CHUNK):
            chunk = entries[i : i + EXPORT_CHUNK]
            yield pb.ExportHotlistResponse(
                version=version, entries=[wire.exported_pb(e) for e in chunk]
            )

    # -- sync --------------------------------------------------------------------------

    @grpc_method()
    def GetSyncStatus(self, request, context):
        rows = self._app.sync.status(self._caller(context))
        return pb.GetSyncStatusResponse(agreements=[pb.SyncStatus(**vars(row)) for row in rows])

    @grpc_method()
    def ResyncAgreement(self, request, context):
        purged = self._app.sync.resync(
            self._caller(context), request.agreement_id, request.justification
        )
        return pb.ResyncAgreementResponse(purged=purged)

    @grpc_method()
    def VerifyReceivedEntries(self, request, context):
        proven, problem = self._app.sync.verify_held(self._caller(context), request.agreement_id)
        return pb.VerifyReceivedEntriesResponse(proven=proven, problem=problem)

    # -- hits and confirmations -----------------------------------------------------------

    @grpc_method()
    def ListHits(self, request, context):
        views = self._app.hits.list(
            self._caller(context),
            observed=request.observed,
            entry_id=request.entry_id,
            limit=request.limit,
        )
        return pb.ListHitsResponse(hits=[wire.hit_pb(v, self._node_id) for v in views])

    @grpc_method()
    def GetHit(self, request, context):
        view = self._app.hits.get(self._caller(context), request.hit_id)
        return pb.GetHitResponse(hit=wire.hit_pb(view, self._node_id))

    @grpc_method()
    def RequestConfirmation(self, request, context):
        caller = self._caller(context)
        view = self._app.confirmations.request(caller, wire.request_draft_from_pb(request))
        return pb.RequestConfirmationResponse(confirmation=wire.confirmation_pb(view))

    @grpc_method()
    def ListConfirmations(self, request, context):
        views = self._app.confirmations.list(
            self._caller(context), open_only=request.open_only, limit=request.limit or 100
        )
        return pb.ListConfirmationsResponse(confirmations=[wire.confirmation_pb(v) for v in views])

    @grpc_method()
    def GetConfirmation(self, request, context):
        view = self._app.confirmations.get(self._caller(context), request.request_id)
        return pb.GetConfirmationResponse(confirmation=wire.confirmation_pb(view))

    @grpc_method()
    def AnswerConfirmation(self, request, context):
        caller = self._caller(context)
        view = self._app.confirmations.answer(
            caller, request.request_id, wire.answer_draft_from_pb(request)
        )
        return pb.AnswerConfirmationResponse(confirmation=wire.confirmation_pb(view))

    @grpc_method()
    def RefuseConfirmation(self, request, context):
        view = self._app.confirmations.refuse(
            self._caller(context), request.request_id, request.reason
        )
        return pb.RefuseConfirmationResponse(confirmation=wire.confirmation_pb(view))

    @grpc_method()
    def WithdrawConfirmation(self, request, context):
        view = self._app.confirmations.withdraw(
            self._caller(context), request.request_id, request.reason
        )
        return pb.WithdrawConfirmationResponse(confirmation=wire.confirmation_pb(view))

    # -- signing keys (issue 15) ---------------------------------------------------------

    def _key_pb(self, key) -> pb.ChainKey:
        return wire.chain_key_pb(key, self._app.ctx.now())

    @grpc_method()
    def RotateSigningKey(self, request, context):
        key, partners = self._app.signing_keys.rotate(
            self._caller(context), timedelta(seconds=request.overlap_seconds), request.justification
        )
        return pb.RotateSigningKeyResponse(key=self._key_pb(key), partners=partners)

    @grpc_method()
    def RevokeSigningKey(self, request, context):
        if not request.HasField("since"):
            raise InvalidInput("give the time since which the key is revoked")
        revoked, current, partners = self._app.signing_keys.revoke(
            self._caller(context),
            request.key_id,
            to_datetime(request.since, "since"),
            request.justification,
        )
        return pb.RevokeSigningKeyResponse(
            revoked=self._key_pb(revoked), current=self._key_pb(current), partners=partners
        )

    @grpc_method()
    def ListSigningKeys(self, request, context):
        chain = self._app.signing_keys.keys(self._caller(context))
        return pb.ListSigningKeysResponse(keys=[self._key_pb(k) for k in chain.keys])

    @grpc_method()
    def ListPartnerKeys(self, request, context):
        chain, held = self._app.partner_keys.show(self._caller(context), request.node_id)
        return pb.ListPartnerKeysResponse(
            keys=[self._key_pb(k) for k in chain.keys],
            held=[wire.signed_by_revoked_pb(key_id, r) for key_id, r in held],
        )

    @grpc_method()
    def AddPartnerKey(self, request, context):
        key = self._app.partner_keys.add(
            self._caller(context), request.node_id, request.public_key, request.justification
        )
        return pb.AddPartnerKeyResponse(key=self._key_pb(key))

    @grpc_method()
    def RetirePartnerKey(self, request, context):
        key = self._app.partner_keys.retire(
            self._caller(context), request.node_id, request.key_id, request.justification
        )
        return pb.RetirePartnerKeyResponse(key=self._key_pb(key))

    @grpc_method()
    def ConfirmPartnerKey(self, request, context):
        key = self._app.partner_keys.confirm(
            self._caller(context), request.node_id, request.fingerprint, request.justification
        )
        return pb.ConfirmPartnerKeyResponse(key=self._key_pb(key))
