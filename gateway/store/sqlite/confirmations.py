"""Confirmations as this node keeps them: the signed request, its state, and the signed
event that closed it."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from gateway.domain.times import parse_time_text, time_text
from gateway.services.ports import HeldConfirmation

if TYPE_CHECKING:
    from gateway.store.sqlite.unit_of_work import SqliteUnitOfWork

_COLUMNS = (
    "request_id, outgoing, kind, agreement_id, partner, state, created_at, deadline, hit_id, "
    "request_envelope, event_envelope, closed_by, closed_at, escalated"
)


class SqliteConfirmations:
    def __init__(self, uow: SqliteUnitOfWork) -> None:
        self._uow = uow
        self._conn = uow.conn

    def insert(self, c: HeldConfirmation) -> bool:
        cur = self._conn.execute(
            f"INSERT INTO confirmations ({_COLUMNS}, updated_at) VALUES "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (request_id) DO NOTHING",
            (
                c.request_id,
                int(c.outgoing),
                c.kind,
                c.agreement_id,
                c.partner,
                c.state,
                time_text(c.created_at),
                time_text(c.deadline),
                c.hit_id,
                c.request_envelope,
                c.event_envelope,
                c.closed_by,
                time_text(c.closed_at) if c.closed_at else None,
                int(c.escalated),
                self._uow.now_text(),
            ),
        )
        return cur.rowcount == 1

    def close(
        self,
        request_id: str,
        state: str,
        *,
        event_envelope: bytes | None,
        closed_by: str,
        closed_at: datetime,
    ) -> None:
        self._conn.execute(
            "UPDATE confirmations SET state = ?, event_envelope = ?, closed_by = ?, "
            "closed_at = ?, updated_at = ? WHERE request_id = ?",
            (
                state,
                event_envelope,
                closed_by,
                time_text(closed_at),
                self._uow.now_text(),
                request_id,
            ),
        )

    def mark_escalated(self, request_id: str) -> None:
        self._conn.execute(
            "UPDATE confirmations SET escalated = 1 WHERE request_id = ?", (request_id,)
        )

    def get(self, request_id: str) -> HeldConfirmation | None:
        row = self._conn.execute(
            f"SELECT {_COLUMNS} FROM confirmations WHERE request_id = ?", (request_id,)
        ).fetchone()
        return _held(row) if row else None

    def listing(self, *, open_only: bool, limit: int) -> list[HeldConfirmation]:
        clause = "WHERE state = 'open'" if open_only else ""
        rows = self._conn.execute(
            f"SELECT {_COLUMNS} FROM confirmations {clause} ORDER BY created_at DESC LIMIT ?",
            (limit,),
        )
        return [_held(r) for r in rows]

    def open_due_before(self, moment: datetime) -> list[HeldConfirmation]:
        rows = self._conn.execute(
            f"SELECT {_COLUMNS} FROM confirmations WHERE state = 'open' AND deadline <= ? "
            "ORDER BY deadline",
            (time_text(moment),),
        )
        return [_held(r) for r in rows]

    def open_count(self) -> int:
        return self._conn.execute(
            "SELECT count(*) FROM confirmations WHERE state = 'open'"
        ).fetchone()[0]


def _held(r: tuple) -> HeldConfirmation:
    return HeldConfirmation(
        request_id=r[0],
        outgoing=bool(r[1]),
        kind=r[2],
        agreement_id=r[3],
        partner=r[4],
        state=r[5],
        created_at=parse_time_text(r[6]),
        deadline=parse_time_text(r[7]),
        hit_id=r[8],
        request_envelope=r[9],
        event_envelope=r[10],
        closed_by=r[11],
        closed_at=parse_time_text(r[12]) if r[12] else None,
        escalated=bool(r[13]),
    )
