"""The demo's consoles: one `argos console` per port beside its node, and a person per
role at each port with console credentials (a password and a TOTP secret), printed so a
newcomer can sign in and click through the story in a browser. The console tests use
the same people and the same start."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

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


def demo_password(node_id: str) -> str:
    """Every demo person of a port has this one (demo data, printed on purpose): short
    to type from the table, at least 12 characters, never containing a user's name."""
    return f"demo-{node_id}"


def demo_logins(node: LocalNode) -> dict[str, ConsoleLogin]:
    """Create the demo people of `node` (one per role) with console credentials."""
    logins = {}
    for role, user in DEMO_PEOPLE.items():
        node.add_user(user, role)
        password = demo_password(node.node_id)
        # `argos user set-password NAME --new-totp` (the secret left in NAME.totp).
        secret = node.set_console_credentials(user, password)
        secret_file = node.home / f"{user}.totp"
        logins[role] = ConsoleLogin(node.node_id, user, role, password, secret, secret_file)
    return logins


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
    for node in federation.nodes.values():
        try:
            logins = demo_logins(node)
            console = LocalConsole(node)
            console.start()
        except (RuntimeError, OSError) as exc:
            out.print(f"[red]console of {node.node_id} not started: {exc}[/]")
            continue
        started[node.node_id] = console
        table.add_row(node.node_id, console.url, logins["operator"].password)
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
