"""The local API's messages (AdminService, IngestService) to and from the values the
use cases take and return. Translation only: no rule, no store, no audit."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from gateway.domain.agreement import Agreement, AgreementState
from gateway.domain.audit import AuditRecord
from gateway.domain.audit_query import AuditQuery
from gateway.domain.confirmations import RequestKind, State, Urgency
from gateway.domain.hits import MatchKind, ObservedHit
from gateway.domain.keychain import ChainKey, key_fingerprint
from gateway.domain.local_export import LocalEntry
from gateway.domain.partners import Partner
from gateway.domain.roles import Role, User
from gateway.domain.times import from_epoch_ms, parse_time_text
from gateway.domain.users import Standing, standing
from gateway.services.administration import AuditStatistics
from gateway.services.alerts import Alert, ConfirmationNotice, FeedNotice, Notice
from gateway.services.confirmations import AnswerDraft, ConfirmationView, RequestDraft
from gateway.services.hits import HitView
from gateway.services.hotlist import EntryDraft, EntryView
from gateway.services.ingest import BatchAnswer
from gateway.services.matching import AdapterSeen, IncomingRead
from gateway.services.operations import CertificateCheck, NodeStatus
from gateway.services.ports.signed import SignedRecords
from gateway.services.sync import SyncOverview
from gateway.services.tls import ServedIdentity
from gateway.services.token_rotation import TokenSecretState
from gateway.wire import codec, hits_codec
from gateway.wire import confirmations_codec as cwire
from gateway.wire.argos.v1 import admin_pb2 as pb
from gateway.wire.argos.v1 import confirmations_pb2, hits_pb2, ingest_pb2, reads_pb2
from gateway.wire.strict import to_datetime, to_timestamp

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
_CONFIRMATION_STATES = {
    State.OPEN: confirmations_pb2.CONFIRMATION_STATE_OPEN,
    State.ANSWERED: confirmations_pb2.CONFIRMATION_STATE_ANSWERED,
    State.REFUSED: confirmations_pb2.CONFIRMATION_STATE_REFUSED,
    State.WITHDRAWN: confirmations_pb2.CONFIRMATION_STATE_WITHDRAWN,
    State.EXPIRED: confirmations_pb2.CONFIRMATION_STATE_EXPIRED,
}


# -- node, partners, users, audit ----------------------------------------------------------


def status_pb(status: NodeStatus, node_id: str, key_id: str, endpoint: str) -> pb.GetStatusResponse:
    f = status.figures
    response = pb.GetStatusResponse(
        node_id=node_id,
        key_id=key_id,
        federation_address=endpoint,
        partners=len(status.partners),
        active_agreements=f.agreements.get(AgreementState.ACTIVE.value, 0),
        pending_agreements=f.pending_agreements,
        audit_records=f.audit_records,
        user=status.caller.name,
        role=ROLE_TO_PB[status.caller.role] if status.caller.role else 0,
        hotlist_entries=f.own_entries,
        entries_due_for_review=f.entries_due_for_review,
        adapters=[_adapter_pb(a) for a in f.adapters],
        outbox_pending=f.outbox_total("pending"),
        outbox_refused=f.outbox_total("refused"),
        outbox_delivered=f.outbox_total("delivered"),
        open_confirmations=f.open_confirmations,
        partner_status=[
            pb.PartnerStatus(
                node_id=p.node_id,
                reachable=p.reachable,
                problem=p.problem,
                sync_lag_changes=p.sync_lag_changes,
                entries_held=p.entries_held,
                rejected_batches=p.rejected_batches,
                outbox_pending=p.outbox_pending,
            )
            for p in status.partners
        ],
        entries_expiring=f.entries_expiring,
        expiry_warning_days=f.expiry_warning.days,
        confirmations_near_deadline=[
            pb.ConfirmationDue(
                request_id=c.request_id,
                partner=c.partner,
                outgoing=c.outgoing,
                kind=cwire.KINDS[RequestKind(c.kind)],
                deadline=to_timestamp(c.deadline),
            )
            for c in f.confirmations_near_deadline
        ],
        confirmation_warning_minutes=int(f.confirmation_warning.total_seconds() // 60),
        feeds=[
            _feed_pb(s, s.agreement_id in f.lists_skipped) for s in f.sync if s.role == "recipient"
        ],
        stale_feed_after_seconds=int(f.stale_after.total_seconds()),
        certificates=[_certificate_pb(c) for c in f.certificates],
        certificate_warning_days=f.certificate_warning.days,
        backup_warning_days=status.backup_warning.days,
        backup_warning=status.backup_overdue,
    )
    if status.newest_backup is not None:
        response.newest_backup_at.CopyFrom(to_timestamp(status.newest_backup))
    return response


def _feed_pb(s: SyncOverview, matching_stopped: bool) -> pb.FeedFreshness:
    msg = pb.FeedFreshness(
        agreement_id=s.agreement_id,
        partner=s.partner,
        stale=s.stale,
        matching_stopped=matching_stopped,
    )
    if s.last_head_at:
        msg.last_head_at.CopyFrom(to_timestamp(parse_time_text(s.last_head_at)))
    if s.head_age_s is not None:
        msg.head_age_seconds = s.head_age_s
    return msg


def _certificate_pb(check: CertificateCheck) -> pb.CertificateStatus:
    c = check.certificate
    msg = pb.CertificateStatus(owner=c.owner, kind=c.kind, warning=check.warning, problem=c.problem)
    if c.not_after is not None:
        msg.not_after.CopyFrom(to_timestamp(c.not_after))
    return msg


def _adapter_pb(a: AdapterSeen) -> pb.AdapterHealth:
    msg = pb.AdapterHealth(
        user=a.user, batches=a.batches, reads=a.reads, hits=a.hits, rejected=a.rejected
    )
    if a.last_batch_at is not None:
        msg.last_batch_at.CopyFrom(to_timestamp(a.last_batch_at))
    return msg


def partner_pb(p: Partner) -> pb.Partner:
    return pb.Partner(
        node_id=p.node_id,
        endpoint=p.endpoint,
        public_key=p.public_key.raw,
        key_id=p.public_key.key_id,
        tls_ca_pem=p.tls_ca_pem,
        tls_pin_sha256=p.tls_pin_sha256,
    )


USER_STATE_TO_PB = {
    Standing.ACTIVE: pb.USER_STATE_ACTIVE,
    Standing.DISABLED: pb.USER_STATE_DISABLED,
    Standing.REMOVED: pb.USER_STATE_REMOVED,
    Standing.EXPIRED: pb.USER_STATE_EXPIRED,
}


def user_pb(u: User, now: datetime) -> pb.User:
    message = pb.User(
        name=u.name,
        role=ROLE_TO_PB[u.role],
        created_at=to_timestamp(u.created_at),
        state=USER_STATE_TO_PB[standing(u, now)],
    )
    if u.token_expires_at is not None:
        message.token_expires_at.CopyFrom(to_timestamp(u.token_expires_at))
    if u.last_used_at is not None:
        message.last_used_at.CopyFrom(to_timestamp(u.last_used_at))
    return message


def token_expiry_from_pb(request) -> dict[str, datetime | timedelta | None]:
    """The expires_at / lifetime keywords of a use case, from a request's token_expiry."""
    which = request.WhichOneof("token_expiry")
    if which == "token_expires_at":
        return {"expires_at": to_datetime(request.token_expires_at, "token_expires_at")}
    if which == "token_lifetime_s":
        # Capped only so that timedelta can hold it: the use case refuses it as too long.
        return {"lifetime": timedelta(seconds=min(request.token_lifetime_s, 2**40))}
    return {}


def audit_record_pb(r: AuditRecord) -> pb.AuditRecord:
    return pb.AuditRecord(
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


def audit_query_from_pb(
    request: pb.ListAuditRecordsRequest | pb.GetAuditStatisticsRequest,
) -> AuditQuery:
    """The filters of a request (a statistics request has only the period)."""
    names = ("action", "object_type", "object_id", "actor", "since", "until")
    return AuditQuery(**{n: getattr(request, n).strip() for n in names if hasattr(request, n)})


def audit_statistics_pb(stats: AuditStatistics) -> pb.GetAuditStatisticsResponse:
    return pb.GetAuditStatisticsResponse(
        total=stats.total,
        by_action=[pb.AuditCount(key=a, count=n) for a, n in stats.by_action],
        by_actor=[pb.AuditCount(key=a, count=n, actor_kind=k) for k, a, n in stats.by_actor],
    )


def agreement_pb(agreement: Agreement, now: datetime, version: int = 0) -> pb.Agreement:
    v = agreement.version(version) if version else (agreement.pending or agreement.current)
    assert v is not None
    return pb.Agreement(
        document=codec.terms_to_pb(v.terms),
        envelope=codec.envelope_to_pb(v.envelope),
        state=STATE_TO_PB[agreement.state_of(v.terms.version, now)],
        fingerprint=v.fingerprint,
        status_issuer=agreement.revoked_by or agreement.suspended_by or "",
        status_reason=agreement.status_reason,
    )


# -- hotlist ---------------------------------------------------------------------------------


def entry_pb(view: EntryView, now: datetime) -> pb.HotlistEntry:
    e = view.entry
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
        status=e.status(now).value,
        created_by=view.created_by,
    )


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


def exported_pb(e: LocalEntry) -> pb.ExportedEntry:
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


# -- hits and confirmations ------------------------------------------------------------------


def hit_pb(view: HitView, this_node: str) -> pb.Hit:
    """A stored hit as investigators see it; an observed hit carries everything this
    node's own camera saw, a notified one only what the agreement shared."""
    hit = view.hit
    msg = pb.Hit(hit_id=hit.hit_id, entry_id=hit.entry_id, agreement_id=hit.agreement_id or "")
    msg.observed_at.CopyFrom(to_timestamp(hit.observed_at))
    msg.expires_at.CopyFrom(to_timestamp(hit.expires_at))
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
        msg.owner_notified = view.owner_notified
    else:
        msg.observer, msg.owner = hit.observer, this_node
    return msg


def request_draft_from_pb(r: pb.RequestConfirmationRequest) -> RequestDraft:
    def when(field: str) -> datetime | None:
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


def answer_draft_from_pb(r: pb.AnswerConfirmationRequest) -> AnswerDraft:
    return AnswerDraft(
        outcome=cwire.enum_from_pb(cwire.OUTCOMES, r.outcome, "outcome") if r.outcome else None,
        note=r.note,
        action=r.action if r.HasField("action") else None,
        flags=tuple(r.flags) if r.flags_shared else None,
        contact=r.contact if r.HasField("contact") else None,
    )


def confirmation_pb(view: ConfirmationView) -> pb.Confirmation:
    c = view.confirmation
    msg = pb.Confirmation(
        request=cwire.request_to_pb(c.request),
        state=_CONFIRMATION_STATES[c.state],
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


# -- ingest ----------------------------------------------------------------------------------


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


def submit_answer_pb(batch_id: str, answer: BatchAnswer) -> ingest_pb2.SubmitReadsResponse:
    outcome = answer.outcome
    msg = ingest_pb2.SubmitReadsResponse(
        batch_id=batch_id,
        accepted=outcome.accepted,
        hits=outcome.hits,
        rejected=[ingest_pb2.ReadRejection(index=i, reason=r) for i, r in outcome.rejected],
        repeated=answer.repeated,
    )
    for hit in answer.hits:
        msg.batch_hits.add(
            index=hit.index, hit_id=hit.hit_id, expires_at=to_timestamp(hit.expires_at)
        )
    return msg


def alert_pb(a: Alert) -> ingest_pb2.Alert:
    msg = ingest_pb2.Alert(
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
    msg.observed_at.CopyFrom(to_timestamp(from_epoch_ms(a.observed_ms)))
    return msg


def notice_pb(n: ConfirmationNotice) -> ingest_pb2.ConfirmationNotice:
    msg = ingest_pb2.ConfirmationNotice(
        request_id=n.request_id,
        kind=cwire.KINDS[RequestKind(n.kind)],
        what=n.what,
        partner=n.partner,
        urgency=cwire.URGENCIES[Urgency(n.urgency)],
    )
    msg.deadline.CopyFrom(to_timestamp(n.deadline))
    return msg


def feed_notice_pb(n: FeedNotice) -> ingest_pb2.FeedNotice:
    msg = ingest_pb2.FeedNotice(
        agreement_id=n.agreement_id,
        partner=n.partner,
        what=n.what,
        matching_stopped=n.matching_stopped,
    )
    if n.last_head_at is not None:
        msg.last_head_at.CopyFrom(to_timestamp(n.last_head_at))
    return msg


def watch_item_pb(item: Notice) -> ingest_pb2.WatchAlertsResponse:
    if isinstance(item, ConfirmationNotice):
        return ingest_pb2.WatchAlertsResponse(confirmation=notice_pb(item))
    if isinstance(item, FeedNotice):
        return ingest_pb2.WatchAlertsResponse(feed=feed_notice_pb(item))
    return ingest_pb2.WatchAlertsResponse(alert=alert_pb(item))


# -- signing-key chains (issue 15) ------------------------------------------------------


def chain_key_pb(k: ChainKey, now: datetime) -> pb.ChainKey:
    m = pb.ChainKey(
        key_id=k.key_id,
        public_key=k.key.raw,
        fingerprint=key_fingerprint(k.key),
        valid_from=to_timestamp(k.valid_from),
        state=k.state(now),
    )
    if k.sequence is not None:
        m.sequence = k.sequence
    if k.accept_until is not None:
        m.accept_until.CopyFrom(to_timestamp(k.accept_until))
    if k.revoked_since is not None:
        m.revoked_since.CopyFrom(to_timestamp(k.revoked_since))
    return m


def signed_by_revoked_pb(key_id: str, r: SignedRecords) -> pb.SignedByRevokedKey:
    return pb.SignedByRevokedKey(key_id=key_id, kind=r.kind, count=r.count, ids=list(r.ids))


# -- plate-token secret and TLS identity (issue 15) ------------------------------------


def token_secret_status_pb(
    state: TokenSecretState, held: dict[str, list[int]], in_index: dict[str, int]
) -> pb.GetTokenSecretStatusResponse:
    return pb.GetTokenSecretStatusResponse(
        current_epoch=state.current_epoch,
        epochs=[
            pb.TokenEpochStatus(
                epoch=e.epoch,
                created_at=to_timestamp(e.created_at),
                overlap_ends_at=to_timestamp(e.overlap_ends_at) if e.overlap_ends_at else None,
                retired_at=to_timestamp(e.retired_at) if e.retired_at else None,
            )
            for e in state.epochs
        ],
        feeds_pending=state.feeds_pending,
        received=[
            pb.ReceivedTokenKeys(
                agreement_id=agreement_id,
                keys_in_index=in_index.get(agreement_id, 0),
                epochs_held=epochs,
            )
            for agreement_id, epochs in sorted(held.items())
        ],
    )


def tls_reload_pb(served: ServedIdentity) -> pb.ReloadTlsResponse:
    return pb.ReloadTlsResponse(
        fingerprint_sha256=served.fingerprint_sha256,
        serial=served.serial,
        not_after=to_timestamp(served.not_after),
        changed=served.changed,
    )
