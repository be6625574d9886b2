"""A node's folder: its config file, signing key and database, and how `argos init`
creates them. Secrets are written owner-only from the first byte."""

from __future__ import annotations

import dataclasses
import json
import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

import msgspec

from gateway.domain.audit_anchor import DEFAULT_RETENTION_DAYS as DEFAULT_AUDIT_RETENTION_DAYS
from gateway.domain.audit_anchor import check_retention_days as check_audit_retention_days
from gateway.domain.errors import InvalidInput
from gateway.domain.identity import NodeSigningKey, check_node_id
from gateway.domain.retention import RetentionSettings
from gateway.domain.sessions import LoginThrottlePolicy, SessionPolicy
from gateway.node.postgres_settings import PostgresSettings, check_store_choice
from gateway.settings import Settings, load_settings
from gateway.wire.local_api import socket_target

CONFIG_FILE = "node.toml"
KEY_FILE = "node.key"
TOKEN_KEY_FILE = "token.key"
DB_FILE = "node.sqlite"
ADMIN_SOCKET = "admin.sock"
ADMIN_TOKEN_FILE = "admin.token"
DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024
DEFAULT_CALL_TIMEOUT_S = 10.0


class IscConfig(Settings):
    """The Dutch ISC ([isc] table); an empty collection_url means no ISC."""

    collection_url: str = ""
    # "user:password", owner-only; relative to the node folder.
    credentials_file: Path = Path()
    # 0: on demand only (argos isc pull / publish).
    pull_interval_s: float = 0.0
    statistics_interval_s: float = 0.0
    suppression_threshold: int = 5
    statistics_tlp: str = "green"
    page_size: int = 1000
    timeout_s: float = 600.0
    ca_file: str = ""
    # collection_url must be https; plain http only to a loopback address, and only
    # with this set (a TAXII server on the same machine, as in tests).
    allow_plain_http_loopback: bool = False


class LimitsConfig(Settings):
    """What no single caller may take of the node ([limits] table).

    gRPC Python serves every call on a thread of its server's pool, and a stream keeps
    its thread for its whole life: were long streams unbounded, a partner following
    its feed many times over (or an operator opening many alert windows) would hold
    every thread, and hit notifications, confirmations and reads would wait behind
    them. So long streams have caps per caller and in total, each total below its
    pool, and the rest of the pool is always free for the calls that matter.

    Federation pool 32: feed streams (PullHotlistChanges) take at most 16, at most 4
    per partner (one per agreement is normal; 4 leaves room for reconnects and a
    second agreement), so 16 threads always answer NotifyHit, DeliverConfirmation,
    proposals and status changes. Admin pool 24: alert watchers at most 8 (6 per role,
    3 per user), read streams (SubmitReads) at most 8 (4 per adapter user), leaving 8
    for the CLI and every unary call.

    Each partner's calls are metered by a token bucket (partner_calls_per_s, burst
    partner_call_burst): far above what a node sends (hits are a few per second at
    national rates), low enough that a flood is refused cheaply. A partner's refused
    calls are recorded one by one up to refusal_record_burst, then at
    refusal_records_per_minute; the rest are counted and summed up in one record per
    refusal_summary_interval_s, so a flood cannot grow the audit log without limit."""

    federation_workers: int = 32
    federation_streams: int = 16
    feed_streams_per_partner: int = 4
    admin_workers: int = 24
    alert_watchers: int = 8
    alert_watchers_per_role: int = 6
    alert_watchers_per_user: int = 3
    read_streams: int = 8
    read_streams_per_user: int = 4
    partner_calls_per_s: float = 100.0
    partner_call_burst: int = 1000
    refusal_records_per_minute: float = 30.0
    refusal_record_burst: int = 20
    refusal_summary_interval_s: float = 60.0
    # Alerts queued for one live watcher before it is told it fell behind and is
    # served from the alert log instead (nothing is dropped either way).
    alert_watcher_queue: int = 1000

    def __post_init__(self) -> None:
        for name in self.__struct_fields__:
            if getattr(self, name) <= 0:
                raise InvalidInput(f"limits.{name} must be above 0")
        if self.federation_streams >= self.federation_workers:
            raise InvalidInput(
                f"limits.federation_streams ({self.federation_streams}) must be below "
                f"limits.federation_workers ({self.federation_workers}): the rest of the "
                "pool serves hit notifications and confirmations"
            )
        if self.alert_watchers + self.read_streams >= self.admin_workers:
            raise InvalidInput(
                f"limits.alert_watchers + limits.read_streams ({self.alert_watchers} + "
                f"{self.read_streams}) must be below limits.admin_workers "
                f"({self.admin_workers}): the rest of the pool serves every other call"
            )


class ConsoleSettings(Settings):
    """The console beside this node (`argos console`, [console] table): where it listens
    and how it is reached (issue18-console), and the log-in and sessions the node holds
    for it (issue18-sessions). It serves HTTPS with the node's own tls_cert and tls_key.

    idle_timeout_minutes 15: a screen left unattended in a control room is closed
    within a quarter of an hour (an open live-alerts page counts as use: watching is
    an operator's work); absolute_timeout_hours 12: one shift, then sign in again,
    whatever the use. fresh_minutes 5: accepting an agreement, changing a partner,
    users, keys or the plate-token secret through the console needs the password and
    a code given again less than this long ago. login_failures 5 within
    login_lockout_minutes (15) lock the user name, or the client address, for that
    long: enough for typing mistakes, far too few to guess a 12-character password
    or a 6-digit code (at most 480 tries a day per user name)."""

    # host:port; `argos console --listen` goes before it.
    listen: str = "127.0.0.1:8443"
    # The address people type, when a reverse proxy or a name stands in front.
    public_url: str = ""
    # Reverse proxies (their addresses) whose X-Forwarded-For the console believes for
    # the browser's address, which the node throttles log-ins by. See docs/admin-guide.md
    # ("The console") for a smartcard proxy in front.
    trusted_proxies: list[str] = msgspec.field(default_factory=list)
    idle_timeout_minutes: float = 15.0
    absolute_timeout_hours: float = 12.0
    fresh_minutes: float = 5.0
    login_failures: int = 5
    login_lockout_minutes: float = 15.0

    def __post_init__(self) -> None:
        for name in (
            "idle_timeout_minutes",
            "absolute_timeout_hours",
            "fresh_minutes",
            "login_failures",
            "login_lockout_minutes",
        ):
            if getattr(self, name) <= 0:
                raise InvalidInput(f"console.{name} must be above 0")

    @property
    def policy(self) -> SessionPolicy:
        return SessionPolicy(
            idle_timeout=timedelta(minutes=self.idle_timeout_minutes),
            absolute_timeout=timedelta(hours=self.absolute_timeout_hours),
            fresh_for=timedelta(minutes=self.fresh_minutes),
        )

    @property
    def throttle(self) -> LoginThrottlePolicy:
        lockout = timedelta(minutes=self.login_lockout_minutes)
        return LoginThrottlePolicy(failures=self.login_failures, window=lockout, lockout=lockout)


STALE_FEED_ACTIONS = ("alert", "stop_matching")
RETENTION_SETTINGS = tuple(f.name for f in dataclasses.fields(RetentionSettings))


class NodeConfig(Settings):
    """node.toml, checked once when read: an unknown key or a value of the wrong type
    is refused with the key named."""

    home: Path
    node_id: str
    federation_listen: str
    tls_cert: Path
    tls_key: Path
    tls_ca: Path
    federation_endpoint: str = ""  # what partners dial; empty: federation_listen
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
    call_timeout_s: float = DEFAULT_CALL_TIMEOUT_S
    max_review_days: int = 365
    # Matching: OCR-variant (fuzzy) matching on or off, and its bounds ([fuzzy] table:
    # max_substitutions, max_variants, per_category).
    fuzzy_matching: bool = True
    fuzzy: dict[str, Any] = msgspec.field(default_factory=dict)
    # Retention of hits of this node's cameras on its own entries.
    own_hit_retention_days: int = 28
    # Which zone each site lies in ([zones] table); other sites lie in default_zone,
    # which defaults to the node id.
    zones: dict[str, str] = msgspec.field(default_factory=dict)
    default_zone: str = ""
    # How often the purge loop runs every retention rule (gateway/domain/retention.py).
    purge_interval_s: float = 60.0
    # Retention (issue 16; the rules and their legal basis: `argos retention report`).
    # Own entries withdrawn or expired, kept for the case file this long, then erased.
    own_entry_retention_days: int = 90
    # Closed confirmations (and their outbox messages), at most the agreement's hit
    # retention.
    confirmation_retention_days: int = 28
    # Outbox messages after delivery (or final refusal); hit notifications go with hits.
    outbox_retention_days: int = 7
    # Confirmation and feed notices in the alert log, replayable to a watcher resuming
    # from its cursor this long (a hit's alert goes with its hit).
    alert_notice_retention_days: int = 7
    isc_candidate_retention_days: int = 90
    isc_publication_retention_days: int = 365
    # ISC rejections and seen records.
    isc_record_retention_days: int = 90
    # The audit log (LED art. 25: three years by default, at least 180 days); older
    # records are erased behind a signed anchor by the purge loop.
    audit_retention_days: int = DEFAULT_AUDIT_RETENTION_DAYS
    # The retention report warns when the newest backup is older than this.
    backup_warning_days: int = 7
    # The node's receipts of adapters' batches of reads (a batch sent again is answered
    # from its receipt): kept this long, and at most this many per adapter user.
    read_batch_retention_days: int = 1
    read_batch_receipts: int = 100_000
    # Console sessions after they ended (issue 18): long enough for an auditor to see
    # who was signed in when; the audit log keeps the log-ins and endings themselves.
    console_session_retention_days: int = 30
    # Longest wait between two tries to deliver an outbox message to a partner.
    outbox_max_backoff_s: float = 60.0
    # The port's read-history interface (an adapter's POST /search), for retrospective
    # queries; empty: this node cannot answer them.
    read_history_url: str = ""
    # The secret the read-history adapter answers only to (its secret_file), in an
    # owner-only file; relative to the node folder. Required with read_history_url.
    read_history_secret_file: Path | None = None
    # How long before its deadline an open confirmation is escalated to the alert stream.
    confirmation_warning_minutes: float = 60.0
    isc: IscConfig = IscConfig()
    # Prometheus endpoint (GET /metrics over plain HTTP): off unless metrics_port is set.
    # Bound to loopback by default; it carries ids and counts, never personal data.
    metrics_port: int | None = None
    metrics_address: str = "127.0.0.1"
    # How far ahead `argos status` and the metrics count own entries as expiring soon.
    expiry_warning_days: int = 7
    # How far ahead `argos status` warns that a certificate (this node's, its CA, a
    # partner's CA or pinned certificate) expires.
    certificate_warning_days: int = 30
    # How often the node looks whether tls_cert or tls_key changed on disk and, if so,
    # reloads them as `argos tls reload` does (0: only on that command).
    tls_reload_check_s: float = 0.0
    # Active / standby (issue 19): how often the active node checks that it still holds
    # the lease, and how often a standby tries to take it.
    lease_check_s: float = 2.0
    # Provider side: how often an idle feed stream repeats its signed head.
    feed_heartbeat_s: float = 10.0
    # Recipient side: a feed whose last verified signed head is older than this is
    # stale (keep it well above the partners' feed_heartbeat_s). "alert": tell the
    # operators and show it; "stop_matching": also stop matching reads against that
    # partner's list until fresh heads arrive.
    stale_feed_after_s: float = 300.0
    stale_feed_action: str = "alert"
    limits: LimitsConfig = LimitsConfig()
    console: ConsoleSettings = ConsoleSettings()
    # Where the node keeps its state (issue 19): "sqlite" (node.sqlite in the node
    # folder) or "postgresql" (the [postgresql] table: gateway/node/postgres_settings.py).
    store: str = "sqlite"
    postgresql: PostgresSettings | None = None

    def __post_init__(self) -> None:
        check_node_id(self.node_id)
        check_store_choice(self.store, self.postgresql)
        if self.stale_feed_action not in STALE_FEED_ACTIONS:
            raise InvalidInput(
                f"stale_feed_action must be one of {', '.join(STALE_FEED_ACTIONS)}, "
                f"not {self.stale_feed_action[:40]!r}"
            )
        if self.stale_feed_after_s <= 0 or self.feed_heartbeat_s <= 0:
            raise InvalidInput("stale_feed_after_s and feed_heartbeat_s must be above 0")
        if self.certificate_warning_days < 0:
            raise InvalidInput("certificate_warning_days must not be negative")
        if self.tls_reload_check_s < 0:
            raise InvalidInput("tls_reload_check_s must not be negative")
        if self.lease_check_s <= 0:
            raise InvalidInput("lease_check_s must be above 0")
        for name in RETENTION_SETTINGS:
            if getattr(self, name) < 1:
                unit = " day" if name.endswith("_days") else ""
                raise InvalidInput(f"{name} must be at least 1{unit}")
        check_audit_retention_days(self.audit_retention_days)

    @property
    def retention(self) -> RetentionSettings:
        return RetentionSettings(**{name: getattr(self, name) for name in RETENTION_SETTINGS})

    @property
    def endpoint(self) -> str:
        return self.federation_endpoint or self.federation_listen

    @property
    def db_path(self) -> Path:
        return self.home / DB_FILE

    @property
    def key_path(self) -> Path:
        return self.home / KEY_FILE

    @property
    def token_key_path(self) -> Path:
        return self.home / TOKEN_KEY_FILE

    @property
    def admin_socket(self) -> Path:
        return self.home / ADMIN_SOCKET

    @property
    def admin_target(self) -> str:
        return socket_target(self.admin_socket)


def write_private(path: Path, data: bytes) -> None:
    """Create a file readable by its owner only; refuse to overwrite."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def init_node_home(
    home: Path,
    *,
    node_id: str,
    federation_listen: str,
    federation_endpoint: str | None,
    tls_cert: Path,
    tls_key: Path,
    tls_ca: Path,
    postgresql: PostgresSettings | None = None,
) -> NodeConfig:
    """Create the node folder, config and a fresh Ed25519 signing key. With
    `postgresql` (checked before anything is written), the node keeps its state in that
    PostgreSQL database instead of node.sqlite."""
    check_node_id(node_id)
    for p in (tls_cert, tls_key, tls_ca):
        if not p.is_file():
            raise InvalidInput(f"TLS file {p} does not exist")
    if (home / CONFIG_FILE).exists():
        raise InvalidInput(f"{home} already holds a node; refusing to overwrite it")
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(home, 0o700)
    key = NodeSigningKey.generate()
    write_private(home / KEY_FILE, key.seed.hex().encode() + b"\n")
    write_private(home / TOKEN_KEY_FILE, secrets.token_bytes(32).hex().encode() + b"\n")
    values = {
        "node_id": node_id,
        "federation_listen": federation_listen,
        "federation_endpoint": federation_endpoint or federation_listen,
        "tls_cert": str(tls_cert.resolve()),
        "tls_key": str(tls_key.resolve()),
        "tls_ca": str(tls_ca.resolve()),
        "max_message_bytes": DEFAULT_MAX_MESSAGE_BYTES,
        "call_timeout_s": DEFAULT_CALL_TIMEOUT_S,
        "max_review_days": 365,
    }
    # JSON string escaping is valid TOML basic-string escaping.
    text = "".join(f"{k} = {json.dumps(v)}\n" for k, v in values.items())
    if postgresql is not None:
        # An inline table: top-level settings appended later stay top-level.
        table = {"dsn": postgresql.dsn, "pool_size": postgresql.pool_size}
        if postgresql.password_file is not None:
            table["password_file"] = str(postgresql.password_file.resolve())
        inline = ", ".join(f"{k} = {json.dumps(v)}" for k, v in table.items())
        text += f'store = "postgresql"\npostgresql = {{ {inline} }}\n'
    (home / CONFIG_FILE).write_text("# Argos node configuration\n" + text)
    return load_config(home)


def load_config(home: Path) -> NodeConfig:
    path = home / CONFIG_FILE
    if not path.is_file():
        raise InvalidInput(f"no node at {home}: {CONFIG_FILE} is missing (run `argos init`)")
    return load_settings(path, NodeConfig, home=str(Path(home).resolve()))


def _read_secret(path: Path) -> bytes:
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise InvalidInput(f"{path} is readable by others (mode {mode:o}); run chmod 600 on it")
    return bytes.fromhex(path.read_text().strip())


def read_secret(path: Path) -> bytes:
    """An owner-only hex secret file's bytes (refused when others may read it)."""
    return _read_secret(path)


def load_signing_key(config: NodeConfig) -> NodeSigningKey:
    return NodeSigningKey(_read_secret(config.key_path))


def load_token_master(config: NodeConfig) -> bytes:
    """The secret behind every plate-token key this node hands to partners."""
    return _read_secret(config.token_key_path)


def load_isc_credentials(path: Path) -> tuple[str, str]:
    """The ISC member's user and password from an owner-only file "user:password"."""
    if not path.is_file():
        raise InvalidInput(f"ISC credentials file {path} does not exist")
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise InvalidInput(f"{path} is readable by others (mode {mode:o}); run chmod 600 on it")
    user, sep, password = path.read_text().strip().partition(":")
    if not sep or not user:
        raise InvalidInput(f"{path} must hold one line user:password")
    return user, password
