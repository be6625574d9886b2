"""Sharing-agreement use cases: propose, countersign, amend, suspend, resume, revoke,
and the partner side of each. The rules are in gateway.domain.agreement; this module
signs, verifies, talks to the partner through the FederationPort, stores, and audits."""

from __future__ import annotations

import uuid
from dataclasses import replace

import structlog

from gateway.domain import envelope as env
from gateway.domain.agreement import (
    Agreement,
    AgreementState,
    AgreementTerms,
    AgreementVersion,
    StatusChange,
    StatusKind,
    validate_terms,
)
from gateway.domain.errors import (
    AgreementViolation,
    IllegalTransition,
    NotFound,
    PartnerUnknown,
    PartnerUnreachable,
)
from gateway.domain.identity import PublicNodeKey
from gateway.domain.partners import Partner
from gateway.domain.roles import Action
from gateway.services.access import requires
from gateway.services.context import SYSTEM, Caller, NodeContext
from gateway.services.ports import UnitOfWork
from gateway.wire import codec

log = structlog.get_logger(__name__)


class AgreementService:
    def __init__(self, ctx: NodeContext) -> None:
        self._ctx = ctx

    # -- reading -------------------------------------------------------------------

    @requires(Action.AGREEMENT_READ)
    def get(self, caller: Caller, agreement_id: str) -> Agreement:
        return self._get(agreement_id)

    @requires(Action.AGREEMENT_READ)
    def all(self, caller: Caller) -> list[Agreement]:
        with self._ctx.store.read() as uow:
            return uow.agreements.all()

    def _get(self, agreement_id: str) -> Agreement:
        with self._ctx.store.read() as uow:
            agreement = uow.agreements.get(agreement_id)
        if agreement is None:
            raise NotFound(f"no agreement {agreement_id} on {self._ctx.node_id}")
        return agreement

    # -- local administrators ------------------------------------------------------

    @requires(Action.AGREEMENT_MANAGE)
    def propose(self, caller: Caller, draft: AgreementTerms, justification: str) -> Agreement:
        """Sign version 1 of a new agreement and deliver it to the partner."""
        partner = self._partner(draft.partner)
        terms = validate_terms(
            replace(
                draft,
                agreement_id=str(uuid.uuid4()),
                version=1,
                proposer=self._ctx.node_id,
                created_at=self._ctx.clock(),
            )
        )
        empty = Agreement(terms.agreement_id, self._ctx.node_id, partner.node_id, ())
        return self._send_proposal(caller, empty, terms, partner, justification, "propose")

    @requires(Action.AGREEMENT_MANAGE)
    def amend(
        self, caller: Caller, agreement_id: str, draft: AgreementTerms, justification: str
    ) -> Agreement:
        """Propose the next version of an agreement in force; the old one stays in force
        until the partner countersigns."""
        agreement = self._get(agreement_id)
        current = agreement.current
        if current is None or agreement.state(self._ctx.clock()) is not AgreementState.ACTIVE:
            raise IllegalTransition(
                f"agreement {agreement_id} is {agreement.state(self._ctx.clock()).value}; "
                "only an active agreement can be amended"
            )
        partner = self._partner(agreement.partner)
        terms = validate_terms(
            replace(
                draft,
                agreement_id=agreement_id,
                version=current.terms.version + 1,
                proposer=self._ctx.node_id,
                partner=agreement.partner,
                created_at=self._ctx.clock(),
            )
        )
        return self._send_proposal(caller, agreement, terms, partner, justification, "amend")

    @requires(Action.AGREEMENT_MANAGE)
    def countersign(
        self, caller: Caller, agreement_id: str, version: int, justification: str
    ) -> Agreement:
        """Countersign the partner's pending proposal and return it to the proposer."""
        agreement = self._get(agreement_id)
        pending = agreement.pending
        if pending is None or (version and pending.terms.version != version):
            raise IllegalTransition(
                f"agreement {agreement_id} has no pending proposal"
                + (f" for version {version}" if version else "")
            )
        if pending.terms.proposer == self._ctx.node_id:
            raise IllegalTransition(
                f"version {pending.terms.version} of {agreement_id} was proposed here; "
                f"it waits for {agreement.partner} to countersign"
            )
        if self._ctx.clock() >= pending.terms.valid_until:
            raise IllegalTransition(f"agreement {agreement_id} is past its validity window")
        signed = AgreementVersion(
            pending.terms, pending.envelope.with_signature(self._ctx.signing_key), True
        )
        updated = agreement.with_countersigned(signed)
        partner = self._partner(agreement.partner)
        self._ctx.federation.accept_agreement(partner, signed.envelope)
        self._commit(caller, updated, "countersign", signed, justification)
        return updated

    @requires(Action.AGREEMENT_MANAGE)
    def set_status(
        self, caller: Caller, agreement_id: str, kind: StatusKind, reason: str
    ) -> Agreement:
        """Suspend, resume or revoke at once here, then push the signed change to the
        partner (retried until delivered; see deliver_status_changes)."""
        if not reason.strip():
            raise AgreementViolation(f"a {kind.value} needs a stated reason")
        agreement = self._get(agreement_id)
        current = agreement.current or agreement.pending
        change = StatusChange(
            agreement_id=agreement_id,
            version=current.terms.version if current else 0,
            kind=kind,
            issuer=self._ctx.node_id,
            reason=reason,
            issued_at=self._ctx.clock(),
        )
        updated = agreement.with_status(change, change.issued_at)
        signed = env.sign(
            env.AGREEMENT_STATUS_PAYLOAD, codec.status_payload(change), self._ctx.signing_key
        )
        with self._ctx.store.write() as uow:
            uow.agreements.save(updated, signed, issued_here=True)
            if kind is StatusKind.REVOKE:
                self._purge_on_revoke(uow, agreement_id)
            self._ctx.record(
                caller,
                f"agreement.{kind.value}",
                "agreement",
                agreement_id,
                uow=uow,
                justification=reason,
                recipient=agreement.partner,
                details={"version": change.version},
            )
            uow.commit()
        if kind is StatusKind.REVOKE:
            self._ctx.received_reset(agreement_id)
        log.info("agreement.status_changed", agreement_id=agreement_id, kind=kind.value)
        self.deliver_status_changes()
        return updated

    def deliver_status_changes(self) -> int:
        """Push undelivered status changes to their partners; return how many arrived."""
        delivered = 0
        with self._ctx.store.read() as uow:
            pending = [
                (change, uow.partners.get(change.partner))
                for change in uow.agreements.undelivered_status_changes()
            ]
        for change, partner in pending:
            if partner is None:
                continue
            try:
                self._ctx.federation.change_agreement_status(partner, change.envelope)
            except PartnerUnreachable as exc:
                log.warning(
                    "agreement.status_push_deferred", partner=change.partner, reason=str(exc)
                )
                continue
            with self._ctx.store.write() as uow:
                uow.agreements.mark_status_delivered(change.change_id)
                uow.commit()
            delivered += 1
        return delivered

    def undelivered_status_changes(self) -> int:
        with self._ctx.store.read() as uow:
            return len(uow.agreements.undelivered_status_changes())

    # -- partner side ------------------------------------------------------------------

    def receive_proposal(self, peer: str, envelope: env.Envelope) -> str:
        partner = self._partner(peer)
        partner.check_new(envelope.signer_key_ids, self._ctx.now())  # keychain rule 4
        payload = env.verify(
            envelope, payload_type=env.AGREEMENT_PAYLOAD, signers={peer: partner.keys}
        )
        terms = codec.terms_from_payload(payload)
        agreement = self._held(terms.agreement_id) or Agreement(
            terms.agreement_id, self._ctx.node_id, peer, ()
        )
        if agreement.partner != peer:
            raise AgreementViolation(
                f"agreement {terms.agreement_id} is held with {agreement.partner}, not {peer}"
            )
        proposal = AgreementVersion(terms, envelope, countersigned=False)
        updated = agreement.with_proposal(proposal, sender=peer)
        if updated is not agreement:  # else: the same proposal delivered again
            self._commit(Caller("partner", peer), updated, "proposal_received", proposal)
        return proposal.fingerprint

    def receive_countersigned(self, peer: str, envelope: env.Envelope) -> str:
        partner = self._partner(peer)
        partner.check_new(envelope.signer_key_ids, self._ctx.now())  # keychain rule 4
        payload = env.verify(
            envelope,
            payload_type=env.AGREEMENT_PAYLOAD,
            signers={peer: partner.keys, self._ctx.node_id: self._own_key()},
        )
        terms = codec.terms_from_payload(payload)
        agreement = self._held(terms.agreement_id)
        if agreement is None or agreement.partner != peer:
            raise NotFound(f"no agreement {terms.agreement_id} proposed to {peer}")
        signed = AgreementVersion(terms, envelope, countersigned=True)
        updated = agreement.with_countersigned(signed)
        if updated is not agreement:  # else: delivered again after a lost answer
            self._commit(Caller("partner", peer), updated, "countersigned_received", signed)
        return signed.fingerprint

    def receive_status(self, peer: str, envelope: env.Envelope) -> None:
        partner = self._partner(peer)
        partner.check_new(envelope.signer_key_ids, self._ctx.now())  # keychain rule 4
        payload = env.verify(
            envelope,
            payload_type=env.AGREEMENT_STATUS_PAYLOAD,
            signers={peer: partner.keys},
        )
        change = codec.status_from_payload(payload)
        if change.issuer != peer:
            raise AgreementViolation(f"status change names {change.issuer} but came from {peer}")
        agreement = self._held(change.agreement_id)
        if agreement is None or agreement.partner != peer:
            raise NotFound(f"no agreement {change.agreement_id} with {peer}")
        updated = agreement.with_status(change, self._ctx.now())
        with self._ctx.store.write() as uow:
            uow.agreements.save(updated, envelope)
            if change.kind is StatusKind.REVOKE:
                self._purge_on_revoke(uow, change.agreement_id)
            self._ctx.record(
                Caller("partner", peer),
                f"agreement.{change.kind.value}_received",
                "agreement",
                change.agreement_id,
                uow=uow,
                justification=change.reason,
                details={"version": change.version},
            )
            uow.commit()
        if change.kind is StatusKind.REVOKE:
            self._ctx.received_reset(change.agreement_id)
        log.info(
            "agreement.status_received",
            agreement_id=change.agreement_id,
            kind=change.kind.value,
            partner=peer,
        )

    # -- internals ------------------------------------------------------------------------

    def _send_proposal(
        self,
        caller: Caller,
        agreement: Agreement,
        terms: AgreementTerms,
        partner: Partner,
        justification: str,
        verb: str,
    ) -> Agreement:
        envelope = env.sign(
            env.AGREEMENT_PAYLOAD, codec.terms_payload(terms), self._ctx.signing_key
        )
        proposal = AgreementVersion(terms, envelope, countersigned=False)
        updated = agreement.with_proposal(proposal, sender=self._ctx.node_id)
        # Deliver first: a proposal the partner never received must not sit here as if
        # it were pending on both sides.
        self._ctx.federation.propose_agreement(partner, envelope)
        self._commit(caller, updated, verb, proposal, justification)
        return updated

    def _commit(
        self,
        caller: Caller,
        updated: Agreement,
        verb: str,
        version: AgreementVersion,
        justification: str = "",
    ) -> None:
        """Store the changed agreement and its audit record in one transaction."""
        agreement_id = updated.agreement_id
        # Whatever we send goes to the partner; whatever we receive comes from it.
        recipient = updated.partner if caller.kind == "user" else ""
        with self._ctx.store.write() as uow:
            uow.agreements.save(updated)
            self._ctx.record(
                caller,
                f"agreement.{verb}",
                "agreement",
                agreement_id,
                uow=uow,
                justification=justification,
                recipient=recipient,
                details={"version": version.terms.version, "fingerprint": version.fingerprint},
            )
            uow.commit()
        log.info(
            f"agreement.{verb}",
            agreement_id=agreement_id,
            version=version.terms.version,
            partner=updated.partner,
        )

    def _purge_on_revoke(self, uow: UnitOfWork, agreement_id: str) -> None:
        """Revocation: the recipient erases everything received under the agreement, and
        the provider drops the feed it kept for it; the erasure is audited. (The caller
        tells the match index once the unit is committed.)"""
        purged = uow.received.purge(agreement_id)
        uow.feed.drop(agreement_id)
        self._ctx.record(
            SYSTEM,
            "hotlist.purge",
            "agreement",
            agreement_id,
            uow=uow,
            justification="agreement revoked",
            details={"entries_erased": purged},
        )
        log.info("hotlist.purged", agreement_id=agreement_id, entries=purged)

    def _held(self, agreement_id: str) -> Agreement | None:
        with self._ctx.store.read() as uow:
            return uow.agreements.get(agreement_id)

    def _partner(self, node_id: str) -> Partner:
        with self._ctx.store.read() as uow:
            partner = uow.partners.get(node_id)
        if partner is None:
            raise PartnerUnknown(f"{node_id} is not a registered partner of {self._ctx.node_id}")
        return partner

    def _own_key(self) -> tuple[PublicNodeKey, ...]:
        """Every key this node signed with: a proposal signed before a rotation comes
        back countersigned after it."""
        return self._ctx.own_keys
