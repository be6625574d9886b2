"""Who this node knows: partner nodes (with their keys) and local users."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from gateway.domain.keychain import KeyChain
from gateway.domain.partners import Partner
from gateway.domain.roles import User, UserState


class PartnerRepository(Protocol):
    def add(self, partner: Partner) -> None:
        """Register a partner with its keys; Conflict if its node id is registered."""

    def remove(self, node_id: str) -> None:
        """Forget a partner and its keys; NotFound if it is not registered."""

    def update(self, partner: Partner) -> None:
        """Store what may change of a registered partner in place: its endpoint and TLS
        trust (CA and pin). Its node id, keys and registration time stay as they are;
        NotFound if it is not registered."""

    def save_chain(self, chain: KeyChain, at: datetime) -> None:
        """Store a registered partner's signing-key chain as it now is (keys added,
        windows changed); NotFound if the partner is not registered."""

    def get(self, node_id: str) -> Partner | None: ...

    def all(self) -> list[Partner]:
        """Every partner, by node id."""


class UserRepository(Protocol):
    def add(self, user: User, token_sha256: str) -> None:
        """Create a user with its state and token expiry; Conflict if the name is taken
        (by any user ever added here, removed ones too)."""

    def by_token_hash(self, token_sha256: str) -> User | None:
        """The user whose current token this is, whatever its state."""

    def by_retired_token_hash(self, token_sha256: str) -> User | None:
        """The user whose token this was before it was replaced (rotate_token)."""

    def get(self, name: str) -> User | None: ...

    def set_state(self, name: str, state: UserState) -> None:
        """NotFound if there is no such user."""

    def replace_token(
        self, name: str, token_sha256: str, expires_at: datetime | None, retired_at: datetime
    ) -> None:
        """Give the user a new token (and its expiry); the old one is kept as retired,
        so a later use of it is known for what it is. NotFound if no such user."""

    def touch(self, name: str, at: datetime) -> None:
        """Record the user's last use."""

    def all(self) -> list[User]:
        """Every user, by name, removed ones too."""
