"""Received records signed by a given key: each stored envelope names its signers' key
ids in its bytes, so one scan per table finds them (run once per revocation, not per
message)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from gateway.domain.times import time_text
from gateway.services.ports.signed import MAX_IDS, SignedRecords

if TYPE_CHECKING:
    from gateway.store.sqlite.unit_of_work import SqliteUnitOfWork

# kind -> rows (id) received from partner :p, signed by key :k, stored at or after :t.
_QUERIES = {
    "checkpoint": "SELECT c.agreement_id FROM checkpoints c "
    "JOIN agreements a ON a.agreement_id = c.agreement_id "
    "WHERE a.partner = :p AND c.received_at >= :t AND instr(c.envelope, :k) > 0 ORDER BY c.id",
    "hit_notification": "SELECT hit_id FROM received_hits "
    "WHERE observer = :p AND received_at >= :t AND instr(envelope, :k) > 0 ORDER BY received_at",
    "confirmation": "SELECT request_id FROM confirmations WHERE partner = :p "
    "AND updated_at >= :t AND ((outgoing = 0 AND instr(request_envelope, :k) > 0) "
    "OR instr(coalesce(event_envelope, x''), :k) > 0) ORDER BY created_at",
    "agreement": "SELECT v.agreement_id FROM agreement_versions v "
    "JOIN agreements a ON a.agreement_id = v.agreement_id "
    "WHERE a.partner = :p AND v.stored_at >= :t AND instr(v.envelope, :k) > 0 "
    "UNION ALL SELECT s.agreement_id FROM agreement_status_changes s "
    "JOIN agreements a ON a.agreement_id = s.agreement_id "
    "WHERE a.partner = :p AND s.issued_here = 0 AND s.stored_at >= :t "
    "AND instr(s.envelope, :k) > 0",
}


class SqliteSignedRecords:
    def __init__(self, uow: SqliteUnitOfWork) -> None:
        self._conn = uow.conn

    def signed_by(self, partner: str, key_id: str, since: datetime) -> list[SignedRecords]:
        args = {"p": partner, "k": key_id.encode(), "t": time_text(since)}
        found = []
        for kind, sql in _QUERIES.items():
            ids = [r[0] for r in self._conn.execute(sql, args)]
            if ids:
                unique = tuple(dict.fromkeys(ids))
                found.append(SignedRecords(kind, len(ids), unique[:MAX_IDS]))
        return found
