"""Hit confirmations and retrospective queries: requests made by an investigator here,
signed and sent through the outbox; requests from partners verified against their
agreement and put before a person here; answers, refusals and withdrawals signed and
sent back; deadlines kept by this node's clock. Rules: gateway.domain.confirmations.
Every step and every consultation lands in the audit log, with purpose and case."""

from __future__ import annotations

from datetime import timedelta

import structlog

from gateway.domain import envelope as env
from gateway.domain.agreement import Agreement, AgreementTerms
from gateway.domain.confirmations import (
    AnswerContent,
    Confirmation,
    ConfirmationEvent,
    ConfirmationRequest,
    EventKind,
    Outcome,
    RequestKind,
    SightingDetail,
    State,
    check_answer,
    check_follow_up,
    check_request,
    new_request,
)
from gateway.domain.errors import (
    AgreementViolation,
    ArgosError,
    BackendUnavailable,
    IllegalTransition,
    InvalidInput,
    NotFound,
    PartnerUnknown,
)
from gateway.domain.hits import locate
from gateway.domain.ids import new_entry_id
from gateway.domain.roles import Action
from gateway.services.access import requires
from gateway.services.alerts import AlertHub, ConfirmationNotice
from gateway.services.confirmations.drafts import (
    CONFIRMATION,
    DEADLINE_WARNING,
    EVENT_PAYLOAD,
    REQUEST_PAYLOAD,
    AnswerDraft,
    ConfirmationView,
    NoReadHistory,
    ReadHistory,
    RequestDraft,
)
from gateway.services.context import Caller, NodeContext
from gateway.services.ports import HeldConfirmation, LoggedAlert, UnitOfWork
from gateway.wire import codec
from gateway.wire import confirmations_codec as wire

log = structlog.get_logger(__name__)

_STATE_OF_EVENT = {
    EventKind.ANSWERED: State.ANSWERED,
    EventKind.REFUSED: State.REFUSED,
    EventKind.WITHDRAWN: State.WITHDRAWN,
}


class ConfirmationService:
    def __init__(
        self,
        ctx: NodeContext,
        alerts: AlertHub,
        read_history: ReadHistory | None = None,
        *,
        on_queued=lambda: None,
        warning: timedelta = DEADLINE_WARNING,
    ) -> None:
        self._ctx = ctx
        self._alerts = alerts
        self._history = read_history or NoReadHistory()
        self._on_queued = on_queued
        self._warning = warning

    # -- asking ----------------------------------------------------------------------

    @requires(Action.CONFIRM_MANAGE)
    def request(self, caller: Caller, draft: RequestDraft) -> ConfirmationView:
        now = self._ctx.now()
        agreement, partner, hit_id, entry_id = self._subject(draft)
        terms = agreement.in_force(now)
        if terms is None:
            raise AgreementViolation(
                f"agreement {agreement.agreement_id} is not in force: no requests under it"
            )
        request = new_request(
            request_id=new_entry_id(),
            kind=draft.kind,
            requester=self._ctx.node_id,
            requester_user=caller.name,
            responder=partner,
            purpose=draft.purpose,
            case_reference=draft.case_reference,
            urgency=draft.urgency,
            urgent_reason=draft.urgent_reason,
            deadline=draft.deadline,
            hit_id=hit_id,
            entry_id=entry_id,
            plate=draft.plate,
            country=draft.country,
            window_start=draft.window_start,
            window_end=draft.window_end,
            legal_order=draft.legal_order,
            previous_request_id=draft.previous_request_id,
            question=draft.question,
            terms=terms,
            now=now,
        )
        if request.kind is RequestKind.RETRO_DETAILS:
            check_follow_up(request, self._held(request.previous_request_id))
        envelope = env.sign(REQUEST_PAYLOAD, wire.request_payload(request), self._ctx.signing_key)
        data = codec.envelope_bytes(envelope)
        with self._ctx.store.write() as uow:
            uow.confirmations.insert(_held(request, outgoing=True, envelope=data))
            uow.outbox.enqueue(CONFIRMATION, partner, f"req:{request.request_id}", data)
            self._audit(uow, caller, "confirmation.requested", request, recipient=partner)
            uow.commit()
        self._on_queued()
        return ConfirmationView(Confirmation(request), outgoing=True, delivered=False)

    def _subject(self, draft: RequestDraft) -> tuple[Agreement, str, str, str]:
        """(agreement, partner to ask, hit id, entry id) for a draft."""
        if draft.kind in (RequestKind.ALERT_CONFIRMATION, RequestKind.HIT_DETAILS):
            if not draft.hit_id:
                raise InvalidInput(f"a {draft.kind.value} request names the hit it is about")
            with self._ctx.store.read() as uow:
                observed = uow.hits.observed(draft.hit_id)
                notified = uow.hits.received(draft.hit_id)
            if draft.kind is RequestKind.ALERT_CONFIRMATION:
                # We saw a partner's plate: ask its owner.
                if observed is None or observed.agreement_id is None:
                    raise NotFound(
                        f"no hit {draft.hit_id} of this node's cameras on a partner's entry"
                    )
                agreement_id, partner = observed.agreement_id, observed.entry_owner
                entry_id = observed.entry_id
            else:
                # A partner saw our plate: ask it for the details.
                if notified is None:
                    raise NotFound(f"no hit {draft.hit_id} notified to this node by a partner")
                agreement_id, partner, entry_id = (
                    notified.agreement_id,
                    notified.observer,
                    notified.entry_id,
                )
            return self._agreement(agreement_id), partner, draft.hit_id, entry_id
        if not draft.agreement_id:
            raise InvalidInput("a retrospective query names the agreement with the partner asked")
        agreement = self._agreement(draft.agreement_id)
        return agreement, agreement.partner, "", ""

    def _agreement(self, agreement_id: str) -> Agreement:
        with self._ctx.store.read() as uow:
            agreement = uow.agreements.get(agreement_id)
        if agreement is None:
            raise NotFound(f"no agreement {agreement_id}")
        return agreement

    # -- receiving -------------------------------------------------------------------

    def receive(self, sender: str, envelope: env.Envelope) -> bool:
        """A request or an event from a partner; True if it was already here."""
        with self._ctx.store.read() as uow:
            partner = uow.partners.get(sender)
        if partner is None:
            raise PartnerUnknown(f"{sender} is not a registered partner")
        partner.check_new(envelope.signer_key_ids, self._ctx.now())  # keychain rule 4
        signers = {sender: partner.keys}
        if envelope.payload_type == REQUEST_PAYLOAD:
            payload = env.verify(envelope, payload_type=REQUEST_PAYLOAD, signers=signers)
            return self._receive_request(sender, wire.request_from_payload(payload), envelope)
        payload = env.verify(envelope, payload_type=EVENT_PAYLOAD, signers=signers)
        return self._receive_event(sender, wire.event_from_payload(payload), envelope)

    def _receive_request(
        self, sender: str, request: ConfirmationRequest, envelope: env.Envelope
    ) -> bool:
        now = self._ctx.now()
        with self._ctx.store.read() as uow:
            if uow.confirmations.get(request.request_id) is not None:
                return True
            agreement = uow.agreements.get(request.agreement_id)
        terms = agreement.in_force(now) if agreement else None
        if terms is not None and terms.version != request.agreement_version:
            terms = None
        check_request(request, terms, sender=sender, this_node=self._ctx.node_id, now=now)
        if request.kind is RequestKind.RETRO_DETAILS:
            check_follow_up(request, self._held(request.previous_request_id))
        self._check_subject(request)
        data = codec.envelope_bytes(envelope)
        with self._ctx.store.write() as uow:
            if not uow.confirmations.insert(_held(request, outgoing=False, envelope=data)):
                return True
            self._audit(uow, Caller("partner", sender), "confirmation.received", request)
            notice = self._notice(uow, request, "incoming")
            uow.commit()
        self._alerts.publish([notice])
        log.info("confirmation.received", request_id=request.request_id, kind=request.kind.value)
        return False

    def _check_subject(self, request: ConfirmationRequest) -> None:
        """A hit-bound request must be about something this node knows."""
        with self._ctx.store.read() as uow:
            known_entry = uow.own_entries.created_by(request.entry_id) is not None
            hit = uow.hits.observed(request.hit_id) if request.hit_id else None
        if request.kind is RequestKind.ALERT_CONFIRMATION:
            if not known_entry:
                raise AgreementViolation(f"no entry {request.entry_id} of {self._ctx.node_id}")
        elif request.kind is RequestKind.HIT_DETAILS:
            if (
                hit is None
                or hit.entry_id != request.entry_id
                or hit.entry_owner != request.requester
            ):
                raise NotFound(
                    f"no hit {request.hit_id} of this node's cameras on that entry of "
                    f"{request.requester} (erased when its retention ended, or never here)"
                )

    def _receive_event(self, sender: str, event: ConfirmationEvent, envelope: env.Envelope) -> bool:
        conf, stored = self._load(event.request_id)
        if event.node != sender:
            raise AgreementViolation("a confirmation event names another node than its sender")
        expected = State(_STATE_OF_EVENT[event.kind])
        if conf.state is expected and stored.closed_by == event.user:
            return True  # delivered again
        request = conf.request
        if event.kind is EventKind.WITHDRAWN:
            if stored.outgoing or sender != request.requester:
                raise AgreementViolation("only the requesting node may withdraw a request")
            updated = conf.withdrawn(by=event.user, at=event.at)
        else:
            if not stored.outgoing or sender != request.responder:
                raise AgreementViolation("only the node that was asked may answer or refuse")
            if event.kind is EventKind.ANSWERED:
                assert event.answer is not None
                check_answer(conf, event.answer, self._terms_of(request))
                updated = conf.answered(event.answer, by=event.user, at=event.at)
            else:
                updated = conf.refused(event.reason, by=event.user, at=event.at)
        with self._ctx.store.write() as uow:
            uow.confirmations.close(
                request.request_id,
                updated.state.value,
                event_envelope=codec.envelope_bytes(envelope),
                closed_by=event.user,
                closed_at=event.at,
            )
            self._audit(
                uow,
                Caller("partner", sender),
                f"confirmation.{updated.state.value}",
                request,
                justification=event.reason,
                details={"by_user": event.user},
            )
            notice = self._notice(uow, request, updated.state.value)
            uow.commit()
        self._alerts.publish([notice])
        return False

    def _terms_of(self, request: ConfirmationRequest) -> AgreementTerms:
        agreement = self._agreement(request.agreement_id)
        try:
            return agreement.version(request.agreement_version).terms
        except ArgosError:
            raise AgreementViolation(
                f"agreement {request.agreement_id} v{request.agreement_version} is not held here"
            ) from None

    # -- answering -------------------------------------------------------------------

    @requires(Action.CONFIRM_MANAGE)
    def answer(self, caller: Caller, request_id: str, draft: AnswerDraft) -> ConfirmationView:
        conf, _ = self._incoming_open(request_id)
        request = conf.request
        now = self._ctx.now()
        terms = self._terms_of(request)
        content = self._content(request, terms, draft)
        check_answer(conf, content, terms)
        updated = conf.answered(content, by=caller.name, at=now)
        event = ConfirmationEvent(
            request_id, EventKind.ANSWERED, self._ctx.node_id, caller.name, now, content, ""
        )
        self._close(caller, updated, event, "confirmation.answered")
        return ConfirmationView(updated, outgoing=False, delivered=False)

    def _content(
        self, request: ConfirmationRequest, terms: AgreementTerms, draft: AnswerDraft
    ) -> AnswerContent:
        """The answer: the person's verdict for an alert confirmation; otherwise what
        this node knows (its hit, or its backend's read history) at the agreed detail."""
        granularity = terms.location_granularity
        if request.kind is RequestKind.ALERT_CONFIRMATION:
            if draft.outcome is None:
                raise InvalidInput("say whether the alert is confirmed or not")
            return AnswerContent(
                draft.outcome, draft.note, draft.action, draft.flags, draft.contact
            )
        if request.kind is RequestKind.HIT_DETAILS:
            with self._ctx.store.read() as uow:
                hit = uow.hits.observed(request.hit_id)
            if hit is None:
                return AnswerContent(Outcome.NOT_CONFIRMED, draft.note or "hit no longer held")
            sighting = hit.sighting
            detail = SightingDetail(
                sighting.observed_at, locate(sighting, granularity), hit.direction, hit.image_ref
            )
            return AnswerContent(Outcome.CONFIRMED, draft.note, sightings=(detail,))
        assert request.window_start is not None and request.window_end is not None
        try:
            found = self._history.search(
                request.plate, request.country, request.window_start, request.window_end
            )
        except BackendUnavailable as failed:
            # A search that failed is on record too: the plate may have reached the backend.
            self._ctx.record(
                Caller("system", "read-history"),
                "reads.search_failed",
                "confirmation",
                request.request_id,
                justification=request.legal_order,
                details={"reason": str(failed)[:300], "case_reference": request.case_reference},
            )
            raise
        self._ctx.record(
            Caller("system", "read-history"),
            "reads.searched",
            "confirmation",
            request.request_id,
            justification=request.legal_order,
            details={"found": len(found), "case_reference": request.case_reference},
        )
        outcome = Outcome.CONFIRMED if found else Outcome.NOT_CONFIRMED
        if request.kind is RequestKind.RETRO_QUERY:
            return AnswerContent(outcome, draft.note)  # hit / no-hit first, nothing more
        details = tuple(
            SightingDetail(s.observed_at, locate(s, granularity), s.direction, s.image_ref)
            for s in found
        )
        return AnswerContent(outcome, draft.note, sightings=details)

    @requires(Action.CONFIRM_MANAGE)
    def refuse(self, caller: Caller, request_id: str, reason: str) -> ConfirmationView:
        conf, _ = self._incoming_open(request_id)
        now = self._ctx.now()
        updated = conf.refused(reason, by=caller.name, at=now)
        event = ConfirmationEvent(
            request_id, EventKind.REFUSED, self._ctx.node_id, caller.name, now, None, reason
        )
        self._close(caller, updated, event, "confirmation.refused")
        return ConfirmationView(updated, outgoing=False, delivered=False)

    @requires(Action.CONFIRM_MANAGE)
    def withdraw(self, caller: Caller, request_id: str, reason: str) -> ConfirmationView:
        conf, stored = self._load(request_id)
        if not stored.outgoing:
            raise IllegalTransition("only the side that asked may withdraw a request")
        now = self._ctx.now()
        updated = conf.withdrawn(by=caller.name, at=now)
        event = ConfirmationEvent(
            request_id, EventKind.WITHDRAWN, self._ctx.node_id, caller.name, now, None, reason
        )
        self._close(caller, updated, event, "confirmation.withdrawn")
        return ConfirmationView(updated, outgoing=True, delivered=False)

    def _incoming_open(self, request_id: str) -> tuple[Confirmation, HeldConfirmation]:
        conf, stored = self._load(request_id)
        if stored.outgoing:
            raise IllegalTransition("this node asked; the partner answers")
        return conf, stored

    def _close(
        self, caller: Caller, updated: Confirmation, event: ConfirmationEvent, action: str
    ) -> None:
        request = updated.request
        partner = request.requester if event.kind is not EventKind.WITHDRAWN else request.responder
        envelope = env.sign(EVENT_PAYLOAD, wire.event_payload(event), self._ctx.signing_key)
        data = codec.envelope_bytes(envelope)
        with self._ctx.store.write() as uow:
            uow.confirmations.close(
                request.request_id,
                updated.state.value,
                event_envelope=data,
                closed_by=caller.name,
                closed_at=event.at,
            )
            uow.outbox.enqueue(CONFIRMATION, partner, f"evt:{request.request_id}", data)
            self._audit(uow, caller, action, request, recipient=partner, justification=event.reason)
            uow.commit()
        self._on_queued()

    # -- deadlines -------------------------------------------------------------------

    def keep_deadlines(self) -> tuple[int, int]:
        """Expire open requests past their deadline (on both sides, by this clock) and
        warn about those near it; (expired, warned)."""
        now = self._ctx.now()
        expired = warned = 0
        with self._ctx.store.read() as uow:
            due = uow.confirmations.open_due_before(now + self._warning)
        for stored in due:
            conf = self._rebuild(stored)
            if now >= conf.request.deadline:
                updated = conf.expired(at=now)
                with self._ctx.store.write() as uow:
                    uow.confirmations.close(
                        stored.request_id,
                        updated.state.value,
                        event_envelope=None,
                        closed_by="",
                        closed_at=now,
                    )
                    self._audit(
                        uow, Caller("system", "deadline"), "confirmation.expired", conf.request
                    )
                    notice = self._notice(uow, conf.request, "expired")
                    uow.commit()
                self._alerts.publish([notice])
                expired += 1
            elif conf.due_soon(now, self._warning) and not stored.escalated:
                with self._ctx.store.write() as uow:
                    uow.confirmations.mark_escalated(stored.request_id)
                    notice = self._notice(uow, conf.request, "deadline approaching")
                    uow.commit()
                self._alerts.publish([notice])
                warned += 1
        return expired, warned

    # -- reading ---------------------------------------------------------------------

    @requires(Action.CONFIRM_READ)
    def get(self, caller: Caller, request_id: str) -> ConfirmationView:
        conf, stored = self._load(request_id)
        self._audit(None, caller, "confirmation.read", conf.request)
        return self._view(conf, stored)

    @requires(Action.CONFIRM_READ)
    def list(self, caller: Caller, *, open_only: bool, limit: int = 100) -> list[ConfirmationView]:
        with self._ctx.store.read() as uow:
            rows = uow.confirmations.listing(open_only=open_only, limit=max(1, min(limit, 1000)))
        self._ctx.record(
            caller,
            "confirmation.list",
            "confirmation",
            "*",
            details={"open_only": open_only, "returned": len(rows)},
        )
        return [self._view(self._rebuild(r), r) for r in rows]

    def open_count(self) -> int:
        with self._ctx.store.read() as uow:
            return uow.confirmations.open_count()

    @property
    def warning(self) -> timedelta:
        """How long before its deadline an open request counts as near it."""
        return self._warning

    def near_deadline(self) -> list[HeldConfirmation]:
        """Open requests whose deadline falls within the warning window (ids, kinds,
        partners and deadlines only: nothing a request was about)."""
        with self._ctx.store.read() as uow:
            return uow.confirmations.open_due_before(self._ctx.now() + self._warning)

    def _view(self, conf: Confirmation, stored: HeldConfirmation) -> ConfirmationView:
        # What this node sent last: its request, its withdrawal, or its answer/refusal.
        if stored.outgoing:
            key = "evt" if conf.state is State.WITHDRAWN else "req"
        elif conf.state in (State.ANSWERED, State.REFUSED):
            key = "evt"
        else:
            return ConfirmationView(conf, stored.outgoing, False)  # nothing sent yet
        with self._ctx.store.read() as uow:
            delivered = bool(uow.outbox.sent_for([f"{key}:{conf.request.request_id}"]))
        return ConfirmationView(conf, stored.outgoing, delivered)

    def _held(self, request_id: str) -> Confirmation | None:
        try:
            return self._load(request_id)[0]
        except NotFound:
            return None

    def _load(self, request_id: str) -> tuple[Confirmation, HeldConfirmation]:
        with self._ctx.store.read() as uow:
            stored = uow.confirmations.get(request_id)
        if stored is None:
            raise NotFound(f"no confirmation request {request_id}")
        return self._rebuild(stored), stored

    def _rebuild(self, stored: HeldConfirmation) -> Confirmation:
        request = wire.request_from_payload(
            codec.envelope_from_bytes(stored.request_envelope).payload
        )
        conf = Confirmation(request)
        state = State(stored.state)
        if state is State.OPEN:
            return conf
        closed_at = stored.closed_at or request.deadline
        if state is State.EXPIRED:
            return conf.expired(at=max(closed_at, request.deadline))
        event = wire.event_from_payload(codec.envelope_from_bytes(stored.event_envelope).payload)
        if state is State.ANSWERED:
            assert event.answer is not None
            return conf.answered(event.answer, by=event.user, at=event.at)
        if state is State.REFUSED:
            return conf.refused(event.reason, by=event.user, at=event.at)
        return conf.withdrawn(by=event.user, at=event.at)

    def _audit(
        self,
        uow: UnitOfWork | None,
        caller: Caller,
        action: str,
        request: ConfirmationRequest,
        *,
        recipient: str = "",
        justification: str = "",
        details: dict | None = None,
    ) -> None:
        self._ctx.record(
            caller,
            action,
            "confirmation",
            request.request_id,
            uow=uow,
            justification=justification[:500],
            recipient=recipient,
            details={
                "kind": request.kind.value,
                "purpose": request.purpose.value,
                "case_reference": request.case_reference,
                "requester": f"{request.requester_user}@{request.requester}",
                "responder": request.responder,
                "hit_id": request.hit_id,
                **(details or {}),
            },
        )

    def _notice(self, uow: UnitOfWork, request: ConfirmationRequest, what: str) -> LoggedAlert:
        """The notice for the operators, logged in the change's own unit of work (it is
        published once that commits)."""
        partner = request.requester if request.responder == self._ctx.node_id else request.responder
        return self._alerts.log(
            uow,
            ConfirmationNotice(
                request.request_id,
                request.kind.value,
                what,
                partner,
                request.deadline,
                request.urgency.value,
            ),
        )


def _held(request: ConfirmationRequest, *, outgoing: bool, envelope: bytes) -> HeldConfirmation:
    return HeldConfirmation(
        request_id=request.request_id,
        outgoing=outgoing,
        kind=request.kind.value,
        agreement_id=request.agreement_id,
        partner=request.responder if outgoing else request.requester,
        state=State.OPEN.value,
        created_at=request.created_at,
        deadline=request.deadline,
        hit_id=request.hit_id,
        request_envelope=envelope,
        event_envelope=None,
        closed_by="",
        closed_at=None,
        escalated=False,
    )
