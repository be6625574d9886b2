"""argos user: the node's local users, their roles and their tokens."""

from __future__ import annotations

from pathlib import Path

import click

from gateway.cli.shared import admin_client, fail, node_command
from gateway.wire.argos.v1 import admin_pb2 as pb

_ROLES = {
    "admin": pb.ROLE_ADMIN,
    "investigator": pb.ROLE_INVESTIGATOR,
    "operator": pb.ROLE_OPERATOR,
    "auditor": pb.ROLE_AUDITOR,
    "adapter": pb.ROLE_ADAPTER,
}


@click.group()
def user() -> None:
    """Local users and their roles."""


@node_command(user, "add")
@click.argument("name")
@click.option("--role", type=click.Choice(list(_ROLES)), required=True)
@click.option(
    "--token-out",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="Write the new user's token to this file (owner-only); it is not shown again.",
)
def user_add(home: Path, token_file: Path | None, name: str, role: str, token_out: Path) -> None:
    """Create a local user with a role."""
    from gateway.node.config import write_private

    if token_out.exists():
        fail(f"{token_out} exists; choose a new file for the token")
    r = admin_client(home, token_file).call(
        "AddUser", pb.AddUserRequest(name=name, role=_ROLES[role])
    )
    write_private(token_out, r.token.encode() + b"\n")
    click.echo(f"user {r.user.name} ({role}) created; token written to {token_out}")


@node_command(user, "list")
def user_list(home: Path, token_file: Path | None) -> None:
    """List local users."""
    r = admin_client(home, token_file).call("ListUsers", pb.ListUsersRequest())
    for u in r.users:
        click.echo(f"{u.name:20} {pb.Role.Name(u.role)[5:].lower()}")
