"""argos hotlist: this node's own entries, one at a time or imported in bulk from a
file (read by gateway/cli/importing.py)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from gateway.cli.client import EXIT_REFUSED
from gateway.cli.shared import (
    ReplyCommands,
    admin_client,
    asking,
    echo_json,
    echo_list,
    fail,
    json_option,
    message_dict,
    node_command,
    options,
    review_date,
    timestamp_from,
)
from gateway.wire.argos.v1 import admin_pb2 as pb

IMPORT_TIMEOUT_S = 3600.0


def _print_entry(e: pb.HotlistEntry, as_json: bool) -> None:
    if as_json:
        echo_json(message_dict(e))
        return
    click.echo(f"entry         {e.entry_id} v{e.version} ({e.status})")
    click.echo(f"plate         {e.plate} ({e.country or 'country unknown'})")
    click.echo(f"category      {e.category}, action {e.action}")
    if e.flags:
        click.echo(f"flags         {', '.join(e.flags)}")
    click.echo(f"valid         {e.valid_from.ToJsonString()} .. {e.expires_at.ToJsonString()}")
    if e.case_reference:
        click.echo(f"case          {e.case_reference}")


def _show_entry(reply: Any, as_json: bool) -> None:
    _print_entry(reply.entry, as_json)


@click.group()
def hotlist() -> None:
    """This node's own hotlist: add, update, withdraw, list, show, import."""


entry_options = options(
    click.option("--plate", help="Plate as written, e.g. 1-ABC-123."),
    click.option("--country", help="ISO alpha-2/alpha-3 or road-sign code (B, NL, F, D, L)."),
    click.option("--category", help="e.g. stolen_vehicle, wanted_person."),
    click.option(
        "--action",
        help="report_only, discreet_check, inquiry_check, specific_check or seize.",
    ),
    click.option("--flag", "flags", multiple=True, help="suspected_clone, do_not_alert_subject."),
    click.option("--vehicle", "vehicle_description", help="Vehicle description."),
    click.option("--contact", help="Contact point for partners."),
    click.option("--case-reference", help="Never leaves this node."),
    click.option("--valid-from", help="ISO 8601; default now."),
    click.option("--expires-at", help="ISO 8601 review date."),
    click.option("--expires-in-days", type=int, help="Review date this many days ahead."),
    click.option("--justification", required=True, help="Why (recorded in the audit log)."),
)


def _date(entry: pb.HotlistEntry, o: dict[str, Any], *, new: bool) -> None:
    """Set the dates the options give; a new entry must be given its review date."""
    if new:
        entry.expires_at.CopyFrom(review_date(o["expires_at"], o["expires_in_days"]))
    else:
        expires = timestamp_from(o["expires_at"], o["expires_in_days"])
        if expires is not None:
            entry.expires_at.CopyFrom(expires)
    if o["valid_from"]:
        entry.valid_from.CopyFrom(timestamp_from(o["valid_from"]))


@node_command(hotlist, "add")
@entry_options
@json_option
def hotlist_add(home: Path, token_file: Path | None, as_json: bool, **o: Any) -> None:
    """Add an entry to this node's hotlist (expiry required)."""
    for required in ("plate", "category", "action"):
        if not o[required]:
            fail(f"--{required} is required")
    entry = pb.HotlistEntry(
        plate=o["plate"],
        country=o["country"] or "",
        category=o["category"],
        action=o["action"],
        flags=list(o["flags"]),
        vehicle_description=o["vehicle_description"] or "",
        contact=o["contact"] or "",
        case_reference=o["case_reference"] or "",
    )
    _date(entry, o, new=True)
    r = admin_client(home, token_file).call(
        "AddEntry", pb.AddEntryRequest(entry=entry, justification=o["justification"])
    )
    _print_entry(r.entry, as_json)


@node_command(hotlist, "update")
@click.argument("entry_id")
@entry_options
@json_option
def hotlist_update(
    home: Path, token_file: Path | None, entry_id: str, as_json: bool, **o: Any
) -> None:
    """Change an entry; options not given keep their value."""
    client = admin_client(home, token_file)
    entry = client.call("GetEntry", pb.GetEntryRequest(entry_id=entry_id)).entry
    for name in (
        "plate",
        "country",
        "category",
        "action",
        "vehicle_description",
        "contact",
        "case_reference",
    ):
        if o[name] is not None:
            setattr(entry, name, o[name])
    if o["flags"]:
        del entry.flags[:]
        entry.flags.extend(o["flags"])
    _date(entry, o, new=False)
    r = client.call(
        "UpdateEntry", pb.UpdateEntryRequest(entry=entry, justification=o["justification"])
    )
    _print_entry(r.entry, as_json)


_about_entry = ReplyCommands(hotlist, "entry_id", _show_entry)
_about_entry.add(
    "withdraw",
    "Withdraw an entry; partners receive a signed tombstone.",
    asking("WithdrawEntry", pb.WithdrawEntryRequest),
    click.option("--justification", required=True),
)
_about_entry.add(
    "show",
    "Show one entry (the consultation is audited).",
    asking("GetEntry", pb.GetEntryRequest),
)


@node_command(hotlist, "list")
@click.option("--status", type=click.Choice(["active", "withdrawn", "expired", "pending"]))
@click.option("--limit", type=int, default=100, show_default=True)
@click.option("--after", default="", help="Page after this entry id.")
@json_option
def hotlist_list(
    home: Path, token_file: Path | None, status: str | None, limit: int, after: str, as_json: bool
) -> None:
    """List entries (expired ones are due for review)."""
    r = admin_client(home, token_file).call(
        "ListEntries",
        pb.ListEntriesRequest(status=status or "", limit=limit, after_entry_id=after),
    )
    echo_list(
        r.entries,
        as_json,
        as_dict=message_dict,
        columns=("entry", "v", "plate", "cty", "category", "action", "status", "expires"),
        row=lambda e: (
            e.entry_id[:8],
            str(e.version),
            e.plate,
            e.country,
            e.category,
            e.action,
            e.status,
            e.expires_at.ToJsonString()[:10],
        ),
    )


@node_command(hotlist, "import")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--keep-good", is_flag=True, help="Commit the valid rows even if some are bad.")
@click.option("--justification", required=True)
@click.option("--chunk", type=int, default=5000, show_default=True, hidden=True)
@json_option
def hotlist_import(
    home: Path,
    token_file: Path | None,
    path: Path,
    keep_good: bool,
    justification: str,
    chunk: int,
    as_json: bool,
) -> None:
    """Import entries from CSV (header row) or JSON lines: all or nothing unless
    --keep-good. Every bad row is reported with its line number and reason."""
    from rich.console import Console
    from rich.progress import Progress

    from gateway.cli.importing import read_chunks

    total = max(0, sum(1 for _ in path.open("rb")) - (0 if path.suffix == ".jsonl" else 1))
    client = admin_client(home, token_file)
    progress = Progress(console=Console(stderr=True), disable=as_json or total < 10_000)

    def requests():
        yield pb.ImportEntriesRequest(
            options=pb.ImportOptions(
                keep_good=keep_good, source=path.name, justification=justification
            )
        )
        task = progress.add_task(f"importing {path.name}", total=total)
        for request in read_chunks(path, chunk):
            yield request
            progress.advance(task, len(request.rows.rows))

    with progress:
        # A bulk import may take minutes; it is one transaction either way.
        r = client.call("ImportEntries", requests(), timeout=IMPORT_TIMEOUT_S)
    if as_json:
        echo_json(message_dict(r))
    else:
        for error in r.errors:
            click.echo(f"line {error.line}: {error.reason}", err=True)
        verdict = "imported" if r.committed else "NOT imported (all or nothing)"
        click.echo(f"{r.accepted} rows {verdict}; {r.rejected} rejected")
    if r.rejected and not r.committed:
        sys.exit(EXIT_REFUSED)
