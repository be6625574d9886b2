"""How the CLI reaches its node: the admin socket in the node folder, the user's token
from a file or the environment (never a command-line argument), and exit codes."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import click
import grpc

from gateway.node.config import ADMIN_TOKEN_FILE, load_config
from gateway.wire.argos.v1 import admin_pb2_grpc, ingest_pb2_grpc, isc_pb2_grpc

# Exit codes scripts can rely on (also in the README).
EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_INVALID = 2
EXIT_DENIED = 3
EXIT_NOT_FOUND = 4
EXIT_REFUSED = 5
EXIT_UNAVAILABLE = 6
EXIT_INTEGRITY = 7

EXIT_FOR_STATUS = {
    grpc.StatusCode.INVALID_ARGUMENT: EXIT_INVALID,
    grpc.StatusCode.RESOURCE_EXHAUSTED: EXIT_INVALID,
    grpc.StatusCode.UNAUTHENTICATED: EXIT_DENIED,
    grpc.StatusCode.PERMISSION_DENIED: EXIT_DENIED,
    grpc.StatusCode.NOT_FOUND: EXIT_NOT_FOUND,
    grpc.StatusCode.ALREADY_EXISTS: EXIT_REFUSED,
    grpc.StatusCode.FAILED_PRECONDITION: EXIT_REFUSED,
    grpc.StatusCode.UNAVAILABLE: EXIT_UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED: EXIT_UNAVAILABLE,
}

ADMIN_CALL_TIMEOUT_S = 30.0


def read_token(home: Path, token_file: Path | None) -> str | None:
    if token_file is not None:
        return token_file.read_text().strip()
    if os.environ.get("ARGOS_TOKEN"):
        return os.environ["ARGOS_TOKEN"].strip()
    default = home / ADMIN_TOKEN_FILE
    return default.read_text().strip() if default.is_file() else None


@dataclass
class AdminClient:
    home: Path
    token: str | None

    def __post_init__(self) -> None:
        config = load_config(self.home)
        self._channel = grpc.insecure_channel(config.admin_target)
        self.stub = admin_pb2_grpc.AdminServiceStub(self._channel)
        self.ingest = ingest_pb2_grpc.IngestServiceStub(self._channel)
        self.isc = isc_pb2_grpc.IscServiceStub(self._channel)
        self.node_id = config.node_id

    @property
    def metadata(self) -> list[tuple[str, str]]:
        return [("authorization", f"Bearer {self.token}")] if self.token else []

    def call(
        self,
        method: str,
        request,
        timeout: float | None = ADMIN_CALL_TIMEOUT_S,
        *,
        wait_s: float = 0.0,
    ):
        """One call; with wait_s, wait that long for a node that is still starting."""
        if wait_s > 0 and timeout is not None:
            timeout += wait_s
        try:
            return getattr(self.stub, method)(
                request, timeout=timeout, metadata=self.metadata, wait_for_ready=wait_s > 0
            )
        except grpc.RpcError as error:
            self.fail(error)

    def call_isc(self, method: str, request, timeout: float | None = ADMIN_CALL_TIMEOUT_S):
        try:
            return getattr(self.isc, method)(request, timeout=timeout, metadata=self.metadata)
        except grpc.RpcError as error:
            self.fail(error)

    def stream(self, method: str, request, timeout: float | None = None):
        """Iterate an ingest stream; a failure exits with its code, as call() does."""
        try:
            yield from getattr(self.ingest, method)(
                request, timeout=timeout, metadata=self.metadata
            )
        except grpc.RpcError as error:
            self.fail(error)

    def fail(self, error: grpc.RpcError) -> NoReturn:
        code = error.code()
        if code is grpc.StatusCode.UNAVAILABLE and "connect" in (error.details() or ""):
            message = f"node {self.node_id} is not running (start it with `argos serve`)"
        else:
            message = error.details() or code.name
        click.echo(f"error: {message}", err=True)
        sys.exit(EXIT_FOR_STATUS.get(code, EXIT_FAILURE))
