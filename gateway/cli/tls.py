"""argos tls: this node's TLS identity. `reload` serves a renewed certificate and key
(from the files the configuration names) on new connections without a restart."""

from __future__ import annotations

from pathlib import Path

import click

from gateway.cli.shared import admin_client, node_command
from gateway.wire.argos.v1 import admin_pb2 as pb


@click.group()
def tls() -> None:
    """This node's TLS certificate."""


@node_command(tls, "reload")
def tls_reload(home: Path, token_file: Path | None) -> None:
    """Read the certificate and key files again and serve them (refused, and the old
    certificate kept, if they do not parse, do not match, name another node or were
    not issued by the node's CA bundle)."""
    r = admin_client(home, token_file).call("ReloadTls", pb.ReloadTlsRequest())
    what = "now served" if r.changed else "unchanged (already served)"
    click.echo(
        f"certificate {what}: sha256 {r.fingerprint_sha256} serial {r.serial} "
        f"valid until {r.not_after.ToJsonString()}"
    )
