"""Where a provider's plate-token master secrets live: one per epoch, owner-only, never
in the database (a copy of the database must not let anyone derive token keys)."""

from __future__ import annotations

from typing import Protocol


class TokenSecrets(Protocol):
    def master(self, epoch: int) -> bytes | None:
        """The master secret of an epoch, or None once it was erased."""

    def create(self, epoch: int) -> None:
        """Make a fresh random master secret for a new epoch."""

    def erase(self, epoch: int) -> None:
        """Destroy an epoch's master secret for good (its overlap ended)."""


class FixedTokenSecrets:
    """One master secret of epoch 0, held in memory (tests, and nodes built without a
    folder)."""

    def __init__(self, master: bytes) -> None:
        self._masters = {0: master}

    def master(self, epoch: int) -> bytes | None:
        return self._masters.get(epoch)

    def create(self, epoch: int) -> None:
        import secrets

        self._masters[epoch] = secrets.token_bytes(32)

    def erase(self, epoch: int) -> None:
        self._masters.pop(epoch, None)
