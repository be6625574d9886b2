"""argos hits: hits on this node's entries, and of its cameras on partners' entries."""

from __future__ import annotations

import json

import click
from google.protobuf.json_format import MessageToDict
from rich.console import Console
from rich.table import Table

from gateway.cli.shared import admin_client, home_option, json_option, token_option
from gateway.wire.argos.v1 import admin_pb2 as pb


@click.group()
def hits() -> None:
    """Hits on this node's entries, and of its cameras on partners' entries."""


def _hit_dict(h) -> dict:
    return MessageToDict(h, preserving_proto_field_name=True)


@hits.command("list")
@home_option
@token_option
@click.option("--observed", is_flag=True, help="Hits of this node's cameras on partners' entries.")
@click.option("--entry", "entry_id", default="", help="Only hits on this entry.")
@click.option("--limit", type=int, default=100, show_default=True)
@json_option
def hits_list(home, token_file, observed, entry_id, limit, as_json) -> None:
    """Newest first: by default the hits on this node's own entries (seen by its own
    cameras or notified by partners)."""
    r = admin_client(home, token_file).call(
        "ListHits", pb.ListHitsRequest(observed=observed, entry_id=entry_id, limit=limit)
    )
    if as_json:
        click.echo(json.dumps([_hit_dict(h) for h in r.hits]))
        return
    table = Table("hit", "seen", "by", "entry", "match", "where")
    for h in r.hits:
        loc = h.location
        where = "/".join(x for x in (loc.zone, loc.site, loc.camera) if x) or "-"
        table.add_row(
            h.hit_id,
            h.observed_at.ToJsonString(),
            h.observer,
            h.entry_id,
            "fuzzy" if h.match == 2 else "exact",
            where,
        )
    Console().print(table)


@hits.command("show")
@home_option
@token_option
@click.argument("hit_id")
@json_option
def hits_show(home, token_file, hit_id, as_json) -> None:
    """One hit, with as much of its location as this node may know."""
    h = admin_client(home, token_file).call("GetHit", pb.GetHitRequest(hit_id=hit_id)).hit
    if as_json:
        click.echo(json.dumps(_hit_dict(h)))
        return
    for key, value in _hit_dict(h).items():
        click.echo(f"{key:18} {value}")
