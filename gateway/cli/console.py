"""argos console: the web console beside a running node (issue 18), over HTTPS with the
node's own certificate, calling the node's local API as each signed-in person."""

from __future__ import annotations

from pathlib import Path

import click

from gateway.cli.shared import fail, home_option
from gateway.domain.errors import ArgosError


@click.command()
@home_option
@click.option(
    "--listen",
    default=None,
    help="host:port to serve HTTPS on (default: node.toml's [console] listen, "
    "else 127.0.0.1:8443).",
)
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"]),
    default="info",
    show_default=True,
)
def console(home: Path, listen: str | None, log_level: str) -> None:
    """Run the console of the node in --home in the foreground until Ctrl-C or SIGTERM.
    People sign in with the console credentials an administrator set for them (see
    docs/admin-guide.md, "The console"); the node checks every log-in and every act."""
    from gateway.console.config import console_config
    from gateway.console.server import serve
    from gateway.node.logs import configure_logging

    configure_logging(log_level)
    try:
        config = console_config(home, listen)
    except ArgosError as exc:
        fail(str(exc))
    if not config.tls_cert.is_file() or not config.tls_key.is_file():
        fail(f"the node's TLS certificate or key is missing ({config.tls_cert})")
    click.echo(f"console of {config.node_id}: {config.url}", err=True)
    serve(config)
