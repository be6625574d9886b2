"""What every argos command shares: the options that name the node folder, the user's
token and the output form; the client that reaches the running node; and the few ways
a command prints a value or fails with an exit code scripts can rely on."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn

import click
from google.protobuf.json_format import MessageToDict
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from rich.console import Console

from gateway.cli.client import EXIT_INVALID, AdminClient, read_token

console = Console()

home_option = click.option(
    "--home",
    type=click.Path(path_type=Path, file_okay=False),
    envvar="ARGOS_HOME",
    required=True,
    help="Node folder (or ARGOS_HOME).",
)
token_option = click.option(
    "--token-file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    envvar="ARGOS_TOKEN_FILE",
    help="File holding your user token (or ARGOS_TOKEN_FILE / ARGOS_TOKEN).",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
field_option = click.option(
    "--field",
    default="",
    help="Print only this field of the --json form (for scripts), e.g. agreement_id.",
)


def fail(message: str, code: int = EXIT_INVALID) -> NoReturn:
    """Say what went wrong on stderr and exit with `code`."""
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def admin_client(home: Path, token_file: Path | None) -> AdminClient:
    """The running node of `home`, as the user whose token is given or found."""
    return AdminClient(home, read_token(home, token_file))


def echo_field(values: dict[str, Any], field: str) -> None:
    """Print one field of a command's --json form: text as it is, anything else as JSON."""
    if field not in values:
        fail(f"no field {field!r}; fields: {', '.join(values)}")
    value = values[field]
    click.echo(value if isinstance(value, str) else json.dumps(value))


def message_dict(message: Message, *, every_field: bool = False) -> dict[str, Any]:
    """A protobuf message in the --json form: its proto field names, and with
    `every_field` also the fields left at their default."""
    return MessageToDict(
        message,
        preserving_proto_field_name=True,
        always_print_fields_with_no_presence=every_field,
    )


def timestamp_from(value: str | None, days_ahead: int | None = None) -> Timestamp | None:
    """The time an option names: ISO 8601 text if given (read as hotlist files are, see
    importing.NAIVE_ZONE), else `days_ahead` days from now if given, else None. Text
    that is not a time fails the command."""
    from gateway.cli.importing import parse_timestamp

    if value:
        try:
            return parse_timestamp(value)
        except (ValueError, OverflowError):
            fail(f"{value!r} is not an ISO 8601 date or time")
    if days_ahead is not None:
        ts = Timestamp()
        ts.FromDatetime(datetime.now(UTC) + timedelta(days=days_ahead))
        return ts
    return None
