"""A partner that moves, announced by itself: this node announcing its own move to every
partner (signed, through the outbox, retried until each has it), and a partner's
announcement received, held as pending, and accepted or rejected by the local
administrator. The rules are gateway.domain.partner_change's; here they are applied,
stored and audited."""

from __future__ import annotations

from collections.abc import Callable

import structlog

from gateway.domain import envelope as env
from gateway.domain.errors import (
    ArgosError,
    IllegalTransition,
    InvalidInput,
    NotFound,
    PartnerUnknown,
)
from gateway.domain.partner_change import (
    PARTNER_CHANGE_PAYLOAD,
    ChangeState,
    HeldChange,
    PartnerChange,
    announced_details,
    applied,
    change_details,
    check_receivable,
)
from gateway.domain.partners import Partner
from gateway.domain.roles import Action
from gateway.services.access import requires
from gateway.services.administration import AdministrationService
from gateway.services.context import Caller, NodeContext
from gateway.wire import codec
from gateway.wire.partner_change_codec import partner_change_from_payload, partner_change_payload

log = structlog.get_logger(__name__)

# The outbox kind of this node's own announcements.
PARTNER_CHANGE = "partner_change"


class PartnerChangeService:
    def __init__(
        self,
        ctx: NodeContext,
        administration: AdministrationService,
        on_queued: Callable[[], None] | None = None,
    ) -> None:
        self._ctx = ctx
        self._administration = administration
        self._on_queued = on_queued

    # -- this node moves -------------------------------------------------------------

    @requires(Action.PARTNER_MANAGE)
    def announce(
        self,
        caller: Caller,
        *,
        endpoint: str = "",
        tls_ca_pem: str = "",
        tls_cert_pem: str = "",
        justification: str,
    ) -> tuple[PartnerChange, str, list[str]]:
        """Sign this node's move (a new endpoint, certificate, CA or CA bundle) and queue
        it for every partner; return it, its fingerprint and who it was queued for. A
        change of the TLS side is announced while the old certificate is still in use:
        it travels over the old one, and partners can accept it before the switch."""
        if not justification.strip():
            raise InvalidInput("an announcement of this node's move needs a justification")
        now = self._ctx.now()
        with self._ctx.store.write() as uow:
            sequence = uow.partner_changes.next_own_sequence()
            change = PartnerChange(
                self._ctx.node_id, sequence, now, endpoint, tls_ca_pem, tls_cert_pem
            ).check()
            envelope = env.sign(
                PARTNER_CHANGE_PAYLOAD, partner_change_payload(change), self._ctx.signing_key
            )
            fingerprint = env.payload_fingerprint(envelope.payload)
            data = codec.envelope_bytes(envelope)
            uow.partner_changes.add_own(sequence, fingerprint, data, now)
            partners = [p.node_id for p in uow.partners.all()]
            for partner in partners:
                key = f"{PARTNER_CHANGE}@{partner}:{sequence}"
                uow.outbox.enqueue(PARTNER_CHANGE, partner, key, data)
            self._ctx.record(
                caller,
                "partner.change_announce",
                "partner_change",
                str(sequence),
                uow=uow,
                justification=justification,
                details={**announced_details(change, fingerprint), "partners": ",".join(partners)},
            )
            uow.commit()
        log.info("partner.change_announce", sequence=sequence, partners=len(partners))
        if self._on_queued is not None:
            self._on_queued()
        return change, fingerprint, partners

    # -- a partner moves ---------------------------------------------------------------

    def receive(self, peer: str, envelope: env.Envelope) -> tuple[str, bool]:
        """A partner's announcement, delivered by `peer`: held as pending (audited
        partner.change_announced); (its fingerprint, whether it was already held).
        Refusals are raised for the federation gate to audit; nothing is stored."""
        with self._ctx.store.read() as uow:
            partner = uow.partners.get(peer)
        if partner is None:
            raise PartnerUnknown(f"{peer} is not a registered partner of this node")
        payload = env.verify(  # domain.partner_change rule 1
            envelope, payload_type=PARTNER_CHANGE_PAYLOAD, signers={peer: partner.keys}
        )
        # A rotated-away or revoked key may not announce a move (keychain rule 4).
        partner.check_new(envelope.signer_key_ids, self._ctx.now())
        change = partner_change_from_payload(payload)
        fingerprint = env.payload_fingerprint(payload)
        now = self._ctx.now()
        with self._ctx.store.write() as uow:
            newest = uow.partner_changes.newest(peer)
            if not check_receivable(change, peer, fingerprint, newest, now):
                return fingerprint, True
            superseded = newest is not None and newest.state is ChangeState.PENDING
            if superseded:  # rule 6: only the newest pending one can be accepted
                uow.partner_changes.decide(
                    peer, newest.change.sequence, ChangeState.SUPERSEDED, now
                )
            uow.partner_changes.add(
                HeldChange(
                    change, fingerprint, codec.envelope_bytes(envelope), now, ChangeState.PENDING
                )
            )
            details: dict[str, str | int] = dict(announced_details(change, fingerprint))
            if superseded:
                details["superseded"] = newest.fingerprint
            self._ctx.record(
                Caller("partner", peer),
                "partner.change_announced",
                "partner",
                peer,
                uow=uow,
                details=details,
            )
            uow.commit()
        log.info("partner.change_announced", partner=peer, sequence=change.sequence)
        return fingerprint, False

    @requires(Action.PARTNER_READ)
    def changes(
        self, caller: Caller, node_id: str = "", everything: bool = False
    ) -> list[HeldChange]:
        with self._ctx.store.read() as uow:
            return uow.partner_changes.listed(node_id, pending_only=not everything)

    @requires(Action.PARTNER_MANAGE)
    def decide(
        self, caller: Caller, node_id: str, fingerprint: str, *, accept: bool, justification: str
    ) -> tuple[HeldChange, Partner, Partner]:
        """Accept (apply) or reject a partner's pending announcement named by its
        fingerprint; (the announcement as decided, the partner before, after). A refusal
        (unknown, already decided, a certificate that would not be trusted) is audited
        as partner.change_refused and changes nothing."""
        if not justification.strip():
            raise InvalidInput("a decision on a partner's change needs a justification (audited)")
        verb = "accepted" if accept else "rejected"
        now = self._ctx.now()
        with self._ctx.store.write() as uow:
            held = uow.partner_changes.by_fingerprint(node_id, fingerprint.strip().upper())
            before = uow.partners.get(node_id)
            try:
                after = self._decision(held, before, node_id, fingerprint, accept)
            except ArgosError as error:
                refusal = error
            else:
                refusal = None
            if refusal is not None:
                # Audited, and committed before the refusal is raised: leaving the
                # unit with an exception would roll the record back with it.
                self._ctx.record(
                    caller,
                    "partner.change_refused",
                    "partner",
                    node_id[:64],
                    uow=uow,
                    justification=str(refusal)[:500],
                    details={"fingerprint": fingerprint[:64], "decision": verb},
                )
                uow.commit()
            else:
                assert held is not None and before is not None  # checked by _decision
                if accept:
                    uow.partners.update(after)
                state = ChangeState.ACCEPTED if accept else ChangeState.REJECTED
                uow.partner_changes.decide(node_id, held.change.sequence, state, now)
                self._ctx.record(
                    caller,
                    f"partner.change_{verb}",
                    "partner",
                    node_id,
                    uow=uow,
                    justification=justification,
                    details={
                        "fingerprint": held.fingerprint,
                        "sequence": held.change.sequence,
                        **change_details(before, after),
                    },
                )
                uow.commit()
        if refusal is not None:
            raise refusal
        log.info(f"partner.change_{verb}", partner=node_id, sequence=held.change.sequence)
        if accept:
            self._administration.partner_changed(node_id)
        decided = HeldChange(
            held.change, held.fingerprint, held.envelope_bytes, held.received_at, state, now
        )
        return decided, before, after

    @staticmethod
    def _decision(
        held: HeldChange | None,
        before: Partner | None,
        node_id: str,
        fingerprint: str,
        accept: bool,
    ) -> Partner:
        if before is None:
            raise NotFound(f"{node_id[:64]} is not a registered partner")
        if held is None:
            raise NotFound(f"{node_id} announced no change with fingerprint {fingerprint[:64]}")
        if held.state is not ChangeState.PENDING:
            raise IllegalTransition(
                f"change {held.fingerprint} of {node_id} is {held.state.value}; nothing changed"
            )
        if not accept:
            return before
        c = held.change
        return applied(
            before, endpoint=c.endpoint, tls_ca_pem=c.tls_ca_pem, tls_cert_pem=c.tls_cert_pem
        )
