"""argos sync: how far each partner's hotlist has been received and proven, and a
fresh start when it must be pulled again."""

from __future__ import annotations

import json
import sys

import click
from google.protobuf.json_format import MessageToDict
from rich.table import Table

from gateway.cli.client import EXIT_INTEGRITY
from gateway.cli.shared import admin_client, console, home_option, json_option, token_option
from gateway.wire.argos.v1 import admin_pb2 as pb


@click.group()
def sync() -> None:
    """Hotlist sync with partners."""


@sync.command("status")
@home_option
@token_option
@json_option
def sync_status(home, token_file, as_json) -> None:
    """Per partner and agreement: cursor, lag, entries, last verified head, rejections."""
    r = admin_client(home, token_file).call("GetSyncStatus", pb.GetSyncStatusRequest())
    if as_json:
        click.echo(
            json.dumps(
                [
                    MessageToDict(
                        s,
                        preserving_proto_field_name=True,
                        always_print_fields_with_no_presence=True,
                    )
                    for s in r.agreements
                ]
            )
        )
        return
    table = Table(
        "partner",
        "agreement",
        "role",
        "v",
        "cursor",
        "lag",
        "entries",
        "verified head",
        "rejected",
        "note",
    )
    for s in r.agreements:
        table.add_row(
            s.partner,
            s.agreement_id[:8],
            s.role,
            str(s.agreement_version),
            str(s.cursor),
            str(s.lag_changes),
            str(s.entries),
            f"{s.last_verified_head_seq} {s.last_verified_at[11:19]}".strip(),
            str(s.rejected_batches),
            s.last_error[:40],
        )
    console.print(table)


@sync.command("verify")
@home_option
@token_option
@click.argument("agreement_id")
def sync_verify(home, token_file, agreement_id) -> None:
    """Re-prove that every entry held under an agreement came from its provider
    (inclusion proof against the signed checkpoint it arrived under)."""
    r = admin_client(home, token_file).call(
        "VerifyReceivedEntries", pb.VerifyReceivedEntriesRequest(agreement_id=agreement_id)
    )
    if r.problem:
        click.echo(f"{r.proven} entries proven; FAILED: {r.problem}", err=True)
        sys.exit(EXIT_INTEGRITY)
    click.echo(f"{r.proven} entries proven to come from their provider")


@sync.command("resync")
@home_option
@token_option
@click.argument("agreement_id")
@click.option("--justification", required=True)
def sync_resync(home, token_file, agreement_id, justification) -> None:
    """Erase what was received under an agreement and pull it again from the start."""
    r = admin_client(home, token_file).call(
        "ResyncAgreement",
        pb.ResyncAgreementRequest(agreement_id=agreement_id, justification=justification),
    )
    click.echo(f"{r.purged} received entries erased; full resync started")
