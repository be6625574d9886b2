"""argos agreement: sharing agreements from proposal to revocation. The terms options
and their translation into a signed document's draft live here; the node signs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click
from google.protobuf.timestamp_pb2 import Timestamp

from gateway.cli.shared import (
    ReplyCommands,
    admin_client,
    asking,
    echo_field,
    echo_json,
    echo_list,
    fail,
    field_option,
    json_option,
    message_dict,
    node_command,
    options,
)
from gateway.domain.agreement import (
    CATEGORIES,
    DEFAULT_OBLIVIOUS_PER_DAY,
    DEFAULT_OBLIVIOUS_PER_S,
    Purpose,
)
from gateway.wire.argos.v1 import admin_pb2 as pb
from gateway.wire.argos.v1 import agreement_pb2 as apb

PURPOSES = {p.value: i for i, p in enumerate(Purpose, start=1)}
_GRANULARITY = {"none": 1, "zone": 2, "site": 3, "camera": 4}
_DIRECTION = {"both": 1, "proposer_to_partner": 2, "partner_to_proposer": 3}
_MATCHING = {"token": 1, "plaintext": 2, "oblivious": 3}
_FIELDS = ("action", "flags", "vehicle_description", "contact")


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


terms_options = options(
    click.option(
        "--categories",
        default=",".join(sorted(CATEGORIES)),
        show_default=True,
        help="Comma-separated hotlist categories.",
    ),
    click.option(
        "--purposes",
        default=Purpose.CRIMINAL_INVESTIGATION.value,
        show_default=True,
        help=f"Comma-separated, from: {', '.join(PURPOSES)}.",
    ),
    click.option("--matching", type=click.Choice(list(_MATCHING)), default="token"),
    click.option("--oblivious-budget", help="PER_S,PER_DAY evaluations (oblivious only)."),
    click.option(
        "--fields",
        default="action,flags",
        show_default=True,
        help=f"Optional entry fields shared, from: {', '.join(_FIELDS)}.",
    ),
    click.option("--direction", type=click.Choice(list(_DIRECTION)), default="both"),
    click.option("--hit-notification/--no-hit-notification", default=True),
    click.option("--granularity", type=click.Choice(list(_GRANULARITY)), default="site"),
    click.option("--confirmations/--no-confirmations", default=True),
    click.option("--deadline-hours", type=int, default=12, show_default=True),
    click.option("--entry-retention-days", type=int, default=30, show_default=True),
    click.option("--hit-retention-days", type=int, default=28, show_default=True),
    click.option("--onward-sharing/--no-onward-sharing", default=False),
    click.option("--handling-code", default=""),
    click.option("--valid-days", type=int, default=365, show_default=True),
    click.option("--justification", required=True, help="Why (recorded in the audit log)."),
)


def _draft(partner_id: str, o: dict) -> apb.AgreementDocument:
    unknown = [p for p in _csv(o["purposes"]) if p not in PURPOSES]
    if unknown:
        fail(f"unknown purpose {unknown[0]}; lawful purposes: {', '.join(PURPOSES)}")
    fields = _csv(o["fields"])
    bad = [f for f in fields if f not in _FIELDS]
    if bad:
        fail(f"unknown field {bad[0]}; fields: {', '.join(_FIELDS)}")
    budget = o["oblivious_budget"] or f"{DEFAULT_OBLIVIOUS_PER_S},{DEFAULT_OBLIVIOUS_PER_DAY}"
    per_s, per_day = map(int, budget.split(",")) if o["matching"] == "oblivious" else (0, 0)
    now = datetime.now(UTC)
    start, end = Timestamp(), Timestamp()
    start.FromDatetime(now)
    end.FromDatetime(now + timedelta(days=o["valid_days"]))
    return apb.AgreementDocument(
        partner=partner_id,
        valid_from=start,
        valid_until=end,
        direction=_DIRECTION[o["direction"]],
        categories=_csv(o["categories"]),
        purposes=[PURPOSES[p] for p in _csv(o["purposes"])],
        matching_mode=_MATCHING[o["matching"]],
        oblivious_evaluations_per_s=per_s,
        oblivious_evaluations_per_day=per_day,
        fields=apb.AgreementFields(**{f: f in fields for f in _FIELDS}),
        hit_notification=o["hit_notification"],
        location_granularity=_GRANULARITY[o["granularity"]],
        confirmations_allowed=o["confirmations"],
        confirmation_deadline_hours=o["deadline_hours"],
        entry_retention_days=o["entry_retention_days"],
        hit_retention_days=o["hit_retention_days"],
        onward_sharing=o["onward_sharing"],
        handling_code=o["handling_code"],
    )


def _state(agreement: pb.Agreement) -> str:
    return pb.AgreementState.Name(agreement.state)[len("AGREEMENT_STATE_") :].lower()


def agreement_dict(a: pb.Agreement) -> dict:
    d = a.document
    return {
        "agreement_id": d.agreement_id,
        "version": d.version,
        "state": _state(a),
        "fingerprint": a.fingerprint,
        "proposer": d.proposer,
        "partner": d.partner,
        "signers": sorted(s.key_id for s in a.envelope.signatures),
        "status_issuer": a.status_issuer,
        "status_reason": a.status_reason,
        "envelope_hex": a.envelope.SerializeToString(deterministic=True).hex(),
        "terms": message_dict(d),
    }


def _print_agreement(a: pb.Agreement, as_json: bool, field: str = "") -> None:
    if field:
        echo_field(agreement_dict(a), field)
        return
    if as_json:
        echo_json(agreement_dict(a))
        return
    d = a.document
    click.echo(f"agreement     {d.agreement_id} v{d.version}")
    click.echo(f"state         {_state(a)}")
    click.echo(f"fingerprint   {a.fingerprint}")
    click.echo(f"parties       {d.proposer} (proposer) and {d.partner}")
    click.echo(f"signed by     {', '.join(s.key_id for s in a.envelope.signatures)}")
    click.echo(f"categories    {', '.join(d.categories)}")
    purposes = [apb.Purpose.Name(p)[len("PURPOSE_") :].lower() for p in d.purposes]
    click.echo(f"purposes      {', '.join(purposes)}")
    click.echo(f"matching      {apb.MatchingMode.Name(d.matching_mode)[14:].lower()}")
    if a.status_issuer:
        click.echo(f"status by     {a.status_issuer}: {a.status_reason}")


def _show_agreement(reply: Any, as_json: bool, field: str = "") -> None:
    _print_agreement(reply.agreement, as_json, field)


@click.group()
def agreement() -> None:
    """Propose, countersign, amend, suspend, resume and revoke sharing agreements."""


@node_command(agreement, "propose")
@click.option("--partner", "partner_id", required=True)
@terms_options
@json_option
@field_option
def agreement_propose(
    home: Path, token_file: Path | None, partner_id: str, as_json: bool, field: str, **terms: Any
) -> None:
    """Sign a new agreement and send it to the partner for countersignature."""
    request = pb.CreateAgreementProposalRequest(
        draft=_draft(partner_id, terms), justification=terms["justification"]
    )
    r = admin_client(home, token_file).call("CreateAgreementProposal", request)
    _print_agreement(r.agreement, as_json, field)


_about_agreement = ReplyCommands(agreement, "agreement_id", _show_agreement)
_about_agreement.add(
    "accept",
    "Countersign the partner's pending proposal; compare its fingerprint first.",
    asking("CountersignAgreement", pb.CountersignAgreementRequest),
    click.option("--version", type=int, default=0, help="Version to accept (default: pending)."),
    click.option("--justification", required=True),
)


@node_command(agreement, "amend")
@click.argument("agreement_id")
@terms_options
@json_option
def agreement_amend(
    home: Path, token_file: Path | None, agreement_id: str, as_json: bool, **terms: Any
) -> None:
    """Propose new terms for an active agreement (a new version, signed by both)."""
    client = admin_client(home, token_file)
    current = client.call("GetAgreement", pb.GetAgreementRequest(agreement_id=agreement_id))
    request = pb.AmendAgreementRequest(
        agreement_id=agreement_id,
        draft=_draft(current.agreement.document.partner, terms),
        justification=terms["justification"],
    )
    _print_agreement(client.call("AmendAgreement", request).agreement, as_json)


def _status_command(name: str, kind: int, doc: str) -> None:
    ask = asking("SetAgreementStatus", pb.SetAgreementStatusRequest, kind=kind)
    reason = click.option("--reason", required=True, help="Why (sent to the partner, audited).")
    _about_agreement.add(name, doc, ask, reason)


_Kind = apb.AgreementStatusChange
_status_command("suspend", _Kind.KIND_SUSPEND, "Suspend at once; the partner is told.")
_status_command("resume", _Kind.KIND_RESUME, "Lift a suspension this node made.")
_status_command("revoke", _Kind.KIND_REVOKE, "Revoke for good; the partner purges.")


@node_command(agreement, "list")
@json_option
def agreement_list(home: Path, token_file: Path | None, as_json: bool) -> None:
    """List agreements with their state and fingerprint."""
    client = admin_client(home, token_file)
    r = client.call("ListAgreements", pb.ListAgreementsRequest())

    def row(a: pb.Agreement) -> tuple[str, ...]:
        d = a.document
        other = d.partner if d.proposer == client.node_id else d.proposer
        return (
            d.agreement_id[:8],
            str(d.version),
            other,
            _state(a),
            a.fingerprint,
            str(len(d.categories)),
        )

    echo_list(
        r.agreements,
        as_json,
        as_dict=agreement_dict,
        columns=("agreement", "v", "partner", "state", "fingerprint", "categories"),
        row=row,
    )


_about_agreement.add(
    "show",
    "Show one agreement and the fingerprint to compare on the phone.",
    asking("GetAgreement", pb.GetAgreementRequest),
    click.option("--version", type=int, default=0),
    field=True,
)
