"""The console_credentials and console_sessions tables (migration 0018): users' console
credentials and the sessions the node holds, a session's token only as its hash."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from gateway.domain.roles import Role
from gateway.domain.sessions import ConsoleSession
from gateway.domain.times import parse_time_text, time_text
from gateway.services.ports.retention import Held
from gateway.services.ports.sessions import ConsoleCredentials

if TYPE_CHECKING:
    from gateway.store.sqlite.unit_of_work import SqliteUnitOfWork

_CHUNK = 500  # ids per DELETE
_SESSION = (
    "session_id, user_name, role, client_address, started_at, last_seen_at, fresh_until, "
    "ended_at, end_reason"
)


class SqliteSessions:
    def __init__(self, uow: SqliteUnitOfWork) -> None:
        self._conn = uow.conn

    # -- credentials --------------------------------------------------------------------

    def credentials(self, user: str) -> ConsoleCredentials | None:
        row = self._conn.execute(
            "SELECT user_name, password_hash, totp_secret, last_totp_step, set_at "
            "FROM console_credentials WHERE user_name = ?",
            (user,),
        ).fetchone()
        if row is None:
            return None
        return ConsoleCredentials(row[0], row[1], row[2], row[3], parse_time_text(row[4]))

    def set_credentials(self, credentials: ConsoleCredentials) -> None:
        self._conn.execute(
            "INSERT INTO console_credentials "
            "(user_name, password_hash, totp_secret, last_totp_step, set_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_name) DO UPDATE SET "
            "password_hash = excluded.password_hash, totp_secret = excluded.totp_secret, "
            "last_totp_step = excluded.last_totp_step, set_at = excluded.set_at",
            (
                credentials.user,
                credentials.password_hash,
                credentials.totp_secret,
                credentials.last_totp_step,
                time_text(credentials.set_at),
            ),
        )

    def set_password_hash(self, user: str, password_hash: str) -> None:
        self._conn.execute(
            "UPDATE console_credentials SET password_hash = ? WHERE user_name = ?",
            (password_hash, user),
        )

    def use_totp_step(self, user: str, step: int) -> bool:
        cur = self._conn.execute(
            "UPDATE console_credentials SET last_totp_step = ? WHERE user_name = ? "
            "AND (last_totp_step IS NULL OR last_totp_step < ?)",
            (step, user, step),
        )
        return cur.rowcount == 1

    def remove_credentials(self, user: str) -> bool:
        cur = self._conn.execute("DELETE FROM console_credentials WHERE user_name = ?", (user,))
        return cur.rowcount == 1

    # -- sessions -----------------------------------------------------------------------

    def add(self, session: ConsoleSession, token_sha256: str) -> None:
        self._conn.execute(
            f"INSERT INTO console_sessions ({_SESSION}, token_sha256) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                session.session_id,
                session.user,
                session.role.value,
                session.client_address,
                time_text(session.started_at),
                time_text(session.last_seen_at),
                _text(session.fresh_until),
                _text(session.ended_at),
                session.end_reason,
                token_sha256,
            ),
        )

    def by_token_hash(self, token_sha256: str) -> ConsoleSession | None:
        return self._one("token_sha256 = ?", token_sha256)

    def get(self, session_id: str) -> ConsoleSession | None:
        return self._one("session_id = ?", session_id)

    def open_sessions(self, user: str | None = None) -> list[ConsoleSession]:
        where, args = "ended_at IS NULL", ()
        if user is not None:
            where, args = "ended_at IS NULL AND user_name = ?", (user,)
        rows = self._conn.execute(
            f"SELECT {_SESSION} FROM console_sessions WHERE {where} "
            "ORDER BY started_at, session_id",
            args,
        )
        return [_session(row) for row in rows]

    def touch(self, session_id: str, at: datetime) -> None:
        self._conn.execute(
            "UPDATE console_sessions SET last_seen_at = ? "
            "WHERE session_id = ? AND ended_at IS NULL",
            (time_text(at), session_id),
        )

    def set_fresh_until(self, session_id: str, until: datetime, seen_at: datetime) -> None:
        self._conn.execute(
            "UPDATE console_sessions SET fresh_until = ?, last_seen_at = ? "
            "WHERE session_id = ? AND ended_at IS NULL",
            (time_text(until), time_text(seen_at), session_id),
        )

    def end(self, session_id: str, at: datetime, reason: str) -> bool:
        cur = self._conn.execute(
            "UPDATE console_sessions SET ended_at = ?, end_reason = ? "
            "WHERE session_id = ? AND ended_at IS NULL",
            (time_text(at), reason, session_id),
        )
        return cur.rowcount == 1

    # -- retention ----------------------------------------------------------------------

    def ended_due(self, cutoff: datetime, limit: int = 1000) -> list[str]:
        rows = self._conn.execute(
            "SELECT session_id FROM console_sessions "
            "WHERE ended_at IS NOT NULL AND ended_at <= ? ORDER BY ended_at, session_id LIMIT ?",
            (time_text(cutoff), limit),
        )
        return [session_id for (session_id,) in rows]

    def erase(self, session_ids: Sequence[str]) -> int:
        erased = 0
        for start in range(0, len(session_ids), _CHUNK):
            chunk = list(session_ids[start : start + _CHUNK])
            marks = ",".join("?" * len(chunk))
            erased += self._conn.execute(
                f"DELETE FROM console_sessions WHERE session_id IN ({marks})", chunk
            ).rowcount
        return erased

    def held(self, now: datetime, days: int) -> Held:
        cutoff = now - timedelta(days=days)
        count, oldest, past = self._conn.execute(
            "SELECT count(*), min(ended_at), sum(ended_at IS NOT NULL AND ended_at <= ?) "
            "FROM console_sessions",
            (time_text(cutoff),),
        ).fetchone()
        first = parse_time_text(oldest) if oldest else None
        return Held(count, first, first + timedelta(days=days) if first else None, past or 0)

    def _one(self, where: str, arg: str) -> ConsoleSession | None:
        row = self._conn.execute(
            f"SELECT {_SESSION} FROM console_sessions WHERE {where}", (arg,)
        ).fetchone()
        return _session(row) if row else None


def _text(moment: datetime | None) -> str | None:
    return None if moment is None else time_text(moment)


def _time(text: str | None) -> datetime | None:
    return None if text is None else parse_time_text(text)


def _session(row: tuple) -> ConsoleSession:
    return ConsoleSession(
        session_id=row[0],
        user=row[1],
        role=Role(row[2]),
        client_address=row[3],
        started_at=parse_time_text(row[4]),
        last_seen_at=parse_time_text(row[5]),
        fresh_until=_time(row[6]),
        ended_at=_time(row[7]),
        end_reason=row[8],
    )
