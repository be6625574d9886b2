"""Renewal of this node's TLS certificate without a restart (`argos tls reload`): the
use case checks who asks, has the node read and check the renewed files (the rules
are gateway.domain.tls_identity's), and audits the outcome, a refusal included."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import structlog

from gateway.domain.roles import Action
from gateway.domain.tls_identity import TlsIdentity, TlsIdentityRefused
from gateway.services.access import requires
from gateway.services.context import Caller, NodeContext

log = structlog.get_logger(__name__)


class TlsIdentityPort(Protocol):
    @property
    def current(self) -> TlsIdentity: ...

    def reload(self) -> tuple[TlsIdentity, bool]: ...


@dataclass(frozen=True)
class ServedIdentity:
    fingerprint_sha256: str
    serial: str
    not_after: datetime
    changed: bool


class TlsService:
    def __init__(self, ctx: NodeContext, identity: TlsIdentityPort) -> None:
        self._ctx = ctx
        self._identity = identity

    @requires(Action.TLS_RELOAD)
    def reload(self, caller: Caller) -> ServedIdentity:
        before = self._identity.current
        try:
            served, changed = self._identity.reload()
        except TlsIdentityRefused as exc:
            self._ctx.record(
                caller,
                "tls.reload_refused",
                "tls_identity",
                self._ctx.node_id,
                justification=str(exc),
                details={"served_sha256": before.fingerprint_sha256},
            )
            log.warning("tls.reload_refused", reason=str(exc))
            raise
        self._ctx.record(
            caller,
            "tls.reloaded",
            "tls_identity",
            self._ctx.node_id,
            details={
                "previous_sha256": before.fingerprint_sha256,
                "served_sha256": served.fingerprint_sha256,
                "serial": served.serial,
                "changed": changed,
            },
        )
        log.info("tls.reloaded", served_sha256=served.fingerprint_sha256, changed=changed)
        return ServedIdentity(served.fingerprint_sha256, served.serial, served.not_after, changed)
