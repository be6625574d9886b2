"""Records past their retention, over SQLite: one clock column per table, compared in
its stored form (times as text, received entries' expiry as epoch seconds). Content is
never read here except a received entry's leaf, to keep its hash."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from gateway.domain import merkle
from gateway.domain.times import epoch_s, parse_time_text, time_text
from gateway.services.ports.retention import HIT_NOTIFICATION_KIND, Held, IscTable

if TYPE_CHECKING:
    from gateway.store.sqlite.unit_of_work import SqliteUnitOfWork

# When an own entry left use: its withdrawal, or its expiry if that came first.
_RETIRED = "(CASE WHEN withdrawn = 1 THEN min(updated_at, expires_at) ELSE expires_at END)"
# (table, id expression, clock expression) of each ISC record kind.
_ISC: dict[str, tuple[str, str, str]] = {
    "candidate": ("isc_candidates", "candidate_id", "coalesce(decided_at, received_at)"),
    "publication": ("isc_publications", "publication_id", "created_at"),
    "rejection": ("isc_rejections", "CAST(id AS TEXT)", "at"),
    "seen": ("isc_seen", "object_id || ' ' || version", "seen_at"),
}
_CHUNK = 500


def _time(text: str | None) -> datetime | None:
    return parse_time_text(text) if text else None


def _chunks(ids: Sequence) -> list[Sequence]:
    return [ids[i : i + _CHUNK] for i in range(0, len(ids), _CHUNK)]


def _marks(n: int) -> str:
    return ",".join("?" * n)


def _delete_in(conn: sqlite3.Connection, table: str, key: str, ids: Sequence) -> int:
    """DELETE the rows of `table` whose `key` is one of `ids`, a chunk at a time (SQLite
    caps the parameters of a statement); how many went."""
    erased = 0
    for chunk in _chunks(ids):
        erased += conn.execute(
            f"DELETE FROM {table} WHERE {key} IN ({_marks(len(chunk))})", tuple(chunk)
        ).rowcount
    return erased


class SqliteRetention:
    # The statements below that SQLite and PostgreSQL say differently (the PostgreSQL
    # store's subclass gives its own): when an own entry left use, a count of the rows
    # meeting a condition, and the replacing insert into the erased-entries ledger.
    RETIRED = _RETIRED
    REPLACE_ERASED = (
        "INSERT OR REPLACE INTO received_erased (agreement_id, entry_id, leaf_hash, "
        "erased_at) VALUES (?, ?, ?, ?)"
    )

    @staticmethod
    def count_if(condition: str) -> str:
        return f"sum({condition})"

    def __init__(self, uow: SqliteUnitOfWork) -> None:
        self._uow = uow
        self._conn = uow.conn

    # -- own entries -------------------------------------------------------------------

    def own_entries_due(self, cutoff: datetime, limit: int = 1000) -> list[str]:
        (projected,) = self._conn.execute(
            "SELECT min(projected_change_seq) FROM feed_state"
        ).fetchone()
        if projected is None:
            projected = 2**62  # no feed: nothing to wait for
        rows = self._conn.execute(
            f"SELECT entry_id FROM entries WHERE (withdrawn = 1 OR expires_at <= ?) "
            f"AND {self.RETIRED} <= ? AND change_seq <= ? ORDER BY entry_id LIMIT ?",
            (
                time_text(cutoff),
                time_text(cutoff),
                projected,
                limit,
            ),
        )
        return [r[0] for r in rows]

    def erase_own_entries(self, entry_ids: Sequence[str]) -> int:
        return _delete_in(self._conn, "entries", "entry_id", entry_ids)

    def own_entries_held(self, now: datetime, cutoff: datetime) -> Held:
        count, oldest, past = self._conn.execute(
            f"SELECT count(*), min({self.RETIRED}), {self.count_if(f'{self.RETIRED} <= ?')} "
            "FROM entries "
            "WHERE withdrawn = 1 OR expires_at <= ?",
            (time_text(cutoff), time_text(now)),
        ).fetchone()
        first = _time(oldest)
        return Held(count, first, first + (now - cutoff) if first else None, past or 0)

    # -- received entries --------------------------------------------------------------

    def received_entries_due(
        self, agreement_id: str, received_cutoff: datetime, now: datetime, limit: int = 1000
    ) -> list[str]:
        # One pass over the agreement's entries, each checked against the (few) old
        # checkpoints as a set: no index to maintain on a million-entry sync.
        rows = self._conn.execute(
            "SELECT entry_id FROM received_entries WHERE agreement_id = ? AND ("
            "checkpoint_id IN (SELECT id FROM checkpoints WHERE agreement_id = ? "
            "AND received_at <= ?) OR expires_at <= ?) ORDER BY entry_id LIMIT ?",
            (agreement_id, agreement_id, time_text(received_cutoff), epoch_s(now), limit),
        )
        return [r[0] for r in rows]

    def erase_received_entries(self, agreement_id: str, entry_ids: Sequence[str]) -> int:
        now = self._uow.now_text()
        erased = 0
        for chunk in _chunks(entry_ids):
            marks = _marks(len(chunk))
            leaves = self._conn.execute(
                "SELECT entry_id, leaf FROM received_entries WHERE agreement_id = ? "
                f"AND entry_id IN ({marks})",
                (agreement_id, *chunk),
            ).fetchall()
            self._conn.executemany(
                self.REPLACE_ERASED,
                [(agreement_id, e, merkle.leaf_hash(leaf), now) for e, leaf in leaves],
            )
            erased += self._conn.execute(
                f"DELETE FROM received_entries WHERE agreement_id = ? AND entry_id IN ({marks})",
                (agreement_id, *chunk),
            ).rowcount
        return erased

    def received_entries_held(self, agreement_id: str, now: datetime, retention_days: int) -> Held:
        cutoff = now - timedelta(days=retention_days)
        count, oldest, soonest_expiry, past = self._conn.execute(
            "SELECT count(*), min(c.received_at), min(r.expires_at), "
            f"{self.count_if('c.received_at <= ? OR r.expires_at <= ?')} FROM received_entries r "
            "JOIN checkpoints c ON c.id = r.checkpoint_id WHERE r.agreement_id = ?",
            (time_text(cutoff), epoch_s(now), agreement_id),
        ).fetchone()
        first = _time(oldest)
        due = None
        if first is not None:
            due = first + timedelta(days=retention_days)
            if soonest_expiry is not None:
                due = min(due, datetime.fromtimestamp(soonest_expiry, tz=now.tzinfo))
        return Held(count, first, due, past or 0)

    # -- confirmations -----------------------------------------------------------------

    def confirmations_due(
        self, agreement_id: str, cutoff: datetime, limit: int = 1000
    ) -> list[str]:
        rows = self._conn.execute(
            "SELECT request_id FROM confirmations WHERE agreement_id = ? AND state != 'open' "
            "AND closed_at <= ? ORDER BY closed_at LIMIT ?",
            (agreement_id, time_text(cutoff), limit),
        )
        return [r[0] for r in rows]

    def erase_confirmations(self, request_ids: Sequence[str]) -> tuple[int, int]:
        confirmations = messages = 0
        for chunk in _chunks(request_ids):
            keys = [f"{p}:{r}" for r in chunk for p in ("req", "evt")]
            messages += self._conn.execute(
                f"DELETE FROM outbox WHERE dedupe_key IN ({_marks(len(keys))})", keys
            ).rowcount
            confirmations += self._conn.execute(
                f"DELETE FROM confirmations WHERE request_id IN ({_marks(len(chunk))})",
                tuple(chunk),
            ).rowcount
        return confirmations, messages

    def confirmations_held(self, days: Mapping[str, int], default_days: int, now: datetime) -> Held:
        rows = self._conn.execute(
            "SELECT agreement_id, count(*), min(closed_at) FROM confirmations "
            "WHERE state != 'open' GROUP BY agreement_id"
        ).fetchall()
        count = past = 0
        oldest = due = None
        for agreement_id, n, first_text in rows:
            limit = days.get(agreement_id, default_days)
            cutoff = now - timedelta(days=limit)
            (late,) = self._conn.execute(
                "SELECT count(*) FROM confirmations WHERE agreement_id = ? AND state != 'open' "
                "AND closed_at <= ?",
                (agreement_id, time_text(cutoff)),
            ).fetchone()
            first = parse_time_text(first_text)
            count, past = count + n, past + late
            oldest = first if oldest is None else min(oldest, first)
            at = first + timedelta(days=limit)
            due = at if due is None else min(due, at)
        return Held(count, oldest, due, past)

    # -- the outbox --------------------------------------------------------------------

    def outbox_due(self, cutoff: datetime, limit: int = 1000) -> list[int]:
        rows = self._conn.execute(
            "SELECT id FROM outbox WHERE state IN ('delivered', 'refused') AND kind != ? "
            "AND delivered_at <= ? ORDER BY id LIMIT ?",
            (HIT_NOTIFICATION_KIND, time_text(cutoff), limit),
        )
        return [r[0] for r in rows]

    def erase_outbox(self, message_ids: Sequence[int]) -> int:
        return _delete_in(self._conn, "outbox", "id", message_ids)

    def outbox_held(self, now: datetime, days: int) -> Held:
        cutoff = now - timedelta(days=days)
        count, oldest, past = self._conn.execute(
            f"SELECT count(*), min(delivered_at), {self.count_if('delivered_at <= ?')} FROM outbox "
            "WHERE state IN ('delivered', 'refused') AND kind != ?",
            (time_text(cutoff), HIT_NOTIFICATION_KIND),
        ).fetchone()
        first = _time(oldest)
        return Held(count, first, first + timedelta(days=days) if first else None, past or 0)

    # -- the alert log's notices (a hit's alert goes with its hit) -----------------------

    def alert_notices_due(self, cutoff: datetime, limit: int = 1000) -> list[int]:
        rows = self._conn.execute(
            "SELECT position FROM alert_log WHERE kind != 'hit' AND raised_at <= ? "
            "ORDER BY position LIMIT ?",
            (time_text(cutoff), limit),
        )
        return [r[0] for r in rows]

    def erase_alert_notices(self, positions: Sequence[int]) -> int:
        erased = 0
        for chunk in _chunks(positions):
            erased += self._conn.execute(
                f"DELETE FROM alert_log WHERE position IN ({_marks(len(chunk))})", tuple(chunk)
            ).rowcount
        return erased

    def alert_notices_held(self, now: datetime, days: int) -> Held:
        cutoff = now - timedelta(days=days)
        count, oldest, past = self._conn.execute(
            f"SELECT count(*), min(raised_at), {self.count_if('raised_at <= ?')} FROM alert_log "
            "WHERE kind != 'hit'",
            (time_text(cutoff),),
        ).fetchone()
        first = _time(oldest)
        return Held(count, first, first + timedelta(days=days) if first else None, past or 0)

    # -- the ISC -----------------------------------------------------------------------

    def isc_due(self, table: IscTable, cutoff: datetime, limit: int = 1000) -> list[str]:
        name, key, clock = _ISC[table]
        rows = self._conn.execute(
            f"SELECT {key} FROM {name} WHERE {clock} <= ? ORDER BY {clock} LIMIT ?",
            (time_text(cutoff), limit),
        )
        return [r[0] for r in rows]

    def erase_isc(self, table: IscTable, ids: Sequence[str]) -> int:
        name, key, _ = _ISC[table]
        return _delete_in(self._conn, name, key, ids)

    def isc_held(self, table: IscTable, now: datetime, days: int) -> Held:
        name, _, clock = _ISC[table]
        cutoff = now - timedelta(days=days)
        count, oldest, past = self._conn.execute(
            f"SELECT count(*), min({clock}), {self.count_if(f'{clock} <= ?')} FROM {name}",
            (time_text(cutoff),),
        ).fetchone()
        first = _time(oldest)
        return Held(count, first, first + timedelta(days=days) if first else None, past or 0)

    # -- hits and backups --------------------------------------------------------------

    def hits_held(self, now: datetime) -> dict[str, Held]:
        held = {}
        for kind, table in (("hit", "hits"), ("received_hit", "received_hits")):
            count, oldest, due, past = self._conn.execute(
                "SELECT count(*), min(observed_at), min(expires_at), "
                f"{self.count_if('expires_at <= ?')} "
                f"FROM {table}",
                (time_text(now),),
            ).fetchone()
            held[kind] = Held(count, _time(oldest), _time(due), past or 0)
        return held

    def audit_held(self, now: datetime, days: int) -> Held:
        cutoff = now - timedelta(days=days)
        count, oldest, past = self._conn.execute(
            f"SELECT count(*), min(at), {self.count_if('at <= ?')} FROM audit",
            (time_text(cutoff),),
        ).fetchone()
        first = _time(oldest)
        return Held(count, first, first + timedelta(days=days) if first else None, past or 0)

    def newest_backup(self) -> datetime | None:
        (at,) = self._conn.execute(
            "SELECT max(at) FROM audit WHERE action = 'node.backup'"
        ).fetchone()
        return _time(at)
