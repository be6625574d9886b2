"""Every `argos ...` is a process of its own (the tests run thousands), so a command
imports what it needs and nothing more: `argos --help` lists every command without
importing any of them, and a command that asks the node one thing imports neither the
other commands nor the node's own code (services, store, codecs) nor the libraries only
other commands use (rich for tables, cryptography, structlog). gateway/cli/main.py says
how; these tests run the real command in a fresh process and read what it imported."""

from __future__ import annotations

import json
import os
import pkgutil
import subprocess
import sys
from importlib import import_module
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import gateway.cli
from gateway.cli.main import cli
from gateway.federation import LocalFederation

# Runs `python -m gateway ARGS` as argos does and writes the names of the modules it
# imported to OUT when the process ends (also when the command exits non-zero).
RECORDING = """
import atexit, json, runpy, sys
out = sys.argv.pop(1)
atexit.register(lambda: open(out, "w").write(json.dumps(sorted(sys.modules))))
runpy.run_module("gateway", run_name="__main__", alter_sys=True)
"""

# What no command that only asks the running node may import.
NODE_SIDE = ("gateway.services", "gateway.store", "gateway.bootstrap", "gateway.node.server")
ONLY_FOR_OTHERS = ("gateway.wire.admin_codec", "rich", "cryptography", "structlog")


def modules_loaded_by(tmp_path: Path, *args: str, env: dict[str, str] | None = None):
    """The modules `argos ARGS` imported, and its completed process."""
    out = tmp_path / "modules.json"
    out.unlink(missing_ok=True)
    done = subprocess.run(
        [sys.executable, "-c", RECORDING, str(out), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )
    return set(json.loads(out.read_text())), done


def under(modules: set[str], *packages: str) -> list[str]:
    return sorted(m for m in modules if m.startswith(packages) or m in packages)


def the_commands_themselves() -> dict[str, click.Command]:
    """Every top-level command, found without COMMANDS: each command object of the
    modules of gateway/cli that is no other command's subcommand."""
    found: dict[int, click.Command] = {}
    for info in pkgutil.iter_modules(gateway.cli.__path__):
        module = import_module(f"gateway.cli.{info.name}")
        for value in vars(module).values():
            if isinstance(value, click.Command) and value is not cli:
                found[id(value)] = value
    children = {
        id(child)
        for command in found.values()
        if isinstance(command, click.Group)
        for child in command.commands.values()
    }
    return {c.name: c for key, c in found.items() if key not in children and c.name}


def test_argos_help_imports_no_command_and_nothing_of_the_node(tmp_path):
    modules, done = modules_loaded_by(tmp_path, "--help")
    assert done.returncode == 0, done.stderr
    for name in the_commands_themselves():
        assert f"\n  {name} " in done.stdout
    assert under(modules, "gateway.cli") == ["gateway.cli", "gateway.cli.main"]
    assert under(modules, *NODE_SIDE, *ONLY_FOR_OTHERS, "gateway.node", "gateway.wire") == []
    assert under(modules, "grpc", "google.protobuf") == []


def test_argos_answers_as_it_did_with_every_command_imported():
    """`argos --help` (its listing: every command with its one-line help, shortened to
    the width), `argos` alone, and an unknown command refused with the nearest one
    suggested, against a group holding the commands themselves."""
    commands = the_commands_themselves()
    eager = click.Group(
        "argos",
        commands=list(commands.values()),
        help=cli.help,
        context_settings=cli.context_settings,
    )
    runner = CliRunner()
    for width in (50, 80, 120, 400):  # click shortens the one-line help to fit
        for args in (["--help"], [], ["statsu"], ["-h"]):
            lazy = runner.invoke(cli, args, prog_name="argos", terminal_width=width)
            before = runner.invoke(eager, args, prog_name="argos", terminal_width=width)
            assert (lazy.exit_code, lazy.output) == (before.exit_code, before.output), args
    assert "Did you mean 'status'?" in runner.invoke(cli, ["statsu"]).output


# Walks one top-level command as `argos NAME ...` finds it in a fresh process (with only
# the modules that loading NAME imports): the help of NAME and of each of its commands.
WALK = """
import json, sys
import click
from click.testing import CliRunner
from gateway.cli.main import cli

def walk(path, command, out):
    shown = CliRunner().invoke(cli, [*path, "--help"], prog_name="argos", terminal_width=100)
    out[" ".join(path)] = shown.output
    if isinstance(command, click.Group):
        context = click.Context(command)
        for name in command.list_commands(context):
            walk([*path, name], command.get_command(context, name), out)

out = {}
walk([sys.argv[1]], cli.get_command(click.Context(cli), sys.argv[1]), out)
print(json.dumps(out))
"""


def test_each_group_alone_has_every_subcommand_and_the_help_it_had():
    """A group that other modules add to (partner, keys, user) brings them when it is
    run alone: each top-level group, walked in a process of its own, shows the same
    subcommands and help as with every module of gateway/cli imported."""
    expected: dict[str, str] = {}
    runner = CliRunner()

    def walk(path: list[str], command: click.Command) -> None:
        shown = runner.invoke(cli, [*path, "--help"], prog_name="argos", terminal_width=100)
        expected[" ".join(path)] = shown.output
        if isinstance(command, click.Group):
            context = click.Context(command)
            for name in command.list_commands(context):
                walk([*path, name], command.commands[name])

    # Every module imported: the whole tree. A plain command has nothing to add to.
    groups = {n: c for n, c in the_commands_themselves().items() if isinstance(c, click.Group)}
    for name, group in groups.items():
        walk([name], group)
    alone = {
        name: subprocess.Popen(
            [sys.executable, "-c", WALK, name], stdout=subprocess.PIPE, text=True
        )
        for name in groups
    }
    found: dict[str, str] = {}
    for name, process in alone.items():
        output, _ = process.communicate(timeout=120)
        assert process.returncode == 0, name
        found.update(json.loads(output))
    assert sorted(found) == sorted(expected)
    for path, help_text in expected.items():
        assert found[path] == help_text, path
    assert {"partner announce", "partner keys add", "keys rotate token", "user totp-code"} <= set(
        found
    )


def investigator(node) -> dict[str, str]:
    return {"ARGOS_HOME": str(node.home), "ARGOS_TOKEN_FILE": str(node.home / "ivo.token")}


@pytest.fixture(scope="module")
def node(tmp_path_factory, certs):
    federation = LocalFederation(tmp_path_factory.mktemp("nodes"), certs, ("be-gent",))
    try:
        federation.start()
        federation["be-gent"].add_user("ivo", "investigator")
        yield federation["be-gent"]
    finally:
        federation.stop()


def test_a_command_asking_the_node_loads_only_that_command_and_its_client(node, tmp_path):
    """`argos confirm list --json` (the most frequent kind of call in the tests)."""
    modules, done = modules_loaded_by(tmp_path, "confirm", "list", "--json", env=investigator(node))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []
    assert under(modules, *NODE_SIDE, *ONLY_FOR_OTHERS) == []
    # confirm takes the purposes' names from agreement; no other command is imported.
    others = [c.callback.__module__ for c in the_commands_themselves().values() if c.callback]
    loaded = set(under(modules, *others))
    assert loaded == {"gateway.cli.confirm", "gateway.cli.agreement"}
    # Only the admin service is asked: the other services' generated stubs stay out.
    assert [m for m in modules if m.endswith("_pb2_grpc")] == [
        "gateway.wire.argos.v1.admin_pb2_grpc"
    ]


def test_a_command_whose_node_is_not_running_fails_as_before(tmp_path, node):
    """The node's folder without its node: exit 6 and the same message, and still
    nothing of the node side imported."""
    node.stop()
    try:
        modules, done = modules_loaded_by(
            tmp_path, "confirm", "list", "--json", env=investigator(node)
        )
    finally:
        node.start()
    assert done.returncode == 6
    assert done.stderr.strip() == (
        "error: node be-gent is not running (start it with `argos serve`)"
    )
    assert under(modules, *NODE_SIDE, *ONLY_FOR_OTHERS) == []
