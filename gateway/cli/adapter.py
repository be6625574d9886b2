"""argos adapter: run one of the adapters that sit between a port's ANPR backend and
its node (each lives in adapters/ and is imported only when run)."""

from __future__ import annotations

from pathlib import Path

import click


@click.group()
def adapter() -> None:
    """Adapters between a port's ANPR backend and its node."""


@adapter.command("run")
@click.argument(
    "kind",
    type=click.Choice(
        [
            "hikvision",
            "axis",
            "openalpr",
            "genetec",
            "folder",
            "webhook",
            "hotlist-export",
            "read-history",
        ]
    ),
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    required=True,
    help="Adapter TOML: node_socket, token_file, site, listen, quarantine_dir, images_dir "
    "(webhook: node_socket, token_file, url, secret_file, spool_path, max_backoff_s; "
    "hotlist-export: node_socket, token_file, format, output, list_name, interval_s; "
    "read-history: backend, listen, site and a [hikvision], [openalpr] or [store] table).",
)
def adapter_run(kind: str, config_path: Path) -> None:
    """Listen for one vendor's pushed reads and hand them to the node; (webhook) send
    the node's alerts, signed, to a control-room system; (hotlist-export) keep the local
    backend's hotlist file; (read-history) answer the node's read-history searches from
    the backend's own search. Ctrl-C stops."""
    if kind == "webhook":
        from adapters.webhook import run as run_webhook

        run_webhook(config_path)
        return
    if kind == "hotlist-export":
        from adapters.hotlist_export import run as run_export

        run_export(config_path)
        return
    if kind == "read-history":
        from adapters.history.service import run as run_history

        run_history(config_path)
        return
    from adapters.runtime import run

    run(kind, config_path)
