"""The console's one channel to its node's local API (the admin socket), shared by every
request: the stubs of the four services a page may call, each call made with the
signed-in person's session token as its bearer token, never the console's own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import grpc

from gateway.wire.argos.v1 import (
    admin_pb2_grpc,
    ingest_pb2_grpc,
    isc_pb2_grpc,
    sessions_pb2_grpc,
)
from gateway.wire.local_api import bearer, socket_target

STUBS = ("admin", "ingest", "isc", "sessions")


class NodeClient:
    """Blocking calls to the node; web.call runs them off the event loop."""

    def __init__(self, socket: Path, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self.channel = grpc.insecure_channel(socket_target(socket))
        self._stubs: dict[str, Any] = {
            "admin": admin_pb2_grpc.AdminServiceStub(self.channel),
            "ingest": ingest_pb2_grpc.IngestServiceStub(self.channel),
            "isc": isc_pb2_grpc.IscServiceStub(self.channel),
            "sessions": sessions_pb2_grpc.SessionServiceStub(self.channel),
        }

    def method(self, stub: str, method: str) -> Any:
        """The callable of one RPC ('admin', 'ListAlerts'); unknown names are a bug."""
        if stub not in self._stubs:
            raise ValueError(f"no stub {stub!r}: one of {', '.join(STUBS)}")
        return getattr(self._stubs[stub], method)

    def invoke(
        self,
        stub: str,
        method: str,
        message: Any,
        token: str | None,
        timeout: float | None = None,
    ) -> Any:
        """One unary call as the person whose session token this is (none for the two
        log-in steps, which are how a token is obtained)."""
        return self.method(stub, method)(
            message, metadata=bearer(token), timeout=timeout or self.timeout_s
        )

    def stream(self, stub: str, method: str, message: Any, token: str | None) -> Any:
        """A server stream as that person (no deadline; cancel it to end it)."""
        return self.method(stub, method)(message, metadata=bearer(token))

    def close(self) -> None:
        self.channel.close()
