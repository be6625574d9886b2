"""Received records signed by a given key, in PostgreSQL: the SQLite repository's
queries with position() for SQLite's instr() over bytes (the key id is looked for in
the stored envelope bytes)."""

from __future__ import annotations

from datetime import datetime

from gateway.domain.times import time_text
from gateway.services.ports.signed import MAX_IDS, SignedRecords
from gateway.store.sqlite.signed import SqliteSignedRecords

# kind -> (query over %(p)s partner, %(k)s key id bytes, %(t)s stored at or after).
_QUERIES = {
    "checkpoint": "SELECT c.agreement_id FROM checkpoints c "
    "JOIN agreements a ON a.agreement_id = c.agreement_id WHERE a.partner = %(p)s "
    "AND c.received_at >= %(t)s AND position(%(k)s IN c.envelope) > 0 ORDER BY c.id",
    "hit_notification": "SELECT hit_id FROM received_hits WHERE observer = %(p)s "
    "AND received_at >= %(t)s AND position(%(k)s IN envelope) > 0 ORDER BY received_at",
    "confirmation": "SELECT request_id FROM confirmations WHERE partner = %(p)s "
    "AND updated_at >= %(t)s AND ((outgoing = 0 AND position(%(k)s IN request_envelope) > 0) "
    "OR position(%(k)s IN coalesce(event_envelope, ''::bytea)) > 0) ORDER BY created_at",
    "agreement": "SELECT v.agreement_id FROM agreement_versions v "
    "JOIN agreements a ON a.agreement_id = v.agreement_id "
    "WHERE a.partner = %(p)s AND v.stored_at >= %(t)s AND position(%(k)s IN v.envelope) > 0 "
    "UNION ALL SELECT s.agreement_id FROM agreement_status_changes s "
    "JOIN agreements a ON a.agreement_id = s.agreement_id "
    "WHERE a.partner = %(p)s AND s.issued_here = 0 AND s.stored_at >= %(t)s "
    "AND position(%(k)s IN s.envelope) > 0",
}


class PgSignedRecords(SqliteSignedRecords):
    def signed_by(self, partner: str, key_id: str, since: datetime) -> list[SignedRecords]:
        args = {"p": partner, "k": key_id.encode(), "t": time_text(since)}
        raw = self._conn.raw
        found = []
        for kind, sql in _QUERIES.items():
            ids = [r[0] for r in raw.execute(sql.encode(), args)]
            if ids:
                unique = tuple(dict.fromkeys(ids))
                found.append(SignedRecords(kind, len(ids), unique[:MAX_IDS]))
        return found
