"""Partners' signing keys: what a partner announces (a rotation, a revocation), and what
this node's administrator decides after an out-of-band check (a key added or retired in
place, a pending key confirmed). Agreements stay in force and nothing received is
purged by any of these: the partner is the same node signing with another key.

Trust (gateway.domain.keychain): a rotation that extends the chain held is applied at
once; a revocation only takes trust away and is applied at once; a replacement that
comes with a revocation, or a statement that forks the chain, is held pending until the
administrator confirms its fingerprint, because whoever stole a key can sign with it."""

from __future__ import annotations

import structlog

from gateway.domain import envelope as env
from gateway.domain.errors import (
    InvalidInput,
    KeyChainFork,
    NotFound,
    PartnerUnknown,
)
from gateway.domain.identity import PublicNodeKey
from gateway.domain.keychain import (
    REVOCATION_PAYLOAD,
    ROTATION_PAYLOAD,
    ChainKey,
    KeyChain,
    key_fingerprint,
)
from gateway.domain.partners import Partner
from gateway.domain.roles import Action
from gateway.services.access import requires
from gateway.services.context import Caller, NodeContext
from gateway.services.ports import UnitOfWork
from gateway.services.ports.signed import SignedRecords
from gateway.wire import keys_codec

log = structlog.get_logger(__name__)

ACCEPTED, DUPLICATE, PENDING = "accepted", "duplicate", "pending"


class PartnerKeyService:
    def __init__(self, ctx: NodeContext) -> None:
        self._ctx = ctx

    # -- what a partner announces ------------------------------------------------------------

    def receive(self, sender: str, statement: env.Envelope) -> str:
        """A rotation or revocation from `sender` (proven by mutual TLS): ACCEPTED,
        DUPLICATE or PENDING; raises the error that refuses it (recorded by the
        federation gate; a fork is also recorded here, with what was kept pending)."""
        if statement.payload_type == ROTATION_PAYLOAD:
            return self._rotation(sender, statement)
        if statement.payload_type == REVOCATION_PAYLOAD:
            return self._revocation(sender, statement)
        raise InvalidInput(f"not a signing-key statement: {statement.payload_type!r}")

    def _partner(self, uow: UnitOfWork, node_id: str) -> Partner:
        partner = uow.partners.get(node_id)
        if partner is None:
            raise PartnerUnknown(f"{node_id} is not a registered partner")
        return partner

    def _rotation(self, sender: str, statement: env.Envelope) -> str:
        now = self._ctx.now()
        fork: KeyChainFork | None = None
        with self._ctx.store.write() as uow:
            chain = self._partner(uow, sender).key_chain
            try:
                extended, changed = chain.extend(statement, keys_codec.rotation_from_payload, now)
            except KeyChainFork as error:
                # Rule 3: never applied by itself; kept for the administrator to judge.
                fork = error
                extended = chain.with_pending(statement, keys_codec.rotation_from_payload, now)
                changed = extended != chain  # the same fork again: refused, recorded once
            if not changed and fork is not None:
                raise fork
            if not changed:
                key_id = keys_codec.rotation_from_payload(statement.payload).public_key.key_id
                held = extended.get(key_id)
                return PENDING if held is not None and held.pending else DUPLICATE
            new = extended.keys[-1]
            uow.partners.save_chain(extended, now)
            self._ctx.record(
                Caller("partner", sender),
                "partner.key_fork" if fork else "partner.key_rotated",
                "partner",
                sender,
                uow=uow,
                justification=str(fork) if fork else "",
                details={
                    "key_id": new.key_id,
                    "sequence": new.sequence if new.sequence is not None else -1,
                    "fingerprint": key_fingerprint(new.key),
                    "previous_key_id": chain.head.key_id,
                    "previous_accepted_until": _text(extended.get(chain.head.key_id)),
                    "state": PENDING if new.pending else ACCEPTED,
                },
            )
            uow.commit()
        log.warning("partner.key_fork" if fork else "partner.key_rotated", partner=sender)
        if fork is not None:
            raise KeyChainFork(
                f"{fork} The key is held pending until this node's administrator confirms "
                "its fingerprint out of band."
            )
        return ACCEPTED

    def _revocation(self, sender: str, statement: env.Envelope) -> str:
        now = self._ctx.now()
        revocation, replacement = keys_codec.revocation_from_payload(statement.payload)
        if revocation.node_id != sender:
            raise InvalidInput(f"a revocation of {revocation.node_id} came from {sender}")
        with self._ctx.store.write() as uow:
            chain = self._partner(uow, sender).key_chain
            if chain.get(revocation.key_id) is None:
                raise NotFound(f"{sender} never announced signing key {revocation.key_id}")
            if replacement is not None:
                # The replacement must be signed by a key of the chain and by itself.
                chain = chain.with_pending(replacement, keys_codec.rotation_from_payload, now)
                signer = keys_codec.rotation_from_payload(replacement.payload).public_key
            else:
                signer = chain.head.key
            env.verify(statement, payload_type=REVOCATION_PAYLOAD, signers={sender: signer})
            chain = chain.revoke(revocation.key_id, revocation.since)
            if chain == self._partner(uow, sender).key_chain:
                return DUPLICATE  # delivered again: nothing changes
            uow.partners.save_chain(chain, now)
            held = uow.signed.signed_by(sender, revocation.key_id, revocation.since)
            pending = [k for k in chain.keys if k.pending]
            self._ctx.record(
                Caller("partner", sender),
                "partner.key_revoked",
                "partner",
                sender,
                uow=uow,
                details={
                    "key_id": revocation.key_id,
                    "since": revocation.since.isoformat(),
                    "pending_key_id": pending[-1].key_id if pending else "",
                    **{f"held_{r.kind}": r.count for r in held},
                },
            )
            uow.commit()
        log.warning("partner.key_revoked", partner=sender, key_id=revocation.key_id)
        return PENDING if replacement is not None else ACCEPTED

    # -- what this node's administrator decides ------------------------------------------------

    @requires(Action.PARTNER_READ)
    def show(
        self, caller: Caller, node_id: str
    ) -> tuple[KeyChain, list[tuple[str, SignedRecords]]]:
        """The chain held for a partner, and what this node holds signed by each of its
        revoked keys since that key's revocation: (key id, records of one kind)."""
        with self._ctx.store.read() as uow:
            chain = self._partner(uow, node_id).key_chain
            held = [
                (k.key_id, records)
                for k in chain.keys
                if k.revoked_since is not None
                for records in uow.signed.signed_by(node_id, k.key_id, k.revoked_since)
            ]
        return chain, held

    @requires(Action.PARTNER_MANAGE)
    def add(self, caller: Caller, node_id: str, public_key: bytes, justification: str) -> ChainKey:
        """A partner's new key, registered in place after an out-of-band check: it signs
        new messages from now on; earlier keys keep verifying history."""
        key = PublicNodeKey(public_key)
        if key.raw == self._ctx.signing_key.public.raw or key in self._ctx.own_keys:
            raise InvalidInput(f"the key given for {node_id} is one of this node's own keys")
        now = self._ctx.now()
        with self._ctx.store.write() as uow:
            for other in uow.partners.all():
                if other.node_id != node_id and other.key(key.key_id) is not None:
                    raise InvalidInput(
                        f"the key given for {node_id} is registered for partner {other.node_id}"
                    )
            chain = self._partner(uow, node_id).key_chain.with_registered(key, now)
            uow.partners.save_chain(chain, now)
            self._record(caller, uow, "partner.key_added", node_id, key, justification)
            uow.commit()
        return chain.head

    @requires(Action.PARTNER_MANAGE)
    def retire(self, caller: Caller, node_id: str, key_id: str, justification: str) -> ChainKey:
        """A partner's key no longer signs new messages; it keeps verifying history."""
        now = self._ctx.now()
        with self._ctx.store.write() as uow:
            chain = self._partner(uow, node_id).key_chain.retire(key_id, now)
            uow.partners.save_chain(chain, now)
            retired = chain.get(key_id)
            assert retired is not None
            self._record(caller, uow, "partner.key_retired", node_id, retired.key, justification)
            uow.commit()
        return retired

    @requires(Action.PARTNER_MANAGE)
    def confirm(
        self, caller: Caller, node_id: str, fingerprint: str, justification: str
    ) -> ChainKey:
        """A pending key, its fingerprint read out by the partner's administrator: trusted
        from now on, and the head of the partner's chain."""
        now = self._ctx.now()
        with self._ctx.store.write() as uow:
            chain, confirmed = self._partner(uow, node_id).key_chain.confirm(fingerprint)
            uow.partners.save_chain(chain, now)
            self._record(
                caller, uow, "partner.key_confirmed", node_id, confirmed.key, justification
            )
            uow.commit()
        return confirmed

    def _record(
        self,
        caller: Caller,
        uow: UnitOfWork,
        action: str,
        node_id: str,
        key: PublicNodeKey,
        justification: str,
    ) -> None:
        if not justification.strip():
            raise InvalidInput("a justification is required")
        self._ctx.record(
            caller,
            action,
            "partner",
            node_id,
            uow=uow,
            justification=justification,
            details={"key_id": key.key_id, "fingerprint": key_fingerprint(key)},
        )


def _text(key: ChainKey | None) -> str:
    if key is None or key.accept_until is None:
        return ""
    return key.accept_until.isoformat()
