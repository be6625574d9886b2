"""argos hits: hits on this node's entries, and of its cameras on partners' entries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from gateway.cli.shared import (
    admin_client,
    asking,
    echo_list,
    echo_record,
    json_option,
    message_dict,
    node_command,
    reply_command,
)
from gateway.wire.argos.v1 import admin_pb2 as pb


@click.group()
def hits() -> None:
    """Hits on this node's entries, and of its cameras on partners' entries."""


def _where(h: Any) -> str:
    loc = h.location
    return "/".join(x for x in (loc.zone, loc.site, loc.camera) if x) or "-"


@node_command(hits, "list")
@click.option("--observed", is_flag=True, help="Hits of this node's cameras on partners' entries.")
@click.option("--entry", "entry_id", default="", help="Only hits on this entry.")
@click.option("--limit", type=int, default=100, show_default=True)
@json_option
def hits_list(
    home: Path, token_file: Path | None, observed: bool, entry_id: str, limit: int, as_json: bool
) -> None:
    """Newest first: by default the hits on this node's own entries (seen by its own
    cameras or notified by partners)."""
    r = admin_client(home, token_file).call(
        "ListHits", pb.ListHitsRequest(observed=observed, entry_id=entry_id, limit=limit)
    )
    echo_list(
        r.hits,
        as_json,
        as_dict=message_dict,
        columns=("hit", "seen", "by", "entry", "match", "where"),
        row=lambda h: (
            h.hit_id,
            h.observed_at.ToJsonString(),
            h.observer,
            h.entry_id,
            "fuzzy" if h.match == 2 else "exact",
            _where(h),
        ),
    )


reply_command(
    hits,
    "show",
    "One hit, with as much of its location as this node may know.",
    asking("GetHit", pb.GetHitRequest),
    click.argument("hit_id"),
    show=lambda reply, as_json: echo_record(message_dict(reply.hit), as_json, "{key:18} {value}"),
)
