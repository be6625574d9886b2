"""Local administration use cases: the node's own life (its first administrator,
a restore), partners, the audit log, and snapshots of the node's database for backup.
Users and their tokens are gateway.services.users."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import structlog

from gateway.domain.agreement import AgreementState
from gateway.domain.audit import AuditRecord, ChainBreak
from gateway.domain.audit_query import AuditQuery
from gateway.domain.errors import (
    AgreementViolation,
    ArgosError,
    Conflict,
    InvalidInput,
    NotFound,
)
from gateway.domain.identity import PublicNodeKey, check_node_id
from gateway.domain.partner_change import ChangeState, change_details, check_endpoint
from gateway.domain.partners import Partner
from gateway.domain.peer import check_ca_pem, check_pin, identify_peer
from gateway.domain.roles import Action, Role
from gateway.services.access import requires
from gateway.services.context import Caller, NodeContext
from gateway.services.users import UserService

log = structlog.get_logger(__name__)

BOOTSTRAP = Caller("system", "init")


@dataclass(frozen=True)
class AuditStatistics:
    """Counts of audit records (issue 18): in all, per action, per (actor kind, actor)."""

    total: int
    by_action: tuple[tuple[str, int], ...]
    by_actor: tuple[tuple[str, str, int], ...]


class AdministrationService:
    def __init__(
        self, ctx: NodeContext, users: UserService, backup_folder: Path | None = None
    ) -> None:
        self._ctx = ctx
        self._users = users
        self._backups = backup_folder
        # Told the node id of a partner whose registration changed or ended, after the
        # commit (the federation client drops its channel to it).
        self.on_partner_changed: list[Callable[[str], None]] = []

    # -- the node's own life --------------------------------------------------------------

    def initialise(self, admin_user: str) -> str:
        """A new node's first records: that it was made, and its first administrator,
        whose token is returned (shown once)."""
        key_id = self._ctx.signing_key.key_id
        self._ctx.record(
            BOOTSTRAP, "node.init", "node", self._ctx.node_id, details={"key_id": key_id}
        )
        _, token = self._users.add_user(BOOTSTRAP, admin_user, Role.ADMIN)
        return token

    def adopt_restored(self, backup_created_at: str, admin_user: str) -> tuple[int, str | None]:
        """A node folder restored from a backup: its audit log must verify against its
        signed head before the node runs again. Returns (records checked, a new
        administrator's token or None); raises AuditBroken naming the break."""
        checked, problem = self._ctx.verify_audit()
        if problem is not None:
            raise AuditBroken(problem)
        restorer = Caller("system", "restore")
        self._ctx.record(
            restorer,
            "node.restore",
            "node",
            self._ctx.node_id,
            details={"backup_created_at": backup_created_at, "records": checked},
        )
        token = self._users.add_user(restorer, admin_user, Role.ADMIN)[1] if admin_user else None
        return checked, token

    # -- partners -----------------------------------------------------------------------

    @requires(Action.PARTNER_MANAGE)
    def add_partner(
        self,
        caller: Caller,
        *,
        node_id: str,
        endpoint: str,
        public_key: bytes,
        tls_ca_pem: str,
        tls_pin_sha256: str = "",
    ) -> Partner:
        check_node_id(node_id)
        if node_id == self._ctx.node_id:
            raise InvalidInput("a node cannot be its own partner")
        check_endpoint(endpoint)
        check_ca_pem(tls_ca_pem)
        partner = Partner(
            node_id=node_id,
            endpoint=endpoint,
            keys=(PublicNodeKey(public_key),),
            tls_ca_pem=tls_ca_pem,
            tls_pin_sha256=check_pin(tls_pin_sha256),
            added_at=self._ctx.now(),
        )
        key_id = partner.public_key.key_id
        with self._ctx.store.write() as uow:
            refusal = self._key_refusal(uow, partner)
            if refusal is None:
                uow.partners.add(partner)
            self._ctx.record(
                caller,
                "partner.add" if refusal is None else "partner.add_refused",
                "partner",
                node_id,
                uow=uow,
                justification="" if refusal is None else str(refusal),
                details={"key_id": key_id, "endpoint": endpoint},
            )
            uow.commit()
        if refusal is not None:
            raise refusal
        log.info("partner.added", partner=node_id, key_id=key_id)
        return partner

    def _key_refusal(self, uow, partner: Partner) -> ArgosError | None:
        """A partner's signing key is its own: not this node's (whatever "the partner"
        then signed, this node could have signed), and not another partner's (one
        partner's envelopes would verify as the other's). Named by holder, never shown."""
        key = partner.public_key
        # Any key of this node's chain, also one it rotated away from.
        if key in self._ctx.own_keys or key.raw == self._ctx.signing_key.public.raw:
            return InvalidInput(
                f"the public key given for {partner.node_id} is this node's own signing key"
            )
        for other in uow.partners.all():
            if other.node_id != partner.node_id and other.key(key.key_id) is not None:
                return Conflict(
                    f"the public key given for {partner.node_id} is already registered "
                    f"for partner {other.node_id}"
                )
        return None

    @requires(Action.PARTNER_MANAGE)
    def change_partner_trust(
        self,
        caller: Caller,
        node_id: str,
        *,
        tls_ca_pem: str | None,
        tls_pin_sha256: str | None,
        justification: str,
        endpoint: str | None = None,
    ) -> tuple[Partner, Partner]:
        """Replace, in place, where a partner is reached (its endpoint) and how its TLS
        certificate is recognised: its CA (or a bundle of CAs during its changeover), its
        pin ("" removes it), or several at once in one audited change; None leaves that
        one as it is. Agreements stay in force and nothing received is purged: the
        partner is the same node with the same signing key, reached and recognised anew.
        Returns the partner as it was and as it is now. Calls in (domain.peer, read on
        each call) and out (the federation client's channel, dropped at once; the outbox
        and sync read the partner on each attempt) use the change from the next call on."""
        if tls_ca_pem is None and tls_pin_sha256 is None and endpoint is None:
            raise InvalidInput("give the partner's new endpoint, CA certificate or pin")
        if not justification.strip():
            raise InvalidInput("a change of a partner's trust needs a justification (audited)")
        with self._ctx.store.write() as uow:
            before = uow.partners.get(node_id)
            if before is None:
                raise NotFound(f"{node_id} is not a registered partner")
            after = replace(
                before,
                endpoint=before.endpoint if endpoint is None else check_endpoint(endpoint),
                tls_ca_pem=before.tls_ca_pem if tls_ca_pem is None else check_ca_pem(tls_ca_pem),
                tls_pin_sha256=(
                    before.tls_pin_sha256 if tls_pin_sha256 is None else check_pin(tls_pin_sha256)
                ),
            )
            if after == before:
                raise InvalidInput(f"{node_id} is already trusted exactly so; nothing changed")
            uow.partners.update(after)
            self._ctx.record(
                caller,
                "partner.trust_change",
                "partner",
                node_id,
                uow=uow,
                justification=justification,
                details=change_details(before, after),
            )
            uow.commit()
        log.info("partner.trust_changed", partner=node_id, **change_details(before, after))
        self.partner_changed(node_id)
        return before, after

    def partner_changed(self, node_id: str) -> None:
        """Tell the listeners (the federation client) that a partner's registration
        changed or ended; called after the commit."""
        for listener in self.on_partner_changed:
            listener(node_id)

    @requires(Action.PARTNER_MANAGE)
    def remove_partner(self, caller: Caller, node_id: str, justification: str) -> None:
        now = self._ctx.now()
        with self._ctx.store.write() as uow:
            for agreement in uow.agreements.all():
                state = agreement.state(now)
                if agreement.partner == node_id and state in (
                    AgreementState.ACTIVE,
                    AgreementState.SUSPENDED,
                    AgreementState.PROPOSED,
                ):
                    raise AgreementViolation(
                        f"agreement {agreement.agreement_id} with {node_id} is "
                        f"{state.value}; revoke it before removing the partner"
                    )
            uow.partners.remove(node_id)
            # Its pending announcements end with it (kept, so that none of them can be
            # replayed and accepted if it is registered again).
            dropped = uow.partner_changes.listed(node_id)
            for held in dropped:
                uow.partner_changes.decide(
                    node_id, held.change.sequence, ChangeState.SUPERSEDED, now
                )
            self._ctx.record(
                caller,
                "partner.remove",
                "partner",
                node_id,
                uow=uow,
                justification=justification,
                details={"pending_changes_dropped": len(dropped)} if dropped else None,
            )
            uow.commit()
        self.partner_changed(node_id)

    @requires(Action.PARTNER_READ)
    def partners(self, caller: Caller) -> list[Partner]:
        with self._ctx.store.read() as uow:
            return uow.partners.all()

    def identify_peer(self, cert_pem: str | bytes) -> str:
        """The registered partner a mutual-TLS peer certificate proves (see domain.peer)."""
        with self._ctx.store.read() as uow:
            return identify_peer(cert_pem, lambda node_id: _trust(uow.partners.get(node_id)))

    # -- audit ------------------------------------------------------------------------------

    @requires(Action.AUDIT_READ)
    def audit_records(
        self,
        caller: Caller,
        after_seq: int,
        limit: int,
        query: AuditQuery | None = None,
        *,
        before_seq: int = 0,
        newest_first: bool = False,
    ) -> list[AuditRecord]:
        """Records in the order appended from `after_seq`; with a query (issue 18) only
        those it asks for, and newest first (before `before_seq`) when asked."""
        filtered = query is not None and query != AuditQuery()
        with self._ctx.store.write() as uow:
            if filtered or before_seq or newest_first:
                records = uow.audit.find(
                    query or AuditQuery(),
                    after_seq=after_seq,
                    before_seq=before_seq,
                    newest_first=newest_first,
                    limit=limit or 1000,
                )
            else:
                records = uow.audit.records(after_seq, limit or 1000)
            details: dict = {"after_seq": after_seq, "count": len(records)}
            if before_seq:
                details["before_seq"] = before_seq
            if query is not None:
                details.update(query.details())
            # Reading the log is itself a consultation worth recording.
            self._ctx.record(caller, "audit.read", "audit", "log", uow=uow, details=details)
            uow.commit()
        return records

    @requires(Action.AUDIT_READ)
    def audit_statistics(self, caller: Caller, query: AuditQuery) -> AuditStatistics:
        """How many records per action and per actor `query` (a period, usually) holds:
        counted by the store over the whole log, the reading itself audited."""
        with self._ctx.store.write() as uow:
            total, by_action, by_actor = uow.audit.counts(query)
            self._ctx.record(
                caller,
                "audit.statistics",
                "audit",
                "log",
                uow=uow,
                details={"count": total, **query.details()},
            )
            uow.commit()
        return AuditStatistics(total, tuple(by_action), tuple(by_actor))

    @requires(Action.AUDIT_READ)
    def verify_audit(self, caller: Caller) -> tuple[int, ChainBreak | None]:
        checked, problem = self._ctx.verify_audit()
        if problem is None:
            self._ctx.record(caller, "audit.verify", "audit", "log", details={"records": checked})
        return checked, problem

    # -- backup -------------------------------------------------------------------------

    @requires(Action.BACKUP)
    def snapshot(self, caller: Caller, justification: str) -> tuple[Path, int]:
        """Copy the database, consistently, into the node's backup folder (created
        owner-only); return the copy and the seq of the audit record that announces it.
        The record is appended first, so the copy holds it under a signed head."""
        if not justification.strip():
            raise InvalidInput("a backup needs a justification (it is audited)")
        if self._backups is None:
            raise InvalidInput("this node has no backup folder")
        if self._ctx.store.copy_refusal is not None:
            raise InvalidInput(self._ctx.store.copy_refusal)  # nothing recorded: no backup
        folder = self._backups
        folder.mkdir(mode=0o700, exist_ok=True)
        os.chmod(folder, 0o700)
        stamp = self._ctx.now().strftime("%Y%m%dT%H%M%S%fZ")
        target = folder / f"snapshot-{stamp}.sqlite"
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        record = self._ctx.record(
            caller,
            "node.backup",
            "node",
            self._ctx.node_id,
            justification=justification,
        )
        try:
            self._ctx.store.copy_to(target)
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        log.info("node.snapshot", audit_seq=record.seq)
        return target, record.seq


class AuditBroken(ArgosError):
    """The audit log does not verify against its signed head (a local refusal: it
    never crosses the wire, so it has no code of its own)."""

    def __init__(self, problem: ChainBreak) -> None:
        super().__init__(f"audit log BROKEN at {problem.where}: {problem.reason}")
        self.problem = problem


def _trust(partner: Partner | None):
    return partner.trust if partner else None
