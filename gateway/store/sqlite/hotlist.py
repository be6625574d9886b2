"""This node's own hotlist entries. Every save gives the entries the next change seqs,
the order in which the feed projector turns changes into partner feeds."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from gateway.domain.hotlist import Action, HotlistEntry
from gateway.domain.plates import Plate
from gateway.domain.times import epoch_s, parse_time_text, time_text
from gateway.services.ports import OwnIndexChange, OwnIndexRow

if TYPE_CHECKING:
    from gateway.store.sqlite.unit_of_work import SqliteUnitOfWork

_COLUMNS = (
    "entry_id, plate, plate_raw, country, category, action, flags, vehicle_description, "
    "contact, case_reference, valid_from, expires_at, version, withdrawn, created_by, "
    "updated_at, change_seq, activates_at"
)
_INSERT = f"INSERT INTO entries ({_COLUMNS}) VALUES ({', '.join('?' * 18)})"
_UPSERT = _INSERT + (
    " ON CONFLICT (entry_id) DO UPDATE SET plate=excluded.plate, plate_raw=excluded.plate_raw,"
    " country=excluded.country, category=excluded.category, action=excluded.action,"
    " flags=excluded.flags, vehicle_description=excluded.vehicle_description,"
    " contact=excluded.contact, case_reference=excluded.case_reference,"
    " valid_from=excluded.valid_from, expires_at=excluded.expires_at,"
    " version=excluded.version, withdrawn=excluded.withdrawn, updated_at=excluded.updated_at,"
    " change_seq=excluded.change_seq, activates_at=excluded.activates_at"
)
_INDEX = "entry_id, plate, country, category, valid_from, expires_at"


class SqliteOwnEntries:
    def __init__(self, uow: SqliteUnitOfWork) -> None:
        self._uow = uow
        self._conn = uow.conn
        self._owner = uow.store.node_id

    def _next_change_seqs(self, n: int) -> int:
        """Reserve n change seqs; return the first."""
        row = self._conn.execute(
            "SELECT value FROM meta WHERE key = 'entries_change_seq'"
        ).fetchone()
        first = (int(row[0]) if row else 0) + 1
        self._set_meta("entries_change_seq", str(first + n - 1))
        return first

    def _set_meta(self, key: str, value: str) -> None:
        self._conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def save(self, entries: Sequence[HotlistEntry], created_by: str) -> int:
        if not entries:
            return 0
        now = self._uow.now_text()
        first = self._next_change_seqs(len(entries))
        self._conn.executemany(
            _UPSERT, (_row(e, created_by, now, first + i) for i, e in enumerate(entries))
        )
        return len(entries)

    def get(self, entry_id: str) -> HotlistEntry | None:
        row = self._conn.execute(
            f"SELECT {_COLUMNS} FROM entries WHERE entry_id = ?", (entry_id,)
        ).fetchone()
        return self._entry(row) if row else None

    def created_by(self, entry_id: str) -> str | None:
        row = self._conn.execute(
            "SELECT created_by FROM entries WHERE entry_id = ?", (entry_id,)
        ).fetchone()
        return row[0] if row else None

    def page(self, after_entry_id: str = "", limit: int = 100) -> list[HotlistEntry]:
        rows = self._conn.execute(
            f"SELECT {_COLUMNS} FROM entries WHERE entry_id > ? ORDER BY entry_id LIMIT ?",
            (after_entry_id, limit),
        ).fetchall()
        return [self._entry(r) for r in rows]

    def changed_since(self, change_seq: int, limit: int) -> list[tuple[int, HotlistEntry]]:
        rows = self._conn.execute(
            f"SELECT {_COLUMNS} FROM entries WHERE change_seq > ? ORDER BY change_seq LIMIT ?",
            (change_seq, limit),
        ).fetchall()
        return [(r[16], self._entry(r)) for r in rows]

    def count(self) -> int:
        return self._conn.execute("SELECT count(*) FROM entries").fetchone()[0]

    def due_for_review(self, now: datetime) -> int:
        return self._conn.execute(
            "SELECT count(*) FROM entries WHERE withdrawn = 0 AND expires_at <= ?",
            (time_text(now),),
        ).fetchone()[0]

    def expiring(self, now: datetime, until: datetime) -> int:
        return self._conn.execute(
            "SELECT count(*) FROM entries WHERE withdrawn = 0 AND expires_at > ? "
            "AND expires_at <= ?",
            (time_text(now), time_text(until)),
        ).fetchone()[0]

    def crossing_validity(self, since: datetime, now: datetime) -> list[str]:
        rows = self._conn.execute(
            "SELECT entry_id FROM entries WHERE withdrawn = 0 AND "
            "(expires_at > ? AND expires_at <= ?) UNION "
            "SELECT entry_id FROM entries WHERE activates_at <= ?",
            (time_text(since), time_text(now), time_text(now)),
        )
        return [r[0] for r in rows]

    def tick_mark(self) -> datetime | None:
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'entries_tick'").fetchone()
        return parse_time_text(row[0]) if row else None

    def set_tick_mark(self, moment: datetime) -> None:
        self._set_meta("entries_tick", time_text(moment))

    def index_rows(self) -> tuple[int, list[OwnIndexRow]]:
        seq = self._conn.execute("SELECT coalesce(max(change_seq), 0) FROM entries").fetchone()[0]
        rows = self._conn.execute(f"SELECT {_INDEX} FROM entries WHERE withdrawn = 0")
        return seq, [_index_row(r) for r in rows]

    def index_changes(self, after_seq: int) -> list[OwnIndexChange]:
        rows = self._conn.execute(
            f"SELECT change_seq, withdrawn, {_INDEX} FROM entries WHERE change_seq > ? "
            "ORDER BY change_seq",
            (after_seq,),
        ).fetchall()
        return [OwnIndexChange(r[0], _index_row(r[2:]), bool(r[1])) for r in rows]

    def _entry(self, r: tuple) -> HotlistEntry:
        return HotlistEntry(
            entry_id=r[0],
            owner=self._owner,
            plate=Plate(normalised=r[1], country=r[3], raw=r[2]),
            category=r[4],
            action=Action(r[5]),
            flags=tuple(json.loads(r[6])),
            vehicle_description=r[7],
            contact=r[8],
            case_reference=r[9],
            valid_from=parse_time_text(r[10]),
            expires_at=parse_time_text(r[11]),
            version=r[12],
            withdrawn=bool(r[13]),
        )


def _index_row(r: tuple) -> OwnIndexRow:
    return OwnIndexRow(
        r[0], r[1], r[2], r[3], epoch_s(parse_time_text(r[4])), epoch_s(parse_time_text(r[5]))
    )


def _row(e: HotlistEntry, created_by: str, now: str, change_seq: int) -> tuple:
    plate = e.plate
    valid_from = time_text(e.valid_from)
    return (
        e.entry_id,
        plate.normalised,
        plate.raw,
        plate.country,
        e.category,
        e.action.value,
        json.dumps(list(e.flags)) if e.flags else "[]",
        e.vehicle_description,
        e.contact,
        e.case_reference,
        valid_from,
        time_text(e.expires_at),
        e.version,
        int(e.withdrawn),
        created_by,
        now,
        change_seq,
        valid_from if valid_from > now else None,
    )
