"""The [postgresql] table of node.toml (issue 19): where a node's PostgreSQL store is,
and how its password is found. The connection string names hosts, ports, database and
user only; the password lives in an owner-only file beside the node's keys and is put
into the connection string only at the moment of connecting (`conninfo()`), so it is
never in node.toml, never in a log line and never in an error text."""

from __future__ import annotations

from pathlib import Path

from gateway.domain.errors import InvalidInput
from gateway.settings import Settings

STORES = ("sqlite", "postgresql")
DEFAULT_POOL_SIZE = 8
# What a log line or error may say about a connection string: where, never who or how.
_DESCRIBED_KEYS = ("host", "hostaddr", "port", "dbname")


class PostgresSettings(Settings):
    """`dsn`: a libpq connection string WITHOUT password, e.g. "host=10.0.0.5,10.0.0.6
    port=5432,5432 dbname=argos user=argos target_session_attrs=read-write" (libpq's
    multi-host form lets a node follow a promoted standby). `password_file`: owner-only,
    relative to the node folder; none where the server trusts the user otherwise (a
    client certificate, peer authentication over a Unix socket). `pool_size`: pooled
    connections (readers run beside the one writer)."""

    dsn: str = ""
    password_file: Path | None = None
    pool_size: int = DEFAULT_POOL_SIZE

    def __post_init__(self) -> None:
        if not self.dsn.strip():
            raise InvalidInput(
                "postgresql.dsn is missing: give a libpq connection string, e.g. "
                '"host=10.0.0.5 port=5432 dbname=argos user=argos"'
            )
        fields = _parse(self.dsn)
        if "password" in fields:
            raise InvalidInput(
                "postgresql.dsn must not hold a password: put it in an owner-only file "
                "and name that file in postgresql.password_file"
            )
        if self.pool_size < 1:
            raise InvalidInput("postgresql.pool_size must be at least 1")
        if self.password_file is not None and self.password_file == Path():
            raise InvalidInput("postgresql.password_file is empty: name a file or leave it out")

    def conninfo(self) -> str:
        """The dsn with the password from password_file: for connecting only (never log
        it, never put it in an error)."""
        from psycopg.conninfo import make_conninfo

        if self.password_file is None:
            return self.dsn
        return make_conninfo(self.dsn, password=read_password(self.password_file))

    def describe(self) -> str:
        """Where the store is, for log lines and errors: hosts, ports and database."""
        fields = _parse(self.dsn)
        return " ".join(f"{k}={fields[k]}" for k in _DESCRIBED_KEYS if k in fields)


def read_password(path: Path) -> str:
    """The PostgreSQL password from an owner-only file (its first line)."""
    try:
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        raise InvalidInput(f"postgresql.password_file {path} does not exist") from None
    except OSError as exc:
        raise InvalidInput(
            f"postgresql.password_file {path} cannot be read ({exc.strerror})"
        ) from None
    if mode & 0o077:
        raise InvalidInput(f"{path} is readable by others (mode {mode:o}); run chmod 600 on it")
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise InvalidInput(f"postgresql.password_file {path} cannot be read ({reason})") from None
    password = text.splitlines()[0] if text else ""
    if not password:
        raise InvalidInput(f"postgresql.password_file {path} is empty")
    return password


def check_store_choice(store: str, postgresql: PostgresSettings | None) -> None:
    if store not in STORES:
        raise InvalidInput(f"store must be one of {', '.join(STORES)}, not {store[:40]!r}")
    if store == "postgresql" and postgresql is None:
        raise InvalidInput(
            'store = "postgresql" needs a [postgresql] table with dsn (and password_file)'
        )


def _parse(dsn: str) -> dict[str, str]:
    """libpq's own parse of a connection string (key=value or postgresql:// URI). Its
    error would quote the string, which may hold a password: ours does not."""
    from psycopg import ProgrammingError
    from psycopg.conninfo import conninfo_to_dict

    try:
        return {k: str(v) for k, v in conninfo_to_dict(dsn).items()}
    except ProgrammingError:
        raise InvalidInput(
            "postgresql.dsn is not a valid libpq connection string "
            '(key=value pairs such as "host=... dbname=... user=...")'
        ) from None
