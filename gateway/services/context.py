"""Everything a use case needs from its node, passed explicitly: who this node is, its
key, its store, its partners' federation API, its clock, and the two things every use
case does besides its own work: check who is calling, and leave a record."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

import structlog

from gateway.domain.audit import AuditHead, AuditRecord, ChainBreak, next_record, verify_chain
from gateway.domain.audit_anchor import AuditAnchor, anchor_message, anchors_problem
from gateway.domain.envelope import Envelope
from gateway.domain.errors import AccessDenied, ReauthenticationRequired
from gateway.domain.identity import NodeSigningKey, PublicNodeKey
from gateway.domain.keychain import KeyChain
from gateway.domain.partners import Partner
from gateway.domain.roles import Action, Role, authorize
from gateway.domain.sessions import is_fresh, needs_fresh_session
from gateway.domain.times import Clock, time_text, utc_now
from gateway.services.ports import AppliedBatch, Store, UnitOfWork
from gateway.services.ports.token_secrets import FixedTokenSecrets, TokenSecrets

log = structlog.get_logger(__name__)


class FederationPort(Protocol):
    """Outgoing calls to a partner node. Raises PartnerUnreachable, or the domain error
    the partner answered with."""

    def propose_agreement(self, partner: Partner, envelope: Envelope) -> str: ...

    def accept_agreement(self, partner: Partner, envelope: Envelope) -> str: ...

    def change_agreement_status(self, partner: Partner, envelope: Envelope) -> None: ...

    def notify_hit(self, partner: Partner, envelope: Envelope) -> bool: ...

    def deliver_confirmation(self, partner: Partner, envelope: Envelope) -> bool: ...

    def announce_partner_change(self, partner: Partner, envelope: Envelope) -> bool:
        """Deliver this node's signed announcement of its move; True if already held."""

    def check_health(self, partner: Partner, timeout_s: float) -> str: ...

    def announce_signing_key(self, partner: Partner, envelope: Envelope) -> str: ...

    def evaluate_plates(
        self, partner: Partner, agreement_id: str, version: int, epoch: int, blinded: list[bytes]
    ) -> tuple[tuple[bytes, ...], bytes]:
        """Oblivious matching: the owner's evaluations of blinded readings, and proof."""


class ReceivedListener(Protocol):
    """Told, after the commit, how the entries received from partners changed."""

    def applied(self, batch: AppliedBatch) -> None: ...

    def reset(self, agreement_id: str) -> None: ...

    def keys_retired(self, agreement_id: str) -> None:
        """Keys of an agreement were erased (a token epoch ended): index without them."""

    def entries_erased(self, agreement_id: str) -> None:
        """Entries of an agreement were erased when their retention ended."""


@dataclass(frozen=True)
class Caller:
    """Who is acting: a local user (with role), a partner node, or the node itself."""

    kind: str  # "user" | "partner" | "system"
    name: str
    role: Role | None = None
    # Issue 18: a user acting through a console session (not a CLI token): the
    # session's public id, and until when it is fresh for sensitive acts.
    session_id: str | None = None
    fresh_until: datetime | None = None


SYSTEM = Caller("system", "node")


def head_message(head: AuditHead) -> bytes:
    return f"argos-audit-head-v1\n{head.seq}\n{head.hash}".encode()


@dataclass
class NodeContext:
    node_id: str
    signing_key: NodeSigningKey
    store: Store
    federation: FederationPort
    # Master secret from which each agreement version's plate-token key is derived.
    token_master: bytes = field(default=b"", repr=False)
    max_review_days: int = 365
    clock: Clock = field(default=utc_now)
    received_listeners: list[ReceivedListener] = field(default_factory=list)
    # This node's own key chain: every key it ever signed with (history verifies under
    # each); None: the one key it was made with.
    own_chain: KeyChain | None = None

    # Every plate-token master secret by epoch (None: token_master is epoch 0's).
    token_secrets: TokenSecrets | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.token_secrets is None:
            self.token_secrets = FixedTokenSecrets(self.token_master)

    def now(self) -> datetime:
        return self.clock()

    @property
    def own_keys(self) -> tuple[PublicNodeKey, ...]:
        """Every key this node signed with, for re-verifying what it signed."""
        if self.own_chain is None:
            return (self.signing_key.public,)
        return self.own_chain.public_keys

    # -- who may act ---------------------------------------------------------------------

    def authorize(self, caller: Caller, action: Action) -> None:
        """Let the node itself through; check a user's role; refuse a partner (partners
        act only through the federation use cases). A refusal is itself recorded."""
        if caller.kind == "system":
            return
        try:
            if caller.kind != "user" or caller.role is None:
                raise AccessDenied(f"{caller.kind} {caller.name} may not {action.value}")
            authorize(caller.name, caller.role, action)
        except AccessDenied:
            self.record(
                caller,
                "access.denied",
                "action",
                action.value,
                details={"role": caller.role.value if caller.role else caller.kind},
            )
            raise
        self._check_fresh(caller, action)

    def _check_fresh(self, caller: Caller, action: Action) -> None:
        """gateway.domain.sessions rule 6: a sensitive act through a console session
        that is not fresh is refused (and recorded); CLI tokens are not sessions."""
        if caller.session_id is None or not needs_fresh_session(action):
            return
        if is_fresh(caller.fresh_until, self.now()):
            return
        self.record(
            caller,
            "access.reauthentication_required",
            "action",
            action.value,
            details={"session_id": caller.session_id},
        )
        raise ReauthenticationRequired(
            f"reauthentication required: {action.value} through a console session needs "
            "the password and a code again first"
        )

    # -- the audit log -------------------------------------------------------------------

    def record(
        self,
        caller: Caller,
        action: str,
        object_type: str,
        object_id: str,
        *,
        uow: UnitOfWork | None = None,
        justification: str = "",
        recipient: str = "",
        details: dict | None = None,
    ) -> AuditRecord:
        """Append one record: inside `uow` when given, so that the record and the change
        it describes commit together or not at all; else in a unit of its own (which
        joins the caller's write, if this thread is in one)."""
        if uow is None:
            with self.store.write() as own:
                record = self.record(
                    caller,
                    action,
                    object_type,
                    object_id,
                    uow=own,
                    justification=justification,
                    recipient=recipient,
                    details=details,
                )
                own.commit()
            return record
        record = next_record(
            uow.audit.last(),
            at=time_text(self.clock()),
            actor_kind=caller.kind,
            actor=caller.name,
            action=action,
            object_type=object_type,
            object_id=object_id,
            justification=justification,
            recipient=recipient,
            details=details,
        )
        head = AuditHead(record.seq, record.hash)
        uow.audit.append(record, self.signing_key.sign(head_message(head)))
        return record

    def record_consultation(
        self, partner: str, action: str, agreement_id: str, version: int
    ) -> None:
        self.record(
            Caller("partner", partner),
            action,
            "agreement",
            agreement_id,
            recipient=partner,
            details={"version": version},
        )

    def verify_audit(self) -> tuple[int, ChainBreak | None]:
        """Walk the log from its signed anchor (or genesis) to its signed head; (records
        checked, first break)."""
        return verify_audit_log(self.store, self.own_keys)

    # -- received entries ------------------------------------------------------------------

    def received_applied(self, batch: AppliedBatch) -> None:
        for listener in self.received_listeners:
            listener.applied(batch)

    def received_reset(self, agreement_id: str) -> None:
        for listener in self.received_listeners:
            listener.reset(agreement_id)

    def received_keys_retired(self, agreement_id: str) -> None:
        for listener in self.received_listeners:
            listener.keys_retired(agreement_id)

    def received_entries_erased(self, agreement_id: str) -> None:
        for listener in self.received_listeners:
            listener.entries_erased(agreement_id)


def verifier_of(keys: tuple[PublicNodeKey, ...]) -> Callable[[bytes, bytes], bool]:
    """A check that any of this node's keys signed a message. The audit head carries no
    key id; a node holds few keys, and the head is checked on demand, not per call."""

    def verify(message: bytes, signature: bytes) -> bool:
        return any(key.verify(message, signature) for key in keys)

    return verify


def verify_audit_log(
    store: Store, keys: tuple[PublicNodeKey, ...]
) -> tuple[int, ChainBreak | None]:
    """The audit log of `store` from its newest signed anchor (or genesis) to its signed
    head, under this node's `keys` (also used on a restored copy before it becomes a
    node)."""
    with store.read() as uow:
        head = uow.audit.head()
        anchors = uow.audit.anchors()
        try:
            records = uow.audit.records()
        except ValueError as exc:
            return uow.audit.count(), ChainBreak(None, 0, str(exc))
    problem = anchor_problem(anchors, keys)
    if problem is not None:
        return len(records), ChainBreak(None, 0, problem, at_anchor=True)
    if head is None and records:
        return len(records), ChainBreak(
            None, len(records), "the signed audit head is missing: it was removed"
        )
    if head is not None and not verifier_of(keys)(head_message(head[0]), head[1]):
        return len(records), ChainBreak(
            None, len(records), "the audit head's signature does not verify: head was altered"
        )
    anchor = anchors[-1][0] if anchors else None
    return len(records), verify_chain(records, head[0] if head else None, anchor)


def anchor_problem(
    anchors: list[tuple[AuditAnchor, bytes]], keys: tuple[PublicNodeKey, ...]
) -> str | None:
    """Why the stored anchors cannot be trusted (domain.audit_anchor rule 4), or None:
    each must be signed by the key of this node it names, and each must cut further."""
    by_id = {key.key_id: key for key in keys}
    for anchor, signature in anchors:
        key = by_id.get(anchor.key_id)
        if key is None:
            return (
                f"the audit anchor at record {anchor.seq} names key {anchor.key_id}, "
                "which is not one of this node's signing keys: anchor forged?"
            )
        if not key.verify(anchor_message(anchor), signature):
            return (
                f"the audit anchor at record {anchor.seq} does not verify under key "
                f"{anchor.key_id}: anchor altered?"
            )
    return anchors_problem([anchor for anchor, _ in anchors])
