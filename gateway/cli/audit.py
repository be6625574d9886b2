"""argos audit: read the hash-chained audit log and verify it against its signed head."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from gateway.cli.client import EXIT_INTEGRITY
from gateway.cli.shared import (
    admin_client,
    echo_each,
    json_option,
    message_dict,
    node_command,
)
from gateway.wire.argos.v1 import admin_pb2 as pb


@click.group()
def audit() -> None:
    """Read and verify the hash-chained audit log."""


@node_command(audit, "verify")
def audit_verify(home: Path, token_file: Path | None) -> None:
    """Check the whole chain and its signed head; name the first bad record."""
    r = admin_client(home, token_file).call("VerifyAudit", pb.VerifyAuditRequest())
    if r.ok:
        click.echo(f"audit log intact: {r.records_checked} records")
        return
    where = f"record {r.first_bad_seq}" if r.first_bad_seq else "end of log"
    click.echo(f"audit log BROKEN at {where}: {r.reason}", err=True)
    sys.exit(EXIT_INTEGRITY)


@node_command(audit, "list")
@click.option("--after", type=int, default=0)
@click.option("--limit", type=int, default=100)
@json_option
def audit_list(home: Path, token_file: Path | None, after: int, limit: int, as_json: bool) -> None:
    """List audit records (reading the log is itself recorded)."""
    r = admin_client(home, token_file).call(
        "ListAuditRecords", pb.ListAuditRecordsRequest(after_seq=after, limit=limit)
    )
    echo_each(r.records, as_json, as_dict=message_dict, each=_print_record)


def _print_record(x: Any) -> None:
    click.echo(
        f"{x.seq:6} {x.at} {x.actor_kind}:{x.actor} {x.action} "
        f"{x.object_type}:{x.object_id} {x.recipient} {x.justification}"
    )
