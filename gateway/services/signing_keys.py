"""This node's own signing keys: rotate to a new key (scheduled), or revoke a stolen one
(compromise). Either way the node signs new messages with its new key at once, keeps
every earlier key (history stays verifiable), and tells every partner through the
durable outbox, which retries until each has the statement.

Rules: gateway.domain.keychain. The files live behind SigningKeyFolder (node.key and
keys/ in the node folder); the statement is written there before the database commits
the outbox messages and the audit record, so a key is never announced that the node
does not hold."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

import structlog

from gateway.domain import envelope as env
from gateway.domain.errors import InvalidInput
from gateway.domain.identity import NodeSigningKey
from gateway.domain.keychain import (
    REVOCATION_PAYLOAD,
    ROTATION_PAYLOAD,
    SKEW,
    ChainKey,
    KeyChain,
    RevocationStatement,
)
from gateway.domain.roles import Action
from gateway.services.access import requires
from gateway.services.context import Caller, NodeContext
from gateway.wire import codec, keys_codec

log = structlog.get_logger(__name__)

# Outbox kind of rotation and revocation statements.
SIGNING_KEY = "signing_key"
MAX_OVERLAP = timedelta(days=90)


class SigningKeyFolder(Protocol):
    def chain(self) -> KeyChain: ...

    def install(
        self, new_key: NodeSigningKey | None, chain: KeyChain, statements: list[env.Envelope]
    ) -> None:
        """Keep the current key, store the chain and its new statements, and make
        new_key (if any) the key the node signs with from its next start too."""


class SigningKeyService:
    def __init__(
        self,
        ctx: NodeContext,
        folder: SigningKeyFolder,
        on_queued: Callable[[], None] = lambda: None,
    ) -> None:
        self._ctx = ctx
        self._folder = folder
        self._on_queued = on_queued

    @requires(Action.KEYS_MANAGE)
    def keys(self, caller: Caller) -> KeyChain:
        return self._folder.chain()

    @requires(Action.KEYS_MANAGE)
    def rotate(
        self, caller: Caller, overlap: timedelta, justification: str
    ) -> tuple[ChainKey, list[str]]:
        """A new key, signing from now; partners accept the old one until now + overlap."""
        if not timedelta(0) <= overlap <= MAX_OVERLAP:
            raise InvalidInput(f"the overlap must be between 0 and {MAX_OVERLAP.days} days")
        now = self._ctx.now()
        new_key = NodeSigningKey.generate()
        chain, statement = self._rotation(self._folder.chain(), new_key, now, now + overlap)
        partners = self._install_and_tell(
            caller,
            new_key,
            chain,
            [statement],
            statement,
            f"key-rotation:{{partner}}:{chain.head.sequence}",
            action="node.key_rotated",
            object_id=new_key.key_id,
            justification=justification,
            details={"sequence": chain.head.sequence, "overlap_s": int(overlap.total_seconds())},
        )
        return chain.head, partners

    @requires(Action.KEYS_MANAGE)
    def revoke(
        self, caller: Caller, key_id: str, since: datetime, justification: str
    ) -> tuple[ChainKey, ChainKey, list[str]]:
        """Key `key_id` (the current key when empty) is revoked since `since`: rotate away
        from it at once if it is current, and send every partner the revocation signed by
        the key that is current afterwards (with the replacement's rotation statement,
        which partners hold pending until their administrator confirms it)."""
        now = self._ctx.now()
        if since > now + SKEW:
            raise InvalidInput("a key is revoked since a time that has come, not a future one")
        chain = self._folder.chain()
        target = key_id or chain.head.key_id
        if chain.get(target) is None:
            raise InvalidInput(f"this node never signed with key {target}")
        new_key: NodeSigningKey | None = None
        replacement: env.Envelope | None = None
        statements: list[env.Envelope] = []
        if target == self._ctx.signing_key.key_id:
            new_key = NodeSigningKey.generate()
            chain, replacement = self._rotation(chain, new_key, now, now)
            statements.append(replacement)
        chain = chain.revoke(target, since, replacement=new_key.key_id if new_key else "")
        signer = new_key or self._ctx.signing_key
        revocation = env.sign(
            REVOCATION_PAYLOAD,
            keys_codec.revocation_payload(
                RevocationStatement(self._ctx.node_id, target, since), replacement
            ),
            signer,
        )
        statements.append(revocation)
        partners = self._install_and_tell(
            caller,
            new_key,
            chain,
            statements,
            revocation,
            f"key-revocation:{{partner}}:{target}",
            action="node.key_revoked",
            object_id=target,
            justification=justification,
            details={"since": since.isoformat(), "current_key": signer.key_id},
        )
        revoked = chain.get(target)
        assert revoked is not None
        return revoked, chain.head, partners

    def _rotation(
        self, chain: KeyChain, new_key: NodeSigningKey, now: datetime, overlap_end: datetime
    ) -> tuple[KeyChain, env.Envelope]:
        statement = chain.next_rotation(new_key.public, now, overlap_end)
        envelope = env.sign(
            ROTATION_PAYLOAD, keys_codec.rotation_payload(statement), self._ctx.signing_key
        ).with_signature(new_key)
        # The node checks its own statement by the rule its partners apply.
        extended, _ = chain.extend(envelope, keys_codec.rotation_from_payload, now)
        return extended, envelope

    def _install_and_tell(
        self,
        caller: Caller,
        new_key: NodeSigningKey | None,
        chain: KeyChain,
        statements: list[env.Envelope],
        announcement: env.Envelope,
        dedupe_key: str,
        *,
        action: str,
        object_id: str,
        justification: str,
        details: dict,
    ) -> list[str]:
        with self._ctx.store.write() as uow:
            partners = [p.node_id for p in uow.partners.all()]
            self._folder.install(new_key, chain, statements)
            if new_key is not None:
                self._ctx.signing_key = new_key  # signs this very audit record already
            self._ctx.own_chain = chain
            data = codec.envelope_bytes(announcement)
            for partner in partners:
                # One message per partner: the dedupe key names it.
                uow.outbox.enqueue(SIGNING_KEY, partner, dedupe_key.format(partner=partner), data)
            self._ctx.record(
                caller,
                action,
                "signing_key",
                object_id,
                uow=uow,
                justification=justification,
                details={**details, "partners": len(partners)},
            )
            uow.commit()
        log.info(action, key_id=object_id, partners=len(partners))
        if partners:
            self._on_queued()
        return partners
