"""argos isc: publish to the Dutch ISC, pull from it, and review its candidates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from gateway.cli.shared import (
    ReplyCommands,
    admin_client,
    asking,
    echo_json,
    echo_list,
    echo_record,
    json_option,
    message_dict,
    node_command,
    reply_command,
    review_date,
)
from gateway.wire.argos.v1 import isc_pb2 as pb

# A pull of a large collection from a slow TAXII server can take minutes.
PULL_TIMEOUT_S = 3600.0


def _as_dict(message: Any) -> dict[str, Any]:
    return message_dict(message, every_field=True)


def _show_publication(reply: Any, as_json: bool) -> None:
    p = reply.publication
    if as_json:
        echo_json(_as_dict(p))
        return
    click.echo(f"publication {p.publication_id}  {p.kind}  {p.tlp.upper()}  {p.state}")
    click.echo(f"subject: {p.subject}")
    click.echo(p.bundle_json)
    click.echo(f"digest: {p.digest}")


@click.group()
def isc() -> None:
    """The Dutch ISC over STIX 2.1 / TAXII 2.1."""


reply_command(
    isc,
    "publish-statistics",
    "Publish this node's hits per zone and category of one week (small counts left out).",
    asking("PublishStatistics", pb.PublishStatisticsRequest, isc=True),
    click.option(
        "--week", default="", help="ISO week, e.g. 2026-W47; default the last complete one."
    ),
    click.option("--tlp", default="", help="TLP 2.0 label; default the node's statistics_tlp."),
    show=_show_publication,
)


@isc.group()
def report() -> None:
    """Incident reports and modus-operandi notes: draft, review, publish."""


reply_command(
    report,
    "draft",
    "Build the bundle for review; nothing is sent.",
    asking("DraftReport", pb.DraftReportRequest, isc=True),
    click.option("--kind", type=click.Choice(["incident", "modus-operandi"]), required=True),
    click.option("--title", required=True),
    click.option("--text", required=True, help="What the ISC may read. No plates."),
    click.option(
        "--tlp", required=True, help="clear, green, amber or amber+strict (red never leaves)."
    ),
    show=_show_publication,
)
_about_publication = ReplyCommands(report, "publication_id", _show_publication)
_about_publication.add(
    "show",
    "Show a publication exactly as it is (or was) sent, with its digest.",
    asking("GetPublication", pb.GetPublicationRequest, isc=True),
)
_about_publication.add(
    "publish",
    "Send a reviewed draft to the ISC.",
    asking("PublishReport", pb.PublishReportRequest, isc=True),
    click.option("--reviewed-digest", required=True, help="The digest `report show` printed."),
)


@node_command(isc, "export-misp")
@click.argument("publication_id")
def export_misp(home: Path, token_file: Path | None, publication_id: str) -> None:
    """Print a publication as a MISP event (JSON)."""
    r = admin_client(home, token_file).call_isc(
        "ExportMisp", pb.ExportMispRequest(publication_id=publication_id)
    )
    click.echo(r.event_json)


@node_command(isc, "pull")
@json_option
def pull(home: Path, token_file: Path | None, as_json: bool) -> None:
    """Pull the ISC collection now, from the stored cursor on."""
    r = admin_client(home, token_file).call_isc(
        "PullNow", pb.PullNowRequest(), timeout=PULL_TIMEOUT_S
    )
    if as_json:
        echo_json(_as_dict(r))
        return
    click.echo(
        f"{r.fetched} objects in {r.pages} pages: {r.new_candidates} new candidates, "
        f"{r.sightings} sightings, {r.ignored} ignored, {r.rejected} rejected, "
        f"{r.already_held} already held; cursor {r.cursor}"
    )


def _show_status(r: Any, as_json: bool) -> None:
    if as_json:
        echo_json(_as_dict(r))
        return
    click.echo(
        f"cursor {r.cursor or '-'}; {r.pulls} pulls, {r.fetched} objects, "
        f"{r.candidates} candidates ({r.open_candidates} open), {r.sightings} sightings, "
        f"{r.ignored} ignored, {r.rejected} rejected"
    )
    if r.last_error:
        click.echo(f"last error: {r.last_error}")
    for rej in r.recent_rejections:
        click.echo(f"rejected {rej.object_id}: {rej.reason}")


reply_command(
    isc,
    "status",
    "Pull cursor, totals and the latest rejections.",
    asking("GetIscStatus", pb.GetIscStatusRequest, isc=True),
    show=_show_status,
)


@isc.group()
def candidates() -> None:
    """The review queue: ISC vehicle indicators, never active until promoted."""


@node_command(candidates, "list")
@click.option("--state", type=click.Choice(["open", "promoted", "dismissed"]), default=None)
@json_option
def candidates_list(home: Path, token_file: Path | None, state: str | None, as_json: bool) -> None:
    r = admin_client(home, token_file).call_isc(
        "ListCandidates", pb.ListCandidatesRequest(state=state or "", limit=1000)
    )
    echo_list(
        r.candidates,
        as_json,
        as_dict=_as_dict,
        columns=("candidate", "state", "plate", "country", "TLP", "sightings", "title"),
        row=lambda c: (
            c.candidate_id,
            c.state,
            c.plate,
            c.country,
            c.tlp,
            str(c.sightings),
            c.title,
        ),
    )


reply_command(
    candidates,
    "show",
    None,
    asking("GetCandidate", pb.GetCandidateRequest, isc=True),
    click.argument("candidate_id"),
    show=lambda reply, as_json: echo_record(_as_dict(reply.candidate), as_json),
)


@node_command(candidates, "promote")
@click.argument("candidate_id")
@click.option("--category", required=True)
@click.option("--action", required=True)
@click.option("--purpose", required=True, help="criminal_investigation, missing_persons, ...")
@click.option("--case-reference", required=True)
@click.option("--expires-at", help="ISO 8601 review date.")
@click.option("--expires-in-days", type=int)
@click.option("--country", default="", help="When the ISC named no country.")
@click.option("--flag", "flags", multiple=True)
@click.option("--justification", required=True)
@json_option
def candidates_promote(
    home: Path,
    token_file: Path | None,
    candidate_id: str,
    category: str,
    action: str,
    purpose: str,
    case_reference: str,
    expires_at: str | None,
    expires_in_days: int | None,
    country: str,
    flags: tuple[str, ...],
    justification: str,
    as_json: bool,
) -> None:
    """Make a hotlist entry of a candidate (investigator; audited)."""
    expires = review_date(expires_at, expires_in_days)
    request = pb.PromoteCandidateRequest(
        candidate_id=candidate_id,
        category=category,
        action=action,
        purpose=purpose,
        case_reference=case_reference,
        justification=justification,
        country=country,
        flags=list(flags),
    )
    request.expires_at.CopyFrom(expires)
    r = admin_client(home, token_file).call_isc("PromoteCandidate", request)
    if as_json:
        echo_json({"entry_id": r.entry_id, "candidate": _as_dict(r.candidate)})
        return
    click.echo(f"candidate {r.candidate.candidate_id} promoted to entry {r.entry_id}")


def _show_dismissed(reply: Any, as_json: bool) -> None:
    if as_json:
        echo_json(_as_dict(reply.candidate))
        return
    click.echo(f"candidate {reply.candidate.candidate_id} dismissed")


reply_command(
    candidates,
    "dismiss",
    None,
    asking("DismissCandidate", pb.DismissCandidateRequest, isc=True),
    click.argument("candidate_id"),
    click.option("--reason", required=True),
    show=_show_dismissed,
)
