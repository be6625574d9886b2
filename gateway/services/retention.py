"""Retention: every round of the purge loop runs each rule of the domain's table
(gateway/domain/retention.py) that the node enforces, erases what is due through the
repositories, and audits each kind's erasure in one record (`retention.erased`: the
kind, the rule, the count and the first ids; never content). Hits keep their own
per-hit `hit.erased` records (HitService.purge). `report` tells the auditor, per kind,
what is held, the oldest, when the next erasure is due and anything past its limit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog

from gateway.domain.agreement import Agreement
from gateway.domain.retention import (
    EnforcedBy,
    RecordKind,
    RetentionRule,
    RetentionSettings,
    capped_hit_retention_days,
    rule_for,
    rules,
)
from gateway.domain.roles import Action
from gateway.services.access import requires
from gateway.services.context import Caller, NodeContext
from gateway.services.hits import HitService
from gateway.services.ports import Held, UnitOfWork
from gateway.services.ports.retention import IscTable

log = structlog.get_logger(__name__)

RETENTION = Caller("system", "retention")
# Rows one kind may erase in one round (one transaction, one audit record); the rest
# waits for the next round, a purge_interval_s later.
ROUND_LIMIT = 10_000
# Ids named in one audit record; the count says how many were erased.
AUDITED_IDS = 20
# The audit log's own retention is the audit service's erasure behind a signed anchor
# (AuditService.purge: it records its own `audit.erased`); each round calls it last.
AuditPurge = Callable[[], int]

_ISC_KINDS: dict[RecordKind, IscTable] = {
    RecordKind.ISC_CANDIDATE: "candidate",
    RecordKind.ISC_PUBLICATION: "publication",
    RecordKind.ISC_REJECTION: "rejection",
    RecordKind.ISC_SEEN: "seen",
}


@dataclass(frozen=True)
class KindReport:
    """One row of `argos retention report`."""

    rule: RetentionRule
    held: Held | None  # None: not held by the node (adapters)
    warning: str = ""


class RetentionService:
    def __init__(
        self,
        ctx: NodeContext,
        hits: HitService,
        settings: RetentionSettings | None = None,
        *,
        audit_purge: AuditPurge | None = None,
    ) -> None:
        self._ctx = ctx
        self._hits = hits
        self.settings = settings or RetentionSettings()
        self._audit_purge = audit_purge

    # -- enforcement -------------------------------------------------------------------

    def purge(self) -> dict[RecordKind, int]:
        """One round: every rule the node enforces. A rule that fails is logged and
        tried again next round; the others still run."""
        erased: dict[RecordKind, int] = {}
        steps: list[tuple[RecordKind, Callable[[], int]]] = [
            (RecordKind.HIT, self._hits.purge),
            (RecordKind.OWN_ENTRY, self._own_entries),
            (RecordKind.RECEIVED_ENTRY, self._received_entries),
            (RecordKind.CONFIRMATION, self._confirmations),
            (RecordKind.OUTBOX_MESSAGE, self._outbox),
            (RecordKind.ALERT_NOTICE, self._alert_notices),
            *((kind, self._isc_step(kind)) for kind in _ISC_KINDS),
            (RecordKind.READ_BATCH, self._read_batches),
            (RecordKind.CONSOLE_SESSION, self._console_sessions),
        ]
        if self._audit_purge is not None:
            steps.append((RecordKind.AUDIT, self._audit_purge))
        for kind, step in steps:
            try:
                count = step()
            except Exception:  # try again next round
                log.exception("retention.failed", kind=kind.value)
                continue
            if count:
                erased[kind] = count
        if erased:
            log.info("retention.erased", **{k.value: n for k, n in erased.items()})
        return erased

    def _audit(self, uow: UnitOfWork, kind: RecordKind, ids: list[str], **details: object) -> None:
        rule = rule_for(self.settings, kind)
        self._ctx.record(
            RETENTION,
            "retention.erased",
            "retention",
            kind.value,
            uow=uow,
            justification=f"retention ended: {rule.setting} ({rule.limit})",
            details={
                "kind": kind.value,
                "rule": rule.setting,
                "count": len(ids),
                "ids": ",".join(ids[:AUDITED_IDS]),
                "ids_not_listed": max(0, len(ids) - AUDITED_IDS),
                **details,  # type: ignore[dict-item]
            },
        )

    def _own_entries(self) -> int:
        cutoff = self._ctx.now() - timedelta(days=self.settings.own_entry_retention_days)
        if not self._any_due(lambda uow: uow.retention.own_entries_due(cutoff, 1)):
            return 0
        with self._ctx.store.write() as uow:
            due = uow.retention.own_entries_due(cutoff, ROUND_LIMIT)
            if not due:
                return 0
            uow.retention.erase_own_entries(due)
            self._audit(uow, RecordKind.OWN_ENTRY, due)
            uow.commit()
        return len(due)

    def _received_entries(self) -> int:
        now = self._ctx.now()
        total = 0
        with self._ctx.store.read() as uow:
            held = uow.received.agreement_ids()
            agreements = {a: uow.agreements.get(a) for a in held}
        for agreement_id, agreement in agreements.items():
            days = _entry_retention_days(agreement)
            if days is None:
                continue  # no countersigned terms: nothing can have been received
            cutoff = now - timedelta(days=days)
            if not self._any_due(
                lambda uow, a=agreement_id, c=cutoff: uow.retention.received_entries_due(
                    a, c, now, 1
                )
            ):
                continue
            with self._ctx.store.write() as uow:
                due = uow.retention.received_entries_due(agreement_id, cutoff, now, ROUND_LIMIT)
                if not due:
                    continue
                uow.retention.erase_received_entries(agreement_id, due)
                self._audit(
                    uow, RecordKind.RECEIVED_ENTRY, due, agreement_id=agreement_id, days=days
                )
                uow.commit()
            self._ctx.received_entries_erased(agreement_id)
            total += len(due)
        return total

    def confirmation_days(self, agreement: Agreement | None) -> int:
        """Rule 5: the setting, at most the agreement's hit retention (itself capped
        by the stricter national limit of the pair, rule 7)."""
        days = self.settings.confirmation_retention_days
        if agreement is not None and agreement.current is not None:
            hit_days = capped_hit_retention_days(
                agreement.current.terms.hit_retention_days, agreement.local_node, agreement.partner
            )
            days = min(days, hit_days)
        return days

    def _any_due(self, due: Callable[[UnitOfWork], list[str]]) -> bool:
        """Whether a rule has anything due, asked on a read unit first. The question
        walks a whole table (a million entries: about 0.3 s), and asked in the write
        unit it held the write lock that long each round, stalling every import, feed
        projection and received batch meanwhile; nothing is due most rounds. When
        something is, the write unit asks again before erasing."""
        with self._ctx.store.read() as uow:
            return bool(due(uow))

    def _confirmation_limits(self, uow: UnitOfWork) -> dict[str, int]:
        return {a.agreement_id: self.confirmation_days(a) for a in uow.agreements.all()}

    def _confirmations(self) -> int:
        now = self._ctx.now()
        total = 0
        with self._ctx.store.write() as uow:
            limits = self._confirmation_limits(uow)
            due: list[str] = []
            for agreement_id, days in limits.items():
                due += uow.retention.confirmations_due(
                    agreement_id, now - timedelta(days=days), ROUND_LIMIT - len(due)
                )
            if due:
                _, messages = uow.retention.erase_confirmations(due)
                self._audit(uow, RecordKind.CONFIRMATION, due, messages_erased=messages)
                uow.commit()
                total = len(due)
        return total

    def _outbox(self) -> int:
        cutoff = self._ctx.now() - timedelta(days=self.settings.outbox_retention_days)
        with self._ctx.store.write() as uow:
            due = uow.retention.outbox_due(cutoff, ROUND_LIMIT)
            if not due:
                return 0
            uow.retention.erase_outbox(due)
            self._audit(uow, RecordKind.OUTBOX_MESSAGE, [str(i) for i in due])
            uow.commit()
        return len(due)

    def _read_batches(self) -> int:
        """Receipts of adapters' batches past read_batch_retention_days, then those
        beyond the newest read_batch_receipts of each adapter user."""
        s = self.settings
        cutoff = self._ctx.now() - timedelta(days=s.read_batch_retention_days)
        total = 0
        with self._ctx.store.write() as uow:
            receipts = uow.read_batches
            for why, find in (
                ("time", lambda: receipts.due(cutoff, ROUND_LIMIT)),
                ("count", lambda: receipts.over_count(s.read_batch_receipts, ROUND_LIMIT)),
            ):
                due = find()  # the count after the time's erasure
                if due:
                    receipts.erase(due)
                    ids = [f"{adapter}/{batch_id}" for adapter, batch_id in due]
                    self._audit(uow, RecordKind.READ_BATCH, ids, limit=why)
                    total += len(due)
            uow.commit()
        return total

    def _console_sessions(self) -> int:
        """Rule 13: ended sessions, console_session_retention_days after their end."""
        cutoff = self._ctx.now() - timedelta(days=self.settings.console_session_retention_days)
        with self._ctx.store.write() as uow:
            due = uow.sessions.ended_due(cutoff, ROUND_LIMIT)
            if not due:
                return 0
            uow.sessions.erase(due)
            self._audit(uow, RecordKind.CONSOLE_SESSION, due)
            uow.commit()
        return len(due)

    def _alert_notices(self) -> int:
        cutoff = self._ctx.now() - timedelta(days=self.settings.alert_notice_retention_days)
        with self._ctx.store.write() as uow:
            due = uow.retention.alert_notices_due(cutoff, ROUND_LIMIT)
            if not due:
                return 0
            uow.retention.erase_alert_notices(due)
            self._audit(uow, RecordKind.ALERT_NOTICE, [str(p) for p in due])
            uow.commit()
        return len(due)

    def _isc_step(self, kind: RecordKind) -> Callable[[], int]:
        def step() -> int:
            table = _ISC_KINDS[kind]
            days = rule_for(self.settings, kind).days
            assert days is not None
            cutoff = self._ctx.now() - timedelta(days=days)
            with self._ctx.store.write() as uow:
                due = uow.retention.isc_due(table, cutoff, ROUND_LIMIT)
                if not due:
                    return 0
                uow.retention.erase_isc(table, due)
                self._audit(uow, kind, due)
                uow.commit()
            return len(due)

        return step

    # -- the report --------------------------------------------------------------------

    @requires(Action.RETENTION_READ)
    def report(self, caller: Caller) -> list[KindReport]:
        """Per kind of record: its rule and what is held under it."""
        now = self._ctx.now()
        s = self.settings
        with self._ctx.store.write() as uow:
            r = uow.retention
            held: dict[RecordKind, Held] = {}
            held[RecordKind.OWN_ENTRY] = r.own_entries_held(
                now, now - timedelta(days=s.own_entry_retention_days)
            )
            held[RecordKind.RECEIVED_ENTRY] = _merged(
                r.received_entries_held(a, now, days)
                for a in uow.received.agreement_ids()
                if (days := _entry_retention_days(uow.agreements.get(a))) is not None
            )
            hits = r.hits_held(now)
            held[RecordKind.HIT] = hits["hit"]
            held[RecordKind.RECEIVED_HIT] = hits["received_hit"]
            held[RecordKind.CONFIRMATION] = r.confirmations_held(
                self._confirmation_limits(uow), s.confirmation_retention_days, now
            )
            held[RecordKind.OUTBOX_MESSAGE] = r.outbox_held(now, s.outbox_retention_days)
            held[RecordKind.ALERT_NOTICE] = r.alert_notices_held(now, s.alert_notice_retention_days)
            for kind, table in _ISC_KINDS.items():
                days = rule_for(s, kind).days
                assert days is not None
                held[kind] = r.isc_held(table, now, days)
            held[RecordKind.AUDIT] = r.audit_held(now, s.audit_retention_days)
            held[RecordKind.READ_BATCH] = uow.read_batches.held(now, s.read_batch_retention_days)
            held[RecordKind.CONSOLE_SESSION] = uow.sessions.held(
                now, s.console_session_retention_days
            )
            newest_backup = r.newest_backup()
            rows = [self._row(rule, held.get(rule.kind), newest_backup, now) for rule in rules(s)]
            self._ctx.record(
                caller,
                "retention.report",
                "retention",
                "*",
                uow=uow,
                details={"past_limit": sum(row.held.past_limit for row in rows if row.held)},
            )
            uow.commit()
        return rows

    def _row(
        self, rule: RetentionRule, held: Held | None, newest_backup: datetime | None, now: datetime
    ) -> KindReport:
        if rule.kind is RecordKind.BACKUP:
            limit = timedelta(days=self.settings.backup_warning_days)
            if newest_backup is None:
                return KindReport(rule, None, "no backup recorded in the audit log")
            due = newest_backup + limit
            warning = "" if due > now else f"newest backup older than {limit.days} days"
            return KindReport(rule, Held(1, newest_backup, due, 0), warning)
        return KindReport(rule, held)


def _entry_retention_days(agreement: Agreement | None) -> int | None:
    """Rule 3: the current terms' entry_retention_days (a suspended or expired
    agreement's entries keep the terms they came under)."""
    if agreement is None or agreement.current is None:
        return None
    return agreement.current.terms.entry_retention_days


def _merged(parts: object) -> Held:
    count = past = 0
    oldest: datetime | None = None
    due: datetime | None = None
    for h in parts:  # type: ignore[attr-defined]
        count += h.count
        past += h.past_limit
        if h.oldest is not None:
            oldest = h.oldest if oldest is None else min(oldest, h.oldest)
        if h.next_due is not None:
            due = h.next_due if due is None else min(due, h.next_due)
    return Held(count, oldest, due, past)


__all__ = ["EnforcedBy", "KindReport", "RetentionService"]
