"""What a node knows about its own daily running, gathered in one place for `argos
status` and the Prometheus endpoint: sync per partner (and how fresh each received
feed is), outbox, ingest, hits, adapters, entries near review, confirmations near their
deadline, partners' reachability, certificates near their end, long streams open and
calls refused at the limits. Ids and counts only: nothing here ever carries a plate, a
token, a camera or a case reference."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from gateway.domain.agreement import AgreementState
from gateway.domain.certificates import (
    PARTNER_CA,
    PARTNER_PINNED,
    CertificateExpiry,
    certificate_expiry,
)
from gateway.domain.partners import Partner
from gateway.domain.retention import is_due
from gateway.domain.roles import Action
from gateway.services.access import requires
from gateway.services.confirmations import ConfirmationService
from gateway.services.context import Caller, NodeContext
from gateway.services.federation import FederationGate, GateFigures
from gateway.services.ingest import IngestService
from gateway.services.matching import AdapterSeen, MatchingService
from gateway.services.oblivious import ObliviousEvaluationService, ObliviousFigures
from gateway.services.ports import HeldConfirmation
from gateway.services.sync import SyncOverview, SyncService

DEFAULT_EXPIRY_WARNING_DAYS = 7
DEFAULT_CERTIFICATE_WARNING_DAYS = 30
# This node's own certificates as (kind, PEM bytes or None when unreadable): read
# afresh at each look, so a replaced file shows at once.
OwnCertificates = Callable[[], list[tuple[str, bytes | None]]]
# How long `argos status` waits for each partner's health check (all in parallel).
REACH_TIMEOUT_S = 3.0


@dataclass(frozen=True)
class CertificateCheck:
    """One certificate the node relies on, looked at now."""

    certificate: CertificateExpiry
    seconds_left: float | None  # None: unreadable
    warning: bool  # ended, ending within the warning window, or unreadable


@dataclass(frozen=True)
class NodeFigures:
    """One reading of the node's running figures."""

    at: datetime
    sync: list[SyncOverview]
    # (partner, state) -> messages; state pending, delivered or refused.
    outbox: dict[tuple[str, str], int]
    # (kind, partner) -> hits held; kind own, observed or received.
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
    confirmations_near_deadline: list[HeldConfirmation] = field(default_factory=list)
    confirmation_warning: timedelta = timedelta(0)
    audit_records: int = 0
    # (kind, state) -> messages; kind hit_notification or confirmation.
    outbox_kinds: dict[tuple[str, str], int] = field(default_factory=dict)
    pending_agreements: int = 0
    stale_after: timedelta = timedelta(0)
    # Partner lists not matched against while their feed is stale.
    lists_skipped: frozenset[str] = frozenset()
    certificates: list[CertificateCheck] = field(default_factory=list)
    certificate_warning: timedelta = timedelta(0)
    # kind (feed, alert, read) -> (streams open now, refused since start)
    streams: dict[str, tuple[int, int]] = field(default_factory=dict)
    gate: GateFigures | None = None
    oblivious: ObliviousFigures | None = None
    # Reads waiting in memory for an oblivious list's owner now; dropped since start.
    oblivious_held: tuple[int, int] = (0, 0)

    def outbox_total(self, state: str) -> int:
        return sum(n for (_, s), n in self.outbox.items() if s == state)


@dataclass(frozen=True)
class PartnerStatus:
    node_id: str
    reachable: bool
    problem: str
    sync_lag_changes: int
    entries_held: int
    rejected_batches: int
    outbox_pending: int


@dataclass(frozen=True)
class NodeStatus:
    """`argos status`: who is asking, the node's figures, and each partner checked now."""

    caller: Caller
    figures: NodeFigures
    partners: list[PartnerStatus]
    # Issue 16: the newest backup the audit log records (None: none), and the age
    # past which status warns (backup_warning_days).
    newest_backup: datetime | None = None
    backup_warning: timedelta = timedelta(days=7)

    @property
    def backup_overdue(self) -> bool:
        if self.newest_backup is None:
            return True
        return is_due(self.newest_backup + self.backup_warning, self.figures.at)


class OperationsService:
    def __init__(
        self,
        ctx: NodeContext,
        sync: SyncService,
        matching: MatchingService,
        confirmations: ConfirmationService,
        *,
        expiry_warning_days: int = DEFAULT_EXPIRY_WARNING_DAYS,
        gate: FederationGate | None = None,
        ingest: IngestService | None = None,
        oblivious: ObliviousEvaluationService | None = None,
        own_certificates: OwnCertificates | None = None,
        certificate_warning_days: int = DEFAULT_CERTIFICATE_WARNING_DAYS,
        backup_warning_days: int = 7,
    ) -> None:
        self._ctx = ctx
        self._sync = sync
        self._matching = matching
        self._confirmations = confirmations
        self._expiry_warning = timedelta(days=expiry_warning_days)
        self._gate = gate
        self._ingest = ingest
        self._oblivious = oblivious
        self._own_certificates = own_certificates or (lambda: [])
        self._certificate_warning = timedelta(days=certificate_warning_days)
        self._backup_warning = timedelta(days=backup_warning_days)

    @requires(Action.STATUS)
    def status(self, caller: Caller) -> NodeStatus:
        figures = self.figures()
        with self._ctx.store.read() as uow:
            partners = uow.partners.all()
            # Not in figures(): the metrics scrape would walk the audit log each time.
            newest_backup = uow.retention.newest_backup()
        return NodeStatus(
            caller,
            figures,
            self._partner_status(partners, figures),
            newest_backup,
            self._backup_warning,
        )

    def figures(self) -> NodeFigures:
        now = self._ctx.now()
        with self._ctx.store.read() as uow:
            outbox = uow.outbox.depth_by_partner()
            outbox_kinds = uow.outbox.depth_by_kind()
            hits = uow.hits.held_counts()
            held = uow.agreements.all()
            own = uow.own_entries
            own_entries = own.count()
            due = own.due_for_review(now)
            expiring = own.expiring(now, now + self._expiry_warning)
            audit_records = uow.audit.count()
            partners = uow.partners.all()
        agreements: dict[str, int] = {state.value: 0 for state in AgreementState}
        for agreement in held:
            agreements[agreement.state(now).value] += 1
        return NodeFigures(
            at=now,
            sync=self._sync.overview(),
            outbox=outbox,
            hits=hits,
            adapters=self._matching.adapters(),
            lists=self._matching.counts(),
            agreements=agreements,
            own_entries=own_entries,
            entries_due_for_review=due,
            entries_expiring=expiring,
            expiry_warning=self._expiry_warning,
            open_confirmations=self._confirmations.open_count(),
            confirmations_near_deadline=self._confirmations.near_deadline(),
            confirmation_warning=self._confirmations.warning,
            audit_records=audit_records,
            outbox_kinds=outbox_kinds,
            pending_agreements=sum(a.pending is not None for a in held),
            stale_after=self._sync.stale_after,
            lists_skipped=self._matching.skipped,
            certificates=[
                CertificateCheck(c, c.seconds_left(now), c.warning(now, self._certificate_warning))
                for c in self._certificates(partners)
            ],
            certificate_warning=self._certificate_warning,
            streams=self._streams(),
            gate=self._gate.figures() if self._gate is not None else None,
            oblivious=self._oblivious.figures() if self._oblivious is not None else None,
            oblivious_held=(self._matching.held.count, self._matching.held.dropped),
        )

    def _certificates(self, partners: list[Partner]) -> list[CertificateExpiry]:
        """This node's certificate and CA, and each partner's CA or pinned certificate."""
        out = [
            certificate_expiry(self._ctx.node_id, kind, pem)
            if pem is not None
            else CertificateExpiry(self._ctx.node_id, kind, None, "cannot be read")
            for kind, pem in self._own_certificates()
        ]
        for p in sorted(partners, key=lambda p: p.node_id):
            kind = PARTNER_PINNED if p.tls_pin_sha256 else PARTNER_CA
            out.append(certificate_expiry(p.node_id, kind, p.tls_ca_pem))
        return out

    def _streams(self) -> dict[str, tuple[int, int]]:
        slots = []
        if self._gate is not None:
            slots.append(self._gate.feed_streams)
        if self._ingest is not None:
            slots += [self._ingest.watchers, self._ingest.read_streams]
        return {s.caps.kind: (s.open, s.refused) for s in slots}

    def _partner_status(self, partners: list[Partner], f: NodeFigures) -> list[PartnerStatus]:
        """Each partner, health-checked over mutual TLS in parallel, with its sync and
        outbox figures."""
        if not partners:
            return []
        check = self._ctx.federation.check_health
        with ThreadPoolExecutor(max_workers=min(8, len(partners))) as pool:
            problems = list(pool.map(lambda p: check(p, REACH_TIMEOUT_S), partners))
        out = []
        for p, problem in zip(partners, problems, strict=True):
            received = [s for s in f.sync if s.partner == p.node_id and s.role == "recipient"]
            out.append(
                PartnerStatus(
                    node_id=p.node_id,
                    reachable=not problem,
                    problem=problem,
                    sync_lag_changes=sum(s.lag_changes for s in received),
                    entries_held=sum(s.entries for s in received),
                    rejected_batches=sum(s.rejected_batches for s in received),
                    outbox_pending=f.outbox.get((p.node_id, "pending"), 0),
                )
            )
        return out
