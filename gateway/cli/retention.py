"""argos retention: what the node keeps, under which rule, and whether anything is past
its limit (the data protection officer's review)."""

from __future__ import annotations

from pathlib import Path

import click

from gateway.cli.shared import admin_client, echo_list, json_option, message_dict, node_command
from gateway.wire.argos.v1 import admin_pb2 as pb


@click.group()
def retention() -> None:
    """Retention rules and what is held under them."""


def _time(kind: pb.RetentionKind, field: str) -> str:
    return getattr(kind, field).ToJsonString()[:16] if kind.HasField(field) else "-"


@node_command(retention, "report")
@json_option
def retention_report(home: Path, token_file: Path | None, as_json: bool) -> None:
    """Per kind of record: the rule, its legal basis, records held, the oldest, the next
    erasure due, and how many are past their limit (there must be none)."""
    r = admin_client(home, token_file).call("GetRetentionReport", pb.GetRetentionReportRequest())
    echo_list(
        r.kinds,
        as_json,
        as_dict=lambda k: message_dict(k, every_field=True),
        columns=("kind", "limit", "held", "oldest", "next erasure", "past limit", "legal basis"),
        row=lambda k: (
            k.kind,
            k.limit,
            str(k.held) if k.held_here else k.enforced_by,
            _time(k, "oldest"),
            _time(k, "next_erasure_due"),
            (str(k.past_limit) if k.held_here else "-") + (f" ({k.warning})" if k.warning else ""),
            k.legal_basis,
        ),
    )
