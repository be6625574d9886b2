"""Real PostgreSQL servers for the tests, from Debian's `postgresql` package (issue 19).

`PgServer.start(directory)` runs initdb into directory/"data" and starts `postgres` on
127.0.0.1 on a free port, its Unix socket in a short folder of its own. Connections
over TCP authenticate with SCRAM and a password generated per server (so a node's
password_file is really used); the Unix socket trusts local users. wal_level=replica
and max_wal_senders=10 so a streaming standby can follow it; fsync stays on.

PostgreSQL refuses to run as root: when the tests run as root, initdb, postgres and
pg_ctl run as the `postgres` system user, and the cluster lives in a folder under /tmp
owned by it (pytest's own tmp folders are root-only, so that user could not reach
them); directory/"data" is then a symlink to it. The postmaster is this process's
child, so `kill()` is a real SIGKILL of it and nothing is left as a zombie.

When the binaries are missing the tests skip, naming the install command; `make test`
installs the package first, so in CI nothing skips."""

from __future__ import annotations

import atexit
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from gateway.federation import free_port

PG_ROOT = Path("/usr/lib/postgresql")
INSTALL_HINT = "apt-get install -y postgresql (or run `make test`, which installs it)"
SUPERUSER = "postgres"
START_TIMEOUT_S = 60.0
_STOP_SIGNALS = {"smart": signal.SIGTERM, "fast": signal.SIGINT, "immediate": signal.SIGQUIT}
_SERVERS: list[PgServer] = []


def bin_dir() -> Path:
    """The newest installed PostgreSQL's bin folder; skips the test when there is none."""
    found = sorted(
        (p for p in PG_ROOT.glob("*/bin") if (p / "initdb").is_file()),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    if not found:
        pytest.skip(f"PostgreSQL server binaries are missing: {INSTALL_HINT}")
    return found[-1]


def _as_root() -> bool:
    return os.geteuid() == 0


def _owner_kwargs() -> dict[str, object]:
    """subprocess arguments that run a PostgreSQL tool as its owner."""
    if not _as_root():
        return {}
    return {"user": SUPERUSER, "group": pwd.getpwnam(SUPERUSER).pw_gid}


def run_pg_tool(tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run one of PostgreSQL's programs (initdb, pg_ctl, pg_basebackup, ...) as the
    cluster's owner."""
    return subprocess.run(
        [str(bin_dir() / tool), *args],
        capture_output=True,
        text=True,
        check=check,
        timeout=120,
        **_owner_kwargs(),  # type: ignore[arg-type]
    )


def _give_to_owner(path: Path) -> None:
    if _as_root():
        entry = pwd.getpwnam(SUPERUSER)
        os.chown(path, entry.pw_uid, entry.pw_gid)


class PgServer:
    """One PostgreSQL cluster and its postmaster (a child of this process)."""

    def __init__(self, directory: Path, port: int, password: str) -> None:
        self.directory = directory
        self.port = port
        self.password = password
        self.process: subprocess.Popen[bytes] | None = None

    # -- where things are ------------------------------------------------------------

    @property
    def data(self) -> Path:
        return self.directory / "data"

    @property
    def socket_dir(self) -> Path:
        return self.data.resolve() / "sockets"

    @property
    def log_path(self) -> Path:
        return self.directory / "postgres.log"

    @property
    def password_file(self) -> Path:
        """The superuser's password, owner-only (what a node's password_file holds)."""
        return self.directory / "password"

    # -- starting and stopping -------------------------------------------------------

    @classmethod
    def start(cls, directory: Path) -> PgServer:
        """initdb into directory/"data" and start the server."""
        directory.mkdir(parents=True, exist_ok=True)
        server = cls(directory, free_port(), secrets.token_urlsafe(24))
        fd = os.open(server.password_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(server.password + "\n")
        server._initdb()
        server.launch()
        return server

    def _initdb(self) -> None:
        if _as_root():
            real = Path(tempfile.mkdtemp(prefix="argos-pg-", dir="/tmp"))
            _give_to_owner(real)
            self.data.symlink_to(real, target_is_directory=True)
            atexit.register(shutil.rmtree, real, True)
        pwfile = self.data.resolve().parent / f".pw-{os.getpid()}-{self.port}"
        pwfile.write_text(self.password + "\n")
        _give_to_owner(pwfile)
        try:
            run_pg_tool(
                "initdb",
                "-D",
                str(self.data.resolve()),
                "-U",
                SUPERUSER,
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                f"--pwfile={pwfile}",
                "--encoding=UTF8",
                "--locale=C",
                "--no-instructions",
            )
        finally:
            pwfile.unlink(missing_ok=True)
        sockets = self.socket_dir
        sockets.mkdir()
        _give_to_owner(sockets)
        self.write_settings(
            listen_addresses="'127.0.0.1'",
            port=str(self.port),
            unix_socket_directories=f"'{sockets}'",
            wal_level="replica",
            max_wal_senders="10",
            hot_standby="on",
            fsync="on",
            max_connections="300",
            shared_buffers="64MB",
        )

    def write_settings(self, **settings: str) -> None:
        """Append settings to postgresql.conf (values as PostgreSQL writes them)."""
        with (self.data / "postgresql.conf").open("a") as f:
            for key, value in settings.items():
                f.write(f"{key} = {value}\n")

    def launch(self) -> None:
        """Start the postmaster on the cluster as it is, and wait until it accepts
        connections (a standby: until it accepts read-only ones)."""
        log = self.log_path.open("ab")
        try:
            self.process = subprocess.Popen(
                [str(bin_dir() / "postgres"), "-D", str(self.data.resolve())],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                **_owner_kwargs(),  # type: ignore[arg-type]
            )
        finally:
            log.close()
        _SERVERS.append(self)
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"postgres exited at start:\n{self.log_tail()}")
            try:
                with psycopg.connect(self.conninfo(), connect_timeout=5):
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"postgres did not accept connections:\n{self.log_tail()}"
                    ) from None
                time.sleep(0.05)

    def stop(self, mode: str = "fast") -> None:
        """Shut down ("smart", "fast" or "immediate", as pg_ctl -m) and wait for it."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.send_signal(_STOP_SIGNALS[mode])
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def kill(self) -> None:
        """SIGKILL the postmaster, as a machine's sudden death would."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.kill()
        process.wait()

    def promote(self) -> None:
        """Promote a standby to primary and wait until it accepts writes."""
        run_pg_tool("pg_ctl", "promote", "-w", "-D", str(self.data.resolve()))

    def is_running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    # -- a streaming standby (issue 19: the failover test) ----------------------------

    @classmethod
    def start_standby(cls, primary: PgServer, directory: Path) -> PgServer:
        """A streaming standby of `primary` in directory/"data" (pg_basebackup -R),
        started and made the primary's one synchronous standby: from here on a commit on
        the primary returns only once this standby has it (synchronous_commit = on), so
        what a node committed survives the primary's loss."""
        directory.mkdir(parents=True, exist_ok=True)
        standby = cls(directory, free_port(), primary.password)
        shutil.copyfile(primary.password_file, standby.password_file)
        os.chmod(standby.password_file, 0o600)
        if _as_root():
            real = Path(tempfile.mkdtemp(prefix="argos-pg-standby-", dir="/tmp"))
            _give_to_owner(real)
            standby.data.symlink_to(real, target_is_directory=True)
            atexit.register(shutil.rmtree, real, True)
        else:
            standby.data.mkdir(mode=0o700)
        name = f"standby_{standby.port}"
        run_pg_tool(
            "pg_basebackup",
            "-d",
            make_conninfo(
                host=str(primary.socket_dir),
                port=str(primary.port),
                user=SUPERUSER,
                application_name=name,
            ),
            "-D",
            str(standby.data.resolve()),
            "-R",  # standby.signal and primary_conninfo (with the application name)
            "-X",
            "stream",
            "-c",
            "fast",
        )
        sockets = standby.socket_dir
        shutil.rmtree(sockets, ignore_errors=True)  # the primary's, copied
        sockets.mkdir()
        _give_to_owner(sockets)
        standby.write_settings(port=str(standby.port), unix_socket_directories=f"'{sockets}'")
        standby.launch()
        primary.write_settings(synchronous_standby_names=f"'{name}'", synchronous_commit="on")
        with psycopg.connect(primary.conninfo(), autocommit=True) as conn:
            conn.execute("SELECT pg_reload_conf()")
        primary.wait_for_sync_standby(name)
        return standby

    def wait_for_sync_standby(self, name: str, timeout_s: float = START_TIMEOUT_S) -> None:
        """Until the standby named `name` streams from this server as its synchronous one."""
        deadline = time.monotonic() + timeout_s
        with psycopg.connect(self.conninfo(), autocommit=True) as conn:
            while True:
                row = conn.execute(
                    "SELECT sync_state FROM pg_stat_replication"
                    " WHERE application_name = %s AND state = 'streaming'",
                    (name,),
                ).fetchone()
                if row is not None and row[0] == "sync":
                    return
                if time.monotonic() > deadline:
                    raise RuntimeError(f"standby {name} is not synchronous: {row}")
                time.sleep(0.05)

    def is_in_recovery(self) -> bool:
        """True on a standby (until promoted)."""
        with psycopg.connect(self.conninfo(), autocommit=True) as conn:
            row = conn.execute("SELECT pg_is_in_recovery()").fetchone()
        return bool(row and row[0])

    # -- databases -------------------------------------------------------------------

    def conninfo(self, dbname: str = "postgres") -> str:
        """A libpq connection string (with the password) for the superuser over TCP."""
        return make_conninfo(
            host="127.0.0.1",
            port=str(self.port),
            dbname=dbname,
            user=SUPERUSER,
            password=self.password,
        )

    def dsn(self, dbname: str = "postgres") -> str:
        """The same without the password: what node.toml's postgresql.dsn holds."""
        return make_conninfo(host="127.0.0.1", port=str(self.port), dbname=dbname, user=SUPERUSER)

    def create_database(self, name: str, template: str | None = None) -> str:
        """A new empty database (or a copy of `template`); its conninfo."""
        query = f'CREATE DATABASE "{name}"'
        if template:
            query += f' TEMPLATE "{template}"'
        with psycopg.connect(self.conninfo(), autocommit=True) as conn:
            conn.execute(query)  # type: ignore[arg-type]
        return self.conninfo(name)

    def drop_database(self, name: str) -> None:
        with psycopg.connect(self.conninfo(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]


@atexit.register
def _stop_left_over() -> None:
    """A test process that ends without stopping its servers does not leave them."""
    for server in _SERVERS:
        server.stop("immediate")
