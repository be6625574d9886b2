"""argos: run a port node and administer it.

Every command except init, serve, identity and demo talks to the running node over its
local admin socket, as a local user identified by a token (--token-file, ARGOS_TOKEN_FILE
or ARGOS_TOKEN; by default the node folder's admin.token)."""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
from google.protobuf.json_format import MessageToDict
from google.protobuf.timestamp_pb2 import Timestamp
from rich.console import Console
from rich.table import Table

from gateway.cli.client import EXIT_INTEGRITY, EXIT_REFUSED
from gateway.cli.isc import isc as _isc_commands
from gateway.cli.shared import (
    admin_client,
    console,
    echo_field,
    fail,
    field_option,
    home_option,
    json_option,
    timestamp_from,
    token_option,
)
from gateway.domain.agreement import CATEGORIES, Purpose
from gateway.domain.errors import ArgosError
from gateway.domain.peer import certificate_fingerprint
from gateway.node.config import ADMIN_TOKEN_FILE, init_node_home, load_config, load_signing_key
from gateway.wire.argos.v1 import admin_pb2 as pb
from gateway.wire.argos.v1 import agreement_pb2 as apb
from gateway.wire.argos.v1 import confirmations_pb2 as cpb

IMPORT_TIMEOUT_S = 3600.0


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Argos Gateway: hotlists, hits and confirmations between port police nodes."""


# -- node ----------------------------------------------------------------------------------


@cli.command()
@home_option
@click.option("--node-id", required=True, help="This node's id, e.g. be-gent.")
@click.option("--listen", required=True, help="Federation address to listen on, host:port.")
@click.option("--endpoint", help="Address partners dial, if not the listen address.")
@click.option("--tls-cert", type=click.Path(path_type=Path, dir_okay=False), required=True)
@click.option("--tls-key", type=click.Path(path_type=Path, dir_okay=False), required=True)
@click.option(
    "--tls-ca",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="CA certificate that issued this node's certificate.",
)
@click.option("--admin-user", default="admin", show_default=True)
def init(home, node_id, listen, endpoint, tls_cert, tls_key, tls_ca, admin_user) -> None:
    """Create a node folder: config, a new Ed25519 signing key, the database and a first
    admin user whose token is written to HOME/admin.token (owner-only)."""
    from gateway.domain.roles import Role
    from gateway.node.config import write_private
    from gateway.services.administration import AdministrationService
    from gateway.services.context import Caller, NodeContext
    from gateway.store.database import Database

    try:
        config = init_node_home(
            home,
            node_id=node_id,
            federation_listen=listen,
            federation_endpoint=endpoint,
            tls_cert=tls_cert,
            tls_key=tls_key,
            tls_ca=tls_ca,
        )
        key = load_signing_key(config)
        database = Database(config.db_path)
        ctx = NodeContext(config.node_id, key, database, federation=None)  # type: ignore[arg-type]
        ctx.record(
            Caller("system", "init"), "node.init", "node", node_id, details={"key_id": key.key_id}
        )
        _, token = AdministrationService(ctx).add_user(None, admin_user, Role.ADMIN)
        database.close()
        write_private(home / ADMIN_TOKEN_FILE, token.encode() + b"\n")
    except ArgosError as exc:
        fail(str(exc))
    click.echo(f"node {node_id} created in {home}")
    click.echo(f"signing key id  {key.key_id}")
    click.echo(f"public key      {key.public.raw.hex()}")
    click.echo(f"admin token     {home / ADMIN_TOKEN_FILE} (user {admin_user})")


@cli.command()
@home_option
@click.option("--log-level", default="info", show_default=True)
def serve(home, log_level) -> None:
    """Run the node in the foreground until Ctrl-C or SIGTERM."""
    from gateway.node.logs import configure_logging
    from gateway.node.server import serve as run

    configure_logging(log_level)
    try:
        run(home)
    except ArgosError as exc:
        fail(str(exc))


@cli.command()
@home_option
@json_option
@field_option
def identity(home, as_json, field) -> None:
    """What partners need to register this node: node id, endpoint, public key, and the
    certificate fingerprint. Reads the node folder; the node need not run."""
    try:
        config = load_config(home)
        key = load_signing_key(config)
    except ArgosError as exc:
        fail(str(exc))
    info = {
        "node_id": config.node_id,
        "endpoint": config.federation_endpoint,
        "key_id": key.key_id,
        "public_key": key.public.raw.hex(),
        "tls_ca": str(config.tls_ca),
        "tls_cert_sha256": certificate_fingerprint(config.tls_cert.read_bytes()),
    }
    if field:
        echo_field(info, field)
    elif as_json:
        click.echo(json.dumps(info))
    else:
        for k, v in info.items():
            click.echo(f"{k:16}{v}")


@cli.command()
@home_option
@token_option
@click.option(
    "--wait",
    "wait_s",
    type=float,
    default=0.0,
    help="Wait up to this many seconds for a node that is still starting.",
)
def status(home, token_file, wait_s) -> None:
    """One screen on the node: identity, partners (reachable now?, sync lag, outbox),
    agreements, own entries near review, open confirmations near their deadline,
    camera adapters, audit log size."""
    client = admin_client(home, token_file)
    r = client.call("GetStatus", pb.GetStatusRequest(), wait_s=wait_s)
    click.echo(f"node            {r.node_id} at {r.federation_address} (key {r.key_id})")
    click.echo(f"you are         {r.user} ({pb.Role.Name(r.role)[5:].lower()})")
    click.echo(f"agreements      {r.active_agreements} active, {r.pending_agreements} pending")
    click.echo(f"partners        {r.partners}")
    for p in r.partner_status:
        reach = "reachable" if p.reachable else f"UNREACHABLE ({p.problem})"
        click.echo(
            f"  {p.node_id:14}{reach}; sync lag {p.sync_lag_changes} changes, "
            f"{p.entries_held} entries held, {p.rejected_batches} batches rejected; "
            f"outbox {p.outbox_pending} waiting"
        )
    click.echo(
        f"outbox          {r.outbox_pending} waiting, {r.outbox_delivered} delivered, "
        f"{r.outbox_refused} refused"
    )
    review = f", {r.entries_due_for_review} past expiry: due for review"
    click.echo(
        f"own hotlist     {r.hotlist_entries} entries, {r.entries_expiring} expiring within "
        f"{r.expiry_warning_days} days" + (review if r.entries_due_for_review else "")
    )
    click.echo(
        f"confirmations   {r.open_confirmations} open, "
        f"{len(r.confirmations_near_deadline)} due within {r.confirmation_warning_minutes} min"
    )
    for c in r.confirmations_near_deadline:
        kind = cpb.ConfirmationKind.Name(c.kind).removeprefix("CONFIRMATION_KIND_").lower()
        side = "asked of" if c.outgoing else "asked by"
        click.echo(
            f"  {c.request_id}  {kind} {side} {c.partner}, deadline {c.deadline.ToJsonString()}"
        )
    for a in r.adapters:
        last = a.last_batch_at.ToJsonString() if a.HasField("last_batch_at") else "never"
        click.echo(
            f"adapter         {a.user}: {a.reads} reads in {a.batches} batches, {a.hits} hits, "
            f"{a.rejected} rejected, last batch {last}"
        )
    if not r.adapters:
        click.echo("adapters        none has handed in reads since the node started")
    click.echo(f"audit records   {r.audit_records}")


passphrase_option = click.option(
    "--passphrase-file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    envvar="ARGOS_BACKUP_PASSPHRASE_FILE",
    required=True,
    help="File holding the backup passphrase, at least 16 characters "
    "(or ARGOS_BACKUP_PASSPHRASE_FILE). Keep it apart from the backups.",
)


@cli.command()
@home_option
@token_option
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="The archive to write (a new file).",
)
@passphrase_option
@click.option("--justification", required=True, help="Why (recorded in the audit log).")
def backup(home, token_file, out, passphrase_file, justification) -> None:
    """Back up the RUNNING node: a consistent copy of its database taken while it
    works, with its config, signing key, token secret and TLS files, encrypted under
    the passphrase. Users' tokens are not in it. Admins only; audited."""
    from gateway.node.backup import read_passphrase, write_archive

    if out.exists():
        fail(f"{out} exists; choose a new file for the backup")
    try:
        passphrase = read_passphrase(passphrase_file)
        config = load_config(home)
    except ArgosError as exc:
        fail(str(exc))
    r = admin_client(home, token_file).call(
        "SnapshotDatabase", pb.SnapshotDatabaseRequest(justification=justification)
    )
    snapshot = Path(r.path)
    try:
        manifest = write_archive(out, config, snapshot, r.audit_seq, passphrase)
    finally:
        snapshot.unlink(missing_ok=True)
    click.echo(
        f"backup of {manifest.node_id} written to {out} ({out.stat().st_size} bytes, "
        f"audit log up to record {manifest.audit_seq} at least)"
    )


@cli.command()
@click.argument("archive", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option(
    "--home",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="New node folder to restore into (must not hold a node).",
)
@passphrase_option
@click.option(
    "--admin-user",
    default="",
    help="Also create this admin user and write its token to HOME/admin.token "
    "(tokens are never in a backup).",
)
def restore(archive, home, passphrase_file, admin_user) -> None:
    """Restore a backup into a new node folder, check its audit chain against its
    signed head, and record the restore in it. Then start it with `argos serve`."""
    from gateway.domain.roles import Role
    from gateway.node.backup import extract_archive, read_passphrase
    from gateway.node.config import write_private
    from gateway.services.administration import AdministrationService
    from gateway.services.context import Caller, NodeContext
    from gateway.store.audit_log import verify_database
    from gateway.store.database import Database

    try:
        manifest = extract_archive(archive, home, read_passphrase(passphrase_file))
        config = load_config(home)
        key = load_signing_key(config)
        database = Database(config.db_path)
        checked, problem = verify_database(database, key.public)
        if problem is not None:
            database.close()
            where = f"record {problem.seq}" if problem.seq else "end of log"
            click.echo(f"audit log of the backup BROKEN at {where}: {problem.reason}", err=True)
            sys.exit(EXIT_INTEGRITY)
        ctx = NodeContext(config.node_id, key, database, federation=None)  # type: ignore[arg-type]
        ctx.record(
            Caller("system", "restore"),
            "node.restore",
            "node",
            config.node_id,
            details={"backup_created_at": manifest.created_at, "records": checked},
        )
        if admin_user:
            _, token = AdministrationService(ctx).add_user(
                Caller("system", "restore"), admin_user, Role.ADMIN
            )
            write_private(home / ADMIN_TOKEN_FILE, token.encode() + b"\n")
        database.close()
    except ArgosError as exc:
        fail(str(exc))
    click.echo(f"node {config.node_id} restored into {home} from a backup of {manifest.created_at}")
    click.echo(f"audit log intact: {checked} records; start it with `argos serve --home {home}`")


# -- partners -------------------------------------------------------------------------------


@cli.group()
def partner() -> None:
    """Register and list partner nodes."""


@partner.command("add")
@home_option
@token_option
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
def partner_add(home, token_file, node_id, endpoint, public_key, ca_cert, pin_sha256) -> None:
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


@partner.command("list")
@home_option
@token_option
@json_option
def partner_list(home, token_file, as_json) -> None:
    """List registered partners."""
    r = admin_client(home, token_file).call("ListPartners", pb.ListPartnersRequest())
    if as_json:
        click.echo(
            json.dumps(
                [
                    {"node_id": p.node_id, "endpoint": p.endpoint, "key_id": p.key_id}
                    for p in r.partners
                ]
            )
        )
        return
    table = Table("partner", "endpoint", "signing key", "TLS trust")
    for p in r.partners:
        table.add_row(p.node_id, p.endpoint, p.key_id, "pinned" if p.tls_pin_sha256 else "CA")
    console.print(table)


@partner.command("remove")
@home_option
@token_option
@click.argument("node_id")
@click.option("--justification", required=True)
def partner_remove(home, token_file, node_id, justification) -> None:
    """Remove a partner (refused while an agreement with it is in force)."""
    admin_client(home, token_file).call(
        "RemovePartner", pb.RemovePartnerRequest(node_id=node_id, justification=justification)
    )
    click.echo(f"partner {node_id} removed")


# -- agreements -----------------------------------------------------------------------------

_PURPOSES = {p.value: i for i, p in enumerate(Purpose, start=1)}
_GRANULARITY = {"none": 1, "zone": 2, "site": 3, "camera": 4}
_DIRECTION = {"both": 1, "proposer_to_partner": 2, "partner_to_proposer": 3}
_FIELDS = ("action", "flags", "vehicle_description", "contact")


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def terms_options(fn):
    options = [
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
            help=f"Comma-separated, from: {', '.join(_PURPOSES)}.",
        ),
        click.option("--matching", type=click.Choice(["token", "plaintext"]), default="token"),
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
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _draft(partner_id: str, o: dict) -> apb.AgreementDocument:
    unknown = [p for p in _csv(o["purposes"]) if p not in _PURPOSES]
    if unknown:
        fail(f"unknown purpose {unknown[0]}; lawful purposes: {', '.join(_PURPOSES)}")
    fields = _csv(o["fields"])
    bad = [f for f in fields if f not in _FIELDS]
    if bad:
        fail(f"unknown field {bad[0]}; fields: {', '.join(_FIELDS)}")
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
        purposes=[_PURPOSES[p] for p in _csv(o["purposes"])],
        matching_mode=1 if o["matching"] == "token" else 2,
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
        "terms": MessageToDict(d, preserving_proto_field_name=True),
    }


def _print_agreement(a: pb.Agreement, as_json: bool, field: str = "") -> None:
    if field:
        echo_field(agreement_dict(a), field)
        return
    if as_json:
        click.echo(json.dumps(agreement_dict(a)))
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


@cli.group()
def agreement() -> None:
    """Propose, countersign, amend, suspend, resume and revoke sharing agreements."""


@agreement.command("propose")
@home_option
@token_option
@click.option("--partner", "partner_id", required=True)
@terms_options
@json_option
@field_option
def agreement_propose(home, token_file, partner_id, as_json, field, **options) -> None:
    """Sign a new agreement and send it to the partner for countersignature."""
    request = pb.CreateAgreementProposalRequest(
        draft=_draft(partner_id, options), justification=options["justification"]
    )
    r = admin_client(home, token_file).call("CreateAgreementProposal", request)
    _print_agreement(r.agreement, as_json, field)


@agreement.command("accept")
@home_option
@token_option
@click.argument("agreement_id")
@click.option("--version", type=int, default=0, help="Version to accept (default: pending).")
@click.option("--justification", required=True)
@json_option
def agreement_accept(home, token_file, agreement_id, version, justification, as_json) -> None:
    """Countersign the partner's pending proposal; compare its fingerprint first."""
    r = admin_client(home, token_file).call(
        "CountersignAgreement",
        pb.CountersignAgreementRequest(
            agreement_id=agreement_id, version=version, justification=justification
        ),
    )
    _print_agreement(r.agreement, as_json)


@agreement.command("amend")
@home_option
@token_option
@click.argument("agreement_id")
@terms_options
@json_option
def agreement_amend(home, token_file, agreement_id, as_json, **options) -> None:
    """Propose new terms for an active agreement (a new version, signed by both)."""
    client = admin_client(home, token_file)
    current = client.call("GetAgreement", pb.GetAgreementRequest(agreement_id=agreement_id))
    request = pb.AmendAgreementRequest(
        agreement_id=agreement_id,
        draft=_draft(current.agreement.document.partner, options),
        justification=options["justification"],
    )
    _print_agreement(client.call("AmendAgreement", request).agreement, as_json)


def _status_command(name: str, kind: int, doc: str):
    @agreement.command(name, help=doc)
    @home_option
    @token_option
    @click.argument("agreement_id")
    @click.option("--reason", required=True, help="Why (sent to the partner, audited).")
    @json_option
    def command(home, token_file, agreement_id, reason, as_json) -> None:
        r = admin_client(home, token_file).call(
            "SetAgreementStatus",
            pb.SetAgreementStatusRequest(agreement_id=agreement_id, kind=kind, reason=reason),
        )
        _print_agreement(r.agreement, as_json)

    return command


_Kind = apb.AgreementStatusChange
_status_command("suspend", _Kind.KIND_SUSPEND, "Suspend at once; the partner is told.")
_status_command("resume", _Kind.KIND_RESUME, "Lift a suspension this node made.")
_status_command("revoke", _Kind.KIND_REVOKE, "Revoke for good; the partner purges.")


@agreement.command("list")
@home_option
@token_option
@json_option
def agreement_list(home, token_file, as_json) -> None:
    """List agreements with their state and fingerprint."""
    r = admin_client(home, token_file).call("ListAgreements", pb.ListAgreementsRequest())
    if as_json:
        click.echo(json.dumps([agreement_dict(a) for a in r.agreements]))
        return
    table = Table("agreement", "v", "partner", "state", "fingerprint", "categories")
    for a in r.agreements:
        d = a.document
        other = d.partner if d.proposer == _node(home) else d.proposer
        table.add_row(
            d.agreement_id[:8],
            str(d.version),
            other,
            _state(a),
            a.fingerprint,
            str(len(d.categories)),
        )
    console.print(table)


def _node(home: Path) -> str:
    return load_config(home).node_id


@agreement.command("show")
@home_option
@token_option
@click.argument("agreement_id")
@click.option("--version", type=int, default=0)
@json_option
@field_option
def agreement_show(home, token_file, agreement_id, version, as_json, field) -> None:
    """Show one agreement and the fingerprint to compare on the phone."""
    r = admin_client(home, token_file).call(
        "GetAgreement", pb.GetAgreementRequest(agreement_id=agreement_id, version=version)
    )
    _print_agreement(r.agreement, as_json, field)


# -- hotlist -----------------------------------------------------------------------------------


def _entry_dict(e: pb.HotlistEntry) -> dict:
    return MessageToDict(e, preserving_proto_field_name=True)


def _print_entry(e: pb.HotlistEntry, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(_entry_dict(e)))
        return
    click.echo(f"entry         {e.entry_id} v{e.version} ({e.status})")
    click.echo(f"plate         {e.plate} ({e.country or 'country unknown'})")
    click.echo(f"category      {e.category}, action {e.action}")
    if e.flags:
        click.echo(f"flags         {', '.join(e.flags)}")
    click.echo(f"valid         {e.valid_from.ToJsonString()} .. {e.expires_at.ToJsonString()}")
    if e.case_reference:
        click.echo(f"case          {e.case_reference}")


@cli.group()
def hotlist() -> None:
    """This node's own hotlist: add, update, withdraw, list, show, import."""


def entry_options(fn):
    options = [
        click.option("--plate", help="Plate as written, e.g. 1-ABC-123."),
        click.option("--country", help="ISO alpha-2/alpha-3 or road-sign code (B, NL, F, D, L)."),
        click.option("--category", help="e.g. stolen_vehicle, wanted_person."),
        click.option(
            "--action",
            help="report_only, discreet_check, inquiry_check, specific_check or seize.",
        ),
        click.option(
            "--flag", "flags", multiple=True, help="suspected_clone, do_not_alert_subject."
        ),
        click.option("--vehicle", "vehicle_description", help="Vehicle description."),
        click.option("--contact", help="Contact point for partners."),
        click.option("--case-reference", help="Never leaves this node."),
        click.option("--valid-from", help="ISO 8601; default now."),
        click.option("--expires-at", help="ISO 8601 review date."),
        click.option("--expires-in-days", type=int, help="Review date this many days ahead."),
        click.option("--justification", required=True, help="Why (recorded in the audit log)."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


@hotlist.command("add")
@home_option
@token_option
@entry_options
@json_option
def hotlist_add(home, token_file, as_json, **o) -> None:
    """Add an entry to this node's hotlist (expiry required)."""
    for required in ("plate", "category", "action"):
        if not o[required]:
            fail(f"--{required} is required")
    entry = pb.HotlistEntry(
        plate=o["plate"],
        country=o["country"] or "",
        category=o["category"],
        action=o["action"],
        flags=list(o["flags"]),
        vehicle_description=o["vehicle_description"] or "",
        contact=o["contact"] or "",
        case_reference=o["case_reference"] or "",
    )
    expires = timestamp_from(o["expires_at"], o["expires_in_days"])
    if expires is None:
        fail("give --expires-at or --expires-in-days: every entry needs a review date")
    entry.expires_at.CopyFrom(expires)
    if o["valid_from"]:
        entry.valid_from.CopyFrom(timestamp_from(o["valid_from"]))
    r = admin_client(home, token_file).call(
        "AddEntry", pb.AddEntryRequest(entry=entry, justification=o["justification"])
    )
    _print_entry(r.entry, as_json)


@hotlist.command("update")
@home_option
@token_option
@click.argument("entry_id")
@entry_options
@json_option
def hotlist_update(home, token_file, entry_id, as_json, **o) -> None:
    """Change an entry; options not given keep their value."""
    client = admin_client(home, token_file)
    entry = client.call("GetEntry", pb.GetEntryRequest(entry_id=entry_id)).entry
    for name in (
        "plate",
        "country",
        "category",
        "action",
        "vehicle_description",
        "contact",
        "case_reference",
    ):
        if o[name] is not None:
            setattr(entry, name, o[name])
    if o["flags"]:
        del entry.flags[:]
        entry.flags.extend(o["flags"])
    expires = timestamp_from(o["expires_at"], o["expires_in_days"])
    if expires is not None:
        entry.expires_at.CopyFrom(expires)
    if o["valid_from"]:
        entry.valid_from.CopyFrom(timestamp_from(o["valid_from"]))
    r = client.call(
        "UpdateEntry", pb.UpdateEntryRequest(entry=entry, justification=o["justification"])
    )
    _print_entry(r.entry, as_json)


@hotlist.command("withdraw")
@home_option
@token_option
@click.argument("entry_id")
@click.option("--justification", required=True)
@json_option
def hotlist_withdraw(home, token_file, entry_id, justification, as_json) -> None:
    """Withdraw an entry; partners receive a signed tombstone."""
    r = admin_client(home, token_file).call(
        "WithdrawEntry", pb.WithdrawEntryRequest(entry_id=entry_id, justification=justification)
    )
    _print_entry(r.entry, as_json)


@hotlist.command("show")
@home_option
@token_option
@click.argument("entry_id")
@json_option
def hotlist_show(home, token_file, entry_id, as_json) -> None:
    """Show one entry (the consultation is audited)."""
    r = admin_client(home, token_file).call("GetEntry", pb.GetEntryRequest(entry_id=entry_id))
    _print_entry(r.entry, as_json)


@hotlist.command("list")
@home_option
@token_option
@click.option("--status", type=click.Choice(["active", "withdrawn", "expired", "pending"]))
@click.option("--limit", type=int, default=100, show_default=True)
@click.option("--after", default="", help="Page after this entry id.")
@json_option
def hotlist_list(home, token_file, status, limit, after, as_json) -> None:
    """List entries (expired ones are due for review)."""
    r = admin_client(home, token_file).call(
        "ListEntries",
        pb.ListEntriesRequest(status=status or "", limit=limit, after_entry_id=after),
    )
    if as_json:
        click.echo(json.dumps([_entry_dict(e) for e in r.entries]))
        return
    table = Table("entry", "v", "plate", "cty", "category", "action", "status", "expires")
    for e in r.entries:
        table.add_row(
            e.entry_id[:8],
            str(e.version),
            e.plate,
            e.country,
            e.category,
            e.action,
            e.status,
            e.expires_at.ToJsonString()[:10],
        )
    console.print(table)


@hotlist.command("import")
@home_option
@token_option
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--keep-good", is_flag=True, help="Commit the valid rows even if some are bad.")
@click.option("--justification", required=True)
@click.option("--chunk", type=int, default=5000, show_default=True, hidden=True)
@json_option
def hotlist_import(home, token_file, path, keep_good, justification, chunk, as_json) -> None:
    """Import entries from CSV (header row) or JSON lines: all or nothing unless
    --keep-good. Every bad row is reported with its line number and reason."""
    from rich.progress import Progress

    from gateway.cli.importing import read_chunks

    total = max(0, sum(1 for _ in path.open("rb")) - (0 if path.suffix == ".jsonl" else 1))
    client = admin_client(home, token_file)
    progress = Progress(console=Console(stderr=True), disable=as_json or total < 10_000)

    def requests():
        yield pb.ImportEntriesRequest(
            options=pb.ImportOptions(
                keep_good=keep_good, source=path.name, justification=justification
            )
        )
        task = progress.add_task(f"importing {path.name}", total=total)
        for request in read_chunks(path, chunk):
            yield request
            progress.advance(task, len(request.rows.rows))

    with progress:
        # A bulk import may take minutes; it is one transaction either way.
        r = client.call("ImportEntries", requests(), timeout=IMPORT_TIMEOUT_S)
    if as_json:
        click.echo(json.dumps(MessageToDict(r, preserving_proto_field_name=True)))
    else:
        for error in r.errors:
            click.echo(f"line {error.line}: {error.reason}", err=True)
        verdict = "imported" if r.committed else "NOT imported (all or nothing)"
        click.echo(f"{r.accepted} rows {verdict}; {r.rejected} rejected")
    if r.rejected and not r.committed:
        sys.exit(EXIT_REFUSED)


# -- sync ---------------------------------------------------------------------------------------


@cli.group()
def sync() -> None:
    """Hotlist sync with partners."""


@sync.command("status")
@home_option
@token_option
@json_option
def sync_status(home, token_file, as_json) -> None:
    """Per partner and agreement: cursor, lag, entries, last verified head, rejections."""
    r = admin_client(home, token_file).call("GetSyncStatus", pb.GetSyncStatusRequest())
    if as_json:
        click.echo(
            json.dumps(
                [
                    MessageToDict(
                        s,
                        preserving_proto_field_name=True,
                        always_print_fields_with_no_presence=True,
                    )
                    for s in r.agreements
                ]
            )
        )
        return
    table = Table(
        "partner",
        "agreement",
        "role",
        "v",
        "cursor",
        "lag",
        "entries",
        "verified head",
        "rejected",
        "note",
    )
    for s in r.agreements:
        table.add_row(
            s.partner,
            s.agreement_id[:8],
            s.role,
            str(s.agreement_version),
            str(s.cursor),
            str(s.lag_changes),
            str(s.entries),
            f"{s.last_verified_head_seq} {s.last_verified_at[11:19]}".strip(),
            str(s.rejected_batches),
            s.last_error[:40],
        )
    console.print(table)


@sync.command("verify")
@home_option
@token_option
@click.argument("agreement_id")
def sync_verify(home, token_file, agreement_id) -> None:
    """Re-prove that every entry held under an agreement came from its provider
    (inclusion proof against the signed checkpoint it arrived under)."""
    r = admin_client(home, token_file).call(
        "VerifyReceivedEntries", pb.VerifyReceivedEntriesRequest(agreement_id=agreement_id)
    )
    if r.problem:
        click.echo(f"{r.proven} entries proven; FAILED: {r.problem}", err=True)
        sys.exit(EXIT_INTEGRITY)
    click.echo(f"{r.proven} entries proven to come from their provider")


@sync.command("resync")
@home_option
@token_option
@click.argument("agreement_id")
@click.option("--justification", required=True)
def sync_resync(home, token_file, agreement_id, justification) -> None:
    """Erase what was received under an agreement and pull it again from the start."""
    r = admin_client(home, token_file).call(
        "ResyncAgreement",
        pb.ResyncAgreementRequest(agreement_id=agreement_id, justification=justification),
    )
    click.echo(f"{r.purged} received entries erased; full resync started")


# -- users ------------------------------------------------------------------------------------

_ROLES = {
    "admin": pb.ROLE_ADMIN,
    "investigator": pb.ROLE_INVESTIGATOR,
    "operator": pb.ROLE_OPERATOR,
    "auditor": pb.ROLE_AUDITOR,
    "adapter": pb.ROLE_ADAPTER,
}


@cli.group()
def user() -> None:
    """Local users and their roles."""


@user.command("add")
@home_option
@token_option
@click.argument("name")
@click.option("--role", type=click.Choice(list(_ROLES)), required=True)
@click.option(
    "--token-out",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="Write the new user's token to this file (owner-only); it is not shown again.",
)
def user_add(home, token_file, name, role, token_out) -> None:
    """Create a local user with a role."""
    from gateway.node.config import write_private

    if token_out.exists():
        fail(f"{token_out} exists; choose a new file for the token")
    r = admin_client(home, token_file).call(
        "AddUser", pb.AddUserRequest(name=name, role=_ROLES[role])
    )
    write_private(token_out, r.token.encode() + b"\n")
    click.echo(f"user {r.user.name} ({role}) created; token written to {token_out}")


@user.command("list")
@home_option
@token_option
def user_list(home, token_file) -> None:
    """List local users."""
    r = admin_client(home, token_file).call("ListUsers", pb.ListUsersRequest())
    for u in r.users:
        click.echo(f"{u.name:20} {pb.Role.Name(u.role)[5:].lower()}")


# -- audit -------------------------------------------------------------------------------------


@cli.group()
def audit() -> None:
    """Read and verify the hash-chained audit log."""


@audit.command("verify")
@home_option
@token_option
def audit_verify(home, token_file) -> None:
    """Check the whole chain and its signed head; name the first bad record."""
    r = admin_client(home, token_file).call("VerifyAudit", pb.VerifyAuditRequest())
    if r.ok:
        click.echo(f"audit log intact: {r.records_checked} records")
        return
    where = f"record {r.first_bad_seq}" if r.first_bad_seq else "end of log"
    click.echo(f"audit log BROKEN at {where}: {r.reason}", err=True)
    sys.exit(EXIT_INTEGRITY)


@audit.command("list")
@home_option
@token_option
@click.option("--after", type=int, default=0)
@click.option("--limit", type=int, default=100)
@json_option
def audit_list(home, token_file, after, limit, as_json) -> None:
    """List audit records (reading the log is itself recorded)."""
    r = admin_client(home, token_file).call(
        "ListAuditRecords", pb.ListAuditRecordsRequest(after_seq=after, limit=limit)
    )
    if as_json:
        click.echo(
            json.dumps([MessageToDict(x, preserving_proto_field_name=True) for x in r.records])
        )
        return
    for x in r.records:
        click.echo(
            f"{x.seq:6} {x.at} {x.actor_kind}:{x.actor} {x.action} "
            f"{x.object_type}:{x.object_id} {x.recipient} {x.justification}"
        )


# -- reads, alerts and hits -------------------------------------------------------------------


@cli.group()
def reads() -> None:
    """Camera reads (as adapters hand them to the node)."""


@reads.command("replay")
@home_option
@token_option
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--batch", "batch_size", default=1000, show_default=True, help="Reads per batch.")
@click.option("--rate", type=float, default=0.0, help="Reads per second (0: as fast as taken).")
@json_option
def reads_replay(home, token_file, path, batch_size, rate, as_json) -> None:
    """Feed a JSON-lines file of reads to the node's matching (needs an adapter token).
    Reads that match nothing leave no trace; hits alert at once."""
    from gateway.cli.replaying import ReadLineError, read_reads
    from gateway.wire.argos.v1 import ingest_pb2

    client = admin_client(home, token_file)
    problems: list[tuple[int, str]] = []
    lines_of_batch: dict[str, list[int]] = {}
    started = time.monotonic()

    def batches():
        batch, lines, sent, number = [], [], 0, 0
        for number, item in enumerate(read_reads(path), start=1):
            if isinstance(item, ReadLineError):
                problems.append((item.line, item.reason))
                continue
            batch.append(item)
            lines.append(number)
            if len(batch) == batch_size:
                yield from _send(batch, lines, sent)
                sent += len(batch)
                batch, lines = [], []
        if batch:
            yield from _send(batch, lines, sent)

    def _send(batch, lines, sent):
        if rate > 0:
            time.sleep(max(0.0, started + sent / rate - time.monotonic()))
        batch_id = str(len(lines_of_batch) + 1)
        lines_of_batch[batch_id] = lines
        yield ingest_pb2.SubmitReadsRequest(batch_id=batch_id, reads=batch)

    totals = {"reads": 0, "accepted": 0, "hits": 0, "rejected": 0}
    for answer in client.stream("SubmitReads", batches()):
        lines = lines_of_batch.pop(answer.batch_id, [])
        totals["reads"] += answer.accepted + len(answer.rejected)
        totals["accepted"] += answer.accepted
        totals["hits"] += answer.hits
        for r in answer.rejected:
            problems.append((lines[r.index] if r.index < len(lines) else 0, r.reason))
    totals["rejected"] = len(problems)
    problems.sort()
    if as_json:
        click.echo(
            json.dumps({**totals, "problems": [{"line": n, "reason": r} for n, r in problems]})
        )
        return
    for number, reason in problems:
        click.echo(f"line {number}: {reason}", err=True)
    click.echo(
        f"{totals['accepted']} reads matched, {totals['hits']} hits, {totals['rejected']} rejected"
    )


@cli.group()
def alerts() -> None:
    """Alerts for the control room."""


@alerts.command("watch")
@home_option
@token_option
@click.option("--count", type=int, default=0, help="Stop after this many alerts (0: never).")
@json_option
def alerts_watch(home, token_file, count, as_json) -> None:
    """Show every hit of this node's cameras as it happens, and every confirmation
    request that needs a person (incoming, near its deadline, expired, answered).
    Ctrl-C to stop."""
    from gateway.wire.argos.v1 import ingest_pb2

    client = admin_client(home, token_file)
    seen = 0
    try:
        for item in client.stream("WatchAlerts", ingest_pb2.WatchAlertsRequest()):
            if item.HasField("confirmation"):
                n = item.confirmation
                if as_json:
                    notice = MessageToDict(n, preserving_proto_field_name=True)
                    click.echo(json.dumps({"confirmation": notice}))
                else:
                    kind = cpb.ConfirmationKind.Name(n.kind).removeprefix("CONFIRMATION_KIND_")
                    click.echo(
                        f"CONFIRMATION {n.what}: {kind.lower()} {n.request_id} with "
                        f"{n.partner}, deadline {n.deadline.ToJsonString()}"
                    )
                seen += 1
                if count and seen >= count:
                    return
                continue
            a = item.alert
            if as_json:
                click.echo(json.dumps(MessageToDict(a, preserving_proto_field_name=True)))
            else:
                where = f"{a.site}/{a.camera}"
                whose = "own list" if not a.agreement_id else f"{a.entry_owner} ({a.agreement_id})"
                kind = "FUZZY" if a.match == 2 else "exact"
                click.echo(
                    f"{a.observed_at.ToJsonString()}  HIT {a.plate} [{a.country or '?'}] "
                    f"{kind} at {where}  {a.category}, {a.action or 'no action shared'}  "
                    f"entry {a.entry_id} of {whose}"
                )
                for advisory in a.advisories:
                    click.echo(f"    ! {advisory}")
            seen += 1
            if count and seen >= count:
                return
    except KeyboardInterrupt:
        return


@cli.group()
def hits() -> None:
    """Hits on this node's entries, and of its cameras on partners' entries."""


def _hit_dict(h) -> dict:
    return MessageToDict(h, preserving_proto_field_name=True)


@hits.command("list")
@home_option
@token_option
@click.option("--observed", is_flag=True, help="Hits of this node's cameras on partners' entries.")
@click.option("--entry", "entry_id", default="", help="Only hits on this entry.")
@click.option("--limit", type=int, default=100, show_default=True)
@json_option
def hits_list(home, token_file, observed, entry_id, limit, as_json) -> None:
    """Newest first: by default the hits on this node's own entries (seen by its own
    cameras or notified by partners)."""
    r = admin_client(home, token_file).call(
        "ListHits", pb.ListHitsRequest(observed=observed, entry_id=entry_id, limit=limit)
    )
    if as_json:
        click.echo(json.dumps([_hit_dict(h) for h in r.hits]))
        return
    table = Table("hit", "seen", "by", "entry", "match", "where")
    for h in r.hits:
        loc = h.location
        where = "/".join(x for x in (loc.zone, loc.site, loc.camera) if x) or "-"
        table.add_row(
            h.hit_id,
            h.observed_at.ToJsonString(),
            h.observer,
            h.entry_id,
            "fuzzy" if h.match == 2 else "exact",
            where,
        )
    Console().print(table)


@hits.command("show")
@home_option
@token_option
@click.argument("hit_id")
@json_option
def hits_show(home, token_file, hit_id, as_json) -> None:
    """One hit, with as much of its location as this node may know."""
    h = admin_client(home, token_file).call("GetHit", pb.GetHitRequest(hit_id=hit_id)).hit
    if as_json:
        click.echo(json.dumps(_hit_dict(h)))
        return
    for key, value in _hit_dict(h).items():
        click.echo(f"{key:18} {value}")


# -- confirmations -------------------------------------------------------------------------


@cli.group()
def confirm() -> None:
    """Hit confirmations and retrospective queries with partner investigators."""


_KINDS = {
    "alert": cpb.CONFIRMATION_KIND_ALERT_CONFIRMATION,
    "details": cpb.CONFIRMATION_KIND_HIT_DETAILS,
    "retro": cpb.CONFIRMATION_KIND_RETRO_QUERY,
    "retro-details": cpb.CONFIRMATION_KIND_RETRO_DETAILS,
}


def _confirmation_dict(c) -> dict:
    return MessageToDict(c, preserving_proto_field_name=True)


def _print_confirmation(c, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(_confirmation_dict(c)))
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


@confirm.command("request")
@home_option
@token_option
@click.option("--kind", type=click.Choice(list(_KINDS)), required=True)
@click.option("--hit", "hit_id", default="", help="The hit (alert and details requests).")
@click.option(
    "--agreement", "agreement_id", default="", help="Retrospective: agreement to ask under."
)
@click.option("--purpose", type=click.Choice(list(_PURPOSES)), required=True)
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
    home,
    token_file,
    kind,
    hit_id,
    agreement_id,
    purpose,
    case_reference,
    urgent_reason,
    plate,
    country,
    window_start,
    window_end,
    legal_order,
    previous_request_id,
    question,
    deadline,
    as_json,
) -> None:
    """Ask a partner: confirm an alert, give a hit's details, or search its reads."""
    request = pb.RequestConfirmationRequest(
        kind=_KINDS[kind],
        hit_id=hit_id,
        agreement_id=agreement_id,
        purpose=_PURPOSES[purpose],
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


@confirm.command("list")
@home_option
@token_option
@click.option("--open", "open_only", is_flag=True, help="Only open requests.")
@click.option("--limit", type=int, default=100, show_default=True)
@json_option
def confirm_list(home, token_file, open_only, limit, as_json) -> None:
    """Requests both ways, newest first."""
    r = admin_client(home, token_file).call(
        "ListConfirmations", pb.ListConfirmationsRequest(open_only=open_only, limit=limit)
    )
    if as_json:
        click.echo(json.dumps([_confirmation_dict(c) for c in r.confirmations]))
        return
    for c in r.confirmations:
        _print_confirmation(c, False)


@confirm.command("show")
@home_option
@token_option
@click.argument("request_id")
@json_option
def confirm_show(home, token_file, request_id, as_json) -> None:
    """One request, its state and its answer."""
    r = admin_client(home, token_file).call(
        "GetConfirmation", pb.GetConfirmationRequest(request_id=request_id)
    )
    _print_confirmation(r.confirmation, as_json)


@confirm.command("answer")
@home_option
@token_option
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
def confirm_answer(home, token_file, request_id, outcome, note, action, contact, as_json) -> None:
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


@confirm.command("refuse")
@home_option
@token_option
@click.argument("request_id")
@click.option("--reason", required=True)
@json_option
def confirm_refuse(home, token_file, request_id, reason, as_json) -> None:
    """Refuse a partner's request, saying why."""
    r = admin_client(home, token_file).call(
        "RefuseConfirmation", pb.RefuseConfirmationRequest(request_id=request_id, reason=reason)
    )
    _print_confirmation(r.confirmation, as_json)


@confirm.command("withdraw")
@home_option
@token_option
@click.argument("request_id")
@click.option("--reason", default="")
@json_option
def confirm_withdraw(home, token_file, request_id, reason, as_json) -> None:
    """Withdraw a request this port made."""
    r = admin_client(home, token_file).call(
        "WithdrawConfirmation",
        pb.WithdrawConfirmationRequest(request_id=request_id, reason=reason),
    )
    _print_confirmation(r.confirmation, as_json)


# -- adapters -------------------------------------------------------------------------------


@cli.group()
def adapter() -> None:
    """Adapters between a port's ANPR backend and its node."""


@adapter.command("run")
@click.argument(
    "kind",
    type=click.Choice(
        [
            "hikvision",
            "axis",
            "openalpr",
            "genetec",
            "folder",
            "webhook",
            "hotlist-export",
            "read-history",
        ]
    ),
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    required=True,
    help="Adapter TOML: node_socket, token_file, site, listen, quarantine_dir, images_dir "
    "(webhook: node_socket, token_file, url, secret_file, spool_path, max_backoff_s; "
    "hotlist-export: node_socket, token_file, format, output, list_name, interval_s; "
    "read-history: backend, listen, site and a [hikvision], [openalpr] or [store] table).",
)
def adapter_run(kind, config_path) -> None:
    """Listen for one vendor's pushed reads and hand them to the node; (webhook) send
    the node's alerts, signed, to a control-room system; (hotlist-export) keep the local
    backend's hotlist file; (read-history) answer the node's read-history searches from
    the backend's own search. Ctrl-C stops."""
    if kind == "webhook":
        from adapters.webhook import run as run_webhook

        run_webhook(config_path)
        return
    if kind == "hotlist-export":
        from adapters.hotlist_export import run as run_export

        run_export(config_path)
        return
    if kind == "read-history":
        from adapters.history.service import run as run_history

        run_history(config_path)
        return
    from adapters.runtime import run

    run(kind, config_path)


@cli.command()
@click.option(
    "--certs",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("certs-dev/out"),
    show_default=True,
)
@click.option(
    "--workdir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("demo-data"),
    show_default=True,
)
@click.option(
    "--duration",
    type=click.FloatRange(min=1),
    envvar="DEMO_DURATION",
    default=60.0,  # gateway.demo.DEFAULT_DURATION_S, not imported until the demo runs
    show_default=True,
    help="Seconds of camera traffic (or DEMO_DURATION).",
)
def demo(certs, workdir, duration) -> None:
    """Run the four-port federation on this machine and show what it does: camera
    traffic with a live view, an investigator story, a summary and every audit log
    verified. Ctrl-C stops every process it started (exit code 130)."""
    from gateway.demo import run_demo

    sys.exit(run_demo(certs, workdir, duration))


cli.add_command(_isc_commands)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
