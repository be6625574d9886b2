"""This node's own hotlist entries. Every write gives the entry a new change_seq, the
order in which the feed projector turns changes into partner feeds."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime

from gateway.domain.hotlist import Action, HotlistEntry
from gateway.domain.plates import Plate
from gateway.store.database import Database, utc_now_text

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


class OwnEntries:
    def __init__(self, database: Database, owner: str) -> None:
        self._database = database
        self._owner = owner

    def _next_change_seqs(self, db, n: int) -> int:
        """Reserve n change seqs; return the first. Runs inside the caller's transaction."""
        row = db.execute("SELECT value FROM meta WHERE key = 'entries_change_seq'").fetchone()
        first = (int(row[0]) if row else 0) + 1
        db.execute(
            "INSERT INTO meta (key, value) VALUES ('entries_change_seq', ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (str(first + n - 1),),
        )
        return first

    def save(self, entries: Iterable[HotlistEntry], created_by: str) -> int:
        """Insert or replace entries (one transaction with the caller's); return count."""
        rows = list(entries)
        if not rows:
            return 0
        now = utc_now_text()
        moment = datetime.now(UTC)
        with self._database.transaction() as db:
            first = self._next_change_seqs(db, len(rows))
            db.conn.executemany(
                _UPSERT,
                (_row(e, created_by, now, first + i, moment) for i, e in enumerate(rows)),
            )
        return len(rows)

    def get(self, entry_id: str) -> HotlistEntry | None:
        with self._database.reading() as db:
            row = db.execute(
                f"SELECT {_COLUMNS} FROM entries WHERE entry_id = ?", (entry_id,)
            ).fetchone()
        return self._entry(row) if row else None

    def meta(self, entry_id: str) -> tuple[str, str] | None:
        """(created_by, updated_at) of an entry."""
        with self._database.reading() as db:
            row = db.execute(
                "SELECT created_by, updated_at FROM entries WHERE entry_id = ?", (entry_id,)
            ).fetchone()
        return (row[0], row[1]) if row else None

    def page(self, after_entry_id: str = "", limit: int = 100) -> list[HotlistEntry]:
        with self._database.reading() as db:
            rows = db.execute(
                f"SELECT {_COLUMNS} FROM entries WHERE entry_id > ? ORDER BY entry_id LIMIT ?",
                (after_entry_id, limit),
            ).fetchall()
        return [self._entry(r) for r in rows]

    def changed_since(self, conn, change_seq: int, limit: int) -> list[tuple[int, HotlistEntry]]:
        """(change_seq, entry) of entries changed after change_seq, oldest first."""
        rows = conn.execute(
            f"SELECT {_COLUMNS} FROM entries WHERE change_seq > ? ORDER BY change_seq LIMIT ?",
            (change_seq, limit),
        ).fetchall()
        return [(r[16], self._entry(r)) for r in rows]

    def count(self) -> int:
        with self._database.reading() as db:
            return db.execute("SELECT count(*) FROM entries").fetchone()[0]

    def due_for_review(self, now: datetime) -> int:
        """Entries not withdrawn whose expiry (their review date) has passed."""
        with self._database.reading() as db:
            return db.execute(
                "SELECT count(*) FROM entries WHERE withdrawn = 0 AND expires_at <= ?",
                (now.astimezone(UTC).isoformat(),),
            ).fetchone()[0]

    def expiring(self, now: datetime, until: datetime) -> int:
        """Entries not withdrawn whose review date falls after now and by `until`."""
        with self._database.reading() as db:
            return db.execute(
                "SELECT count(*) FROM entries WHERE withdrawn = 0 AND expires_at > ? "
                "AND expires_at <= ?",
                (now.astimezone(UTC).isoformat(), until.astimezone(UTC).isoformat()),
            ).fetchone()[0]

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
            valid_from=datetime.fromisoformat(r[10]),
            expires_at=datetime.fromisoformat(r[11]),
            version=r[12],
            withdrawn=bool(r[13]),
        )


def _row(e: HotlistEntry, created_by: str, now: str, change_seq: int, moment: datetime) -> tuple:
    plate = e.plate
    valid_from = e.valid_from.isoformat()
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
        e.expires_at.isoformat(),
        e.version,
        int(e.withdrawn),
        created_by,
        now,
        change_seq,
        valid_from if e.valid_from > moment else None,
    )
