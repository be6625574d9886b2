"""argos: run a port node and administer it.

Every command except init, serve, identity, demo and user totp-code talks to the running
node over its local admin socket, as a local user identified by a token (--token-file,
ARGOS_TOKEN_FILE or ARGOS_TOKEN; by default the node folder's admin.token).

This module only assembles the command: each group lives in its own module beside it,
and what they share (options, the node client, output) in gateway/cli/shared.py. A
command's module is imported only when that command runs or its own help is asked: every
`argos ...` is a process of its own, and importing every command (with the services,
codecs and libraries they use) cost each of them about half a second of CPU. COMMANDS
is what `argos --help` lists; tests/unit/test_cli_loads_lazily.py holds it to the
commands themselves."""

from __future__ import annotations

from importlib import import_module

import click

# Each top-level command: the module of gateway/cli that defines it (under the command's
# own name) and its one-line help, the first sentence of its docstring.
COMMANDS: dict[str, tuple[str, str]] = {
    "init": (
        "node",
        "Create a node folder: config, a new Ed25519 signing key, the database and a "
        "first admin user whose token is written to HOME/admin.token (owner-only).",
    ),
    "serve": ("node", "Run the node in the foreground until Ctrl-C or SIGTERM."),
    "identity": (
        "node",
        "What partners need to register this node: node id, endpoint, public key, and "
        "the certificate fingerprint.",
    ),
    "status": (
        "node",
        "One screen on the node: identity, partners (reachable now?, sync lag, outbox), "
        "how fresh each partner feed is, agreements, own entries near review, open "
        "confirmations near their deadline, camera adapters, certificates near their "
        "end, audit log size.",
    ),
    "backup": (
        "node",
        "Back up the RUNNING node: a consistent copy of its database taken while it "
        "works, with its config, signing key, token secret and TLS files, encrypted "
        "under the passphrase.",
    ),
    "restore": (
        "node",
        "Restore a backup into a new node folder, check its audit chain against its "
        "signed head, and record the restore in it.",
    ),
    "partner": ("partner", "Register and list partner nodes."),
    "agreement": (
        "agreement",
        "Propose, countersign, amend, suspend, resume and revoke sharing agreements.",
    ),
    "hotlist": (
        "hotlist",
        "This node's own hotlist: add, update, withdraw, list, show, import.",
    ),
    "sync": ("sync", "Hotlist sync with partners."),
    "user": ("user", "Local users: their roles, tokens and standing."),
    "audit": ("audit", "Read and verify the hash-chained audit log."),
    "reads": ("reads", "Camera reads (as adapters hand them to the node)."),
    "alerts": ("alerts", "Alerts for the control room."),
    "hits": ("hits", "Hits on this node's entries, and of its cameras on partners' entries."),
    "confirm": (
        "confirm",
        "Hit confirmations and retrospective queries with partner investigators.",
    ),
    "adapter": ("adapter", "Adapters between a port's ANPR backend and its node."),
    "demo": (
        "demo",
        "Run the four-port federation on this machine and show what it does: camera "
        "traffic with a live view, an investigator story, a console per port with a "
        "demo log-in per role, a summary and every audit log verified.",
    ),
    "console": (
        "console",
        "Run the console of the node in --home in the foreground until Ctrl-C or SIGTERM.",
    ),
    "isc": ("isc", "The Dutch ISC over STIX 2.1 / TAXII 2.1."),
    "keys": ("keys", "This node's own keys: rotate them, revoke a stolen one."),
    "tls": ("tls", "This node's TLS certificate."),
    "retention": ("retention", "Retention rules and what is held under them."),
    "sessions": ("sessions", "Console sessions held by the node: list them, end them."),
}

# Modules that add subcommands to another module's group, imported with that group:
# `partner announce`, `partner changes` and `partner keys ...`; `keys rotate signing`,
# `keys rotate token` and `keys end-overlap token`; `user set-password` and
# `user totp-code`.
EXTENDED_BY: dict[str, tuple[str, ...]] = {
    "partner": ("partner_changes", "signing_keys"),
    "keys": ("signing_keys", "token_keys"),
    "user": ("sessions",),
}


class LazyCommands(click.Group):
    """The top-level group, whose commands are found in COMMANDS and imported on use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, _ = COMMANDS[cmd_name]
        for extension in EXTENDED_BY.get(cmd_name, ()):
            import_module(f"gateway.cli.{extension}")
        command: click.Command = getattr(import_module(f"gateway.cli.{module}"), cmd_name)
        return command

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except click.exceptions.NoSuchCommand as unknown:
            # click suggests the nearest of the commands it holds ("Did you mean
            # 'status'?"): all of them, not only those imported.
            raise click.exceptions.NoSuchCommand(
                unknown.command_name, possibilities=COMMANDS, ctx=ctx
            ) from None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The listing of `argos --help`, as click makes it, from COMMANDS alone."""
        listing = click.Group(
            commands=[click.Command(name, help=help) for name, (_, help) in COMMANDS.items()]
        )
        listing.format_commands(ctx, formatter)


@click.group(cls=LazyCommands, context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Argos Gateway: hotlists, hits and confirmations between port police nodes."""


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
