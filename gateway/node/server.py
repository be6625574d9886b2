"""Run one node: the federation server (mutual TLS, partners only), the local admin
server (a Unix socket in the node folder), and the background delivery loop."""

from __future__ import annotations

import gc
import os
import signal
import threading
import time
from concurrent import futures
from datetime import timedelta
from pathlib import Path

import grpc
import structlog
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from gateway.domain.errors import IllegalTransition
from gateway.domain.ocr import FuzzyPolicy
from gateway.node.admin_servicer import AdminServicer
from gateway.node.config import NodeConfig, load_config, load_signing_key, load_token_master
from gateway.node.federation_client import GrpcFederationClient
from gateway.node.federation_servicer import FederationServicer
from gateway.node.ingest_servicer import IngestServicer
from gateway.node.isc_servicer import IscServicer
from gateway.node.metrics import serve_metrics
from gateway.node.sync_runner import SyncRunner
from gateway.node.taxii import isc_collection_factory, isc_settings
from gateway.node.tls import server_credentials, server_options
from gateway.node.verifier import ProcessVerifier
from gateway.services.agreements import AgreementService
from gateway.services.alerts import AlertHub
from gateway.services.confirmations import ConfirmationService
from gateway.services.context import SYSTEM, NodeContext
from gateway.services.feed import FeedService
from gateway.services.hits import HitService, HitSettings
from gateway.services.isc import IscService
from gateway.services.matching import MatchingService
from gateway.services.operations import OperationsService
from gateway.services.outbox import OutboxService
from gateway.services.read_history import HttpReadHistory
from gateway.services.sync import SyncService
from gateway.store.database import Database
from gateway.wire.argos.v1 import (
    admin_pb2,
    admin_pb2_grpc,
    federation_pb2,
    federation_pb2_grpc,
    ingest_pb2,
    ingest_pb2_grpc,
    isc_pb2_grpc,
)

log = structlog.get_logger(__name__)

DELIVERY_INTERVAL_S = 1.0
DELIVERY_MAX_BACKOFF_S = 30.0
TICK_INTERVAL_S = 1.0
PROJECT_IDLE_S = 0.5
OUTBOX_IDLE_S = 5.0
DEADLINE_CHECK_S = 1.0


class NodeServer:
    def __init__(self, config: NodeConfig) -> None:
        self.config = config
        self.database = Database(config.db_path)
        self.federation_client = GrpcFederationClient(config)
        self.ctx = NodeContext(
            node_id=config.node_id,
            signing_key=load_signing_key(config),
            database=self.database,
            federation=self.federation_client,
            token_master=load_token_master(config),
            max_review_days=config.max_review_days,
        )
        self.feed = FeedService(self.ctx)
        self.verifier = ProcessVerifier()
        self.sync = SyncService(self.ctx, self.verifier)
        self.sync_runner = SyncRunner(self.sync, self.federation_client)
        self._stop = threading.Event()
        self._outbox_wake = threading.Event()
        self.alerts = AlertHub()
        self.hits = HitService(
            self.ctx,
            self.alerts,
            HitSettings(config.own_hit_retention_days, config.zones, config.default_zone),
            on_queued=self._outbox_wake.set,
        )
        self.matching = MatchingService(
            self.ctx, FuzzyPolicy.from_mapping(config.fuzzy), fuzzy=config.fuzzy_matching
        )
        history = (
            HttpReadHistory(
                config.read_history_url, dict(config.zones), config.default_zone or config.node_id
            )
            if config.read_history_url
            else None
        )
        self.confirmations = ConfirmationService(
            self.ctx,
            self.alerts,
            history,
            on_queued=self._outbox_wake.set,
            warning=timedelta(minutes=config.confirmation_warning_minutes),
        )
        self.outbox = OutboxService.for_node(
            self.ctx, self.federation_client, config.outbox_max_backoff_s
        )
        self.isc = IscService(self.ctx, isc_settings(config), isc_collection_factory(config))
        self.operations = OperationsService(
            self.ctx,
            self.sync,
            self.matching,
            self.confirmations,
            expiry_warning_days=config.expiry_warning_days,
        )
        self._metrics = None
        self._federation: grpc.Server | None = None
        self._admin: grpc.Server | None = None
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        opts = server_options(self.config.max_message_bytes)
        fed = grpc.server(futures.ThreadPoolExecutor(max_workers=32), options=opts)
        self.matching.load()
        federation_pb2_grpc.add_FederationServiceServicer_to_server(
            FederationServicer(self.ctx, self.feed, self.hits, self.confirmations), fed
        )
        fed_health = health.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(fed_health, fed)
        creds = server_credentials(
            self.config, lambda: [p.tls_ca_pem for p in self.ctx.partners.all()]
        )
        port = fed.add_secure_port(self.config.federation_listen, creds)
        if port == 0:
            raise OSError(f"cannot listen on {self.config.federation_listen}")

        admin = grpc.server(futures.ThreadPoolExecutor(max_workers=8), options=opts)
        admin_pb2_grpc.add_AdminServiceServicer_to_server(
            AdminServicer(
                self.ctx,
                self.config.federation_endpoint,
                self.feed,
                self.sync,
                self.hits,
                self.confirmations,
                self.matching,
                self.operations,
            ),
            admin,
        )
        isc_pb2_grpc.add_IscServiceServicer_to_server(IscServicer(self.ctx, self.isc), admin)
        ingest_pb2_grpc.add_IngestServiceServicer_to_server(
            IngestServicer(self.ctx, self.matching, self.hits, self.alerts, self._stop), admin
        )
        admin_health = health.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(admin_health, admin)
        reflection.enable_server_reflection(
            (
                admin_pb2.DESCRIPTOR.services_by_name["AdminService"].full_name,
                ingest_pb2.DESCRIPTOR.services_by_name["IngestService"].full_name,
                health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
                reflection.SERVICE_NAME,
            ),
            admin,
        )
        socket = self.config.admin_socket
        if socket.exists():
            socket.unlink()  # left by a node that was killed
        admin.add_insecure_port(self.config.admin_target)

        fed.start()
        admin.start()
        os.chmod(socket, 0o600)
        for h in (fed_health, admin_health):
            h.set("", health_pb2.HealthCheckResponse.SERVING)
        fed_health.set(
            federation_pb2.DESCRIPTOR.services_by_name["FederationService"].full_name,
            health_pb2.HealthCheckResponse.SERVING,
        )
        self._federation, self._admin = fed, admin
        self._fed_health, self._admin_health = fed_health, admin_health
        for target, name in (
            (self._deliver_loop, "delivery"),
            (self._project_loop, "projector"),
            (self._outbox_loop, "outbox"),
            (self._purge_loop, "retention"),
            (self._deadline_loop, "deadlines"),
            (self._isc_loop, "isc"),
        ):
            worker = threading.Thread(target=target, name=name, daemon=True)
            worker.start()
            self._threads.append(worker)
        self.sync_runner.start()
        if self.config.metrics_port is not None:
            self._metrics = serve_metrics(
                self.config.metrics_address,
                self.config.metrics_port,
                self.config.node_id,
                self.operations,
            )
        log.info(
            "node.started",
            node_id=self.config.node_id,
            federation=self.config.federation_listen,
            key_id=self.ctx.signing_key.key_id,
            metrics_port=self.config.metrics_port,
        )

    def _deliver_loop(self) -> None:
        agreements = AgreementService(self.ctx)
        backoff = DELIVERY_INTERVAL_S
        while not self._stop.wait(backoff):
            try:
                pending = agreements.deliver_status_changes()
                left = len(self.ctx.agreements.undelivered_status_changes())
            except Exception:  # keep delivering whatever one failure was
                log.exception("delivery.failed")
                left = 1
            backoff = DELIVERY_INTERVAL_S if not left else min(backoff * 2, DELIVERY_MAX_BACKOFF_S)
            if pending:
                log.info("delivery.status_changes", delivered=pending)

    def _outbox_loop(self) -> None:
        """Send queued messages as soon as they are queued, and retries when due."""
        while not self._stop.is_set():
            try:
                _, next_due = self.outbox.deliver_due()
            except Exception:  # keep delivering whatever one failure was
                log.exception("outbox.failed")
                next_due = None
                self._stop.wait(DELIVERY_INTERVAL_S)
            wait = OUTBOX_IDLE_S
            if next_due is not None:
                wait = max(0.0, min(wait, (next_due - self.ctx.clock()).total_seconds()))
            self._outbox_wake.wait(wait)
            self._outbox_wake.clear()

    def _purge_loop(self) -> None:
        """Erase hits whose retention has ended."""
        while not self._stop.wait(self.config.purge_interval_s):
            try:
                self.hits.purge()
            except Exception:  # try again next round
                log.exception("retention.failed")

    def _deadline_loop(self) -> None:
        """Expire confirmations past their deadline; escalate those near it."""
        while not self._stop.wait(DEADLINE_CHECK_S):
            try:
                self.confirmations.keep_deadlines()
            except Exception:  # try again next round
                log.exception("deadlines.failed")

    def _isc_loop(self) -> None:
        """On the configured schedule: pull the ISC collection, and publish the last
        complete week's statistics once. Either interval 0 leaves it to the CLI."""
        pull_every = float(self.config.isc.get("pull_interval_s", 0))
        stats_every = float(self.config.isc.get("statistics_interval_s", 0))
        if not self.config.isc.get("collection_url") or not (pull_every or stats_every):
            return
        next_pull = next_stats = time.monotonic()
        while not self._stop.wait(1.0):
            now = time.monotonic()
            if pull_every and now >= next_pull:
                next_pull = now + pull_every
                try:
                    self.isc.pull(SYSTEM)
                except Exception:  # the cursor holds; try again next round
                    log.exception("isc.pull_failed")
            if stats_every and now >= next_stats:
                next_stats = now + stats_every
                try:
                    self.isc.publish_statistics(SYSTEM)
                except IllegalTransition:
                    pass  # this week's statistics are out already
                except Exception:
                    log.exception("isc.statistics_failed")

    def _project_loop(self) -> None:
        """Keep every feed this node provides in step with its entries and clock."""
        last_tick = 0.0
        while not self._stop.is_set():
            try:
                if time.monotonic() - last_tick >= TICK_INTERVAL_S:
                    self.feed.tick()
                    last_tick = time.monotonic()
                done = self.feed.project_all()
            except Exception:  # keep projecting whatever one failure was
                log.exception("projector.failed")
                done = 0
            if not done:
                self.feed.wait_for_entry_changes(PROJECT_IDLE_S)

    def stop(self, grace: float = 5.0) -> None:
        self._stop.set()
        self._outbox_wake.set()
        self.feed.entries_changed()
        self.feed.close()
        self.sync_runner.stop()
        self.verifier.close()
        if self._metrics is not None:
            self._metrics.shutdown()
            self._metrics.server_close()
        for h in (getattr(self, "_fed_health", None), getattr(self, "_admin_health", None)):
            if h is not None:
                h.enter_graceful_shutdown()
        events = [s.stop(grace) for s in (self._federation, self._admin) if s is not None]
        for e in events:
            e.wait()
        self.federation_client.close()
        for t in self._threads:
            t.join(timeout=grace)
        self.database.close()
        log.info("node.stopped", node_id=self.config.node_id)

    def wait(self) -> None:
        self._stop.wait()


# Collect the youngest generation after this many new container objects, not 700.
GC_YOUNG_THRESHOLD = 50_000


def tune_garbage_collector() -> None:
    """A node makes millions of short-lived objects in an import or an initial sync.
    With the default thresholds the collector ran every 700 of them and, each tenth
    time, walked the node's long-lived state (agreements, match index) as well: about
    a third of the time of checking an imported row. Objects alive once the node has
    started are moved out of the collector's way for good (gc.freeze), and young ones
    are collected less often; cycles are still collected, only in bigger rounds."""
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle, old)


def serve(home: Path) -> None:
    """Run the node in the foreground until SIGINT or SIGTERM."""
    node = NodeServer(load_config(home))
    node.start()
    tune_garbage_collector()
    stopping = threading.Event()

    def on_signal(signum, frame) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    stopping.wait()
    node.stop()
