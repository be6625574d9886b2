"""Partners' announcements of a move, held until decided, and this node's own."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from gateway.domain.partner_change import ChangeState, HeldChange
from gateway.domain.times import parse_time_text, time_text
from gateway.wire import codec
from gateway.wire.partner_change_codec import partner_change_from_payload

if TYPE_CHECKING:
    from gateway.store.sqlite.unit_of_work import SqliteUnitOfWork

_COLUMNS = "fingerprint, envelope, received_at, state, decided_at"


class SqlitePartnerChanges:
    def __init__(self, uow: SqliteUnitOfWork) -> None:
        self._conn = uow.conn

    def add(self, held: HeldChange) -> None:
        c = held.change
        self._conn.execute(
            "INSERT INTO partner_changes (partner, sequence, fingerprint, envelope, issued_at, "
            "received_at, state, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                c.node_id,
                c.sequence,
                held.fingerprint,
                held.envelope_bytes,
                time_text(c.issued_at),
                time_text(held.received_at),
                held.state.value,
                time_text(held.decided_at) if held.decided_at else None,
            ),
        )

    def decide(self, partner: str, sequence: int, state: ChangeState, at: datetime) -> None:
        self._conn.execute(
            "UPDATE partner_changes SET state = ?, decided_at = ? "
            "WHERE partner = ? AND sequence = ?",
            (state.value, time_text(at), partner, sequence),
        )

    def newest(self, partner: str) -> HeldChange | None:
        found = self._load("WHERE partner = ? ORDER BY sequence DESC LIMIT 1", (partner,))
        return found[0] if found else None

    def by_fingerprint(self, partner: str, fingerprint: str) -> HeldChange | None:
        found = self._load("WHERE partner = ? AND fingerprint = ?", (partner, fingerprint))
        return found[0] if found else None

    def listed(self, partner: str = "", pending_only: bool = True) -> list[HeldChange]:
        where, args = [], []
        if partner:
            where.append("partner = ?")
            args.append(partner)
        if pending_only:
            where.append("state = 'pending'")
        clause = f"WHERE {' AND '.join(where)} " if where else ""
        return self._load(f"{clause}ORDER BY partner, sequence", tuple(args))

    def _load(self, tail: str, args: tuple) -> list[HeldChange]:
        rows = self._conn.execute(f"SELECT {_COLUMNS} FROM partner_changes {tail}", args)
        return [
            HeldChange(
                change=partner_change_from_payload(codec.envelope_from_bytes(r[1]).payload),
                fingerprint=r[0],
                envelope_bytes=r[1],
                received_at=parse_time_text(r[2]),
                state=ChangeState(r[3]),
                decided_at=parse_time_text(r[4]) if r[4] else None,
            )
            for r in rows
        ]

    # -- this node's own announcements ------------------------------------------------

    def next_own_sequence(self) -> int:
        (top,) = self._conn.execute("SELECT max(sequence) FROM own_partner_changes").fetchone()
        return (top or 0) + 1

    def add_own(
        self, sequence: int, fingerprint: str, envelope: bytes, issued_at: datetime
    ) -> None:
        self._conn.execute(
            "INSERT INTO own_partner_changes (sequence, fingerprint, envelope, issued_at) "
            "VALUES (?, ?, ?, ?)",
            (sequence, fingerprint, envelope, time_text(issued_at)),
        )
