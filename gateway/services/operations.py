"""What a node knows about its own daily running, gathered in one place for `argos
status` and the Prometheus endpoint: sync per partner, outbox, ingest, hits, adapters,
entries near review, confirmations near their deadline. Ids and counts only: nothing
here ever carries a plate, a token, a camera or a case reference."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from gateway.domain.agreement import AgreementState
from gateway.services.confirmations import ConfirmationService
from gateway.services.context import NodeContext
from gateway.services.matching import AdapterSeen, MatchingService
from gateway.services.sync import SyncOverview, SyncService
from gateway.store import hits as hit_store
from gateway.store import outbox as outbox_store
from gateway.store.confirmations import StoredConfirmation

DEFAULT_EXPIRY_WARNING_DAYS = 7


@dataclass(frozen=True)
class NodeFigures:
    """One reading of the node's running figures."""

    at: datetime
    sync: list[SyncOverview]
    # (partner, state) -> messages; state pending, delivered or refused.
    outbox: dict[tuple[str, str], int]
    # (kind, partner) -> hits held; kind own, observed or received (see hit_store).
    hits: dict[tuple[str, str], int]
    adapters: list[AdapterSeen]
    # Entries held in memory for matching, per list ("own" or an agreement id).
    lists: dict[str, int]
    agreements: dict[str, int]
    own_entries: int
    entries_due_for_review: int
    entries_expiring: int
    expiry_warning: timedelta
    open_confirmations: int
    confirmations_near_deadline: list[StoredConfirmation] = field(default_factory=list)
    confirmation_warning: timedelta = timedelta(0)
    audit_records: int = 0
    # (kind, state) -> messages; kind hit_notification or confirmation.
    outbox_kinds: dict[tuple[str, str], int] = field(default_factory=dict)

    def outbox_total(self, state: str) -> int:
        return sum(n for (_, s), n in self.outbox.items() if s == state)


class OperationsService:
    def __init__(
        self,
        ctx: NodeContext,
        sync: SyncService,
        matching: MatchingService,
        confirmations: ConfirmationService,
        *,
        expiry_warning_days: int = DEFAULT_EXPIRY_WARNING_DAYS,
    ) -> None:
        self._ctx = ctx
        self._sync = sync
        self._matching = matching
        self._confirmations = confirmations
        self._expiry_warning = timedelta(days=expiry_warning_days)

    def figures(self) -> NodeFigures:
        now = self._ctx.clock()
        with self._ctx.database.reading() as db:
            outbox = outbox_store.depth_by_partner(db.conn)
            outbox_kinds = outbox_store.depth_by_kind(db.conn)
            hits = hit_store.held_counts(db.conn)
        agreements: dict[str, int] = {state.value: 0 for state in AgreementState}
        for agreement_id in self._ctx.agreements.ids():
            agreement = self._ctx.agreements.get(agreement_id)
            if agreement is not None:
                agreements[agreement.state(now).value] += 1
        return NodeFigures(
            at=now,
            sync=self._sync.overview(),
            outbox=outbox,
            hits=hits,
            adapters=self._matching.adapters(),
            lists=self._matching.counts(),
            agreements=agreements,
            own_entries=self._ctx.own_entries.count(),
            entries_due_for_review=self._ctx.own_entries.due_for_review(now),
            entries_expiring=self._ctx.own_entries.expiring(now, now + self._expiry_warning),
            expiry_warning=self._expiry_warning,
            open_confirmations=self._confirmations.open_count(),
            confirmations_near_deadline=self._confirmations.near_deadline(),
            confirmation_warning=self._confirmations.warning,
            audit_records=self._ctx.audit.count(),
            outbox_kinds=outbox_kinds,
        )
