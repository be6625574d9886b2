"""Partners with their signing keys, and local users, in PostgreSQL: the SQLite
repository's statements, but the keys' tie-break is the order they were stored in, a
column of its own (SQLite's rowid has no PostgreSQL twin)."""

from __future__ import annotations

from gateway.domain.identity import PublicNodeKey
from gateway.domain.keychain import ChainKey, KeyChain
from gateway.domain.partners import Partner
from gateway.domain.times import parse_time_text
from gateway.store.sqlite.registry import _KEY, _PARTNER, SqlitePartners, SqliteUsers, _time


class PgPartners(SqlitePartners):
    def _load(self, where: str, args: tuple) -> list[Partner]:
        rows = self._conn.execute(
            f"SELECT {_PARTNER} FROM partners {where} ORDER BY node_id", args
        ).fetchall()
        keys: dict[str, list[ChainKey]] = {}
        for r in self._conn.execute(
            f"SELECT {_KEY} FROM partner_keys {where} ORDER BY position, stored_order", args
        ):
            keys.setdefault(r[0], []).append(
                ChainKey(
                    key=PublicNodeKey(r[2]),
                    sequence=r[4],
                    valid_from=parse_time_text(r[5] or r[3]),
                    accept_until=_time(r[6]),
                    revoked_since=_time(r[7]),
                    pending=bool(r[8]),
                    statement_hash=r[9],
                    introduced_by=r[10],
                    received_at=_time(r[11]),
                )
            )
        partners = []
        for r in rows:
            chain = KeyChain(r[0], tuple(keys.get(r[0], ())))
            partners.append(
                Partner(
                    node_id=r[0],
                    endpoint=r[1],
                    keys=chain.public_keys,
                    tls_ca_pem=r[2],
                    tls_pin_sha256=r[3],
                    added_at=parse_time_text(r[4]),
                    chain=chain,
                )
            )
        return partners


class PgUsers(SqliteUsers):
    pass
