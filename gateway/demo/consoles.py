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


def demo_password(role: str, node_id: str) -> str:
    # Not the user's name (the node refuses that), easy to type from the table.
    return f"demo-{role}-{node_id}"


def demo_logins(node: LocalNode) -> dict[str, ConsoleLogin]:
    """Create the demo people of `node` (one per role) with console credentials."""
    logins = {}
    for role, user in DEMO_PEOPLE.items():
        node.add_user(user, role)
        password = demo_password(role, node.node_id)
        # `argos user set-password NAME --new-totp` (the secret left in NAME.totp).
        secret = node.set_console_credentials(user, password)
        secret_file = node.home / f"{user}.totp"
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
                f"{sys.executable} -m gateway user totp-code --secret-file {login.secret_file}",
            )
    if started:
        out.print(table)
        out.print(
            "The browser warns about the dev certificate: trust certs-dev/out/ca.pem, or "
            "accept it once. An authenticator app takes the secret in each user's .totp "
            "file instead of the command."
        )
    return started
