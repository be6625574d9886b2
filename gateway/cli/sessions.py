"""Console log-in from the command line (issue 18): `argos user set-password` gives a
user console credentials (a password, read from stdin or asked twice, never from the
command line; a TOTP secret shown or written once), `argos sessions list` and
`argos sessions end` show and end the sessions the node holds, and
`argos user totp-code` prints the current code of a secret file: for the demo and
tests only (a person reads the code off their authenticator app)."""

from __future__ import annotations

import getpass
import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from gateway.cli.shared import admin_client, echo_json, echo_list, fail, json_option, node_command
from gateway.cli.user import user
from gateway.wire.argos.v1 import admin_pb2
from gateway.wire.argos.v1 import sessions_pb2 as pb


def read_new_password() -> str:
    """The new password: stdin when it is piped (scripts, the demo), else asked twice
    without echo."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("New console password: ")
    if getpass.getpass("Again: ") != first:
        fail("the two passwords differ; nothing was changed")
    return first


@node_command(user, "set-password")
@click.argument("name")
@click.option(
    "--new-totp",
    is_flag=True,
    help="Also issue a new TOTP secret (always done for a user who has none).",
)
@click.option(
    "--totp-secret-out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write a newly issued TOTP secret to this new file (owner-only) instead of printing it.",
)
def user_set_password(
    home: Path, token_file: Path | None, name: str, new_totp: bool, totp_secret_out: Path | None
) -> None:
    """Set a user's console password (at least 12 characters, not containing the user
    name), read from stdin or asked twice. Ends the user's open console sessions. A
    newly issued TOTP secret is shown once, with its otpauth:// URI for an
    authenticator app."""
    if totp_secret_out is not None and totp_secret_out.exists():
        fail(f"{totp_secret_out} exists; choose a new file for the TOTP secret")
    password = read_new_password()
    r = admin_client(home, token_file).call_sessions(
        "SetConsoleCredentials",
        pb.SetConsoleCredentialsRequest(user=name, password=password, new_totp_secret=new_totp),
    )
    click.echo(f"user {name}: console password set; any open console sessions ended")
    if not r.totp_secret:
        return
    if totp_secret_out is not None:
        from gateway.node.config import write_private

        write_private(totp_secret_out, r.totp_secret.encode() + b"\n")
        click.echo(f"new TOTP secret written to {totp_secret_out}; it is not shown again")
        return
    click.echo("new TOTP secret (enter it in an authenticator app; it is not shown again):")
    click.echo(f"  secret: {r.totp_secret}")
    click.echo(f"  uri:    {r.totp_uri}")


@user.command("totp-code")
@click.option(
    "--secret-file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    required=True,
    help="File holding a base32 TOTP secret (as written by set-password --totp-secret-out).",
)
def user_totp_code(secret_file: Path) -> None:
    """Print the current TOTP code of a secret: for the demo and tests only (a person
    reads the code off their authenticator app). Needs no running node."""
    from gateway.services.console_factors import current_totp_code

    click.echo(current_totp_code(secret_file.read_text().strip(), datetime.now(UTC)))


@click.group()
def sessions() -> None:
    """Console sessions held by the node: list them, end them."""


def _when(message, field: str) -> str:
    if not message.HasField(field):
        return ""
    return getattr(message, field).ToDatetime().strftime("%Y-%m-%dT%H:%M:%SZ")


def _session_dict(s: pb.Session) -> dict[str, object]:
    return {
        "session_id": s.session_id,
        "user": s.user,
        "role": admin_pb2.Role.Name(s.role)[5:].lower(),
        "client_address": s.client_address,
        "started_at": _when(s, "started_at"),
        "last_seen_at": _when(s, "last_seen_at"),
        "idle_timeout_s": s.idle_timeout_s,
        "absolute_end": _when(s, "absolute_end"),
        "fresh_until": _when(s, "fresh_until"),
    }


@node_command(sessions, "list")
@click.option("--user", "user_name", default="", help="Only this user's sessions.")
@json_option
def sessions_list(home: Path, token_file: Path | None, user_name: str, as_json: bool) -> None:
    """Open console sessions: who, from where, since when, last seen."""
    r = admin_client(home, token_file).call_sessions(
        "ListSessions", pb.ListSessionsRequest(user=user_name)
    )
    columns = ("session_id", "user", "role", "client_address", "started_at", "last_seen_at")
    echo_list(
        r.sessions,
        as_json,
        as_dict=_session_dict,
        columns=[c.replace("_", " ") for c in columns],
        row=lambda s: [str(_session_dict(s)[c]) for c in columns],
    )


@node_command(sessions, "end")
@click.option("--session", "session_id", default="", help="The session's id (sessions list).")
@click.option("--user", "user_name", default="", help="End every open session of this user.")
@click.option("--justification", required=True, help="Why (recorded in the audit log).")
@json_option
def sessions_end(
    home: Path,
    token_file: Path | None,
    session_id: str,
    user_name: str,
    justification: str,
    as_json: bool,
) -> None:
    """End one console session, or every open session of a user."""
    if bool(session_id) == bool(user_name):
        fail("give --session ID or --user NAME (one of them)")
    request = (
        pb.EndSessionsRequest(session_id=session_id, justification=justification)
        if session_id
        else pb.EndSessionsRequest(user=user_name, justification=justification)
    )
    r = admin_client(home, token_file).call_sessions("EndSessions", request)
    if as_json:
        echo_json({"ended": r.ended})
    else:
        click.echo(f"{r.ended} session(s) ended")
