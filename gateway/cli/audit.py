"""argos audit: read the hash-chained audit log, verify it against its signed anchor and
head, and export a period of it for a supervisory authority."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click
import grpc

from gateway.cli.client import EXIT_INTEGRITY
from gateway.cli.importing import parse_timestamp
from gateway.cli.shared import (
    admin_client,
    echo_each,
    fail,
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
    """Check the chain from its signed anchor (or its first record) to its signed head;
    name the first bad record."""
    r = admin_client(home, token_file).call("VerifyAudit", pb.VerifyAuditRequest())
    if r.ok:
        click.echo(f"audit log intact: {r.records_checked} records")
        return
    if r.first_bad_seq:
        where = f"record {r.first_bad_seq}"
    else:
        where = "the signed anchor" if r.at_anchor else "end of log"
    click.echo(f"audit log BROKEN at {where}: {r.reason}", err=True)
    sys.exit(EXIT_INTEGRITY)


_FILTERS = ("action", "object_type", "object_id", "actor", "since", "until")


@node_command(audit, "list")
@click.option("--after", type=int, default=0)
@click.option("--limit", type=int, default=100)
@click.option("--action", default="", help="This action, or a family: 'agreement.'.")
@click.option("--object-type", default="")
@click.option("--object-id", default="")
@click.option("--actor", default="", help="The user (or node) who acted.")
@click.option("--since", default="", help="UTC, as precise as wanted: 2026-12-03T16:40.")
@click.option("--until", default="", help="UTC, inclusive at its precision: 2026-12-03.")
@json_option
def audit_list(
    home: Path, token_file: Path | None, after: int, limit: int, as_json: bool, **filters: str
) -> None:
    """List audit records, filtered by the node when asked (reading the log is itself
    recorded)."""
    request = pb.ListAuditRecordsRequest(
        after_seq=after, limit=limit, **{k: filters[k] for k in _FILTERS}
    )
    r = admin_client(home, token_file).call("ListAuditRecords", request)
    echo_each(r.records, as_json, as_dict=message_dict, each=_print_record)


def _print_record(x: Any) -> None:
    click.echo(
        f"{x.seq:6} {x.at} {x.actor_kind}:{x.actor} {x.action} "
        f"{x.object_type}:{x.object_id} {x.recipient} {x.justification}"
    )


@node_command(audit, "export")
@click.option("--from", "start", required=True, help="Start of the period (ISO 8601, inclusive).")
@click.option("--to", "end", required=True, help="End of the period (ISO 8601, exclusive).")
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="New file to write (owner-only; never overwritten).",
)
@click.option(
    "--recipient",
    default="supervisory authority",
    show_default=True,
    help="Who receives the export (recorded in the audit log).",
)
def audit_export(
    home: Path, token_file: Path | None, start: str, end: str, out: Path, recipient: str
) -> None:
    """Write the records of a period, with everything needed to verify them without the
    node, for tools/verify_audit_export.py (auditors, admins; audited as a disclosure)."""
    try:
        request = pb.ExportAuditRequest(
            period_start=parse_timestamp(start),
            period_end=parse_timestamp(end),
            recipient=recipient,
        )
    except ValueError as exc:
        fail(str(exc))
    client = admin_client(home, token_file)
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        fail(f"{out} exists; an export never overwrites a file")
    except OSError as exc:
        fail(f"cannot create {out}: {exc.strerror}")
    last = "{}"  # the seal: the document's last line
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            for reply in client.stub.ExportAudit(request, metadata=client.metadata):
                for line in reply.lines:
                    f.write(line + "\n")
                    last = line
    except grpc.RpcError as error:
        out.unlink(missing_ok=True)
        client.fail(error)
    except BaseException:
        out.unlink(missing_ok=True)
        raise
    seal = json.loads(last)
    click.echo(
        f"exported {seal.get('records', '?')} audit records "
        f"(records {seal.get('first_seq', '?')} to {seal.get('last_seq', '?')}) to {out}"
    )
    click.echo(f"verify: python3 tools/verify_audit_export.py {out} --key <the node's public key>")
