"""argos isc: publish to the Dutch ISC, pull from it, and review its candidates."""

from __future__ import annotations

import json

import click
from google.protobuf.json_format import MessageToDict
from rich.table import Table

from gateway.cli.shared import (
    admin_client,
    console,
    fail,
    home_option,
    json_option,
    timestamp_from,
    token_option,
)
from gateway.wire.argos.v1 import isc_pb2 as pb

# A pull of a large collection from a slow TAXII server can take minutes.
PULL_TIMEOUT_S = 3600.0


def _as_dict(message) -> dict:
    return MessageToDict(
        message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )


def _print_publication(p: pb.IscPublication, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(_as_dict(p)))
        return
    click.echo(f"publication {p.publication_id}  {p.kind}  {p.tlp.upper()}  {p.state}")
    click.echo(f"subject: {p.subject}")
    click.echo(p.bundle_json)
    click.echo(f"digest: {p.digest}")


@click.group()
def isc() -> None:
    """The Dutch ISC over STIX 2.1 / TAXII 2.1."""


@isc.command("publish-statistics")
@home_option
@token_option
@click.option("--week", default="", help="ISO week, e.g. 2026-W47; default the last complete one.")
@click.option("--tlp", default="", help="TLP 2.0 label; default the node's statistics_tlp.")
@json_option
def publish_statistics(home, token_file, week, tlp, as_json) -> None:
    """Publish this node's hits per zone and category of one week (small counts left out)."""
    r = admin_client(home, token_file).call_isc(
        "PublishStatistics", pb.PublishStatisticsRequest(week=week, tlp=tlp)
    )
    _print_publication(r.publication, as_json)


@isc.group()
def report() -> None:
    """Incident reports and modus-operandi notes: draft, review, publish."""


@report.command("draft")
@home_option
@token_option
@click.option("--kind", type=click.Choice(["incident", "modus-operandi"]), required=True)
@click.option("--title", required=True)
@click.option("--text", required=True, help="What the ISC may read. No plates.")
@click.option(
    "--tlp", required=True, help="clear, green, amber or amber+strict (red never leaves)."
)
@json_option
def report_draft(home, token_file, kind, title, text, tlp, as_json) -> None:
    """Build the bundle for review; nothing is sent."""
    r = admin_client(home, token_file).call_isc(
        "DraftReport", pb.DraftReportRequest(kind=kind, title=title, text=text, tlp=tlp)
    )
    _print_publication(r.publication, as_json)


@report.command("show")
@home_option
@token_option
@click.argument("publication_id")
@json_option
def report_show(home, token_file, publication_id, as_json) -> None:
    """Show a publication exactly as it is (or was) sent, with its digest."""
    r = admin_client(home, token_file).call_isc(
        "GetPublication", pb.GetPublicationRequest(publication_id=publication_id)
    )
    _print_publication(r.publication, as_json)


@report.command("publish")
@home_option
@token_option
@click.argument("publication_id")
@click.option("--reviewed-digest", required=True, help="The digest `report show` printed.")
@json_option
def report_publish(home, token_file, publication_id, reviewed_digest, as_json) -> None:
    """Send a reviewed draft to the ISC."""
    r = admin_client(home, token_file).call_isc(
        "PublishReport",
        pb.PublishReportRequest(publication_id=publication_id, reviewed_digest=reviewed_digest),
    )
    _print_publication(r.publication, as_json)


@isc.command("export-misp")
@home_option
@token_option
@click.argument("publication_id")
def export_misp(home, token_file, publication_id) -> None:
    """Print a publication as a MISP event (JSON)."""
    r = admin_client(home, token_file).call_isc(
        "ExportMisp", pb.ExportMispRequest(publication_id=publication_id)
    )
    click.echo(r.event_json)


@isc.command("pull")
@home_option
@token_option
@json_option
def pull(home, token_file, as_json) -> None:
    """Pull the ISC collection now, from the stored cursor on."""
    r = admin_client(home, token_file).call_isc(
        "PullNow", pb.PullNowRequest(), timeout=PULL_TIMEOUT_S
    )
    if as_json:
        click.echo(json.dumps(_as_dict(r)))
        return
    click.echo(
        f"{r.fetched} objects in {r.pages} pages: {r.new_candidates} new candidates, "
        f"{r.sightings} sightings, {r.ignored} ignored, {r.rejected} rejected, "
        f"{r.already_held} already held; cursor {r.cursor}"
    )


@isc.command("status")
@home_option
@token_option
@json_option
def status(home, token_file, as_json) -> None:
    """Pull cursor, totals and the latest rejections."""
    r = admin_client(home, token_file).call_isc("GetIscStatus", pb.GetIscStatusRequest())
    if as_json:
        click.echo(json.dumps(_as_dict(r)))
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


@isc.group()
def candidates() -> None:
    """The review queue: ISC vehicle indicators, never active until promoted."""


@candidates.command("list")
@home_option
@token_option
@click.option("--state", type=click.Choice(["open", "promoted", "dismissed"]), default=None)
@json_option
def candidates_list(home, token_file, state, as_json) -> None:
    r = admin_client(home, token_file).call_isc(
        "ListCandidates", pb.ListCandidatesRequest(state=state or "", limit=1000)
    )
    if as_json:
        click.echo(json.dumps([_as_dict(c) for c in r.candidates]))
        return
    table = Table("candidate", "state", "plate", "country", "TLP", "sightings", "title")
    for c in r.candidates:
        table.add_row(c.candidate_id, c.state, c.plate, c.country, c.tlp, str(c.sightings), c.title)
    console.print(table)


@candidates.command("show")
@home_option
@token_option
@click.argument("candidate_id")
@json_option
def candidates_show(home, token_file, candidate_id, as_json) -> None:
    r = admin_client(home, token_file).call_isc(
        "GetCandidate", pb.GetCandidateRequest(candidate_id=candidate_id)
    )
    data = _as_dict(r.candidate)
    if as_json:
        click.echo(json.dumps(data))
        return
    for key, value in data.items():
        click.echo(f"{key}: {value}")


@candidates.command("promote")
@home_option
@token_option
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
    home,
    token_file,
    candidate_id,
    category,
    action,
    purpose,
    case_reference,
    expires_at,
    expires_in_days,
    country,
    flags,
    justification,
    as_json,
) -> None:
    """Make a hotlist entry of a candidate (investigator; audited)."""
    expires = timestamp_from(expires_at, expires_in_days)
    if expires is None:
        fail("give --expires-at or --expires-in-days: every entry needs a review date")
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
        click.echo(json.dumps({"entry_id": r.entry_id, "candidate": _as_dict(r.candidate)}))
        return
    click.echo(f"candidate {r.candidate.candidate_id} promoted to entry {r.entry_id}")


@candidates.command("dismiss")
@home_option
@token_option
@click.argument("candidate_id")
@click.option("--reason", required=True)
@json_option
def candidates_dismiss(home, token_file, candidate_id, reason, as_json) -> None:
    r = admin_client(home, token_file).call_isc(
        "DismissCandidate", pb.DismissCandidateRequest(candidate_id=candidate_id, reason=reason)
    )
    if as_json:
        click.echo(json.dumps(_as_dict(r.candidate)))
        return
    click.echo(f"candidate {r.candidate.candidate_id} dismissed")
