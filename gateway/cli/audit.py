"""argos audit: read the hash-chained audit log and verify it against its signed head."""

from __future__ import annotations

import json
import sys

import click
from google.protobuf.json_format import MessageToDict

from gateway.cli.client import EXIT_INTEGRITY
from gateway.cli.shared import admin_client, home_option, json_option, token_option
from gateway.wire.argos.v1 import admin_pb2 as pb


@click.group()
def audit() -> None:
    """Read and verify the hash-chained audit log."""


@audit.command("verify")
@home_option
@token_option
def audit_verify(home, token_file) -> None:
    """Check the whole chain and its signed head; name the first bad record."""
    r = admin_client(home, token_file).call("VerifyAudit", pb.VerifyAuditRequest())
    if r.ok:
        click.echo(f"audit log intact: {r.records_checked} records")
        return
    where = f"record {r.first_bad_seq}" if r.first_bad_seq else "end of log"
    click.echo(f"audit log BROKEN at {where}: {r.reason}", err=True)
    sys.exit(EXIT_INTEGRITY)


@audit.command("list")
@home_option
@token_option
@click.option("--after", type=int, default=0)
@click.option("--limit", type=int, default=100)
@json_option
def audit_list(home, token_file, after, limit, as_json) -> None:
    """List audit records (reading the log is itself recorded)."""
    r = admin_client(home, token_file).call(
        "ListAuditRecords", pb.ListAuditRecordsRequest(after_seq=after, limit=limit)
    )
    if as_json:
        click.echo(
            json.dumps([MessageToDict(x, preserving_proto_field_name=True) for x in r.records])
        )
        return
    for x in r.records:
        click.echo(
            f"{x.seq:6} {x.at} {x.actor_kind}:{x.actor} {x.action} "
            f"{x.object_type}:{x.object_id} {x.recipient} {x.justification}"
        )
