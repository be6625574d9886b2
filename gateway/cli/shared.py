"""What every argos command shares: the options that name the node folder, the user's
token and the output form; the client that reaches the running node; the few ways a
command prints a value or fails with an exit code scripts can rely on; and the shape of
the many commands that ask the node one thing and show its reply (reply_command)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click
from google.protobuf.json_format import MessageToDict
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from gateway.cli.client import EXIT_INVALID, AdminClient, read_token
from gateway.cli.importing import parse_timestamp

F = TypeVar("F", bound=Callable[..., Any])
Decorator = Callable[[F], F]
# What a command asks of the node (the client and its own parameters; returns the
# reply) and how it shows the reply (with --json or not, and --field where it has one).
Ask = Callable[[AdminClient, dict[str, Any]], Any]
Show = Callable[..., None]

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


def options(*decorators: Decorator) -> Decorator:
    """Several click parameters as one decorator; the help lists them in this order."""

    def apply(fn: F) -> F:
        for decorator in reversed(decorators):
            fn = decorator(fn)
        return fn

    return apply


def node_command(
    group: click.Group | None = None, name: str | None = None, **attrs: Any
) -> Callable[[Callable[..., Any]], click.Command]:
    """A command (of `group`, or one to add to the top level) that talks to the running
    node: its help lists --home and --token-file first, then its own parameters."""

    def decorate(fn: Callable[..., Any]) -> click.Command:
        command = (group.command if group is not None else click.command)(name, **attrs)
        return command(home_option(token_option(fn)))

    return decorate


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


def review_date(expires_at: str | None, expires_in_days: int | None) -> Timestamp:
    """A new entry's review date, from --expires-at or --expires-in-days: one is needed."""
    expires = timestamp_from(expires_at, expires_in_days)
    if expires is None:
        fail("give --expires-at or --expires-in-days: every entry needs a review date")
    return expires


def echo_json(value: Any) -> None:
    """Print a command's --json form."""
    click.echo(json.dumps(value))


def echo_each(
    items: Iterable[Any],
    as_json: bool,
    *,
    as_dict: Callable[[Any], dict[str, Any]],
    each: Callable[[Any], None],
) -> None:
    """Print a list: with --json one JSON array of `as_dict`, else each item by `each`."""
    if as_json:
        echo_json([as_dict(item) for item in items])
        return
    for item in items:
        each(item)


def echo_list(
    items: Iterable[Any],
    as_json: bool,
    *,
    as_dict: Callable[[Any], dict[str, Any]],
    columns: Sequence[str],
    row: Callable[[Any], Sequence[str]],
) -> None:
    """Print a list: with --json one JSON array of `as_dict`, else a table of `row`."""
    if as_json:
        echo_json([as_dict(item) for item in items])
        return
    # rich is imported here, for a table, rather than by every command.
    from rich.console import Console
    from rich.table import Table

    table = Table(*columns)
    for item in items:
        table.add_row(*row(item))
    Console().print(table)


def echo_record(values: dict[str, Any], as_json: bool, line: str = "{key}: {value}") -> None:
    """Print one record: with --json one JSON object, else a `line` for each field."""
    if as_json:
        echo_json(values)
        return
    for key, value in values.items():
        click.echo(line.format(key=key, value=value))


def asking(rpc: str, request: Callable[..., Any], *, isc: bool = False, **fixed: Any) -> Ask:
    """Ask the node's admin (or ISC) service `rpc`, with a request made of the command's
    parameters, named as the request's fields, and of `fixed`."""

    def ask(node: AdminClient, values: dict[str, Any]) -> Any:
        call = node.call_isc if isc else node.call
        return call(rpc, request(**fixed, **values))

    return ask


def reply_command(
    group: click.Group,
    name: str,
    help: str | None,
    ask: Ask,
    *params: Decorator,
    show: Show,
    field: bool = False,
) -> click.Command:
    """Add to `group` a command that asks the running node one thing and shows its reply.
    Its help lists --home, --token-file, `params`, then --json (and --field), as the
    help of every command that talks to the node does."""
    output_options = (json_option, field_option) if field else (json_option,)

    @node_command(group, name, help=help)
    @options(*params, *output_options)
    def command(home: Path, token_file: Path | None, as_json: bool, **values: Any) -> None:
        output = {"as_json": as_json}
        if field:
            output["field"] = values.pop("field")
        show(ask(admin_client(home, token_file), values), **output)

    return command


@dataclass(frozen=True)
class ReplyCommands:
    """Commands of one group that each ask the running node one thing about the object
    their one argument names, and show the reply the same way (as `argos confirm show`,
    `refuse` and `withdraw` each show the confirmation request)."""

    group: click.Group
    argument: str
    show: Show

    def add(
        self, name: str, help: str | None, ask: Ask, *params: Decorator, field: bool = False
    ) -> click.Command:
        return reply_command(
            self.group,
            name,
            help,
            ask,
            click.argument(self.argument),
            *params,
            show=self.show,
            field=field,
        )
