"""Minimisation: the one place that decides what of an entry a partner may receive.

Rules (Directive 2016/680 art. 4 and 20, the agreement's terms):
1. Only entries the owner shares under the agreement's direction, in one of its
   categories, and active right now, leave; anything else yields None.
2. Fields the agreement does not list are absent, not blanked: the MinimisedEntry
   holds None for them, and the wire encoding omits None.
3. The plate leaves in the form of the agreement's matching scheme
   (gateway.domain.schemes): a token - a keyed hash of normalised plate and country
   under the key of that agreement version - unless the agreement's matching mode is
   plaintext. Another agreement version, or another partner, gives another key, so
   tokens for the same plate cannot be linked across them.
4. The case reference never leaves.
The receiving side applies check_received, the mirror image, to everything it gets.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import NamedTuple

from gateway.domain.agreement import AgreementTerms
from gateway.domain.errors import AgreementViolation
from gateway.domain.hotlist import FLAGS, Action, HotlistEntry
from gateway.domain.schemes import scheme_for

_ACTIONS = frozenset(a.value for a in Action)


class MinimisedEntry(NamedTuple):
    """What a partner receives. None means "absent from the bytes". A NamedTuple, not a
    dataclass: a recipient builds a million of these per initial sync."""

    entry_id: str
    owner: str
    version: int
    category: str
    # Epoch microseconds (UTC): exact, and cheap to decode a million times.
    valid_from_us: int
    expires_at_us: int
    plate_token: bytes | None = None
    plate: str | None = None
    country: str | None = None
    action: str | None = None
    flags: tuple[str, ...] | None = None
    vehicle_description: str | None = None
    contact: str | None = None
    # Token mode only: the owner does not know the plate's country, so the token is over
    # the plate and an empty country. Tells the partner it must also try that token.
    country_unknown: bool = False

    def __repr__(self) -> str:  # never show a plate or token
        return f"MinimisedEntry(entry_id={self.entry_id!r}, category={self.category!r})"


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def epoch_us(moment: datetime) -> int:
    """An aware time as whole microseconds since the epoch (exact)."""
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def minimise(
    entry: HotlistEntry,
    terms: AgreementTerms,
    *,
    token_key: bytes,
    now: datetime,
) -> MinimisedEntry | None:
    """The entry as the partner under `terms` may receive it, or None (rule 1)."""
    if not terms.provides(entry.owner):
        return None
    if entry.category not in terms.categories or not entry.shareable(now):
        return None
    fields = terms.fields
    shared = scheme_for(terms.matching_mode).shared_plate(entry.plate, token_key)  # rule 3
    return MinimisedEntry(
        entry_id=entry.entry_id,
        owner=entry.owner,
        version=entry.version,
        category=entry.category,
        valid_from_us=epoch_us(entry.valid_from),
        expires_at_us=epoch_us(entry.expires_at),
        plate_token=shared.plate_token,
        plate=shared.plate,
        country=shared.country,
        action=entry.action.value if fields.action else None,
        flags=tuple(sorted(entry.flags)) if fields.flags and entry.flags else None,
        vehicle_description=(entry.vehicle_description or None)
        if fields.vehicle_description
        else None,
        contact=(entry.contact or None) if fields.contact else None,
        country_unknown=shared.country_unknown,
    )


def check_received(m: MinimisedEntry, terms: AgreementTerms, provider: str) -> None:
    """Refuse anything the agreement does not let `provider` send us."""
    received_checker(terms, provider)(m)


def received_checker(terms: AgreementTerms, provider: str) -> Callable[[MinimisedEntry], None]:
    """check_received with the agreement's scope worked out once, for whole batches."""
    if not terms.provides(provider):

        def refuse(m: MinimisedEntry) -> None:
            raise AgreementViolation(
                f"agreement {terms.agreement_id} v{terms.version} does not let {provider} "
                "share entries in this direction"
            )

        return refuse
    categories = frozenset(terms.categories)
    check_plate = scheme_for(terms.matching_mode).check_shared
    fields = terms.fields
    forbidden = tuple(
        name
        for name, allowed in (
            ("action", fields.action),
            ("flags", fields.flags),
            ("vehicle_description", fields.vehicle_description),
            ("contact", fields.contact),
        )
        if not allowed
    )

    def check(m: MinimisedEntry) -> None:  # a closure: called once per received entry
        if m.owner != provider:
            raise AgreementViolation(
                f"entry {m.entry_id} names owner {m.owner}, but came from {provider}"
            )
        if m.category not in categories:
            raise AgreementViolation(
                f"entry {m.entry_id} has category {m.category}, outside agreement "
                f"{terms.agreement_id} v{terms.version}"
            )
        check_plate(m)
        for name in forbidden:
            if getattr(m, name) is not None:
                raise AgreementViolation(
                    f"entry {m.entry_id} carries {name.replace('_', ' ')}, which the agreement "
                    "does not share"
                )
        if m.action is not None and m.action not in _ACTIONS:
            raise AgreementViolation(f"entry {m.entry_id} has an unknown action")
        if m.flags is not None and not set(m.flags) <= FLAGS:
            raise AgreementViolation(f"entry {m.entry_id} has an unknown flag")
        if m.expires_at_us <= m.valid_from_us:
            raise AgreementViolation(f"entry {m.entry_id} expires before it is valid")

    return check
