"""Active or standby: which of a port's two `argos serve` processes serves partners.

Both share one database; the lease (gateway.services.ports.lease) says which one is
active. A node that cannot take it is the standby: it serves nothing to partners (no
federation listener, no background loop: nothing that must happen once), answers on its
admin socket that it is waiting, and tries again every lease_check_s. The active node
checks its lease as often and, the moment it is gone, stops serving and exits with
EXIT_LEASE_LOST, so there are never two actives; its supervisor restarts it, as a
standby."""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import threading
import time
from collections.abc import Callable
from concurrent import futures

import grpc
import structlog
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from gateway.node.config import NodeConfig
from gateway.services.ports.lease import Lease

log = structlog.get_logger(__name__)

# EX_TEMPFAIL: the node ran fine and stopped because another one is active now.
EXIT_LEASE_LOST = 75
# A standby asks who holds the lease at most this often (each ask is a connection).
HOLDER_REFRESH_S = 30.0


class _Waiting(grpc.GenericRpcHandler):
    """Every call but Health: UNAVAILABLE, saying this node is the standby."""

    def __init__(self, message: Callable[[], str]) -> None:
        self._message = message

    def service(self, handler_call_details: grpc.HandlerCallDetails) -> grpc.RpcMethodHandler:
        def refuse(request: bytes, context: grpc.ServicerContext) -> None:
            context.abort(grpc.StatusCode.UNAVAILABLE, self._message())

        return grpc.unary_unary_rpc_method_handler(refuse)


class StandbySocket:
    """The admin socket of a waiting node: Health answers NOT_SERVING, every other call
    'standby, waiting for the lease'. Left alone when a live node already answers on
    that path (two processes of one SQLite home share one folder: the socket is the
    active node's)."""

    def __init__(self, config: NodeConfig, holder: Callable[[], str | None]) -> None:
        self.config = config
        self._holder = holder
        self._server: grpc.Server | None = None

    def message(self) -> str:
        held = self._holder()
        by = f" (held by {held})" if held else ""
        return f"node {self.config.node_id} is the standby, waiting for the lease{by}"

    def start(self) -> bool:
        path = self.config.admin_socket
        if _answers(path):
            return False
        if path.exists():
            path.unlink()  # left by a node that was killed
        server = grpc.server(futures.ThreadPoolExecutor(2, "standby-admin"))
        health_servicer = health.HealthServicer()
        health_servicer.set("", health_pb2.HealthCheckResponse.NOT_SERVING)
        health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
        server.add_generic_rpc_handlers((_Waiting(self.message),))
        server.add_insecure_port(self.config.admin_target)
        server.start()
        os.chmod(path, 0o600)
        self._server = server
        return True

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop(None).wait()
            self._server = None


def _answers(path: os.PathLike) -> bool:
    """Whether a process accepts connections on this Unix socket now."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(1.0)
        try:
            probe.connect(os.fspath(path))
        except OSError:
            return False
    return True


def wait_as_standby(config: NodeConfig, lease: Lease, stopping: threading.Event) -> bool:
    """Wait until this node takes the lease (True) or is told to stop (False)."""
    holder = _CachedHolder(lease)
    log.info(
        "node.standby",
        node_id=config.node_id,
        holder=holder(),
        federation=config.federation_listen,
        lease_check_s=config.lease_check_s,
    )
    admin = StandbySocket(config, holder)
    admin.start()
    try:
        while not stopping.wait(config.lease_check_s):
            if lease.try_acquire():
                log.info("node.lease_taken", node_id=config.node_id)
                return True
        return False
    finally:
        admin.stop()


class _CachedHolder:
    def __init__(self, lease: Lease) -> None:
        self._lease = lease
        self._value: str | None = None
        self._at = float("-inf")
        self._lock = threading.Lock()

    def __call__(self) -> str | None:
        with self._lock:
            if time.monotonic() - self._at >= HOLDER_REFRESH_S:
                self._value = self._lease.holder()
                self._at = time.monotonic()
            return self._value


class LeaseWatch:
    """The active node's check that it still holds the lease, every lease_check_s;
    `on_lost` runs once, on this watch's thread, when it does not."""

    def __init__(self, lease: Lease, every_s: float, on_lost: Callable[[], None]) -> None:
        self._lease = lease
        self._every = every_s
        self._on_lost = on_lost
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lease-watch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self._every + 10)

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            try:
                held = self._lease.still_held()
            except Exception:  # a check that cannot answer is a lost lease
                log.exception("lease.check_failed")
                held = False
            if not held and not self._stop.is_set():
                self._on_lost()
                return


def exit_lease_lost(node_id: str, stop_serving: Callable[[], None]) -> None:
    """Stop being active at once: no listener, no loop, no further write. The process
    exits without the graceful stop (which would write receipts and summaries) because
    another node may be active already; what was in flight is lost as in a crash."""
    log.critical(
        "node.lease_lost",
        node_id=node_id,
        action="stopping now; a supervisor restarts this node as the standby",
        exit_code=EXIT_LEASE_LOST,
    )
    try:
        stop_serving()
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):  # exiting regardless
                stream.flush()
        os._exit(EXIT_LEASE_LOST)
