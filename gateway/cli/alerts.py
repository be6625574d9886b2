"""argos alerts: the control room's live view of hits and of confirmation requests
that need a person."""

from __future__ import annotations

import json

import click
from google.protobuf.json_format import MessageToDict

from gateway.cli.shared import admin_client, home_option, json_option, token_option
from gateway.wire.argos.v1 import confirmations_pb2 as cpb


@click.group()
def alerts() -> None:
    """Alerts for the control room."""


@alerts.command("watch")
@home_option
@token_option
@click.option("--count", type=int, default=0, help="Stop after this many alerts (0: never).")
@json_option
def alerts_watch(home, token_file, count, as_json) -> None:
    """Show every hit of this node's cameras as it happens, and every confirmation
    request that needs a person (incoming, near its deadline, expired, answered).
    Ctrl-C to stop."""
    from gateway.wire.argos.v1 import ingest_pb2

    client = admin_client(home, token_file)
    seen = 0
    try:
        for item in client.stream("WatchAlerts", ingest_pb2.WatchAlertsRequest()):
            if item.HasField("confirmation"):
                n = item.confirmation
                if as_json:
                    notice = MessageToDict(n, preserving_proto_field_name=True)
                    click.echo(json.dumps({"confirmation": notice}))
                else:
                    kind = cpb.ConfirmationKind.Name(n.kind).removeprefix("CONFIRMATION_KIND_")
                    click.echo(
                        f"CONFIRMATION {n.what}: {kind.lower()} {n.request_id} with "
                        f"{n.partner}, deadline {n.deadline.ToJsonString()}"
                    )
                seen += 1
                if count and seen >= count:
                    return
                continue
            a = item.alert
            if as_json:
                click.echo(json.dumps(MessageToDict(a, preserving_proto_field_name=True)))
            else:
                where = f"{a.site}/{a.camera}"
                whose = "own list" if not a.agreement_id else f"{a.entry_owner} ({a.agreement_id})"
                kind = "FUZZY" if a.match == 2 else "exact"
                click.echo(
                    f"{a.observed_at.ToJsonString()}  HIT {a.plate} [{a.country or '?'}] "
                    f"{kind} at {where}  {a.category}, {a.action or 'no action shared'}  "
                    f"entry {a.entry_id} of {whose}"
                )
                for advisory in a.advisories:
                    click.echo(f"    ! {advisory}")
            seen += 1
            if count and seen >= count:
                return
    except KeyboardInterrupt:
        return
