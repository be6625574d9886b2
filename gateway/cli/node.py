"""argos init, serve, identity, status, backup and restore: a node's folder and its
life. init, restore and identity work on the folder alone; serve runs the node; status
and backup ask the running node."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from gateway.cli.client import EXIT_INTEGRITY
from gateway.cli.shared import (
    admin_client,
    echo_field,
    echo_json,
    fail,
    field_option,
    home_option,
    json_option,
    node_command,
)
from gateway.domain.errors import ArgosError
from gateway.node.config import ADMIN_TOKEN_FILE, init_node_home, load_config, load_signing_key
from gateway.wire.argos.v1 import admin_pb2 as pb
from gateway.wire.argos.v1 import confirmations_pb2 as cpb


@click.command()
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
@click.option(
    "--postgresql-dsn",
    help="Keep the node's state in this PostgreSQL database (a libpq connection string "
    "without password) instead of node.sqlite.",
)
@click.option(
    "--postgresql-password-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Owner-only file holding the PostgreSQL password (with --postgresql-dsn).",
)
def init(
    home: Path,
    node_id: str,
    listen: str,
    endpoint: str | None,
    tls_cert: Path,
    tls_key: Path,
    tls_ca: Path,
    admin_user: str,
    postgresql_dsn: str | None,
    postgresql_password_file: Path | None,
) -> None:
    """Create a node folder: config, a new Ed25519 signing key, the database and a first
    admin user whose token is written to HOME/admin.token (owner-only)."""
    from gateway.bootstrap import build_application
    from gateway.node.config import write_private
    from gateway.node.postgres_settings import PostgresSettings

    try:
        postgresql = None
        if postgresql_dsn is not None or postgresql_password_file is not None:
            postgresql = PostgresSettings(
                dsn=postgresql_dsn or "", password_file=postgresql_password_file
            )
            postgresql.conninfo()  # the password file is there and owner-only
        config = init_node_home(
            home,
            node_id=node_id,
            federation_listen=listen,
            federation_endpoint=endpoint,
            tls_cert=tls_cert,
            tls_key=tls_key,
            tls_ca=tls_ca,
            postgresql=postgresql,
        )
        key = load_signing_key(config)
        app = build_application(config)
        try:
            token = app.administration.initialise(admin_user)
        finally:
            app.close()
        write_private(home / ADMIN_TOKEN_FILE, token.encode() + b"\n")
    except ArgosError as exc:
        fail(str(exc))
    click.echo(f"node {node_id} created in {home}")
    click.echo(f"signing key id  {key.key_id}")
    click.echo(f"public key      {key.public.raw.hex()}")
    click.echo(f"admin token     {home / ADMIN_TOKEN_FILE} (user {admin_user})")


@click.command()
@home_option
@click.option("--log-level", default="info", show_default=True)
def serve(home: Path, log_level: str) -> None:
    """Run the node in the foreground until Ctrl-C or SIGTERM."""
    from gateway.node.logs import configure_logging
    from gateway.node.server import serve as run

    configure_logging(log_level)
    try:
        run(home)
    except ArgosError as exc:
        fail(str(exc))


@click.command()
@home_option
@json_option
@field_option
def identity(home: Path, as_json: bool, field: str) -> None:
    """What partners need to register this node: node id, endpoint, public key, and the
    certificate fingerprint. Reads the node folder; the node need not run."""
    # Here, not at the top: cryptography's x509 costs every other command its import.
    from gateway.domain.peer import certificate_fingerprint

    try:
        config = load_config(home)
        key = load_signing_key(config)
    except ArgosError as exc:
        fail(str(exc))
    info = {
        "node_id": config.node_id,
        "endpoint": config.endpoint,
        "key_id": key.key_id,
        "public_key": key.public.raw.hex(),
        "tls_ca": str(config.tls_ca),
        "tls_cert_sha256": certificate_fingerprint(config.tls_cert.read_bytes()),
    }
    if field:
        echo_field(info, field)
    elif as_json:
        echo_json(info)
    else:
        for k, v in info.items():
            click.echo(f"{k:16}{v}")


@node_command()
@click.option(
    "--wait",
    "wait_s",
    type=float,
    default=0.0,
    help="Wait up to this many seconds for a node that is still starting.",
)
def status(home: Path, token_file: Path | None, wait_s: float) -> None:
    """One screen on the node: identity, partners (reachable now?, sync lag, outbox),
    how fresh each partner feed is, agreements, own entries near review, open
    confirmations near their deadline, camera adapters, certificates near their end,
    audit log size."""
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
    _echo_feeds(r)
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
    _echo_certificates(r)
    newest = r.newest_backup_at.ToJsonString() if r.HasField("newest_backup_at") else "none"
    warning = f"  WARNING: none within {r.backup_warning_days} days" if r.backup_warning else ""
    click.echo(f"backups         newest recorded {newest}{warning}")
    click.echo(f"audit records   {r.audit_records}")


def _echo_feeds(r: pb.GetStatusResponse) -> None:
    stale = sum(f.stale for f in r.feeds)
    bound = f"signed head older than {r.stale_feed_after_seconds} s"
    click.echo(
        f"feeds           {len(r.feeds)} received"
        + (f", {stale} STALE ({bound})" if stale else f", none stale (stale: {bound})")
    )
    for f in r.feeds:
        if not f.HasField("head_age_seconds"):
            seen = "nothing received yet"
        elif f.HasField("last_head_at"):
            seen = f"last signed head {f.head_age_seconds:.0f} s ago"
        else:
            seen = f"no verified head yet, last batch {f.head_age_seconds:.0f} s ago"
        flag = "STALE: " if f.stale else ""
        stopped = "; matching stopped" if f.matching_stopped else ""
        click.echo(f"  {f.agreement_id}  from {f.partner}: {flag}{seen}{stopped}")


def _echo_certificates(r: pb.GetStatusResponse) -> None:
    warned = sum(c.warning for c in r.certificates)
    click.echo(
        f"certificates    {len(r.certificates)} checked, {warned} ending within "
        f"{r.certificate_warning_days} days or unreadable"
    )
    now = datetime.now(UTC)
    for c in r.certificates:
        if c.problem:
            when = f"UNREADABLE ({c.problem})"
        else:
            end = c.not_after.ToDatetime(tzinfo=UTC)
            left = (end - now).days
            when = f"ends {c.not_after.ToJsonString()}, " + (
                f"in {left} days" if end > now else "ENDED"
            )
        mark = "  WARNING" if c.warning else ""
        click.echo(f"  {c.owner:14}{c.kind:18}{when}{mark}")


passphrase_option = click.option(
    "--passphrase-file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    envvar="ARGOS_BACKUP_PASSPHRASE_FILE",
    required=True,
    help="File holding the backup passphrase, at least 16 characters "
    "(or ARGOS_BACKUP_PASSPHRASE_FILE). Keep it apart from the backups.",
)


@node_command()
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="The archive to write (a new file).",
)
@passphrase_option
@click.option("--justification", required=True, help="Why (recorded in the audit log).")
def backup(
    home: Path, token_file: Path | None, out: Path, passphrase_file: Path, justification: str
) -> None:
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


@click.command()
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
def restore(archive: Path, home: Path, passphrase_file: Path, admin_user: str) -> None:
    """Restore a backup into a new node folder, check its audit chain against its
    signed head, and record the restore in it. Then start it with `argos serve`."""
    from gateway.bootstrap import build_application
    from gateway.node.backup import extract_archive, read_passphrase
    from gateway.node.config import write_private
    from gateway.services.administration import AuditBroken

    try:
        manifest = extract_archive(archive, home, read_passphrase(passphrase_file))
        app = build_application(load_config(home))
        config = app.config
        try:
            checked, token = app.administration.adopt_restored(manifest.created_at, admin_user)
        except AuditBroken as broken:
            problem = broken.problem
            click.echo(
                f"audit log of the backup BROKEN at {problem.where}: {problem.reason}", err=True
            )
            sys.exit(EXIT_INTEGRITY)
        finally:
            app.close()
        if token:
            write_private(home / ADMIN_TOKEN_FILE, token.encode() + b"\n")
    except ArgosError as exc:
        fail(str(exc))
    click.echo(f"node {config.node_id} restored into {home} from a backup of {manifest.created_at}")
    click.echo(f"audit log intact: {checked} records; start it with `argos serve --home {home}`")
