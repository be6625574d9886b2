"""The demo's consoles: one `argos console` per port beside its node, and a person per
role at each port with console credentials (a password and a TOTP secret), printed so a
newcomer can sign in and click through the story in a browser. The console tests use
the same people and the same start."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import grpc
from rich.console import Console
from rich.table import Table

from gateway.federation import LocalConsole, LocalFederation, LocalNode
from gateway.node.config import ADMIN_TOKEN_FILE, write_private
from gateway.wire.argos.v1 import sessions_pb2, sessions_pb2_grpc
from gateway.wire.local_api import bearer, read_token, socket_target

# One person per role at every port; the node's own `admin` keeps its CLI token.
DEMO_PEOPLE = {"operator": "olga", "investigator": "iris", "admin": "adam", "auditor": "aude"}


@dataclass(frozen=True)
class ConsoleLogin:
    """What a demo person types to sign in (demo data: shown on purpose)."""

    node_id: str
    user: str
    role: str
    password: str
    totp_secret: str
    # The secret in an owner-only file, for `python -m gateway.demo.totp FILE`.
    secret_file: Path


def demo_password(user: str, node_id: str) -> str:
    # Never containing the user name: the node refuses such a password.
    return f"demo-{len(user)}{user[0]}-at-{node_id}"


def set_console_credentials(node: LocalNode, user: str, password: str) -> str:
    """Give `user` a console password and a new TOTP secret, as the node's admin over
    its local API (SessionService.SetConsoleCredentials); return the secret."""
    token = read_token(node.home / ADMIN_TOKEN_FILE)
    with grpc.insecure_channel(socket_target(node.home / "admin.sock")) as channel:
        reply = sessions_pb2_grpc.SessionServiceStub(channel).SetConsoleCredentials(
            sessions_pb2.SetConsoleCredentialsRequest(
                user=user, password=password, new_totp_secret=True
            ),
            metadata=bearer(token),
            timeout=30,
        )
    return reply.totp_secret


def demo_logins(node: LocalNode) -> dict[str, ConsoleLogin]:
    """Create the demo people of `node` (one per role) with console credentials."""
    folder = node.home / "console-users"
    folder.mkdir(mode=0o700, exist_ok=True)
    logins = {}
    for role, user in DEMO_PEOPLE.items():
        node.add_user(user, role)
        password = demo_password(user, node.node_id)
        secret = set_console_credentials(node, user, password)
        secret_file = folder / f"{user}.totp"
        secret_file.unlink(missing_ok=True)
        write_private(secret_file, secret.encode() + b"\n")
        logins[role] = ConsoleLogin(node.node_id, user, role, password, secret, secret_file)
    return logins


def open_consoles(federation: LocalFederation, out: Console) -> dict[str, LocalConsole]:
    """Start a console per port with its demo people and print how to sign in. A
    console that cannot start is reported and the demo goes on without it."""
    started: dict[str, LocalConsole] = {}
    table = Table(title="Consoles: open a URL, sign in, then type the code", title_justify="left")
    for column in ("port", "url", "role", "user", "password", "code: run"):
        table.add_column(column, no_wrap=column in ("url", "password"))
    for node in federation.nodes.values():
        try:
            logins = demo_logins(node)
            console = LocalConsole(node)
            console.start()
        except (grpc.RpcError, RuntimeError, OSError) as exc:
            detail = exc.details() if isinstance(exc, grpc.RpcError) else str(exc)
            out.print(f"[red]console of {node.node_id} not started: {detail}[/]")
            continue
        started[node.node_id] = console
        for login in logins.values():
            table.add_row(
                node.node_id,
                console.url,
                login.role,
                login.user,
                login.password,
                f"{sys.executable} -m gateway.demo.totp {login.secret_file}",
            )
    if started:
        out.print(table)
        out.print(
            "The browser warns about the dev certificate: trust certs-dev/out/ca.pem, or "
            "accept it once. An authenticator app takes the secret in each "
            "console-users/*.totp file instead of the command."
        )
    return started
