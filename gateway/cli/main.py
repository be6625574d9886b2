"""argos: run a port node and administer it.

Every command except init, serve, identity, demo and user totp-code talks to the running
node over its local admin socket, as a local user identified by a token (--token-file,
ARGOS_TOKEN_FILE or ARGOS_TOKEN; by default the node folder's admin.token).

This module only assembles the command: each group lives in its own module beside it,
and what they share (options, the node client, output) in gateway/cli/shared.py."""

from __future__ import annotations

import click

from gateway.cli import (
    adapter,
    agreement,
    alerts,
    audit,
    confirm,
    console,
    demo,
    hits,
    hotlist,
    isc,
    keys,
    node,
    partner,
    partner_changes,
    reads,
    retention,
    sessions,
    signing_keys,  # noqa: F401 - adds `keys rotate signing`, `partner keys ...`
    sync,
    tls,
    token_keys,  # noqa: F401 - adds `keys rotate token`, `keys end-overlap token`
    user,
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Argos Gateway: hotlists, hits and confirmations between port police nodes."""


for command in (
    node.init,
    node.serve,
    node.identity,
    node.status,
    node.backup,
    node.restore,
    partner.partner,
    agreement.agreement,
    hotlist.hotlist,
    sync.sync,
    user.user,
    audit.audit,
    reads.reads,
    alerts.alerts,
    hits.hits,
    confirm.confirm,
    adapter.adapter,
    demo.demo,
    console.console,
    isc.isc,
    keys.keys,
    tls.tls,
    retention.retention,
    sessions.sessions,  # and `user set-password`, `user totp-code`
):
    cli.add_command(command)
# A partner's move, announced and decided: beside partner add/update/remove.
partner.partner.add_command(partner_changes.partner_announce)
partner.partner.add_command(partner_changes.changes)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
