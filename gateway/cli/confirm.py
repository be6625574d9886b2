"""argos confirm: hit confirmations and retrospective queries, asked of and answered
for partner investigators."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from gateway.cli.agreement import PURPOSES
from gateway.cli.shared import (
    ReplyCommands,
    admin_client,
    asking,
    echo_each,
    echo_json,
    json_option,
    message_dict,
    node_command,
    timestamp_from,
)
from gateway.wire.argos.v1 import admin_pb2 as pb
from gateway.wire.argos.v1 import agreement_pb2 as apb
from gateway.wire.argos.v1 import confirmations_pb2 as cpb


@click.group()
def confirm() -> None:
    """Hit confirmations and retrospective queries with partner investigators."""


_KINDS = {
    "alert": cpb.CONFIRMATION_KIND_ALERT_CONFIRMATION,
    "details": cpb.CONFIRMATION_KIND_HIT_DETAILS,
    "retro": cpb.CONFIRMATION_KIND_RETRO_QUERY,
    "retro-details": cpb.CONFIRMATION_KIND_RETRO_DETAILS,
}


def _print_confirmation(c: pb.Confirmation, as_json: bool) -> None:
    if as_json:
        echo_json(message_dict(c))
        return
    r = c.request
    side = "asked of" if c.outgoing else "asked by"
    other = r.responder if c.outgoing else r.requester
    state = cpb.ConfirmationState.Name(c.state).removeprefix("CONFIRMATION_STATE_").lower()
    click.echo(f"{r.request_id}  {state}  {side} {other}  deadline {r.deadline.ToJsonString()}")
    kind = cpb.ConfirmationKind.Name(r.kind).removeprefix("CONFIRMATION_KIND_").lower()
    purpose = apb.Purpose.Name(r.purpose).removeprefix("PURPOSE_").lower()
    click.echo(f"  {kind}, {purpose}, case {r.case_reference}, by {r.requester_user}")
    if c.HasField("answer"):
        outcome = cpb.Outcome.Name(c.answer.outcome).removeprefix("OUTCOME_").lower()
        click.echo(f"  answer: {outcome} by {c.closed_by} {c.answer.note}".rstrip())
        for s in c.answer.sightings:
            where = "/".join(x for x in (s.location.zone, s.location.site, s.location.camera) if x)
            click.echo(f"    seen {s.observed_at.ToJsonString()} at {where or '-'}")
    if c.refusal_reason:
        click.echo(f"  refused by {c.closed_by}: {c.refusal_reason}")


def _show_confirmation(reply: Any, as_json: bool) -> None:
    _print_confirmation(reply.confirmation, as_json)


@node_command(confirm, "request")
@click.option("--kind", type=click.Choice(list(_KINDS)), required=True)
@click.option("--hit", "hit_id", default="", help="The hit (alert and details requests).")
@click.option(
    "--agreement", "agreement_id", default="", help="Retrospective: agreement to ask under."
)
@click.option("--purpose", type=click.Choice(list(PURPOSES)), required=True)
@click.option("--case-reference", required=True)
@click.option("--urgent", "urgent_reason", default="", help="Urgent, for this stated reason.")
@click.option("--plate", default="", help="Retrospective: the plate.")
@click.option("--country", default="", help="Retrospective: its country.")
@click.option("--from", "window_start", default="", help="Retrospective: window start (ISO).")
@click.option("--to", "window_end", default="", help="Retrospective: window end (ISO).")
@click.option(
    "--legal-order", default="", help="Retrospective: the order the partner's law requires."
)
@click.option("--after", "previous_request_id", default="", help="Retro details: the retro query.")
@click.option("--question", default="")
@click.option("--deadline", default="", help="Earlier than the agreement's default (ISO).")
@json_option
def confirm_request(
    home: Path,
    token_file: Path | None,
    kind: str,
    hit_id: str,
    agreement_id: str,
    purpose: str,
    case_reference: str,
    urgent_reason: str,
    plate: str,
    country: str,
    window_start: str,
    window_end: str,
    legal_order: str,
    previous_request_id: str,
    question: str,
    deadline: str,
    as_json: bool,
) -> None:
    """Ask a partner: confirm an alert, give a hit's details, or search its reads."""
    request = pb.RequestConfirmationRequest(
        kind=_KINDS[kind],
        hit_id=hit_id,
        agreement_id=agreement_id,
        purpose=PURPOSES[purpose],
        case_reference=case_reference,
        urgency=cpb.URGENCY_URGENT if urgent_reason else cpb.URGENCY_NORMAL,
        urgent_reason=urgent_reason,
        plate=plate,
        country=country,
        legal_order=legal_order,
        previous_request_id=previous_request_id,
        question=question,
    )
    for field, value in (
        ("window_start", window_start),
        ("window_end", window_end),
        ("deadline", deadline),
    ):
        if value:
            getattr(request, field).CopyFrom(timestamp_from(value))
    r = admin_client(home, token_file).call("RequestConfirmation", request)
    _print_confirmation(r.confirmation, as_json)


@node_command(confirm, "list")
@click.option("--open", "open_only", is_flag=True, help="Only open requests.")
@click.option("--limit", type=int, default=100, show_default=True)
@json_option
def confirm_list(
    home: Path, token_file: Path | None, open_only: bool, limit: int, as_json: bool
) -> None:
    """Requests both ways, newest first."""
    r = admin_client(home, token_file).call(
        "ListConfirmations", pb.ListConfirmationsRequest(open_only=open_only, limit=limit)
    )
    echo_each(
        r.confirmations,
        as_json,
        as_dict=message_dict,
        each=lambda c: _print_confirmation(c, False),
    )


_about_request = ReplyCommands(confirm, "request_id", _show_confirmation)
_about_request.add(
    "show",
    "One request, its state and its answer.",
    asking("GetConfirmation", pb.GetConfirmationRequest),
)


@node_command(confirm, "answer")
@click.argument("request_id")
@click.option(
    "--outcome",
    type=click.Choice(["confirmed", "not-confirmed"]),
    help="Alert confirmations: your verdict (other kinds: the node finds the answer).",
)
@click.option("--note", default="")
@click.option("--action", default=None, help="Alert confirmations: the action to take.")
@click.option("--contact", default=None, help="Alert confirmations: who to call.")
@json_option
def confirm_answer(
    home: Path,
    token_file: Path | None,
    request_id: str,
    outcome: str | None,
    note: str,
    action: str | None,
    contact: str | None,
    as_json: bool,
) -> None:
    """Answer a partner's request, with only what the agreement allows."""
    request = pb.AnswerConfirmationRequest(request_id=request_id, note=note)
    if outcome:
        request.outcome = (
            cpb.OUTCOME_CONFIRMED if outcome == "confirmed" else cpb.OUTCOME_NOT_CONFIRMED
        )
    if action is not None:
        request.action = action
    if contact is not None:
        request.contact = contact
    r = admin_client(home, token_file).call("AnswerConfirmation", request)
    _print_confirmation(r.confirmation, as_json)


_about_request.add(
    "refuse",
    "Refuse a partner's request, saying why.",
    asking("RefuseConfirmation", pb.RefuseConfirmationRequest),
    click.option("--reason", required=True),
)
_about_request.add(
    "withdraw",
    "Withdraw a request this port made.",
    asking("WithdrawConfirmation", pb.WithdrawConfirmationRequest),
    click.option("--reason", default=""),
)
