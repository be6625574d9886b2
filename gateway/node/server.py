"""Run one node: the federation server (mutual TLS, partners only), the local admin
server (a Unix socket in the node folder), and the background loops.

Each server serves a call on a thread of its own pool, and a stream keeps its thread:
the pools are sized, and long streams capped below them, in [limits] (see
gateway.node.config.LimitsConfig for the numbers and why)."""

from __future__ import annotations

import gc
import os
import signal
import socket
import threading
import time
from concurrent import futures
from pathlib import Path

import grpc
import structlog
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from gateway.bootstrap import Application, build_application, open_lease
from gateway.domain.errors import ArgosError, IllegalTransition
from gateway.domain.retry import Backoff
from gateway.node.admin_servicer import AdminServicer
from gateway.node.config import NodeConfig, load_config
from gateway.node.federation_client import GrpcFederationClient
from gateway.node.federation_servicer import FederationServicer
from gateway.node.ingest_servicer import IngestServicer
from gateway.node.isc_servicer import IscServicer
from gateway.node.metrics import serve_metrics
from gateway.node.partners_only import PartnersOnly
from gateway.node.session_servicer import SessionServicer
from gateway.node.standby import LeaseWatch, exit_lease_lost, wait_as_standby
from gateway.node.sync_runner import SyncRunner
from gateway.node.tls import server_credentials, server_options
from gateway.node.tls_identity import NodeTlsIdentity
from gateway.node.verifier import ProcessVerifier
from gateway.services.context import SYSTEM
from gateway.wire.argos.v1 import (
    admin_pb2,
    admin_pb2_grpc,
    federation_pb2,
    federation_pb2_grpc,
    ingest_pb2,
    ingest_pb2_grpc,
    isc_pb2_grpc,
    sessions_pb2,
    sessions_pb2_grpc,
)

log = structlog.get_logger(__name__)

DELIVERY_INTERVAL_S = 1.0
DELIVERY_MAX_BACKOFF_S = 30.0
TICK_INTERVAL_S = 1.0
PROJECT_IDLE_S = 0.5
OUTBOX_IDLE_S = 5.0
DEADLINE_CHECK_S = 1.0
RECEIPT_FLUSH_S = 1.0
FRESHNESS_CHECK_S = 1.0


class NodeServer:
    def __init__(self, config: NodeConfig) -> None:
        self.config = config
        self.federation_client = GrpcFederationClient(config)
        self.verifier = ProcessVerifier()
        self.app: Application = build_application(
            config, federation=self.federation_client, verifier=self.verifier
        )
        # Outbound channels present the identity served now (renewed by a reload).
        self.federation_client.identity = self.app.tls_identity
        self.ctx = self.app.ctx
        self.sync_runner = SyncRunner(self.app.sync, self.federation_client)
        # Refused partner endpoints are audited; a partner's changed trust drops its channel.
        self.federation_client.on_identity_refused = self.app.gate.partner_server_refused
        self.app.administration.on_partner_changed.append(self.federation_client.forget)
        self._stop = threading.Event()
        self._metrics = None
        self._federation: grpc.Server | None = None
        self._admin: grpc.Server | None = None
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        opts = server_options(self.config.max_message_bytes)
        limits = self.config.limits
        fed = grpc.server(
            futures.ThreadPoolExecutor(limits.federation_workers, "federation"),
            options=opts,
            interceptors=[PartnersOnly(self.app.gate)],  # first: strangers get no further
        )
        self.app.matching.load()
        # Before any read is matched: a list whose feed went stale while the node was
        # down is set aside from the start (with stale_feed_action = "stop_matching").
        self.app.sync.check_freshness()
        federation_pb2_grpc.add_FederationServiceServicer_to_server(
            FederationServicer(self.app), fed
        )
        fed_health = health.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(fed_health, fed)
        creds = server_credentials(
            self.config, self._partner_cas, self.app.tls_identity or NodeTlsIdentity(self.config)
        )
        _listen(fed, self.config.federation_listen, creds, max(5.0, 3 * self.config.lease_check_s))

        admin = grpc.server(futures.ThreadPoolExecutor(limits.admin_workers, "admin"), options=opts)
        admin_pb2_grpc.add_AdminServiceServicer_to_server(AdminServicer(self.app), admin)
        isc_pb2_grpc.add_IscServiceServicer_to_server(IscServicer(self.app), admin)
        # Issue 18: the console's log-in and sessions, beside AdminService.
        sessions_pb2_grpc.add_SessionServiceServicer_to_server(SessionServicer(self.app), admin)
        ingest_pb2_grpc.add_IngestServiceServicer_to_server(
            IngestServicer(self.app, self._stop), admin
        )
        admin_health = health.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(admin_health, admin)
        reflection.enable_server_reflection(
            (
                admin_pb2.DESCRIPTOR.services_by_name["AdminService"].full_name,
                ingest_pb2.DESCRIPTOR.services_by_name["IngestService"].full_name,
                sessions_pb2.DESCRIPTOR.services_by_name["SessionService"].full_name,
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
            (self._receipts_loop, "receipts"),
            (self._isc_loop, "isc"),
            (self._watch_loop, "watch"),
            (self._tls_watch_loop, "tls-watch"),
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
                self.app.operations,
            )
        log.info(
            "node.started",
            node_id=self.config.node_id,
            federation=self.config.federation_listen,
            key_id=self.ctx.signing_key.key_id,
            metrics_port=self.config.metrics_port,
        )

    def _partner_cas(self) -> list[str]:
        with self.app.store.read() as uow:
            return [p.tls_ca_pem for p in uow.partners.all()]

    def _deliver_loop(self) -> None:
        agreements = self.app.agreements
        backoff = Backoff(DELIVERY_INTERVAL_S, DELIVERY_MAX_BACKOFF_S)
        wait = DELIVERY_INTERVAL_S
        while not self._stop.wait(wait):
            try:
                pending = agreements.deliver_status_changes()
                left = agreements.undelivered_status_changes()
            except Exception:  # keep delivering whatever one failure was
                log.exception("delivery.failed")
                left = 1
            if left:
                wait = backoff.next()
            else:
                backoff.reset()
                wait = DELIVERY_INTERVAL_S
            if pending:
                log.info("delivery.status_changes", delivered=pending)

    def _outbox_loop(self) -> None:
        """Send queued messages as soon as they are queued, and retries when due."""
        wake = self.app.outbox_wake
        while not self._stop.is_set():
            try:
                _, next_due = self.app.outbox.deliver_due()
            except Exception:  # keep delivering whatever one failure was
                log.exception("outbox.failed")
                next_due = None
                self._stop.wait(DELIVERY_INTERVAL_S)
            wait = OUTBOX_IDLE_S
            if next_due is not None:
                wait = max(0.0, min(wait, (next_due - self.ctx.now()).total_seconds()))
            wake.wait(wait)
            wake.clear()

    def _purge_loop(self) -> None:
        """Erase every record whose retention has ended (each rule, every round; the
        audit log's last, behind its signed anchor)."""
        while not self._stop.wait(self.config.purge_interval_s):
            try:
                if self.app.retention is not None:
                    self.app.retention.purge()
                else:
                    self.app.hits.purge()
            except Exception:  # try again next round
                log.exception("retention.failed")

    def _receipts_loop(self) -> None:
        """Write the receipts of batches without hits held in memory, once a second
        (gateway.services.receipts: what a kill loses, and why that is safe)."""
        while not self._stop.wait(RECEIPT_FLUSH_S):
            try:
                self.app.ingest.flush_receipts()
            except Exception:  # try again next tick
                log.exception("receipts.flush_failed")

    def _deadline_loop(self) -> None:
        """Expire confirmations past their deadline; escalate those near it."""
        while not self._stop.wait(DEADLINE_CHECK_S):
            try:
                self.app.confirmations.keep_deadlines()
            except Exception:  # try again next round
                log.exception("deadlines.failed")

    def _watch_loop(self) -> None:
        """Notice feeds gone stale (or fresh again), and sum up refusals counted past
        each partner's rate into their audit record."""
        while not self._stop.wait(FRESHNESS_CHECK_S):
            try:
                self.app.sync.check_freshness()
            except Exception:  # try again next round
                log.exception("freshness.failed")
            try:
                self.app.gate.summarise_refusals()
            except Exception:
                log.exception("refusals.summary_failed")
            try:  # and the local users' refused tokens
                self.app.users.summarise_refusals()
            except Exception:
                log.exception("refusals.summary_failed")
            try:  # and the console's throttled log-ins and refused sessions
                if self.app.sessions is not None:
                    self.app.sessions.summarise_refusals()
            except Exception:
                log.exception("refusals.summary_failed")

    def _tls_watch_loop(self) -> None:
        """With tls_reload_check_s: reload the TLS identity when its files change on
        disk. A refused pair is audited once per content, then left until it changes."""
        every, tls = self.config.tls_reload_check_s, self.app.tls
        if not every or tls is None or self.app.tls_identity is None:
            return
        seen = self.app.tls_identity.current.cert_pem + self.app.tls_identity.current.key_pem
        while not self._stop.wait(every):
            try:
                on_disk = self.config.tls_cert.read_bytes() + self.config.tls_key.read_bytes()
            except OSError:
                continue  # mid-write; look again next round
            if on_disk == seen:
                continue
            seen = on_disk
            try:
                tls.reload(SYSTEM)
            except ArgosError:
                pass  # audited as tls.reload_refused; the old identity stays served
            except Exception:
                log.exception("tls.reload_failed")

    def _isc_loop(self) -> None:
        """On the configured schedule: pull the ISC collection, and publish the last
        complete week's statistics once. Either interval 0 leaves it to the CLI."""
        pull_every = self.config.isc.pull_interval_s
        stats_every = self.config.isc.statistics_interval_s
        if not self.config.isc.collection_url or not (pull_every or stats_every):
            return
        next_pull = next_stats = time.monotonic()
        while not self._stop.wait(1.0):
            now = time.monotonic()
            if pull_every and now >= next_pull:
                next_pull = now + pull_every
                try:
                    self.app.isc.pull(SYSTEM)
                except Exception:  # the cursor holds; try again next round
                    log.exception("isc.pull_failed")
            if stats_every and now >= next_stats:
                next_stats = now + stats_every
                try:
                    self.app.isc.publish_statistics(SYSTEM)
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
                    self.app.feed.tick()
                    if self.app.token_rotation is not None:
                        self.app.token_rotation.retire_due()  # token overlaps that ended
                    last_tick = time.monotonic()
                done = self.app.feed.project_all()
            except Exception:  # keep projecting whatever one failure was
                log.exception("projector.failed")
                done = 0
            if not done:
                self.app.feed.wait_for_entry_changes(PROJECT_IDLE_S)

    def stop(self, grace: float = 5.0) -> None:
        self._stop.set()
        self.app.outbox_wake.set()
        self.app.feed.entries_changed()
        self.app.feed.close()
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
        try:
            self.app.gate.summarise_refusals(everything=True)
            self.app.users.summarise_refusals(everything=True)
            if self.app.sessions is not None:
                self.app.sessions.summarise_refusals(everything=True)
        except Exception:  # the node stops all the same
            log.exception("refusals.summary_failed")
        self.app.close()
        log.info("node.stopped", node_id=self.config.node_id)

    def wait(self) -> None:
        self._stop.wait()

    def abandon(self) -> None:
        """Stop serving at once, without the graceful stop's writes: the lease is lost
        and another node may be active (gateway.node.standby.exit_lease_lost)."""
        self._stop.set()
        for server in (self._federation, self._admin):
            if server is not None:
                server.stop(None)  # aborts every call now; does not wait


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


def _listen(
    server: grpc.Server, address: str, creds: grpc.ServerCredentials, wait_s: float
) -> None:
    """Bind the federation address, waiting up to `wait_s` while it is in use: a node
    taking over from an active node that lost its lease may get there before that node
    has seen the loss and let the address go (it checks every lease_check_s). The wait
    probes with a socket of its own: a gRPC server that failed to bind once does not
    bind on a later try, even to a free address."""
    deadline = time.monotonic() + wait_s
    told = False
    while not _address_free(address) and time.monotonic() < deadline:
        if not told:
            log.warning("federation.address_in_use", address=address, waiting_s=wait_s)
            told = True
        time.sleep(0.2)
    try:
        if server.add_secure_port(address, creds):
            return
    except RuntimeError:  # grpc's "Failed to bind"
        pass
    raise OSError(
        f"cannot listen on {address}: the address is in use (another process, or a "
        "node of this port that is still active) or not this host's"
    )


def _address_free(address: str) -> bool:
    """Whether a listening socket could bind `address` now (as gRPC binds it: with
    SO_REUSEADDR, so connections still closing do not count)."""
    host, _, port = address.rpartition(":")
    try:
        family, kind, proto, _, where = socket.getaddrinfo(
            host.strip("[]") or None, int(port), type=socket.SOCK_STREAM
        )[0]
    except (OSError, ValueError):
        return True  # let gRPC say what is wrong with it
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(where)
        except OSError:
            return False
    return True


def serve(home: Path) -> None:
    """Run the node in the foreground until SIGINT or SIGTERM: as the active node once it
    holds the lease, as the standby until then (gateway.node.standby)."""
    config = load_config(home)
    lease = open_lease(config)
    stopping = threading.Event()

    def on_signal(signum, frame) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    if not lease.try_acquire() and not wait_as_standby(config, lease, stopping):
        return  # stopped while the standby
    try:
        # Built only now: the database as the last active node left it.
        node = NodeServer(config)
        node.start()
    except BaseException:
        lease.release()
        raise
    tune_garbage_collector()
    watch = LeaseWatch(
        lease, config.lease_check_s, lambda: exit_lease_lost(config.node_id, node.abandon)
    )
    watch.start()
    stopping.wait()
    watch.stop()
    try:
        node.stop()
    finally:
        lease.release()
