"""How a program beside the node reaches its local API (the admin socket): the CLI,
the adapters and the test harness all open the channel and present the user's bearer
token here, and nowhere else. The token is read from a file or the environment, never
from a command-line argument, and never logged."""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import Any

import grpc

TOKEN_ENV = "ARGOS_TOKEN"


def socket_target(socket: Path) -> str:
    return f"unix://{Path(socket).resolve()}"


def bearer(token: str | None) -> list[tuple[str, str]]:
    """The call metadata that carries a user's token (none without one)."""
    return [("authorization", f"Bearer {token}")] if token else []


def token_from(header: str) -> str | None:
    """The node's side of bearer(): the token in an authorization header, or None."""
    return header[len("Bearer ") :] if header.startswith("Bearer ") else None


def read_token(token_file: Path | None, *, default: Path | None = None) -> str | None:
    """The user's token: the named file, else $ARGOS_TOKEN, else the default file."""
    if token_file is not None:
        return Path(token_file).read_text().strip()
    if os.environ.get(TOKEN_ENV):
        return os.environ[TOKEN_ENV].strip()
    if default is not None and default.is_file():
        return default.read_text().strip()
    return None


class LocalApi:
    """One channel to the node's admin socket and the stubs of its services.

    Each stub is made (and its generated module imported) when first used: a CLI
    command is a process of its own that asks one service, and the four modules cost
    every such process their import."""

    def __init__(self, socket: Path, token: str | None) -> None:
        self.metadata = bearer(token)
        self.channel = grpc.insecure_channel(socket_target(socket))

    @cached_property
    def admin(self) -> Any:
        from gateway.wire.argos.v1 import admin_pb2_grpc

        return admin_pb2_grpc.AdminServiceStub(self.channel)

    @cached_property
    def ingest(self) -> Any:
        from gateway.wire.argos.v1 import ingest_pb2_grpc

        return ingest_pb2_grpc.IngestServiceStub(self.channel)

    @cached_property
    def isc(self) -> Any:
        from gateway.wire.argos.v1 import isc_pb2_grpc

        return isc_pb2_grpc.IscServiceStub(self.channel)

    @cached_property
    def sessions(self) -> Any:
        from gateway.wire.argos.v1 import sessions_pb2_grpc

        return sessions_pb2_grpc.SessionServiceStub(self.channel)

    @classmethod
    def with_token_file(cls, socket: Path, token_file: Path) -> LocalApi:
        return cls(socket, read_token(token_file))

    def close(self) -> None:
        self.channel.close()

    def __enter__(self) -> LocalApi:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
