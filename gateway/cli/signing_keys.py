"""The signing-key commands: this node's own chain (`argos keys rotate signing`,
`argos keys revoke-signing`, `argos keys signing`) and a partner's
(`argos partner keys show|add|retire|confirm`)."""

from __future__ import annotations

import base64
import binascii
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import click

from gateway.cli.keys import keys, rotate
from gateway.cli.partner import partner
from gateway.cli.shared import (
    admin_client,
    echo_json,
    echo_list,
    fail,
    json_option,
    message_dict,
    node_command,
    timestamp_from,
)
from gateway.wire.argos.v1 import admin_pb2 as pb

_DURATION = re.compile(r"^(\d+)([smhd])$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_overlap(text: str) -> timedelta:
    """ "7d", "12h", "30m", "90s"."""
    match = _DURATION.match(text.strip())
    if not match:
        fail(f"--overlap {text!r} is not a duration such as 7d, 12h, 30m or 90s")
    return timedelta(seconds=int(match[1]) * _UNIT[match[2]])


def _key_dict(k: pb.ChainKey) -> dict[str, Any]:
    return message_dict(k) | {"public_key": k.public_key.hex()}


def _key_row(k: pb.ChainKey) -> tuple[str, ...]:
    def when(field: str) -> str:
        return getattr(k, field).ToJsonString() if k.HasField(field) else ""

    return (
        str(k.sequence) if k.HasField("sequence") else "-",
        k.key_id,
        k.fingerprint,
        k.state,
        when("valid_from"),
        when("accept_until"),
        when("revoked_since"),
    )


_COLUMNS = ("seq", "key id", "fingerprint", "state", "valid from", "accepted until", "revoked")


def _echo_keys(chain: list[pb.ChainKey], as_json: bool) -> None:
    echo_list(chain, as_json, as_dict=_key_dict, columns=_COLUMNS, row=_key_row)


# -- this node's own chain -------------------------------------------------------------------


@node_command(rotate, "signing")
@click.option(
    "--overlap",
    default="7d",
    show_default=True,
    help="How long partners still accept the old key for new messages (e.g. 7d, 12h).",
)
@click.option("--justification", default="scheduled signing-key rotation", show_default=True)
@json_option
def rotate_signing(
    home: Path, token_file: Path | None, overlap: str, justification: str, as_json: bool
) -> None:
    """Sign with a new Ed25519 key from now on and tell every partner (through the
    outbox, retried until each has it). Earlier keys are kept in keys/."""
    seconds = int(parse_overlap(overlap).total_seconds())
    r = admin_client(home, token_file).call(
        "RotateSigningKey",
        pb.RotateSigningKeyRequest(overlap_seconds=seconds, justification=justification),
    )
    if as_json:
        echo_json({"key": _key_dict(r.key), "partners": list(r.partners)})
        return
    click.echo(f"signing key   {r.key.key_id} (sequence {r.key.sequence})")
    click.echo(f"fingerprint   {r.key.fingerprint}")
    click.echo(f"told          {', '.join(r.partners) or 'no partner'} (through the outbox)")


@node_command(keys, "revoke-signing")
@click.option("--since", required=True, help="ISO 8601 time from which the key is not trusted.")
@click.option("--key-id", default="", help="The revoked key (default: the current key).")
@click.option("--justification", required=True, help="Why (audited).")
@json_option
def revoke_signing(
    home: Path, token_file: Path | None, since: str, key_id: str, justification: str, as_json: bool
) -> None:
    """A stolen signing key: rotate to a fresh key if it is current, revoke it since
    SINCE, and send every partner the revocation. Read the new key's fingerprint to each
    partner's administrator: they confirm it before they trust it."""
    r = admin_client(home, token_file).call(
        "RevokeSigningKey",
        pb.RevokeSigningKeyRequest(
            key_id=key_id, since=timestamp_from(since), justification=justification
        ),
    )
    if as_json:
        echo_json(
            {
                "revoked": _key_dict(r.revoked),
                "current": _key_dict(r.current),
                "partners": list(r.partners),
            }
        )
        return
    click.echo(f"revoked       {r.revoked.key_id} since {r.revoked.revoked_since.ToJsonString()}")
    click.echo(f"signing key   {r.current.key_id}")
    click.echo(f"fingerprint   {r.current.fingerprint} (read it to each partner's administrator)")
    click.echo(f"told          {', '.join(r.partners) or 'no partner'} (through the outbox)")


@node_command(keys, "signing")
@json_option
def signing_chain(home: Path, token_file: Path | None, as_json: bool) -> None:
    """This node's signing-key chain: every key, its window and state."""
    r = admin_client(home, token_file).call("ListSigningKeys", pb.ListSigningKeysRequest())
    _echo_keys(list(r.keys), as_json)


# -- a partner's chain -----------------------------------------------------------------------


@partner.group("keys")
def partner_keys() -> None:
    """A partner's signing keys: show, add or retire one, confirm a pending one."""


@node_command(partner_keys, "show")
@click.argument("node_id")
@json_option
def partner_keys_show(home: Path, token_file: Path | None, node_id: str, as_json: bool) -> None:
    """NODE_ID's key chain with windows and states, and what this node holds that a
    revoked key signed since its revocation."""
    r = admin_client(home, token_file).call(
        "ListPartnerKeys", pb.ListPartnerKeysRequest(node_id=node_id)
    )
    if as_json:
        echo_json(
            {
                "keys": [_key_dict(k) for k in r.keys],
                "held_signed_by_revoked": [message_dict(h) for h in r.held],
            }
        )
        return
    _echo_keys(list(r.keys), False)
    for h in r.held:
        click.echo(
            f"held since revocation, signed by {h.key_id}: {h.count} {h.kind} ({', '.join(h.ids)})"
        )


def read_public_key(value: str) -> bytes:
    """A public key as `partner add` takes it (hex), also base64, given as text or as a
    file holding it."""
    path = Path(value)
    text = path.read_text().strip() if path.is_file() else value.strip()
    for decode in (bytes.fromhex, lambda t: base64.b64decode(t, validate=True)):
        try:
            raw = decode(text)
        except (ValueError, binascii.Error):
            continue
        if len(raw) == 32:
            return raw
    fail("--key must be a 32-byte Ed25519 public key, hex or base64, or a file holding it")


@node_command(partner_keys, "add")
@click.argument("node_id")
@click.option("--key", "key", required=True, help="The new public key (hex/base64, or a file).")
@click.option("--justification", required=True, help="Why, and how it was checked (audited).")
@json_option
def partner_keys_add(
    home: Path, token_file: Path | None, node_id: str, key: str, justification: str, as_json: bool
) -> None:
    """Register NODE_ID's new signing key in place, after checking it with the partner out
    of band. Agreements stay in force; nothing received is purged."""
    r = admin_client(home, token_file).call(
        "AddPartnerKey",
        pb.AddPartnerKeyRequest(
            node_id=node_id, public_key=read_public_key(key), justification=justification
        ),
    )
    _echo_keys([r.key], as_json)


@node_command(partner_keys, "retire")
@click.argument("node_id")
@click.argument("key_id")
@click.option("--justification", required=True, help="Why (audited).")
@json_option
def partner_keys_retire(
    home: Path,
    token_file: Path | None,
    node_id: str,
    key_id: str,
    justification: str,
    as_json: bool,
) -> None:
    """KEY_ID of NODE_ID signs no new message from now on; it still verifies what it
    signed before."""
    r = admin_client(home, token_file).call(
        "RetirePartnerKey",
        pb.RetirePartnerKeyRequest(node_id=node_id, key_id=key_id, justification=justification),
    )
    _echo_keys([r.key], as_json)


@node_command(partner_keys, "confirm")
@click.argument("node_id")
@click.argument("fingerprint")
@click.option("--justification", required=True, help="Who read it to you, and how (audited).")
@json_option
def partner_keys_confirm(
    home: Path,
    token_file: Path | None,
    node_id: str,
    fingerprint: str,
    justification: str,
    as_json: bool,
) -> None:
    """Trust NODE_ID's pending key whose FINGERPRINT its administrator read out to you."""
    r = admin_client(home, token_file).call(
        "ConfirmPartnerKey",
        pb.ConfirmPartnerKeyRequest(
            node_id=node_id, fingerprint=fingerprint, justification=justification
        ),
    )
    _echo_keys([r.key], as_json)
