"""Partners with their signing keys, and local users."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from gateway.domain.errors import Conflict, NotFound
from gateway.domain.identity import PublicNodeKey
from gateway.domain.keychain import ChainKey, KeyChain
from gateway.domain.partners import Partner
from gateway.domain.roles import Role, User, UserState
from gateway.domain.times import parse_time_text, time_text

if TYPE_CHECKING:
    from gateway.store.sqlite.unit_of_work import SqliteUnitOfWork

_PARTNER = "node_id, endpoint, tls_ca_pem, tls_pin_sha256, added_at"
_KEY = (
    "node_id, key_id, public_key, added_at, sequence, valid_from, accept_until, "
    "revoked_since, pending, statement_hash, introduced_by, received_at, position"
)


class SqlitePartners:
    # The order keys were stored in, within a position (PostgreSQL has no rowid).
    _KEY_ORDER = "position, rowid"

    def __init__(self, uow: SqliteUnitOfWork) -> None:
        self._conn = uow.conn

    def add(self, partner: Partner) -> None:
        conn = self._conn
        if conn.execute("SELECT 1 FROM partners WHERE node_id = ?", (partner.node_id,)).fetchone():
            raise Conflict(
                f"partner {partner.node_id} is already registered; remove it first to change it"
            )
        added = time_text(partner.added_at)
        conn.execute(
            f"INSERT INTO partners ({_PARTNER}) VALUES (?, ?, ?, ?, ?)",
            (partner.node_id, partner.endpoint, partner.tls_ca_pem, partner.tls_pin_sha256, added),
        )
        self._insert_keys(partner.key_chain, added)

    def save_chain(self, chain: KeyChain, at: datetime) -> None:
        if not self._conn.execute(
            "SELECT 1 FROM partners WHERE node_id = ?", (chain.node_id,)
        ).fetchone():
            raise NotFound(f"{chain.node_id} is not a registered partner")
        added = dict(
            self._conn.execute(
                "SELECT key_id, added_at FROM partner_keys WHERE node_id = ?", (chain.node_id,)
            ).fetchall()
        )
        self._conn.execute("DELETE FROM partner_keys WHERE node_id = ?", (chain.node_id,))
        self._insert_keys(chain, time_text(at), added)

    def _insert_keys(self, chain: KeyChain, added: str, held: dict[str, str] | None = None) -> None:
        held = held or {}
        self._conn.executemany(
            f"INSERT INTO partner_keys ({_KEY}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                (
                    chain.node_id,
                    k.key_id,
                    k.key.raw,
                    held.get(k.key_id, added),
                    k.sequence,
                    time_text(k.valid_from),
                    _text(k.accept_until),
                    _text(k.revoked_since),
                    int(k.pending),
                    k.statement_hash,
                    k.introduced_by,
                    _text(k.received_at),
                    position,
                )
                for position, k in enumerate(chain.keys)
            ],
        )

    def update(self, partner: Partner) -> None:
        changed = self._conn.execute(
            "UPDATE partners SET endpoint = ?, tls_ca_pem = ?, tls_pin_sha256 = ? "
            "WHERE node_id = ?",
            (partner.endpoint, partner.tls_ca_pem, partner.tls_pin_sha256, partner.node_id),
        ).rowcount
        if not changed:
            raise NotFound(f"{partner.node_id} is not a registered partner")

    def remove(self, node_id: str) -> None:
        self._conn.execute("DELETE FROM partner_keys WHERE node_id = ?", (node_id,))
        if not self._conn.execute("DELETE FROM partners WHERE node_id = ?", (node_id,)).rowcount:
            raise NotFound(f"{node_id} is not a registered partner")

    def get(self, node_id: str) -> Partner | None:
        found = self._load("WHERE node_id = ?", (node_id,))
        return found[0] if found else None

    def all(self) -> list[Partner]:
        return self._load("", ())

    def _load(self, where: str, args: tuple) -> list[Partner]:
        rows = self._conn.execute(
            f"SELECT {_PARTNER} FROM partners {where} ORDER BY node_id", args
        ).fetchall()
        keys: dict[str, list[ChainKey]] = {}
        for r in self._conn.execute(
            f"SELECT {_KEY} FROM partner_keys {where} ORDER BY {self._KEY_ORDER}", args
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


def _text(moment: datetime | None) -> str | None:
    return None if moment is None else time_text(moment)


def _time(text: str | None) -> datetime | None:
    return None if text is None else parse_time_text(text)


_USER = "name, role, created_at, state, token_expires_at, last_used_at"


class SqliteUsers:
    def __init__(self, uow: SqliteUnitOfWork) -> None:
        self._conn = uow.conn

    def add(self, user: User, token_sha256: str) -> None:
        if self._conn.execute("SELECT 1 FROM users WHERE name = ?", (user.name,)).fetchone():
            raise Conflict(f"user {user.name} already exists")
        self._conn.execute(
            "INSERT INTO users (name, role, token_sha256, created_at, state, token_expires_at,"
            " last_used_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                user.name,
                user.role.value,
                token_sha256,
                time_text(user.created_at),
                user.state.value,
                _text(user.token_expires_at),
                _text(user.last_used_at),
            ),
        )

    def by_token_hash(self, token_sha256: str) -> User | None:
        return self._one("WHERE token_sha256 = ?", token_sha256)

    def by_retired_token_hash(self, token_sha256: str) -> User | None:
        return self._one(
            "WHERE name = (SELECT name FROM retired_user_tokens WHERE token_sha256 = ?)",
            token_sha256,
        )

    def get(self, name: str) -> User | None:
        return self._one("WHERE name = ?", name)

    def set_state(self, name: str, state: UserState) -> None:
        self._changed(
            self._conn.execute("UPDATE users SET state = ? WHERE name = ?", (state.value, name)),
            name,
        )

    def replace_token(
        self, name: str, token_sha256: str, expires_at: datetime | None, retired_at: datetime
    ) -> None:
        self._conn.execute(
            "INSERT INTO retired_user_tokens (token_sha256, name, retired_at) "
            "SELECT token_sha256, name, ? FROM users WHERE name = ?",
            (time_text(retired_at), name),
        )
        self._changed(
            self._conn.execute(
                "UPDATE users SET token_sha256 = ?, token_expires_at = ? WHERE name = ?",
                (token_sha256, _text(expires_at), name),
            ),
            name,
        )

    def touch(self, name: str, at: datetime) -> None:
        self._conn.execute(
            "UPDATE users SET last_used_at = ? WHERE name = ?", (time_text(at), name)
        )

    def all(self) -> list[User]:
        rows = self._conn.execute(f"SELECT {_USER} FROM users ORDER BY name")
        return [_user(r) for r in rows]

    def _one(self, where: str, arg: str) -> User | None:
        row = self._conn.execute(f"SELECT {_USER} FROM users {where}", (arg,)).fetchone()
        return _user(row) if row else None

    @staticmethod
    def _changed(cursor, name: str) -> None:
        if not cursor.rowcount:
            raise NotFound(f"no user {name} on this node")


def _text(moment: datetime | None) -> str | None:
    return None if moment is None else time_text(moment)


def _time(text: str | None) -> datetime | None:
    return None if text is None else parse_time_text(text)


def _user(row: tuple) -> User:
    return User(
        row[0],
        Role(row[1]),
        parse_time_text(row[2]),
        UserState(row[3]),
        _time(row[4]),
        _time(row[5]),
    )
