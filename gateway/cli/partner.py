"""argos partner: register, list, change and remove the partner nodes this node
federates with."""

from __future__ import annotations

from pathlib import Path

import click

from gateway.cli.client import EXIT_NOT_FOUND
from gateway.cli.shared import (
    admin_client,
    echo_list,
    echo_record,
    fail,
    json_option,
    node_command,
)
from gateway.domain.errors import InvalidInput
from gateway.wire.argos.v1 import admin_pb2 as pb


@click.group()
def partner() -> None:
    """Register and list partner nodes."""


@node_command(partner, "add")
@click.argument("node_id")
@click.option("--endpoint", required=True, help="host:port of the partner's federation API.")
@click.option("--public-key", required=True, help="Partner's Ed25519 public key, hex.")
@click.option(
    "--ca-cert",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    required=True,
    help="CA that issues the partner's certificates, or its own certificate when pinning.",
)
@click.option("--pin-sha256", default="", help="Pin the partner certificate's SHA-256.")
def partner_add(
    home: Path,
    token_file: Path | None,
    node_id: str,
    endpoint: str,
    public_key: str,
    ca_cert: Path,
    pin_sha256: str,
) -> None:
    """Register NODE_ID as a partner."""
    try:
        raw_key = bytes.fromhex(public_key)
    except ValueError:
        fail("--public-key must be hex (see `argos identity` on the partner's node)")
    request = pb.AddPartnerRequest(
        partner=pb.Partner(
            node_id=node_id,
            endpoint=endpoint,
            public_key=raw_key,
            tls_ca_pem=ca_cert.read_text(),
            tls_pin_sha256=pin_sha256,
        )
    )
    r = admin_client(home, token_file).call("AddPartner", request)
    click.echo(f"partner {r.partner.node_id} registered (key {r.partner.key_id})")


@node_command(partner, "list")
@json_option
def partner_list(home: Path, token_file: Path | None, as_json: bool) -> None:
    """List registered partners."""
    r = admin_client(home, token_file).call("ListPartners", pb.ListPartnersRequest())
    echo_list(
        r.partners,
        as_json,
        as_dict=lambda p: {"node_id": p.node_id, "endpoint": p.endpoint, "key_id": p.key_id},
        columns=("partner", "endpoint", "signing key", "TLS trust"),
        row=lambda p: (p.node_id, p.endpoint, p.key_id, "pinned" if p.tls_pin_sha256 else "CA"),
    )


@node_command(partner, "update")
@click.argument("node_id")
@click.option("--endpoint", help="New host:port of the partner's federation API.")
@click.option(
    "--ca-cert",
    "--ca",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="New CA that issues the partner's certificates (or its own certificate when "
    "pinning); a bundle of several CAs (old and new) during the partner's changeover.",
)
@click.option("--pin-sha256", help="New SHA-256 pin of the partner's certificate.")
@click.option("--no-pin", is_flag=True, help="Remove the pin: trust the partner's CA again.")
@click.option("--justification", required=True, help="Why (audited).")
@json_option
def partner_update(
    home: Path,
    token_file: Path | None,
    node_id: str,
    endpoint: str | None,
    ca_cert: Path | None,
    pin_sha256: str | None,
    no_pin: bool,
    justification: str,
    as_json: bool,
) -> None:
    """Change NODE_ID in place: its endpoint, its CA (or CA bundle), its pin, or several
    in one audited change. Its agreements stay in force and nothing received from it is
    purged; calls to and from it use the change from the next call on."""
    if no_pin and pin_sha256 is not None:
        fail("give either --pin-sha256 or --no-pin, not both")
    request = pb.ChangePartnerTrustRequest(node_id=node_id, justification=justification)
    if endpoint is not None:
        request.endpoint = endpoint
    if ca_cert is not None:
        request.tls_ca_pem = ca_cert.read_text()
    if pin_sha256 is not None or no_pin:
        request.tls_pin_sha256 = "" if no_pin else pin_sha256
    if not any(request.HasField(f) for f in ("endpoint", "tls_ca_pem", "tls_pin_sha256")):
        fail("give --endpoint, --ca-cert, --pin-sha256 or --no-pin")
    r = admin_client(home, token_file).call("ChangePartnerTrust", request)
    echo_record(changed(r.previous, r.partner), as_json)


def changed(previous: pb.Partner, now: pb.Partner) -> dict[str, str]:
    """A partner before and after a change, as shown: "old -> new" where it changed."""
    return {
        "partner": now.node_id,
        "endpoint": _change(previous.endpoint, now.endpoint),
        "ca_sha256": _change(_fingerprints(previous), _fingerprints(now)),
        "pin_sha256": _change(previous.tls_pin_sha256 or "none", now.tls_pin_sha256 or "none"),
    }


@node_command(partner, "show")
@click.argument("node_id")
@json_option
def partner_show(home: Path, token_file: Path | None, node_id: str, as_json: bool) -> None:
    """Show NODE_ID: its endpoint, signing key, pin, and each CA (or the pinned
    certificate) it is trusted by, with its SHA-256 and the end of its validity."""
    r = admin_client(home, token_file).call("ListPartners", pb.ListPartnersRequest())
    found = [p for p in r.partners if p.node_id == node_id]
    if not found:
        fail(f"{node_id} is not a registered partner", EXIT_NOT_FOUND)
    p = found[0]
    # Here, not at the top: cryptography's x509 costs every other command its import.
    from gateway.domain.certificates import PARTNER_CA, PARTNER_PINNED, bundle_expiries

    kind = PARTNER_PINNED if p.tls_pin_sha256 else PARTNER_CA
    trusted = [
        {
            "sha256": sha,
            "not_after": e.not_after.isoformat() if e.not_after else e.problem,
        }
        for sha, e in zip(
            _fingerprint_list(p), bundle_expiries(p.node_id, kind, p.tls_ca_pem), strict=False
        )
    ]
    if as_json:
        echo_record(
            {
                "partner": p.node_id,
                "endpoint": p.endpoint,
                "key_id": p.key_id,
                "pin_sha256": p.tls_pin_sha256,
                "tls_trust": "pinned" if p.tls_pin_sha256 else "CA",
                "ca": trusted,
            },
            True,
        )
        return
    click.echo(f"partner: {p.node_id}")
    click.echo(f"endpoint: {p.endpoint}")
    click.echo(f"signing key: {p.key_id}")
    click.echo(f"pin_sha256: {p.tls_pin_sha256 or 'none'}")
    label = "pinned certificate" if p.tls_pin_sha256 else "CA"
    for t in trusted:
        click.echo(f"{label}: sha256 {t['sha256']} valid until {t['not_after']}")


def _fingerprint_list(p: pb.Partner) -> list[str]:
    from gateway.domain.peer import bundle_fingerprints  # cryptography: see partner_show

    try:
        return list(bundle_fingerprints(p.tls_ca_pem))
    except InvalidInput:
        return ["unreadable"]


def _fingerprints(p: pb.Partner) -> str:
    from gateway.domain.peer import bundle_fingerprints  # cryptography: see partner_show

    try:
        return ",".join(bundle_fingerprints(p.tls_ca_pem))
    except InvalidInput:
        return "unreadable"


def _change(old: str, new: str) -> str:
    return new if old == new else f"{old} -> {new}"


@node_command(partner, "remove")
@click.argument("node_id")
@click.option("--justification", required=True)
def partner_remove(home: Path, token_file: Path | None, node_id: str, justification: str) -> None:
    """Remove a partner (refused while an agreement with it is in force)."""
    admin_client(home, token_file).call(
        "RemovePartner", pb.RemovePartnerRequest(node_id=node_id, justification=justification)
    )
    click.echo(f"partner {node_id} removed")
