"""The lease of a node on PostgreSQL: a session-level advisory lock held by the active
node on a connection of its own, outside any pool, so no transaction of the store can
end it. The server drops the lock when that session ends; TCP keepalives and
tcp_user_timeout make both ends notice a dead peer (a killed node, a stopped primary)
within seconds instead of the kernel's two hours.

Advisory locks are not replicated: after a promotion the lock is free on the new
primary. Two actives are still impossible because the old active's session was on the
old primary, which is gone (stopped, or fenced by Patroni): its lease check fails and it
exits before the standby node can have connected to the promoted server."""

from __future__ import annotations

import psycopg
import structlog

log = structlog.get_logger(__name__)

# One fixed key for "the active node of this database" (ASCII "ARGOSLSE").
LEASE_KEY = 0x4152474F534C5345
APPLICATION_PREFIX = "argos-lease:"

# Seconds: connect, and the dead-peer detection of the lease's own connection.
CONNECT_TIMEOUT_S = 5
KEEPALIVE_IDLE_S = 2
KEEPALIVE_INTERVAL_S = 1
KEEPALIVE_COUNT = 3
TCP_USER_TIMEOUT_MS = 5_000
CHECK_TIMEOUT_MS = 5_000


class PostgresLease:
    """The Lease port over pg_try_advisory_lock (see gateway.services.ports.lease).

    `conninfo` carries the password: it is kept for connecting and never logged or put
    in an error text (log lines name the node id only)."""

    def __init__(self, conninfo: str, node_id: str) -> None:
        self._conninfo = conninfo
        self.node_id = node_id
        self._conn: psycopg.Connection | None = None
        self._unreachable = False  # logged once per outage, not at every try

    def _connect(self) -> psycopg.Connection:
        return psycopg.connect(
            self._conninfo,
            autocommit=True,
            application_name=f"{APPLICATION_PREFIX}{self.node_id}",
            connect_timeout=CONNECT_TIMEOUT_S,
            keepalives=1,
            keepalives_idle=KEEPALIVE_IDLE_S,
            keepalives_interval=KEEPALIVE_INTERVAL_S,
            keepalives_count=KEEPALIVE_COUNT,
            tcp_user_timeout=TCP_USER_TIMEOUT_MS,
            options=f"-c statement_timeout={CHECK_TIMEOUT_MS}",
        )

    def try_acquire(self) -> bool:
        if self._conn is not None:
            return self.still_held()
        try:
            conn = self._connect()
        except psycopg.Error as exc:
            self._note_unreachable(exc)
            return False
        try:
            taken = conn.execute("SELECT pg_try_advisory_lock(%s)", (LEASE_KEY,)).fetchone()
        except psycopg.Error as exc:
            self._note_unreachable(exc)
            conn.close()
            return False
        self._unreachable = False
        if not (taken and taken[0]):
            conn.close()
            return False
        self._conn = conn
        return True

    def _note_unreachable(self, exc: psycopg.Error) -> None:
        if not self._unreachable:
            # The class of error only: its text may quote the connection string.
            log.info("lease.unreachable", node_id=self.node_id, error=type(exc).__name__)
        self._unreachable = True

    def still_held(self) -> bool:
        """Ours while our session is alive and the server lists the lock as granted to
        it; any failure to ask is a lost lease."""
        if self._conn is None or self._conn.closed:
            return False
        try:
            row = self._conn.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND pid = pg_backend_pid() AND objsubid = 1"
                " AND ((classid::bigint << 32) | objid::bigint) = %s",
                (LEASE_KEY,),
            ).fetchone()
        except psycopg.Error:
            return False
        return bool(row and row[0])

    def holder(self) -> str | None:
        """The node id (and client address) of the session holding the lock, from
        pg_stat_activity; None when nobody holds it or the server cannot be asked."""
        try:
            with self._connect() as conn:
                row = conn.execute(
                    "SELECT a.application_name, a.client_addr::text FROM pg_locks l"
                    " JOIN pg_stat_activity a ON a.pid = l.pid"
                    " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"
                    " AND ((l.classid::bigint << 32) | l.objid::bigint) = %s",
                    (LEASE_KEY,),
                ).fetchone()
        except psycopg.Error:
            return None
        if row is None:
            return None
        name = (row[0] or "").removeprefix(APPLICATION_PREFIX) or "unknown"
        return f"{name} from {row[1]}" if row[1] else name

    def release(self) -> None:
        if self._conn is None:
            return
        conn, self._conn = self._conn, None
        try:
            conn.execute("SELECT pg_advisory_unlock(%s)", (LEASE_KEY,))
        except psycopg.Error:
            pass  # the session's end drops it all the same
        finally:
            conn.close()
