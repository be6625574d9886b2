"""argos partner announce / changes: a move (new endpoint, certificate or CA) announced
by this node to its partners, and partners' announcements held here until the
administrator accepts or rejects each, named by its fingerprint."""

from __future__ import annotations

from pathlib import Path

import click

from gateway.cli.partner import changed, partner
from gateway.cli.shared import (
    admin_client,
    echo_json,
    echo_record,
    fail,
    json_option,
    node_command,
)
from gateway.wire.argos.v1 import admin_pb2 as pb

_PEM = click.Path(path_type=Path, dir_okay=False, exists=True)


@node_command(None, "announce")
@click.option("--endpoint", default="", help="This node's new host:port.")
@click.option(
    "--ca",
    "ca_bundle",
    type=_PEM,
    help="The CA, or a bundle of the old and the new CA during a changeover, that issue "
    "this node's certificates (for partners that trust it by its CA).",
)
@click.option(
    "--cert",
    type=_PEM,
    help="This node's new certificate (for partners that pin it). Announce it BEFORE "
    "serving it: the announcement travels over the current certificate.",
)
@click.option("--justification", required=True, help="Why (audited).")
@json_option
def partner_announce(
    home: Path,
    token_file: Path | None,
    endpoint: str,
    ca_bundle: Path | None,
    cert: Path | None,
    justification: str,
    as_json: bool,
) -> None:
    """Tell every partner that this node moves: a new endpoint, certificate or CA. Signed
    by this node's key, sent through the outbox (retried until each partner has it);
    each partner's administrator accepts it after comparing the fingerprint shown."""
    if not (endpoint or ca_bundle or cert):
        fail("give --endpoint, --ca or --cert")
    request = pb.AnnounceOwnChangeRequest(
        endpoint=endpoint,
        tls_ca_pem=ca_bundle.read_text() if ca_bundle else "",
        tls_cert_pem=cert.read_text() if cert else "",
        justification=justification,
    )
    r = admin_client(home, token_file).call("AnnounceOwnChange", request)
    echo_record(
        {"sequence": r.sequence, "fingerprint": r.fingerprint, "partners": list(r.partners)},
        as_json,
    )


def _record(c: pb.PartnerChangeRecord) -> dict:
    return {
        "partner": c.node_id,
        "sequence": c.sequence,
        "fingerprint": c.fingerprint,
        "state": c.state,
        "issued_at": c.issued_at.ToDatetime().isoformat() + "Z",
        "endpoint": c.endpoint,
        "ca_sha256": list(c.ca_sha256),
        "cert_sha256": c.cert_sha256,
    }


@click.group("changes", invoke_without_command=True)
@click.option(
    "--home",
    type=click.Path(path_type=Path, file_okay=False),
    envvar="ARGOS_HOME",
    help="Node folder (or ARGOS_HOME).",
)
@click.option(
    "--token-file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    envvar="ARGOS_TOKEN_FILE",
    help="File holding your user token (or ARGOS_TOKEN_FILE / ARGOS_TOKEN).",
)
@click.option("--partner", "node_id", default="", help="Only this partner's.")
@click.option("--all", "everything", is_flag=True, help="Decided ones too.")
@json_option
@click.pass_context
def changes(
    ctx: click.Context,
    home: Path | None,
    token_file: Path | None,
    node_id: str,
    everything: bool,
    as_json: bool,
) -> None:
    """Partners' announced moves: pending ones (or --all), each with the fingerprint to
    compare with the partner's administrator before `accept`."""
    if ctx.invoked_subcommand is not None:
        return
    if home is None:
        fail("give --home or ARGOS_HOME")
    r = admin_client(home, token_file).call(
        "ListPartnerChanges", pb.ListPartnerChangesRequest(node_id=node_id, all=everything)
    )
    if as_json:
        echo_json([_record(c) for c in r.changes])
        return
    # One block each, not a table: the fingerprint is read out whole on the phone.
    for c in r.changes:
        record = _record(c)
        click.echo(
            f"{c.node_id} #{c.sequence} {c.state}  fingerprint {c.fingerprint}"
            f"  (issued {record['issued_at']})"
        )
        if c.endpoint:
            click.echo(f"  endpoint: {c.endpoint}")
        for sha in c.ca_sha256:
            click.echo(f"  CA sha256: {sha}")
        if c.cert_sha256:
            click.echo(f"  certificate sha256: {c.cert_sha256}")
    if not r.changes:
        click.echo("no announcements" if everything else "no pending announcements")


def _decide(accept: bool):
    verb = "accept" if accept else "reject"

    @node_command(changes, verb)
    @click.argument("node_id")
    @click.argument("fingerprint")
    @click.option("--justification", required=True, help="Why (audited).")
    @json_option
    def decide(
        home: Path,
        token_file: Path | None,
        node_id: str,
        fingerprint: str,
        justification: str,
        as_json: bool,
    ) -> None:
        r = admin_client(home, token_file).call(
            "DecidePartnerChange",
            pb.DecidePartnerChangeRequest(
                node_id=node_id,
                fingerprint=fingerprint,
                accept=accept,
                justification=justification,
            ),
        )
        echo_record(
            {
                **changed(r.previous, r.partner),
                "change": r.change.fingerprint,
                "state": r.change.state,
            },
            as_json,
        )

    decide.help = f"{verb.capitalize()} NODE_ID's pending announcement FINGERPRINT" + (
        " and apply it: its agreements stay in force, nothing received is purged."
        if accept
        else ": nothing of the partner changes."
    )
    return decide


accept = _decide(True)
reject = _decide(False)

# A partner's move, announced and decided: beside partner add/update/remove.
partner.add_command(partner_announce)
partner.add_command(changes)
