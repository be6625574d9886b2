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
from gateway.node.config import ADMIN_SOCKET, ADMIN_TOKEN_FILE, write_private
from gateway.wire.argos.v1 import admin_pb2 as pb
from gateway.wire.argos.v1 import sessions_pb2, sessions_pb2_grpc
from gateway.wire.local_api import LocalApi

ROLES = {
    "admin": pb.ROLE_ADMIN,
    "investigator": pb.ROLE_INVESTIGATOR,
    "operator": pb.ROLE_OPERATOR,
    "auditor": pb.ROLE_AUDITOR,
}

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
    # The secret in an owner-only file, for `argos user totp-code --secret-file FILE`.
    secret_file: Path


def demo_password(node_id: str) -> str:
    """Every demo person of a port has this one (demo data, printed on purpose): short
    to type from the table, at least 12 characters, never containing a user's name."""
    return f"demo-{node_id}"


def give_console_login(
    api: LocalApi, home: Path, node_id: str, user: str, role: str, password: str
) -> ConsoleLogin:
    """Add `user` with `role` and console credentials, as the node's admin over its
    local API (what `argos user add` and `argos user set-password --new-totp` do, without
    two processes per person); the TOTP secret is also left in home/USER.totp."""
    added = api.admin.AddUser(
        pb.AddUserRequest(name=user, role=ROLES[role]), metadata=api.metadata, timeout=30
    )
    # The person's CLI token too, where LocalNode.add_user leaves it (home/USER.token).
    write_private(home / f"{user}.token", added.token.encode() + b"\n")
    reply = sessions_pb2_grpc.SessionServiceStub(api.channel).SetConsoleCredentials(
        sessions_pb2.SetConsoleCredentialsRequest(
            user=user, password=password, new_totp_secret=True
        ),
        metadata=api.metadata,
        timeout=30,
    )
    secret_file = home / f"{user}.totp"
    secret_file.unlink(missing_ok=True)
    write_private(secret_file, reply.totp_secret.encode() + b"\n")
    return ConsoleLogin(node_id, user, role, password, reply.totp_secret, secret_file)


def admin_api(node: LocalNode) -> LocalApi:
    """The node's local API as its own admin (the admin.token of its folder)."""
    return LocalApi.with_token_file(node.home / ADMIN_SOCKET, node.home / ADMIN_TOKEN_FILE)


def demo_logins(node: LocalNode) -> dict[str, ConsoleLogin]:
    """Create the demo people of `node` (one per role) with console credentials."""
    with admin_api(node) as api:
        return {
            role: give_console_login(
                api, node.home, node.node_id, user, role, demo_password(node.node_id)
            )
            for role, user in DEMO_PEOPLE.items()
        }


def open_consoles(federation: LocalFederation, out: Console) -> dict[str, LocalConsole]:
    """Start a console per port with its demo people and print how to sign in. A
    console that cannot start is reported and the demo goes on without it."""
    started: dict[str, LocalConsole] = {}
    table = Table(
        title="Consoles: open a URL, sign in as one of its people, then type the code",
        title_justify="left",
    )
    table.add_column("port")
    table.add_column("url", no_wrap=True, min_width=len("https://127.0.0.1:00000"))
    table.add_column("password (every person of the port)", no_wrap=True)
    launched: dict[str, LocalConsole] = {}
    for node in federation.nodes.values():
        try:
            demo_logins(node)
            launched[node.node_id] = console = LocalConsole(node)
            console.launch()
        except (grpc.RpcError, OSError) as exc:
            detail = exc.details() if isinstance(exc, grpc.RpcError) else str(exc)
            out.print(f"[red]console of {node.node_id} not started: {detail}[/]")
    for node_id, console in launched.items():
        try:
            console.wait_ready()
        except RuntimeError as exc:
            out.print(f"[red]console of {node_id} not started: {exc}[/]")
            console.stop()
            continue
        started[node_id] = console
        table.add_row(node_id, console.url, demo_password(node_id))
    if started:
        out.print(table)
        some = next(iter(started.values())).node.home.parent
        people = ", ".join(f"{user} ({role})" for role, user in DEMO_PEOPLE.items())
        out.print(f"People at every port: {people}.")
        out.print(
            f"The code: {_argos()} user totp-code --secret-file {some}/PORT/USER.totp "
            "(or give an authenticator app the secret in that file). The browser warns "
            "about the dev certificate: trust certs-dev/out/ca.pem, or accept it once."
        )
    return started


def _argos() -> str:
    """How to run argos from here: the venv's script beside this Python, if there."""
    script = Path(sys.executable).parent / "argos"
    return str(script) if script.is_file() else f"{sys.executable} -m gateway"
