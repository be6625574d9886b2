"""argos sync: how far each partner's hotlist has been received and proven, and a
fresh start when it must be pulled again."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from gateway.cli.client import EXIT_INTEGRITY
from gateway.cli.shared import (
    admin_client,
    echo_list,
    json_option,
    message_dict,
    node_command,
)
from gateway.wire.argos.v1 import admin_pb2 as pb


@click.group()
def sync() -> None:
    """Hotlist sync with partners."""


@node_command(sync, "status")
@json_option
def sync_status(home: Path, token_file: Path | None, as_json: bool) -> None:
    """Per partner and agreement: cursor, lag, entries, last verified head, rejections."""
    r = admin_client(home, token_file).call("GetSyncStatus", pb.GetSyncStatusRequest())
    columns = ("partner", "agreement", "role", "v", "cursor", "lag", "entries")
    echo_list(
        r.agreements,
        as_json,
        as_dict=lambda s: message_dict(s, every_field=True),
        columns=(*columns, "verified head", "rejected", "note"),
        row=lambda s: (
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
        ),
    )


@node_command(sync, "verify")
@click.argument("agreement_id")
def sync_verify(home: Path, token_file: Path | None, agreement_id: str) -> None:
    """Re-prove that every entry held under an agreement came from its provider
    (inclusion proof against the signed checkpoint it arrived under)."""
    r = admin_client(home, token_file).call(
        "VerifyReceivedEntries", pb.VerifyReceivedEntriesRequest(agreement_id=agreement_id)
    )
    if r.problem:
        click.echo(f"{r.proven} entries proven; FAILED: {r.problem}", err=True)
        sys.exit(EXIT_INTEGRITY)
    click.echo(f"{r.proven} entries proven to come from their provider")


@node_command(sync, "resync")
@click.argument("agreement_id")
@click.option("--justification", required=True)
def sync_resync(home: Path, token_file: Path | None, agreement_id: str, justification: str) -> None:
    """Erase what was received under an agreement and pull it again from the start."""
    r = admin_client(home, token_file).call(
        "ResyncAgreement",
        pb.ResyncAgreementRequest(agreement_id=agreement_id, justification=justification),
    )
    click.echo(f"{r.purged} received entries erased; full resync started")
