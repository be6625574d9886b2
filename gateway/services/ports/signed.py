"""What this node holds that a partner's key signed: for telling an administrator, after
a partner revoked a stolen key, which received records that key signed."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple, Protocol

MAX_IDS = 100


class SignedRecords(NamedTuple):
    kind: str  # "checkpoint", "hit_notification", "confirmation", "agreement"
    count: int
    ids: tuple[str, ...]  # the first MAX_IDS agreement, hit or request ids


class SignedRecordRepository(Protocol):
    def signed_by(self, partner: str, key_id: str, since: datetime) -> list[SignedRecords]:
        """Records received from `partner` at or after `since` whose envelope carries a
        signature by `key_id`, per kind (kinds with none left out)."""
