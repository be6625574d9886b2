"""argos user: the node's local users, their roles, their tokens and their standing over
time (disable, enable, a new token, removal for good)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import click

from gateway.cli.importing import parse_timestamp
from gateway.cli.shared import admin_client, echo_json, echo_list, fail, json_option, node_command
from gateway.wire.argos.v1 import admin_pb2 as pb

_ROLES = {
    "admin": pb.ROLE_ADMIN,
    "investigator": pb.ROLE_INVESTIGATOR,
    "operator": pb.ROLE_OPERATOR,
    "auditor": pb.ROLE_AUDITOR,
    "adapter": pb.ROLE_ADAPTER,
}
_LIFETIME = re.compile(r"^(\d{1,9})([smhdw])$")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}

expires_option = click.option(
    "--expires",
    default="",
    metavar="90d|TIME",
    help="When the token stops working: a lifetime from now (s, m, h, d or w: 90d, 12h) "
    "or an ISO 8601 time. Left out: the token does not expire.",
)
justification_option = click.option(
    "--justification", default="", help="Why (recorded in the audit log)."
)


def _token_out(fn):
    return click.option(
        "--token-out",
        type=click.Path(path_type=Path, dir_okay=False),
        required=True,
        help="Write the token to this new file (owner-only); it is not shown again.",
    )(fn)


def _expiry(request: Any, text: str) -> None:
    """Fill a request's token_expiry from --expires."""
    if not text:
        return
    lifetime = _LIFETIME.match(text.strip())
    if lifetime:
        request.token_lifetime_s = int(lifetime[1]) * _UNIT_S[lifetime[2]]
        return
    try:
        request.token_expires_at.CopyFrom(parse_timestamp(text))
    except (ValueError, OverflowError):
        fail(f"--expires {text!r} is neither a lifetime (90d, 12h, 30m) nor an ISO 8601 time")


def _check_new_file(token_out: Path) -> None:
    if token_out.exists():
        fail(f"{token_out} exists; choose a new file for the token")


def _write_token(token_out: Path, token: str) -> None:
    from gateway.node.config import write_private

    write_private(token_out, token.encode() + b"\n")


@click.group()
def user() -> None:
    """Local users: their roles, tokens and standing."""


@node_command(user, "add")
@click.argument("name")
@click.option("--role", type=click.Choice(list(_ROLES)), required=True)
@_token_out
@expires_option
def user_add(
    home: Path, token_file: Path | None, name: str, role: str, token_out: Path, expires: str
) -> None:
    """Create a local user with a role."""
    _check_new_file(token_out)
    request = pb.AddUserRequest(name=name, role=_ROLES[role])
    _expiry(request, expires)
    r = admin_client(home, token_file).call("AddUser", request)
    _write_token(token_out, r.token)
    click.echo(f"user {r.user.name} ({role}) created; token written to {token_out}")


@node_command(user, "list")
@json_option
def user_list(home: Path, token_file: Path | None, as_json: bool) -> None:
    """List local users: role, state (active, disabled, removed, expired), when the
    token expires and when it was last used (to the minute)."""
    r = admin_client(home, token_file).call("ListUsers", pb.ListUsersRequest())
    echo_list(
        r.users,
        as_json,
        as_dict=_user_dict,
        columns=("user", "role", "state", "token expires", "last use"),
        row=lambda u: [
            _user_dict(u)[k] for k in ("name", "role", "state", "token_expires_at", "last_used_at")
        ],
    )


def _user_dict(u: pb.User) -> dict[str, str]:
    return {
        "name": u.name,
        "role": pb.Role.Name(u.role)[5:].lower(),
        "state": pb.UserState.Name(u.state)[11:].lower(),
        "token_expires_at": _when(u, "token_expires_at") or "never",
        "last_used_at": _when(u, "last_used_at") or "never",
        "created_at": _when(u, "created_at"),
    }


def _when(message: Any, field: str) -> str:
    if not message.HasField(field):
        return ""
    return getattr(message, field).ToDatetime().strftime("%Y-%m-%dT%H:%M:%SZ")


def _changed(r: Any, as_json: bool, what: str) -> None:
    if as_json:
        echo_json(_user_dict(r.user))
    else:
        click.echo(f"user {r.user.name} {what}; now {_user_dict(r.user)['state']}")


@node_command(user, "disable")
@click.argument("name")
@justification_option
@json_option
def user_disable(
    home: Path, token_file: Path | None, name: str, justification: str, as_json: bool
) -> None:
    """Refuse the user's token from its next call on, until enabled again."""
    r = admin_client(home, token_file).call(
        "DisableUser", pb.DisableUserRequest(name=name, justification=justification)
    )
    _changed(r, as_json, "disabled")


@node_command(user, "enable")
@click.argument("name")
@justification_option
@json_option
def user_enable(
    home: Path, token_file: Path | None, name: str, justification: str, as_json: bool
) -> None:
    """Let a disabled user's token work again."""
    r = admin_client(home, token_file).call(
        "EnableUser", pb.EnableUserRequest(name=name, justification=justification)
    )
    _changed(r, as_json, "enabled")


@node_command(user, "rotate-token")
@click.argument("name")
@_token_out
@expires_option
@justification_option
def user_rotate_token(
    home: Path,
    token_file: Path | None,
    name: str,
    token_out: Path,
    expires: str,
    justification: str,
) -> None:
    """Give the user a new token; the old one is refused from its next call on."""
    _check_new_file(token_out)
    request = pb.RotateUserTokenRequest(name=name, justification=justification)
    _expiry(request, expires)
    r = admin_client(home, token_file).call("RotateUserToken", request)
    _write_token(token_out, r.token)
    click.echo(f"user {r.user.name}: new token written to {token_out}; the old one no longer works")


@node_command(user, "remove")
@click.argument("name")
@justification_option
@json_option
def user_remove(
    home: Path, token_file: Path | None, name: str, justification: str, as_json: bool
) -> None:
    """Remove a user for good: the token never works again, the record stays (shown as
    removed) for the audit trail, and the name is never given to anyone else."""
    r = admin_client(home, token_file).call(
        "RemoveUser", pb.RemoveUserRequest(name=name, justification=justification)
    )
    _changed(r, as_json, "removed")
