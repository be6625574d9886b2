"""How the CLI reaches its node: the admin socket in the node folder, the user's token
from a file or the environment (never a command-line argument), and exit codes."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import click
import grpc

from gateway.node.config import ADMIN_TOKEN_FILE, load_config
from gateway.wire import local_api
from gateway.wire.local_api import LocalApi

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
    """The user's token: the named file, else $ARGOS_TOKEN, else the node folder's
    admin.token (None when there is none)."""
    return local_api.read_token(token_file, default=home / ADMIN_TOKEN_FILE)


@dataclass
class AdminClient:
    """The running node of `home`, reached over its admin socket as the user whose token
    this is. Every failure exits the command with its exit code and the node's message."""

    home: Path
    token: str | None

    def __post_init__(self) -> None:
        config = load_config(self.home)
        self._api = LocalApi(config.admin_socket, self.token)
        self._socket = str(config.admin_socket)
        self.node_id = config.node_id

    # The stubs of the node's services, each made when a command first uses it.
    @property
    def stub(self) -> Any:
        return self._api.admin

    @property
    def ingest(self) -> Any:
        return self._api.ingest

    @property
    def isc(self) -> Any:
        return self._api.isc

    @property
    def sessions(self) -> Any:
        return self._api.sessions

    @property
    def metadata(self) -> list[tuple[str, str]]:
        return self._api.metadata

    def call(
        self,
        method: str,
        request: Any,
        timeout: float | None = ADMIN_CALL_TIMEOUT_S,
        *,
        wait_s: float = 0.0,
    ) -> Any:
        """One admin call; with wait_s, wait that long for a node that is still starting."""
        if wait_s > 0 and timeout is not None:
            timeout += wait_s
        try:
            return getattr(self.stub, method)(
                request, timeout=timeout, metadata=self.metadata, wait_for_ready=wait_s > 0
            )
        except grpc.RpcError as error:
            self.fail(error)

    def call_isc(
        self, method: str, request: Any, timeout: float | None = ADMIN_CALL_TIMEOUT_S
    ) -> Any:
        """One call to the node's ISC service."""
        return self._unary(self.isc, method, request, timeout)

    def call_sessions(
        self, method: str, request: Any, timeout: float | None = ADMIN_CALL_TIMEOUT_S
    ) -> Any:
        """One call to the node's SessionService (console sessions and credentials)."""
        return self._unary(self.sessions, method, request, timeout)

    def call_ingest(
        self, method: str, request: Any, timeout: float | None = ADMIN_CALL_TIMEOUT_S
    ) -> Any:
        """One unary call to the node's IngestService (marking an alert)."""
        return self._unary(self.ingest, method, request, timeout)

    def _unary(self, stub: Any, method: str, request: Any, timeout: float | None) -> Any:
        try:
            return getattr(stub, method)(request, timeout=timeout, metadata=self.metadata)
        except grpc.RpcError as error:
            self.fail(error)

    def stream(self, method: str, request: Any, timeout: float | None = None) -> Iterator[Any]:
        """Iterate an ingest stream; a failure exits with its code, as call() does."""
        try:
            yield from getattr(self.ingest, method)(
                request, timeout=timeout, metadata=self.metadata
            )
        except grpc.RpcError as error:
            self.fail(error)

    def fail(self, error: grpc.RpcError) -> NoReturn:
        code = error.code()
        details = error.details() or ""
        # Only a failure to reach this node's own socket means it is not running; the
        # node relays a partner it could not reach as UNAVAILABLE too ("be-gent could
        # not be reached: failed to connect ..."), which must be shown as it is.
        if code is grpc.StatusCode.UNAVAILABLE and self._socket in details:
            message = f"node {self.node_id} is not running (start it with `argos serve`)"
        else:
            message = error.details() or code.name
        click.echo(f"error: {message}", err=True)
        sys.exit(EXIT_FOR_STATUS.get(code, EXIT_FAILURE))
