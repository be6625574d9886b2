"""Hits: those of this node's cameras (observer side) and those partners notified on
this node's entries (owner side), each with the date it must be erased."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime

from gateway.store.database import time_text


@dataclass(frozen=True)
class ObservedHit:
    """A hit of this node's cameras, as stored."""

    hit_id: str
    observed_at: str
    camera: str
    site: str
    zone: str
    direction: str
    image_ref: str
    plate: str
    country: str
    country_inferred: bool
    match: str
    matched: str
    entry_owner: str
    entry_id: str
    entry_version: int
    agreement_id: str | None
    agreement_version: int | None
    category: str
    action: str | None
    flags: tuple[str, ...]
    owner_notified: bool
    expires_at: str

    def __repr__(self) -> str:  # never show a plate
        return f"ObservedHit(hit_id={self.hit_id!r}, entry_id={self.entry_id!r})"


@dataclass(frozen=True)
class ReceivedHit:
    """A partner's notification of a hit on one of this node's entries."""

    hit_id: str
    agreement_id: str
    agreement_version: int
    observer: str
    entry_id: str
    entry_version: int
    observed_at: str
    camera: str | None
    site: str | None
    zone: str | None
    match: str
    country_inferred: bool
    envelope: bytes
    received_at: str
    expires_at: str


_OBSERVED = (
    "hit_id, observed_at, camera, site, zone, direction, image_ref, plate, country, "
    "country_inferred, match, matched, entry_owner, entry_id, entry_version, agreement_id, "
    "agreement_version, category, action, flags, owner_notified, expires_at"
)
_RECEIVED = (
    "hit_id, agreement_id, agreement_version, observer, entry_id, entry_version, "
    "observed_at, camera, site, zone, match, country_inferred, envelope, received_at, "
    "expires_at"
)


def save_observed(conn: sqlite3.Connection, hit: ObservedHit) -> None:
    values = [getattr(hit, name.strip()) for name in _OBSERVED.split(",")]
    values[19] = json.dumps(list(hit.flags))
    conn.execute(f"INSERT INTO hits ({_OBSERVED}) VALUES ({','.join('?' * len(values))})", values)


def _observed(row: tuple) -> ObservedHit:
    values = list(row)
    values[9] = bool(values[9])
    values[19] = tuple(json.loads(values[19]))
    values[20] = bool(values[20])
    return ObservedHit(*values)


def observed(conn: sqlite3.Connection, hit_id: str) -> ObservedHit | None:
    row = conn.execute(f"SELECT {_OBSERVED} FROM hits WHERE hit_id = ?", (hit_id,)).fetchone()
    return _observed(row) if row else None


def list_observed(
    conn: sqlite3.Connection, *, own_only: bool | None, entry_id: str = "", limit: int = 100
) -> list[ObservedHit]:
    """Newest first. own_only True: on this node's own entries; False: on partners'."""
    where, args = [], []
    if own_only is True:
        where.append("agreement_id IS NULL")
    elif own_only is False:
        where.append("agreement_id IS NOT NULL")
    if entry_id:
        where.append("entry_id = ?")
        args.append(entry_id)
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    rows = conn.execute(
        f"SELECT {_OBSERVED} FROM hits {clause} ORDER BY observed_at DESC LIMIT ?",
        (*args, limit),
    )
    return [_observed(r) for r in rows]


def save_received(conn: sqlite3.Connection, hit: ReceivedHit) -> bool:
    """Store a notification once; False when this hit id is already here."""
    values = [getattr(hit, name.strip()) for name in _RECEIVED.split(",")]
    cur = conn.execute(
        f"INSERT INTO received_hits ({_RECEIVED}) VALUES ({','.join('?' * len(values))}) "
        "ON CONFLICT (hit_id) DO NOTHING",
        values,
    )
    return cur.rowcount == 1


def _received(row: tuple) -> ReceivedHit:
    values = list(row)
    values[11] = bool(values[11])
    return ReceivedHit(*values)


def received(conn: sqlite3.Connection, hit_id: str) -> ReceivedHit | None:
    row = conn.execute(
        f"SELECT {_RECEIVED} FROM received_hits WHERE hit_id = ?", (hit_id,)
    ).fetchone()
    return _received(row) if row else None


def list_received(
    conn: sqlite3.Connection, *, entry_id: str = "", limit: int = 100
) -> list[ReceivedHit]:
    clause, args = ("WHERE entry_id = ?", (entry_id,)) if entry_id else ("", ())
    rows = conn.execute(
        f"SELECT {_RECEIVED} FROM received_hits {clause} ORDER BY observed_at DESC LIMIT ?",
        (*args, limit),
    )
    return [_received(r) for r in rows]


def expired(conn: sqlite3.Connection, now: datetime, limit: int = 1000) -> list[tuple]:
    """(table, hit_id, entry_id, agreement_id) of hits past their retention."""
    moment = time_text(now)
    out = [
        ("hits", *r)
        for r in conn.execute(
            "SELECT hit_id, entry_id, agreement_id FROM hits WHERE expires_at <= ? LIMIT ?",
            (moment, limit),
        )
    ]
    out += [
        ("received_hits", *r)
        for r in conn.execute(
            "SELECT hit_id, entry_id, agreement_id FROM received_hits WHERE expires_at <= ? "
            "LIMIT ?",
            (moment, limit),
        )
    ]
    return out


def erase(conn: sqlite3.Connection, table: str, hit_id: str) -> None:
    if table not in ("hits", "received_hits"):
        raise ValueError(table)
    conn.execute(f"DELETE FROM {table} WHERE hit_id = ?", (hit_id,))


def held_counts(conn: sqlite3.Connection) -> dict[tuple[str, str], int]:
    """Hits held, by (kind, partner): kind "own" (this node's cameras on its own entries,
    partner ""), "observed" (its cameras on a partner's entries, partner the owner) and
    "received" (partners' notifications on its entries, partner the observer). Counts of
    ids only: for status and metrics."""
    counts: dict[tuple[str, str], int] = {}
    for owner, own, n in conn.execute(
        "SELECT entry_owner, agreement_id IS NULL, count(*) FROM hits "
        "GROUP BY entry_owner, agreement_id IS NULL"
    ):
        key = ("own", "") if own else ("observed", owner)
        counts[key] = counts.get(key, 0) + n
    for observer, n in conn.execute(
        "SELECT observer, count(*) FROM received_hits GROUP BY observer"
    ):
        counts[("received", observer)] = n
    return counts
