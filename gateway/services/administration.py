"""Local administration use cases: partners, users and their credentials, the audit log."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from datetime import UTC, datetime
from pathlib import Path

import structlog

from gateway.domain.agreement import AgreementState
from gateway.domain.audit import AuditRecord, ChainBreak
from gateway.domain.errors import (
    AgreementViolation,
    InvalidInput,
    Unauthenticated,
)
from gateway.domain.identity import PublicNodeKey, check_node_id
from gateway.domain.peer import PartnerTrust, check_ca_pem, identify_peer
from gateway.domain.roles import Action, Role, authorize
from gateway.services.context import Caller, NodeContext
from gateway.store.database import utc_now_text
from gateway.store.registry import PartnerRecord, UserRecord

log = structlog.get_logger(__name__)

USER_NAME = re.compile(r"^[a-z][a-z0-9._-]{1,63}$")
ENDPOINT = re.compile(r"^[A-Za-z0-9.\-\[\]:]+:\d{1,5}$")
TOKEN_PREFIX = "argos_"


def token_hash(token: str) -> str:
    # Tokens are 256-bit random, so a fast hash is enough: nothing to brute-force.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class AdministrationService:
    def __init__(self, ctx: NodeContext) -> None:
        self._ctx = ctx

    # -- users --------------------------------------------------------------------------

    def authenticate(self, token: str | None) -> Caller:
        if not token:
            raise Unauthenticated(
                "no credentials: give a token with --token-file or ARGOS_TOKEN_FILE"
            )
        user = self._ctx.users.by_token_hash(token_hash(token))
        if user is None:
            raise Unauthenticated("the token is not valid on this node")
        return Caller("user", user.name, Role(user.role))

    def authorize(self, caller: Caller, action: Action) -> None:
        """Check the caller's role; a refusal is itself recorded."""
        assert caller.role is not None
        try:
            authorize(caller.name, caller.role, action)
        except Exception:
            self._ctx.record(
                caller,
                "access.denied",
                "action",
                action.value,
                details={"role": caller.role.value},
            )
            raise

    def add_user(self, caller: Caller | None, name: str, role: Role) -> tuple[UserRecord, str]:
        """Create a user; return it and its token, which is shown once and stored hashed.
        caller None is the bootstrap of the first admin by `argos init`."""
        if not USER_NAME.match(name):
            raise InvalidInput(
                f"user name {name!r} must be 2-64 lowercase letters, digits, '.', '_' or '-'"
            )
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        user = UserRecord(name, role.value, utc_now_text())
        with self._ctx.database.transaction():
            self._ctx.users.add(user, token_hash(token))
            self._ctx.record(
                caller or Caller("system", "init"),
                "user.add",
                "user",
                name,
                details={"role": role.value},
            )
        return user, token

    def users(self) -> list[UserRecord]:
        return self._ctx.users.all()

    # -- partners -----------------------------------------------------------------------

    def add_partner(
        self,
        caller: Caller,
        *,
        node_id: str,
        endpoint: str,
        public_key: bytes,
        tls_ca_pem: str,
        tls_pin_sha256: str = "",
    ) -> PartnerRecord:
        check_node_id(node_id)
        if node_id == self._ctx.node_id:
            raise InvalidInput("a node cannot be its own partner")
        if not ENDPOINT.match(endpoint):
            raise InvalidInput(f"endpoint {endpoint!r} is not of the form host:port")
        if tls_pin_sha256 and not re.fullmatch(r"[0-9a-f]{64}", tls_pin_sha256.lower()):
            raise InvalidInput("a certificate pin is 64 hex digits of SHA-256")
        check_ca_pem(tls_ca_pem)
        partner = PartnerRecord(
            node_id=node_id,
            endpoint=endpoint,
            public_key=PublicNodeKey(public_key),
            tls_ca_pem=tls_ca_pem,
            tls_pin_sha256=tls_pin_sha256.lower(),
            added_at=utc_now_text(),
        )
        with self._ctx.database.transaction():
            self._ctx.partners.add(partner)
            self._ctx.record(
                caller,
                "partner.add",
                "partner",
                node_id,
                details={"key_id": partner.public_key.key_id, "endpoint": endpoint},
            )
        log.info("partner.added", partner=node_id, key_id=partner.public_key.key_id)
        return partner

    def remove_partner(self, caller: Caller, node_id: str, justification: str) -> None:
        now = self._ctx.clock()
        for agreement_id in self._ctx.agreements.ids():
            agreement = self._ctx.agreements.get(agreement_id)
            if (
                agreement
                and agreement.partner == node_id
                and agreement.state(now)
                in (
                    AgreementState.ACTIVE,
                    AgreementState.SUSPENDED,
                    AgreementState.PROPOSED,
                )
            ):
                raise AgreementViolation(
                    f"agreement {agreement_id} with {node_id} is "
                    f"{agreement.state(now).value}; revoke it before removing the partner"
                )
        with self._ctx.database.transaction():
            self._ctx.partners.remove(node_id)
            self._ctx.record(
                caller, "partner.remove", "partner", node_id, justification=justification
            )

    def partners(self) -> list[PartnerRecord]:
        return self._ctx.partners.all()

    def identify_peer(self, cert_pem: str | bytes) -> str:
        """The registered partner a mutual-TLS peer certificate proves (see domain.peer)."""

        def lookup(node_id: str) -> PartnerTrust | None:
            p = self._ctx.partners.get(node_id)
            return PartnerTrust(p.node_id, p.tls_ca_pem, p.tls_pin_sha256) if p else None

        return identify_peer(cert_pem, lookup)

    # -- audit ------------------------------------------------------------------------------

    def audit_records(self, caller: Caller, after_seq: int, limit: int) -> list[AuditRecord]:
        records = list(self._ctx.audit.records(after_seq, limit or 1000))
        # Reading the log is itself a consultation worth recording.
        self._ctx.record(
            caller,
            "audit.read",
            "audit",
            "log",
            details={"after_seq": after_seq, "count": len(records)},
        )
        return records

    def verify_audit(self, caller: Caller) -> tuple[int, ChainBreak | None]:
        checked, problem = self._ctx.audit.verify(self._ctx.signing_key.public)
        if problem is None:
            self._ctx.record(caller, "audit.verify", "audit", "log", details={"records": checked})
        return checked, problem

    # -- backup -------------------------------------------------------------------------

    def snapshot(self, caller: Caller, folder: Path, justification: str) -> tuple[Path, int]:
        """Copy the database, consistently, into `folder` (created owner-only); return
        the copy and the seq of the audit record that announces it. The record is
        appended first, so the copy holds it under a signed head."""
        if not justification.strip():
            raise InvalidInput("a backup needs a justification (it is audited)")
        folder.mkdir(mode=0o700, exist_ok=True)
        os.chmod(folder, 0o700)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        target = folder / f"snapshot-{stamp}.sqlite"
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        record = self._ctx.audit.append(
            actor_kind=caller.kind,
            actor=caller.name,
            action="node.backup",
            object_type="node",
            object_id=self._ctx.node_id,
            justification=justification,
        )
        try:
            self._ctx.database.copy_to(target)
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        log.info("node.snapshot", audit_seq=record.seq)
        return target, record.seq
