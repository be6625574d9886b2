"""Everything a use case needs from its node, passed explicitly."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from gateway.domain.envelope import Envelope
from gateway.domain.identity import NodeSigningKey
from gateway.domain.roles import Role
from gateway.store.agreements import Agreements
from gateway.store.audit_log import AuditLog
from gateway.store.database import Database
from gateway.store.hotlist import OwnEntries
from gateway.store.received import AppliedBatch
from gateway.store.registry import PartnerRecord, Partners, Users


class FederationPort(Protocol):
    """Outgoing calls to a partner node. Raises PartnerUnreachable, or the domain error
    the partner answered with."""

    def propose_agreement(self, partner: PartnerRecord, envelope: Envelope) -> str: ...

    def accept_agreement(self, partner: PartnerRecord, envelope: Envelope) -> str: ...

    def change_agreement_status(self, partner: PartnerRecord, envelope: Envelope) -> None: ...

    def check_health(self, partner: PartnerRecord, timeout_s: float) -> str: ...


class ReceivedListener(Protocol):
    """Told, after the commit, how the entries received from partners changed."""

    def applied(self, batch: AppliedBatch) -> None: ...

    def reset(self, agreement_id: str) -> None: ...


@dataclass(frozen=True)
class Caller:
    """Who is acting: a local user (with role) or a partner node (role None)."""

    kind: str  # "user" | "partner" | "system"
    name: str
    role: Role | None = None


SYSTEM = Caller("system", "node")


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class NodeContext:
    node_id: str
    signing_key: NodeSigningKey
    database: Database
    federation: FederationPort
    # Master secret from which each agreement version's plate-token key is derived.
    token_master: bytes = field(default=b"", repr=False)
    max_review_days: int = 365
    clock: Callable[[], datetime] = field(default=utc_now)
    received_listeners: list[ReceivedListener] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.audit = AuditLog(self.database, self.signing_key.sign)
        self.partners = Partners(self.database)
        self.users = Users(self.database)
        self.agreements = Agreements(self.database, self.node_id)
        self.own_entries = OwnEntries(self.database, self.node_id)

    def received_applied(self, batch: AppliedBatch) -> None:
        for listener in self.received_listeners:
            listener.applied(batch)

    def received_reset(self, agreement_id: str) -> None:
        for listener in self.received_listeners:
            listener.reset(agreement_id)

    def record(self, caller: Caller, action: str, object_type: str, object_id: str, **kw) -> None:
        self.audit.append(
            actor_kind=caller.kind,
            actor=caller.name,
            action=action,
            object_type=object_type,
            object_id=object_id,
            **kw,
        )

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
