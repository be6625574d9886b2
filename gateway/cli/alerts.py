"""argos alerts: the control room's live view of hits and of confirmation requests
that need a person."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from gateway.cli.shared import admin_client, echo_json, json_option, message_dict, node_command
from gateway.wire.argos.v1 import confirmations_pb2 as cpb
from gateway.wire.argos.v1 import ingest_pb2


@click.group()
def alerts() -> None:
    """Alerts for the control room."""


@node_command(alerts, "watch")
@click.option("--count", type=int, default=0, help="Stop after this many alerts (0: never).")
@click.option(
    "--from",
    "after",
    type=click.IntRange(min=0),
    default=None,
    help="First replay every alert still kept after this position (the last one you "
    "saw; 0: all kept), then follow.",
)
@json_option
def alerts_watch(
    home: Path, token_file: Path | None, count: int, after: int | None, as_json: bool
) -> None:
    """Show every hit of this node's cameras as it happens, every confirmation
    request that needs a person (incoming, near its deadline, expired, answered), and
    every partner feed that goes stale or fresh again, each with its position (#n).
    Ctrl-C to stop; --from the last position shown to carry on without a gap."""
    client = admin_client(home, token_file)
    request = ingest_pb2.WatchAlertsRequest()
    if after is not None:
        request.after_position = after
    seen = 0
    try:
        for item in client.stream("WatchAlerts", request):
            if item.HasField("behind"):
                _echo_behind(item.behind, as_json)
                continue
            if item.HasField("confirmation"):
                _echo_confirmation(item.confirmation, item.position, as_json)
            elif item.HasField("feed"):
                _echo_feed(item.feed, item.position, as_json)
            elif item.HasField("mark"):
                _echo_mark(item.mark, item.position, as_json)
            else:
                _echo_hit(item.alert, item.position, as_json)
            seen += 1
            if count and seen >= count:
                return
    except KeyboardInterrupt:
        return


@node_command(alerts, "mark")
@click.argument("position", type=click.IntRange(min=1))
@click.option(
    "--as",
    "mark",
    type=click.Choice(["claimed", "acknowledged"]),
    required=True,
    help="claimed: you deal with it; acknowledged: seen, nothing more to do.",
)
@json_option
def alerts_mark(
    home: Path, token_file: Path | None, position: int, mark: str, as_json: bool
) -> None:
    """Mark the hit alert at POSITION (#n in `argos alerts watch`) for everyone
    watching; audited. The latest mark of an alert holds."""
    from gateway.wire import admin_codec  # here: it imports the services (see main.py)

    client = admin_client(home, token_file)
    kind = admin_codec.ALERT_MARKS[mark]
    reply = client.call_ingest(
        "MarkAlert", ingest_pb2.MarkAlertRequest(position=position, mark=kind)
    )
    if as_json:
        echo_json({"position": reply.position, "alert_position": position, "mark": mark})
    else:
        click.echo(f"#{position} {mark} (#{reply.position})")


def _echo_behind(n: Any, as_json: bool) -> None:
    if as_json:
        echo_json({"behind": message_dict(n)})
        return
    click.echo(
        f"BEHIND: this screen fell behind; catching up from #{n.resumes_after} "
        f"(newest #{n.newest}), nothing skipped"
    )


def _echo_confirmation(n: Any, position: int, as_json: bool) -> None:
    if as_json:
        echo_json({"confirmation": message_dict(n), "position": position})
        return
    kind = cpb.ConfirmationKind.Name(n.kind).removeprefix("CONFIRMATION_KIND_")
    click.echo(
        f"#{position}  CONFIRMATION {n.what}: {kind.lower()} {n.request_id} with "
        f"{n.partner}, deadline {n.deadline.ToJsonString()}"
    )


def _echo_feed(n: Any, position: int, as_json: bool) -> None:
    if as_json:
        echo_json({"feed": message_dict(n), "position": position})
        return
    head = n.last_head_at.ToJsonString() if n.HasField("last_head_at") else "never"
    stopped = "; reads are not matched against it" if n.matching_stopped else ""
    click.echo(
        f"#{position}  FEED {n.what.upper()}: {n.partner}'s feed under {n.agreement_id}, "
        f"last signed head {head}{stopped}"
    )


def _echo_mark(m: Any, position: int, as_json: bool) -> None:
    if as_json:
        echo_json({"mark": message_dict(m), "position": position})
        return
    from gateway.wire import admin_codec  # here: it imports the services (see main.py)

    mark = admin_codec.alert_mark_name(m.mark) or "unknown mark"
    click.echo(
        f"#{position}  {mark.upper()} by {m.by}: hit {m.hit_id} (#{m.alert_position}) "
        f"at {m.at.ToJsonString()}"
    )


def _echo_hit(a: Any, position: int, as_json: bool) -> None:
    if as_json:
        # The hit's fields at the top level, as before; its position beside them.
        echo_json({**message_dict(a), "position": position})
        return
    where = f"{a.site}/{a.camera}"
    whose = "own list" if not a.agreement_id else f"{a.entry_owner} ({a.agreement_id})"
    kind = "FUZZY" if a.match == 2 else "exact"
    click.echo(
        f"#{position}  {a.observed_at.ToJsonString()}  HIT {a.plate} [{a.country or '?'}] "
        f"{kind} at {where}  {a.category}, {a.action or 'no action shared'}  "
        f"entry {a.entry_id} of {whose}"
    )
    for advisory in a.advisories:
        click.echo(f"    ! {advisory}")
