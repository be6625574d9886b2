"""Hits: those of this node's cameras (observer side) and those partners notified on
this node's entries (owner side), each with the time it must be erased."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING

from gateway.domain.hits import ObservedHit, ReceivedHit
from gateway.domain.times import parse_time_text, time_text
from gateway.services.ports import ExpiredHit, HitFact
from gateway.services.ports.hits import HitKind

if TYPE_CHECKING:
    from gateway.store.sqlite.unit_of_work import SqliteUnitOfWork

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
_TABLES: dict[str, str] = {"observed": "hits", "received": "received_hits"}


class SqliteHits:
    def __init__(self, uow: SqliteUnitOfWork) -> None:
        self._conn = uow.conn

    def save_observed(self, h: ObservedHit) -> None:
        self._conn.execute(
            f"INSERT INTO hits ({_OBSERVED}) VALUES ({','.join('?' * 22)})",
            (
                h.hit_id,
                time_text(h.observed_at),
                h.camera,
                h.site,
                h.zone,
                h.direction,
                h.image_ref,
                h.plate,
                h.country,
                h.country_inferred,
                h.match,
                h.matched,
                h.entry_owner,
                h.entry_id,
                h.entry_version,
                h.agreement_id,
                h.agreement_version,
                h.category,
                h.action,
                json.dumps(list(h.flags)),
                h.owner_notified,
                time_text(h.expires_at),
            ),
        )

    def observed(self, hit_id: str) -> ObservedHit | None:
        row = self._conn.execute(
            f"SELECT {_OBSERVED} FROM hits WHERE hit_id = ?", (hit_id,)
        ).fetchone()
        return _observed(row) if row else None

    def list_observed(
        self, *, own_only: bool | None, entry_id: str = "", limit: int = 100
    ) -> list[ObservedHit]:
        where, args = [], []
        if own_only is True:
            where.append("agreement_id IS NULL")
        elif own_only is False:
            where.append("agreement_id IS NOT NULL")
        if entry_id:
            where.append("entry_id = ?")
            args.append(entry_id)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        rows = self._conn.execute(
            f"SELECT {_OBSERVED} FROM hits {clause} ORDER BY observed_at DESC LIMIT ?",
            (*args, limit),
        )
        return [_observed(r) for r in rows]

    def save_received(self, h: ReceivedHit) -> bool:
        cur = self._conn.execute(
            f"INSERT INTO received_hits ({_RECEIVED}) VALUES ({','.join('?' * 15)}) "
            "ON CONFLICT (hit_id) DO NOTHING",
            (
                h.hit_id,
                h.agreement_id,
                h.agreement_version,
                h.observer,
                h.entry_id,
                h.entry_version,
                time_text(h.observed_at),
                h.camera,
                h.site,
                h.zone,
                h.match,
                h.country_inferred,
                h.envelope,
                time_text(h.received_at),
                time_text(h.expires_at),
            ),
        )
        return cur.rowcount == 1

    def received(self, hit_id: str) -> ReceivedHit | None:
        row = self._conn.execute(
            f"SELECT {_RECEIVED} FROM received_hits WHERE hit_id = ?", (hit_id,)
        ).fetchone()
        return _received(row) if row else None

    def list_received(self, *, entry_id: str = "", limit: int = 100) -> list[ReceivedHit]:
        clause, args = ("WHERE entry_id = ?", (entry_id,)) if entry_id else ("", ())
        rows = self._conn.execute(
            f"SELECT {_RECEIVED} FROM received_hits {clause} ORDER BY observed_at DESC LIMIT ?",
            (*args, limit),
        )
        return [_received(r) for r in rows]

    def expired(self, now: datetime, limit: int = 1000) -> list[ExpiredHit]:
        moment = time_text(now)
        out = []
        for kind, table in _TABLES.items():
            rows = self._conn.execute(
                f"SELECT hit_id, entry_id, agreement_id FROM {table} WHERE expires_at <= ? LIMIT ?",
                (moment, limit),
            )
            out += [ExpiredHit(kind, *r) for r in rows]  # type: ignore[arg-type]
        return out

    def erase(self, kind: HitKind, hit_id: str) -> None:
        self._conn.execute(f"DELETE FROM {_TABLES[kind]} WHERE hit_id = ?", (hit_id,))
        # Its alert goes with it, in the same transaction: a watcher resuming from an
        # older cursor is never replayed a sighting the node no longer keeps.
        self._conn.execute("DELETE FROM alert_log WHERE kind = 'hit' AND subject = ?", (hit_id,))

    def held_counts(self) -> dict[tuple[str, str], int]:
        counts: dict[tuple[str, str], int] = {}
        for owner, own, n in self._conn.execute(
            "SELECT entry_owner, agreement_id IS NULL, count(*) FROM hits "
            "GROUP BY entry_owner, agreement_id IS NULL"
        ):
            key = ("own", "") if own else ("observed", owner)
            counts[key] = counts.get(key, 0) + n
        for observer, n in self._conn.execute(
            "SELECT observer, count(*) FROM received_hits GROUP BY observer"
        ):
            counts[("received", observer)] = n
        return counts

    def facts(self, start: datetime, end: datetime) -> list[HitFact]:
        rows = self._conn.execute(
            "SELECT observed_at, zone, category FROM hits "
            "WHERE observed_at >= ? AND observed_at < ?",
            (time_text(start), time_text(end)),
        )
        return [HitFact(parse_time_text(r[0]), r[1], r[2]) for r in rows]


def _observed(r: tuple) -> ObservedHit:
    return ObservedHit(
        r[0],
        parse_time_text(r[1]),
        *r[2:9],
        bool(r[9]),
        *r[10:19],
        tuple(json.loads(r[19])),
        bool(r[20]),
        parse_time_text(r[21]),
    )


def _received(r: tuple) -> ReceivedHit:
    return ReceivedHit(
        *r[0:6],
        parse_time_text(r[6]),
        *r[7:11],
        bool(r[11]),
        r[12],
        parse_time_text(r[13]),
        parse_time_text(r[14]),
    )
