"""The plate-token secret commands (issue 15): `argos keys rotate token` starts a new
epoch, `argos keys end-overlap token` ends the overlap once every feed was re-sent,
`argos keys token-status` shows this node's epochs and the partners' keys it holds."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click

from gateway.cli.keys import keys, rotate
from gateway.cli.shared import admin_client, json_option, message_dict, node_command
from gateway.wire.argos.v1 import admin_pb2 as pb

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def overlap_seconds(text: str) -> int:
    """'24h', '90m', '2d' or plain seconds."""
    m = re.fullmatch(r"(\d+)([smhd]?)", text.strip())
    if not m:
        raise click.BadParameter(f"{text!r} is not a duration such as 24h, 90m or 2d")
    return int(m.group(1)) * _UNITS[m.group(2) or "s"]


@node_command(rotate, "token")
@click.option("--overlap", default="24h", show_default=True, help="e.g. 24h, 90m, 2d")
@json_option
def rotate_token(home: Path, token_file: Path | None, overlap: str, as_json: bool) -> None:
    """New plate-token master secret: every token feed re-sends its entries under it;
    partners match under old and new keys until the overlap ends."""
    r = admin_client(home, token_file).call(
        "RotateTokenSecret", pb.RotateTokenSecretRequest(overlap_s=overlap_seconds(overlap))
    )
    if as_json:
        click.echo(json.dumps(message_dict(r, every_field=True)))
        return
    click.echo(
        f"token secret epoch {r.epoch}: {r.token_feeds} feed(s) re-send their entries; "
        f"the previous epoch ends {r.overlap_ends_at.ToJsonString()}"
    )


@keys.group("end-overlap")
def end_overlap() -> None:
    """End a key's overlap early."""


@node_command(end_overlap, "token")
def end_overlap_token(home: Path, token_file: Path | None) -> None:
    """Erase the previous token secrets now (refused while a feed is still re-sending)."""
    r = admin_client(home, token_file).call(
        "EndTokenSecretOverlap", pb.EndTokenSecretOverlapRequest()
    )
    epochs = ", ".join(map(str, r.retired_epochs)) or "none"
    click.echo(f"token secret epochs erased: {epochs}")


@node_command(keys, "token-status")
@json_option
def keys_status(home: Path, token_file: Path | None, as_json: bool) -> None:
    """Token epochs of this node, feeds still re-sending, and partners' keys held."""
    r = admin_client(home, token_file).call(
        "GetTokenSecretStatus", pb.GetTokenSecretStatusRequest()
    )
    if as_json:
        click.echo(json.dumps(message_dict(r, every_field=True)))
        return
    click.echo(f"token secret epoch {r.current_epoch}; feeds still re-sending: {r.feeds_pending}")
    for e in r.epochs:
        state = "erased" if e.HasField("retired_at") else "held"
        click.echo(f"  epoch {e.epoch}: {state}")
    for k in r.received:
        epochs = ",".join(map(str, k.epochs_held))
        click.echo(f"  received {k.agreement_id[:8]}: epochs {epochs}, {k.keys_in_index} in index")
