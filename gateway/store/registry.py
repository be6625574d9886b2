"""Tables of the people and nodes this node knows: local users and partner nodes."""

from __future__ import annotations

from dataclasses import dataclass

from gateway.domain.errors import Conflict, NotFound
from gateway.domain.identity import PublicNodeKey
from gateway.store.database import Database


@dataclass(frozen=True)
class PartnerRecord:
    node_id: str
    endpoint: str
    public_key: PublicNodeKey
    tls_ca_pem: str
    tls_pin_sha256: str
    added_at: str


@dataclass(frozen=True)
class UserRecord:
    name: str
    role: str
    created_at: str


class Partners:
    def __init__(self, database: Database) -> None:
        self._database = database

    def add(self, p: PartnerRecord) -> None:
        with self._database.transaction() as db:
            if db.execute("SELECT 1 FROM partners WHERE node_id = ?", (p.node_id,)).fetchone():
                raise Conflict(
                    f"partner {p.node_id} is already registered; remove it first to change it"
                )
            db["partners"].insert(
                {
                    "node_id": p.node_id,
                    "endpoint": p.endpoint,
                    "public_key": p.public_key.raw,
                    "key_id": p.public_key.key_id,
                    "tls_ca_pem": p.tls_ca_pem,
                    "tls_pin_sha256": p.tls_pin_sha256,
                    "added_at": p.added_at,
                }
            )

    def remove(self, node_id: str) -> None:
        with self._database.transaction() as db:
            if not db.execute("DELETE FROM partners WHERE node_id = ?", (node_id,)).rowcount:
                raise NotFound(f"{node_id} is not a registered partner")

    def get(self, node_id: str) -> PartnerRecord | None:
        with self._database.reading() as db:
            rows = list(db["partners"].rows_where("node_id = ?", [node_id]))
        return _partner(rows[0]) if rows else None

    def all(self) -> list[PartnerRecord]:
        with self._database.reading() as db:
            return [_partner(r) for r in db["partners"].rows_where(order_by="node_id")]


def _partner(row: dict) -> PartnerRecord:
    return PartnerRecord(
        node_id=row["node_id"],
        endpoint=row["endpoint"],
        public_key=PublicNodeKey(row["public_key"]),
        tls_ca_pem=row["tls_ca_pem"],
        tls_pin_sha256=row["tls_pin_sha256"],
        added_at=row["added_at"],
    )


class Users:
    def __init__(self, database: Database) -> None:
        self._database = database

    def add(self, user: UserRecord, token_sha256: str) -> None:
        with self._database.transaction() as db:
            if db.execute("SELECT 1 FROM users WHERE name = ?", (user.name,)).fetchone():
                raise Conflict(f"user {user.name} already exists")
            db["users"].insert(
                {
                    "name": user.name,
                    "role": user.role,
                    "token_sha256": token_sha256,
                    "created_at": user.created_at,
                }
            )

    def by_token_hash(self, token_sha256: str) -> UserRecord | None:
        with self._database.reading() as db:
            rows = list(db["users"].rows_where("token_sha256 = ?", [token_sha256]))
        return UserRecord(rows[0]["name"], rows[0]["role"], rows[0]["created_at"]) if rows else None

    def all(self) -> list[UserRecord]:
        with self._database.reading() as db:
            return [
                UserRecord(r["name"], r["role"], r["created_at"])
                for r in db["users"].rows_where(order_by="name")
            ]
