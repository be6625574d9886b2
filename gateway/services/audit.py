"""The audit log's own life (issue 16): its erasure when its retention ends, behind a
signed anchor (gateway.domain.audit_anchor), and its export to a supervisory authority
as a document that verifies without the node (gateway.domain.audit_export). Reading and
verifying the log are AdministrationService's."""

from __future__ import annotations

from datetime import datetime

import structlog

from gateway.domain.audit import AuditRecord, ChainBreak, verify_chain
from gateway.domain.audit_anchor import (
    DEFAULT_RETENTION_DAYS,
    AuditAnchor,
    anchor_message,
    check_retention_days,
    erasure_cutoff,
)
from gateway.domain.audit_export import ExportedKey, export_lines
from gateway.domain.errors import InvalidInput, NotFound
from gateway.domain.roles import Action
from gateway.domain.times import time_text
from gateway.services.access import requires
from gateway.services.administration import AuditBroken
from gateway.services.context import SYSTEM, Caller, NodeContext, anchor_problem

log = structlog.get_logger(__name__)

# At most this many records are erased in one transaction: the first round on a node
# upgraded with years of log behind it must not hold the write lock for long. The
# next round (purge_interval_s later) goes on where this one stopped.
PURGE_BATCH = 50_000
ERASURE_REFUSED = "audit.erasure_refused"


class AuditService:
    def __init__(
        self,
        ctx: NodeContext,
        retention_days: int = DEFAULT_RETENTION_DAYS,
        batch: int = PURGE_BATCH,
    ) -> None:
        self._ctx = ctx
        self.retention_days = check_retention_days(retention_days)
        self._batch = batch

    # -- retention --------------------------------------------------------------------

    def purge(self) -> int:
        """Erase the records older than the retention (a prefix of at most one batch)
        behind a signed anchor, and record that it did, all in one transaction: a crash
        leaves the log as it was or as it is after. Returns how many were erased.

        The prefix is verified first (from the current anchor, and its link to the
        record after it): an anchor is never signed over a tampered prefix, which would
        launder the tampering. A broken prefix is left in place, recorded once (not each
        round) and raised as AuditBroken for the purge loop to log."""
        now = self._ctx.now()
        cutoff = erasure_cutoff(now, self.retention_days)
        with self._ctx.store.write() as uow:
            due = uow.audit.oldest(cutoff, self._batch)
            if not due:
                return 0
            problem = self._prefix_problem(uow, due, uow.audit.anchors())
            if problem is None:
                self._erase(uow, due, now, cutoff)
            else:
                self._refused(uow, problem, due[-1].seq)
            uow.commit()
        if problem is not None:
            raise AuditBroken(problem)
        log.info("audit.erased", records=len(due), through_seq=due[-1].seq)
        return len(due)

    def _erase(self, uow, due: list[AuditRecord], now: datetime, cutoff: str) -> None:
        last = due[-1]
        key = self._ctx.signing_key
        anchor = AuditAnchor(
            self._ctx.node_id, last.seq, last.hash, last.at, time_text(now), key.key_id
        )
        # Recorded first: it chains to the newest record, which may itself be due.
        self._ctx.record(
            SYSTEM,
            "audit.erased",
            "audit",
            "log",
            uow=uow,
            justification=f"retention of the audit log: {self.retention_days} days",
            details={
                "records": len(due),
                "first_seq": due[0].seq,
                "through_seq": last.seq,
                "older_than": cutoff,
                "anchor_key_id": key.key_id,
            },
        )
        erased = uow.audit.erase_first(len(due))
        if erased != len(due):
            raise RuntimeError(f"erased {erased} audit records where {len(due)} were due")
        uow.audit.add_anchor(anchor, key.sign(anchor_message(anchor)))

    def _refused(self, uow, problem: ChainBreak, through_seq: int) -> None:
        """Record the refusal, once: not again each round while nothing changed."""
        last = uow.audit.last()
        if last is not None and last.action == ERASURE_REFUSED:
            return
        self._ctx.record(
            SYSTEM,
            ERASURE_REFUSED,
            "audit",
            "log",
            uow=uow,
            justification="the records due for erasure do not verify",
            details={"at": problem.where, "through_seq": through_seq},
        )

    def _prefix_problem(self, uow, due, anchors) -> ChainBreak | None:
        reason = anchor_problem(anchors, self._ctx.own_keys)
        if reason is not None:
            return ChainBreak(None, 0, reason, at_anchor=True)
        start = anchors[-1][0] if anchors else None
        problem = verify_chain(due, None, start)
        if problem is not None:
            return problem
        following = uow.audit.records(due[-1].seq, 1)
        if following and following[0].prev_hash != due[-1].hash:
            return ChainBreak(
                following[0].seq,
                len(due),
                f"record {following[0].seq}: prev_hash does not link to record "
                f"{due[-1].seq} (inserted, reordered or predecessor rewritten?)",
            )
        return None

    # -- export to a supervisory authority ---------------------------------------------

    @requires(Action.AUDIT_EXPORT)
    def export(
        self, caller: Caller, start: datetime, end: datetime, recipient: str = ""
    ) -> list[str]:
        """The export document (JSON lines) of the records from `start` (inclusive) to
        `end` (exclusive), recorded as a disclosure. Refused (AuditBroken) when the log
        does not verify: the node never seals a tampered log."""
        if start >= end:
            raise InvalidInput("the period's end must come after its start (--from before --to)")
        period_start, period_end = time_text(start), time_text(end)
        _, problem = self._ctx.verify_audit()
        if problem is not None:
            self._ctx.record(
                caller,
                "audit.export_refused",
                "audit",
                "log",
                justification="the audit log does not verify",
                details={"at": problem.where},
            )
            raise AuditBroken(problem)
        with self._ctx.store.write() as uow:
            records = uow.audit.between(period_start, period_end)
            head = uow.audit.head()
            anchors = uow.audit.anchors()
            if not records or head is None:
                raise NotFound(
                    f"no audit record lies between {period_start} and {period_end}"
                    + (
                        f" (records up to {anchors[-1][0].at} were erased by retention)"
                        if anchors
                        else ""
                    )
                )
            lines = export_lines(
                node_id=self._ctx.node_id,
                period_start=period_start,
                period_end=period_end,
                exported_at=time_text(self._ctx.now()),
                records=records,
                keys=self._public_keys(),
                anchor=anchors[-1] if anchors else None,
                head=head,
                key_id=self._ctx.signing_key.key_id,
                sign=self._ctx.signing_key.sign,
            )
            self._ctx.record(
                caller,
                "audit.exported",
                "audit",
                "log",
                uow=uow,
                recipient=recipient,
                details={
                    "period_start": period_start,
                    "period_end": period_end,
                    "records": len(records),
                    "first_seq": records[0].seq,
                    "last_seq": records[-1].seq,
                },
            )
            uow.commit()
        log.info("audit.exported", records=len(records), first_seq=records[0].seq)
        return lines

    def _public_keys(self) -> list[ExportedKey]:
        chain = self._ctx.own_chain
        if chain is None:
            key = self._ctx.signing_key.public
            return [ExportedKey(key.key_id, key.raw, "", "current")]
        now = self._ctx.now()
        return [
            ExportedKey(k.key_id, k.key.raw, time_text(k.valid_from), k.state(now))
            for k in chain.keys
        ]
