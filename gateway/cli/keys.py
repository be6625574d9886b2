"""argos keys: this node's own keys. `argos keys rotate signing` and
`argos keys revoke-signing` change its Ed25519 signing key (gateway/cli/signing_keys.py
holds them); other kinds of key join the group beside them."""

from __future__ import annotations

import click


@click.group()
def keys() -> None:
    """This node's own keys: rotate them, revoke a stolen one."""


@keys.group()
def rotate() -> None:
    """Replace one of this node's keys with a new one."""
