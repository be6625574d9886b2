"""What the port's own ANPR backend may hold, decided in one place.

Rules:
1. The port's own entries: only active ones (valid now, not withdrawn, not expired),
   with everything the backend needs to act, never the case reference.
2. A partner's entries: only under an agreement in force whose matching mode is
   plaintext (a token cannot be put on a camera's list), only while valid, and only
   the fields the agreement shared: an action or flags it did not share stay absent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from gateway.domain.agreement import AgreementTerms
from gateway.domain.hotlist import HotlistEntry
from gateway.domain.minimise import MinimisedEntry
from gateway.domain.schemes import scheme_for


@dataclass(frozen=True, slots=True, repr=False)
class LocalEntry:
    entry_id: str
    plate: str
    country: str
    category: str
    action: str  # "" when not shared
    flags: tuple[str, ...]
    expires_at: datetime
    owner: str
    description: str = ""

    def __repr__(self) -> str:  # never show a plate
        return f"LocalEntry(entry_id={self.entry_id!r}, owner={self.owner!r})"


def own_entry_for_backend(entry: HotlistEntry, now: datetime) -> LocalEntry | None:
    """Rule 1."""
    if not entry.shareable(now):
        return None
    return LocalEntry(
        entry.entry_id,
        entry.plate.normalised,
        entry.plate.country,
        entry.category,
        entry.action.value,
        tuple(sorted(entry.flags)),
        entry.expires_at,
        entry.owner,
        entry.vehicle_description,
    )


def partner_entry_for_backend(
    shared: MinimisedEntry, terms: AgreementTerms | None, now: datetime
) -> LocalEntry | None:
    """Rule 2: `terms` are the agreement's terms in force now, or None."""
    if terms is None or not scheme_for(terms.matching_mode).gives_plaintext:
        return None
    if shared.plate is None or not terms.provides(shared.owner):
        return None
    expires = datetime.fromtimestamp(shared.expires_at_us / 1_000_000, UTC)
    valid_from = datetime.fromtimestamp(shared.valid_from_us / 1_000_000, UTC)
    if not valid_from <= now < expires:
        return None
    return LocalEntry(
        shared.entry_id,
        shared.plate,
        shared.country or "",
        shared.category,
        shared.action or "",
        tuple(shared.flags or ()),
        expires,
        shared.owner,
        shared.vehicle_description or "",
    )
