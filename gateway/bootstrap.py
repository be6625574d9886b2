"""The one place that builds a node's application: its store, its keys, its partners'
federation API, and every use case wired to them. The node server, the CLI's offline
commands (`argos init`, `argos restore`) and the tests all start here; each may pass
its own store, clock or outside world (a fake federation, an in-process verifier)
instead of the real ones."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from gateway.domain.certificates import OWN_CA, OWN_CERTIFICATE
from gateway.domain.ocr import FuzzyPolicy
from gateway.domain.times import Clock, utc_now
from gateway.node.config import NodeConfig, load_token_master
from gateway.node.federation_client import GrpcFederationClient
from gateway.node.key_folder import KeyFolder
from gateway.node.read_history import HttpReadHistory
from gateway.node.taxii import isc_collection_factory, isc_settings
from gateway.node.tls_identity import NodeTlsIdentity
from gateway.node.token_secrets import FileTokenSecrets
from gateway.services.administration import AdministrationService
from gateway.services.agreements import AgreementService
from gateway.services.alerts import AlertHub
from gateway.services.audit import AuditService
from gateway.services.confirmations import ConfirmationService, ReadHistory
from gateway.services.context import FederationPort, NodeContext
from gateway.services.federation import FederationGate, FederationLimits
from gateway.services.feed import FeedService
from gateway.services.hits import HitService, HitSettings
from gateway.services.hotlist import HotlistService
from gateway.services.ingest import IngestLimits, IngestService
from gateway.services.isc import IscService
from gateway.services.local_export import LocalExportService
from gateway.services.matching import MatchingService
from gateway.services.oblivious import ObliviousEvaluationService
from gateway.services.operations import OperationsService
from gateway.services.outbox import OutboxService
from gateway.services.partner_changes import PartnerChangeService
from gateway.services.partner_keys import PartnerKeyService
from gateway.services.ports import Store
from gateway.services.ports.lease import Lease
from gateway.services.retention import RetentionService
from gateway.services.sessions import SessionService
from gateway.services.signing_keys import SigningKeyService
from gateway.services.sync import SyncService, Verifier, verify_received
from gateway.services.tls import TlsService
from gateway.services.token_rotation import TokenRotationService
from gateway.services.users import UserService
from gateway.store.sqlite import SqliteStore
from gateway.store.sqlite.lease import SqliteLease
from gateway.wire.alerts_codec import notice_body

BACKUP_FOLDER = "backups"


@dataclass
class Application:
    """A node's use cases, ready to be called by any interface."""

    config: NodeConfig
    ctx: NodeContext
    alerts: AlertHub
    administration: AdministrationService
    agreements: AgreementService
    hotlist: HotlistService
    feed: FeedService
    sync: SyncService
    matching: MatchingService
    hits: HitService
    ingest: IngestService
    confirmations: ConfirmationService
    outbox: OutboxService
    isc: IscService
    local_export: LocalExportService
    operations: OperationsService
    gate: FederationGate
    signing_keys: SigningKeyService
    partner_keys: PartnerKeyService
    # Set when a message was queued for a partner: the delivery loop wakes at once.
    outbox_wake: threading.Event
    # Local users and their tokens (who is calling, and the users' lifetime).
    users: UserService
    partner_changes: PartnerChangeService

    # Issue 15: rotation of the plate-token master secret.
    token_rotation: TokenRotationService | None = None
    # Issue 15: the TLS identity served now, and its reload without a restart.
    tls_identity: NodeTlsIdentity | None = None
    tls: TlsService | None = None
    # Issue 16: every retention rule, run by the purge loop, and its report.
    retention: RetentionService | None = None
    # Issue 16: the audit log's retention (erasure behind a signed anchor) and export.
    audit: AuditService | None = None
    # Issue 18: console log-in and the sessions the node holds for the console.
    sessions: SessionService | None = None
    # Issue 20: evaluating partners' blinded readings under oblivious agreements.
    oblivious: ObliviousEvaluationService | None = None

    @property
    def store(self) -> Store:
        return self.ctx.store

    def close(self) -> None:
        self.feed.close()
        try:
            self.ingest.flush_receipts()  # a graceful stop keeps every receipt
        finally:
            self.ctx.store.close()


def open_store(config: NodeConfig, clock: Clock = utc_now) -> Store:
    """The node's store, as its configuration names it."""
    if config.store == "postgresql" and config.postgresql is not None:
        # Imported here: a SQLite node never loads the PostgreSQL driver.
        from gateway.store.postgresql import PostgresStore

        settings = config.postgresql
        return PostgresStore(
            settings.conninfo(), config.node_id, clock, pool_size=settings.pool_size
        )
    return SqliteStore(config.db_path, config.node_id, clock)


def open_lease(config: NodeConfig) -> Lease:
    """The lease that makes one of a port's nodes the active one, on the node's store."""
    if config.store == "postgresql" and config.postgresql is not None:
        from gateway.store.postgresql.lease import PostgresLease

        return PostgresLease(config.postgresql.conninfo(), config.node_id)
    return SqliteLease(config.db_path, config.node_id)


def build_application(
    config: NodeConfig,
    *,
    store: Store | None = None,
    federation: FederationPort | None = None,
    verifier: Verifier = verify_received,
    clock: Clock = utc_now,
    read_history: ReadHistory | None = None,
) -> Application:
    keys = KeyFolder(config)
    tls_identity = _tls_identity(config, clock)
    ctx = NodeContext(
        node_id=config.node_id,
        signing_key=keys.current(),
        own_chain=keys.chain(),
        store=store or open_store(config, clock),
        federation=federation or GrpcFederationClient(config, tls_identity),
        token_master=load_token_master(config),
        max_review_days=config.max_review_days,
        clock=clock,
        token_secrets=FileTokenSecrets.of(config),
    )
    outbox_wake = threading.Event()
    alerts = AlertHub(ctx.store, notice_body, ctx.now, queue_size=config.limits.alert_watcher_queue)
    users = UserService(ctx)
    sessions = SessionService(ctx, users, config.console.policy, config.console.throttle)
    administration = AdministrationService(ctx, users, Path(config.home).resolve() / BACKUP_FOLDER)
    feed = FeedService(ctx)

    def own_list_changed() -> None:
        feed.entries_changed()
        matching.own_changed()

    hotlist = HotlistService(ctx, on_changed=own_list_changed)
    sync = SyncService(
        ctx,
        verifier,
        alerts=alerts,
        stale_after_s=config.stale_feed_after_s,
        stop_matching_when_stale=config.stale_feed_action == "stop_matching",
    )
    matching = MatchingService(
        ctx, FuzzyPolicy.from_mapping(config.fuzzy), fuzzy=config.fuzzy_matching
    )
    if sync.stop_matching_when_stale:
        sync.on_stale.append(matching.skip_lists)
    hits = HitService(
        ctx,
        alerts,
        HitSettings(config.own_hit_retention_days, config.zones, config.default_zone),
        on_queued=outbox_wake.set,
    )
    matching.late_hits = hits.record  # reads that waited for an oblivious list's owner
    if read_history is None and config.read_history_url:
        read_history = HttpReadHistory(
            config.read_history_url,
            dict(config.zones),
            config.default_zone or config.node_id,
            secret_file=config.read_history_secret_file,
        )
    confirmations = ConfirmationService(
        ctx,
        alerts,
        read_history,
        on_queued=outbox_wake.set,
        warning=timedelta(minutes=config.confirmation_warning_minutes),
    )
    limits = config.limits
    gate = FederationGate(
        ctx,
        administration,
        FederationLimits(
            calls_per_s=limits.partner_calls_per_s,
            call_burst=limits.partner_call_burst,
            feed_streams=limits.federation_streams,
            feed_streams_per_partner=limits.feed_streams_per_partner,
            refusal_records_per_minute=limits.refusal_records_per_minute,
            refusal_record_burst=limits.refusal_record_burst,
            refusal_summary_interval_s=limits.refusal_summary_interval_s,
        ),
    )
    ingest = IngestService(
        ctx,
        matching,
        hits,
        alerts,
        IngestLimits(
            alert_watchers=limits.alert_watchers,
            alert_watchers_per_role=limits.alert_watchers_per_role,
            alert_watchers_per_user=limits.alert_watchers_per_user,
            read_streams=limits.read_streams,
            read_streams_per_user=limits.read_streams_per_user,
        ),
    )
    audit = AuditService(ctx, config.audit_retention_days)
    oblivious = ObliviousEvaluationService(ctx, feed)
    return Application(
        config=config,
        ctx=ctx,
        alerts=alerts,
        administration=administration,
        agreements=AgreementService(ctx),
        hotlist=hotlist,
        feed=feed,
        sync=sync,
        matching=matching,
        hits=hits,
        ingest=ingest,
        confirmations=confirmations,
        outbox=OutboxService.for_node(ctx, ctx.federation, config.outbox_max_backoff_s),
        isc=IscService(ctx, isc_settings(config), isc_collection_factory(config), hotlist),
        local_export=LocalExportService(ctx),
        operations=OperationsService(
            ctx,
            sync,
            matching,
            confirmations,
            expiry_warning_days=config.expiry_warning_days,
            gate=gate,
            ingest=ingest,
            oblivious=oblivious,
            own_certificates=lambda: [
                (
                    OWN_CERTIFICATE,
                    tls_identity.current.cert_pem
                    if tls_identity is not None
                    else _read_or_none(config.tls_cert),
                ),
                (OWN_CA, _read_or_none(config.tls_ca)),
            ],
            certificate_warning_days=config.certificate_warning_days,
            backup_warning_days=config.backup_warning_days,
        ),
        gate=gate,
        signing_keys=SigningKeyService(ctx, keys, on_queued=outbox_wake.set),
        partner_keys=PartnerKeyService(ctx),
        outbox_wake=outbox_wake,
        users=users,
        partner_changes=PartnerChangeService(ctx, administration, on_queued=outbox_wake.set),
        token_rotation=TokenRotationService(ctx, feed),
        tls_identity=tls_identity,
        tls=TlsService(ctx, tls_identity) if tls_identity is not None else None,
        retention=RetentionService(ctx, hits, config.retention, audit_purge=audit.purge),
        audit=audit,
        sessions=sessions,
        oblivious=oblivious,
    )


def _tls_identity(config: NodeConfig, clock: Clock) -> NodeTlsIdentity | None:
    """The identity to serve; None where its files are missing (offline commands)."""
    try:
        return NodeTlsIdentity(config, clock)
    except OSError:
        return None


def _read_or_none(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None
