"""Matching schemes: how a shared entry's plate travels, and how the recipient finds a
camera read among what it received. Each agreement's terms name one (its matching
mode); everything that depends on the mode asks `scheme_for(mode)` instead of
branching on it, so a new mode is one module here plus its wire fields.

A scheme answers, for its mode:
- owner side: the plate as it leaves (`shared_plate`), and the key it is shared under
  for an agreement version (`provider_key`: derived from the token master when
  `keyed_by_master`; a partner may fetch it when `key_from_provider`);
- recipient side: whether a received entry carries the plate in this mode's form
  (`check_shared`), how a list is indexed for lookups (`index`), and under which key a
  held entry sits in that index (`index_key`);
- whether the recipient holds plates in the clear, and so may hand them to its own
  ANPR backend (`gives_plaintext`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple, Protocol

from gateway.domain.agreement import MatchingMode

if TYPE_CHECKING:
    from gateway.domain.matching import HotlistIndex
    from gateway.domain.minimise import MinimisedEntry
    from gateway.domain.plates import Plate


class SharedPlate(NamedTuple):
    """The plate of an entry as it leaves the owner (None: absent from the bytes)."""

    plate_token: bytes | None
    plate: str | None
    country: str | None
    # The owner does not know the plate's country: the partner must also try the
    # plate under no country.
    country_unknown: bool


class MatchingScheme(Protocol):
    mode: MatchingMode
    key_from_provider: bool
    keyed_by_master: bool
    gives_plaintext: bool

    def shared_plate(self, plate: Plate, key: bytes) -> SharedPlate: ...

    def provider_key(self, master: bytes, agreement_id: str, version: int) -> bytes: ...

    def check_shared(self, entry: MinimisedEntry) -> None:
        """Raise AgreementViolation unless the entry carries its plate in this form."""

    def index(self, list_id: str, owner: str, keys: tuple[bytes, ...]) -> HotlistIndex: ...

    def index_key(
        self, plate_token: bytes | None, plate: str | None, country: str | None
    ) -> object | None:
        """The held entry's key in this scheme's index; None if it lacks this form."""


_SCHEMES: dict[MatchingMode, MatchingScheme] = {}


def scheme_for(mode: MatchingMode) -> MatchingScheme:
    # The projector asks once per entry: the schemes are looked up in a table filled on
    # first use (their modules import this one, so not at import time), not imported
    # and put in a new dict on every call (3 us each, 3 s of a million-entry projection).
    scheme = _SCHEMES.get(mode)
    if scheme is None:
        from gateway.domain.schemes.oblivious import OBLIVIOUS
        from gateway.domain.schemes.plaintext import PLAINTEXT
        from gateway.domain.schemes.token import TOKEN

        _SCHEMES.update(
            {
                MatchingMode.TOKEN: TOKEN,
                MatchingMode.PLAINTEXT: PLAINTEXT,
                MatchingMode.OBLIVIOUS: OBLIVIOUS,
            }
        )
        scheme = _SCHEMES[mode]
    return scheme


__all__ = ["MatchingScheme", "SharedPlate", "scheme_for"]
