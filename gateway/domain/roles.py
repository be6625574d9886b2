"""Local users' roles and what each may do: the one table every local call is checked
against. Operators see alerts; investigators manage entries, hits and confirmations;
admins manage partners, agreements and users; auditors read and verify the audit log;
adapters (camera adapter processes) hand in reads and may do nothing else."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from gateway.domain.errors import AccessDenied


class Role(enum.StrEnum):
    ADMIN = "admin"
    INVESTIGATOR = "investigator"
    OPERATOR = "operator"
    AUDITOR = "auditor"
    ADAPTER = "adapter"  # a camera adapter process: hands in reads, nothing else


class UserState(enum.StrEnum):
    """What is stored of a user's standing (gateway.domain.users adds "expired", which
    is read off the token's expiry and the clock, never stored)."""

    ACTIVE = "active"
    DISABLED = "disabled"  # until enabled again
    REMOVED = "removed"  # for good; the record stays, the audit log names the user


@dataclass(frozen=True)
class User:
    """A person (or an adapter process) with a token on this node."""

    name: str
    role: Role
    created_at: datetime
    state: UserState = UserState.ACTIVE
    token_expires_at: datetime | None = None  # None: the token does not expire
    last_used_at: datetime | None = None  # to the minute (gateway.domain.users)


class Action(enum.StrEnum):
    STATUS = "status"
    PARTNER_MANAGE = "partner.manage"
    PARTNER_READ = "partner.read"
    AGREEMENT_MANAGE = "agreement.manage"
    AGREEMENT_READ = "agreement.read"
    USER_MANAGE = "user.manage"
    AUDIT_READ = "audit.read"
    HOTLIST_MANAGE = "hotlist.manage"
    HOTLIST_READ = "hotlist.read"
    SYNC_READ = "sync.read"
    SYNC_MANAGE = "sync.manage"
    READS_SUBMIT = "reads.submit"
    ALERTS_WATCH = "alerts.watch"
    HITS_READ = "hits.read"
    CONFIRM_MANAGE = "confirm.manage"
    CONFIRM_READ = "confirm.read"
    HOTLIST_EXPORT = "hotlist.export"
    ISC_PUBLISH = "isc.publish"
    ISC_PULL = "isc.pull"
    ISC_READ = "isc.read"
    ISC_PROMOTE = "isc.promote"
    BACKUP = "node.backup"
    KEYS_MANAGE = "keys.manage"

    TOKEN_SECRET_ROTATE = "token_secret.rotate"
    TLS_RELOAD = "tls.reload"
    RETENTION_READ = "retention.read"

    # Issue 16: the audit log of a period, handed to a supervisory authority.
    AUDIT_EXPORT = "audit.export"


_ALL = frozenset(Role) - {Role.ADAPTER}
PERMISSIONS: dict[Action, frozenset[Role]] = {
    Action.STATUS: _ALL,
    Action.PARTNER_MANAGE: frozenset({Role.ADMIN}),
    Action.PARTNER_READ: frozenset({Role.ADMIN, Role.AUDITOR}),
    Action.AGREEMENT_MANAGE: frozenset({Role.ADMIN}),
    # Investigators need to know what they may share and with whom.
    Action.AGREEMENT_READ: frozenset({Role.ADMIN, Role.AUDITOR, Role.INVESTIGATOR}),
    Action.USER_MANAGE: frozenset({Role.ADMIN}),
    # A backup holds every entry, hit and key of the node: administrators only.
    Action.BACKUP: frozenset({Role.ADMIN}),
    Action.AUDIT_READ: frozenset({Role.AUDITOR, Role.ADMIN}),
    Action.HOTLIST_MANAGE: frozenset({Role.INVESTIGATOR}),
    Action.HOTLIST_READ: frozenset({Role.INVESTIGATOR, Role.AUDITOR}),
    Action.SYNC_READ: frozenset({Role.ADMIN, Role.AUDITOR, Role.INVESTIGATOR}),
    Action.SYNC_MANAGE: frozenset({Role.ADMIN}),
    Action.READS_SUBMIT: frozenset({Role.ADAPTER}),
    # Hotlist files for the port's own ANPR backend come from its export adapter.
    Action.HOTLIST_EXPORT: frozenset({Role.ADAPTER}),
    Action.ALERTS_WATCH: frozenset({Role.OPERATOR, Role.INVESTIGATOR}),
    Action.HITS_READ: frozenset({Role.INVESTIGATOR, Role.AUDITOR}),
    Action.CONFIRM_MANAGE: frozenset({Role.INVESTIGATOR}),
    Action.CONFIRM_READ: frozenset({Role.INVESTIGATOR, Role.AUDITOR}),
    # The ISC (issue 7): what leaves is chosen and reviewed by an investigator; a
    # candidate becomes a hotlist entry only by an investigator, who owns entries.
    Action.ISC_PUBLISH: frozenset({Role.INVESTIGATOR}),
    Action.ISC_PULL: frozenset({Role.INVESTIGATOR, Role.ADMIN}),
    Action.ISC_READ: frozenset({Role.INVESTIGATOR, Role.AUDITOR}),
    Action.ISC_PROMOTE: frozenset({Role.INVESTIGATOR}),
    # The node's own signing keys (issue 15): rotating or revoking one is an
    # administrator's act, as registering a partner is.
    Action.KEYS_MANAGE: frozenset({Role.ADMIN}),
    # Issue 15: the node's plate-token secret and TLS identity are the administrator's.
    Action.TOKEN_SECRET_ROTATE: frozenset({Role.ADMIN}),
    Action.TLS_RELOAD: frozenset({Role.ADMIN}),
    # Issue 16: what is kept and for how long, for the data protection officer.
    Action.RETENTION_READ: frozenset({Role.AUDITOR, Role.ADMIN}),
    # Issue 16: a disclosure of the log itself, to the supervisory authority: those who
    # may read and verify it, nobody else.
    Action.AUDIT_EXPORT: frozenset({Role.AUDITOR, Role.ADMIN}),
}


def authorize(user: str, role: Role, action: Action) -> None:
    """Raise AccessDenied unless `role` may perform `action`."""
    allowed = PERMISSIONS[action]
    if role not in allowed:
        raise AccessDenied(
            f"user {user} has role {role.value}; {action.value} needs "
            f"{' or '.join(sorted(r.value for r in allowed))}"
        )
