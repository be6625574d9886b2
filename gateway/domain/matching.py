"""Matching one camera read against every hotlist this node holds, in memory.

The path of a read, as named steps: normalise the plate → the countries to try → the
readings (the read, the camera's OCR candidates, and with fuzzy matching their OCR
variants) → look each reading up in every list (this node's own by plate, a partner's
by plate or by plate token under that agreement's keys) → one Match per entry.

Rules:
1. A read without a country is tried under every country whose national format its
   plate fits (every country with a known format when none fits); such a match is
   flagged country_inferred.
2. An entry whose country is unknown matches its plate read under any country.
3. An entry outside its validity window never matches.
4. A fuzzy match counts only within the substitution bound of the entry's category.
5. An entry matches at most once per read: exact before fuzzy, then fewer
   substitutions, then the read before the camera's candidates.

Pure: no I/O. The index is filled and kept current by the matching service."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from gateway.domain.hits import MatchKind
from gateway.domain.ocr import FuzzyPolicy, ocr_variants
from gateway.domain.plates import (
    FORMATS,
    PlateError,
    normalise_country,
    normalise_plate,
    plate_format,
)
from gateway.domain.schemes.token import TOKEN_BYTES, TOKEN_PERSON

OWN = ""  # list id of this node's own hotlist; a partner list's id is its agreement id

# Country codes as cameras send them, already resolved (a read carries one each).
_COUNTRY_CACHE: dict[str, str] = {}

# Rule 1: the countries a plate of unknown country is tried under.
FORMAT_COUNTRIES: tuple[str, ...] = tuple(dict.fromkeys(f.country for f in FORMATS.values()))


class EntryRef(NamedTuple):
    """What the index keeps of one entry: little, since a node holds millions."""

    entry_id: str
    category: str
    valid_from: int  # epoch seconds; 0 when the provider only sends valid entries
    expires_at: int  # epoch seconds


class Match(NamedTuple):
    list_id: str  # OWN or the agreement id
    owner: str
    entry: EntryRef
    kind: MatchKind
    matched: str  # the reading that matched (normalised plate)
    country: str  # the country it matched under ("" for an entry of unknown country)
    substitutions: int


def plain_key(plate: str, country: str) -> str:
    """Index key of a plaintext entry: normalised plate and alpha-2 country."""
    return f"{plate}\x1f{country}"


@dataclass
class HotlistIndex:
    """One list: this node's own, or what one agreement gives this node."""

    list_id: str
    owner: str
    # Plate-token lists hash readings under each key (one per agreement version held);
    # plaintext lists (and the own list) look readings up by plain_key.
    token_keys: tuple[bytes, ...] = ()
    entries: dict[object, EntryRef] = field(default_factory=dict)
    # The rare key shared by more than one entry (same plate in two categories).
    more: dict[object, list[EntryRef]] = field(default_factory=dict)
    countryless: int = 0  # entries of unknown country (rule 2)

    def __post_init__(self) -> None:
        # Keyed BLAKE2b states set up once and copied per reading: the same tokens as
        # schemes.token.plate_token at about half the cost per read.
        self._hashers = tuple(
            hashlib.blake2b(key=k, digest_size=TOKEN_BYTES, person=TOKEN_PERSON)
            for k in self.token_keys
        )

    def __len__(self) -> int:
        return len(self.entries) + sum(len(v) for v in self.more.values())

    def add(self, key: object, ref: EntryRef, *, countryless: bool = False) -> None:
        held = self.entries.get(key)
        if held is None:
            self.entries[key] = ref
        elif held.entry_id == ref.entry_id:
            self.entries[key] = ref
            return
        else:
            others = self.more.setdefault(key, [])
            kept = [r for r in others if r.entry_id != ref.entry_id]
            replaced = len(kept) != len(others)
            others[:] = [*kept, ref]
            if replaced:
                return  # the same entry again: it was counted when first added
        self.countryless += countryless

    def remove(self, key: object, entry_id: str, *, countryless: bool = False) -> None:
        held = self.entries.get(key)
        others = self.more.get(key)
        if held is not None and held.entry_id == entry_id:
            if others:
                self.entries[key] = others.pop()
                if not others:
                    del self.more[key]
            else:
                del self.entries[key]
        elif others and any(r.entry_id == entry_id for r in others):
            others[:] = [r for r in others if r.entry_id != entry_id]
            if not others:
                del self.more[key]
        else:
            return
        self.countryless -= countryless

    def lookup(self, plate: str, country: str) -> list[tuple[EntryRef, str]]:
        """Every entry of this list for plate under country, and (rule 2) of unknown
        country, each with the country it was found under ("" for unknown)."""
        found: list[tuple[EntryRef, str]] = []
        entries = self.entries
        for c in (country, "") if self.countryless and country else (country,):
            if self._hashers:
                data = f"{plate}\x1f{c}".encode()
                for base in self._hashers:
                    h = base.copy()
                    h.update(data)
                    key: object = h.digest()
                    if key in entries:
                        self._collect(key, c, found)
            else:
                key = f"{plate}\x1f{c}"
                if key in entries:
                    self._collect(key, c, found)
        return found

    def _collect(self, key: object, country: str, found: list[tuple[EntryRef, str]]) -> None:
        found.append((self.entries[key], country))
        if self.more:
            found.extend((ref, country) for ref in self.more.get(key, ()))


class MatchEngine:
    """Every list this node holds, and the rules above."""

    def __init__(self, policy: FuzzyPolicy | None = None) -> None:
        self.policy = policy or FuzzyPolicy()
        self.lists: dict[str, HotlistIndex] = {}

    def replace_list(self, index: HotlistIndex) -> None:
        self.lists[index.list_id] = index

    def drop_list(self, list_id: str) -> None:
        self.lists.pop(list_id, None)

    def countries_for(self, plate: str, country: str) -> tuple[tuple[str, ...], bool]:
        """(countries to try, inferred?) for a normalised plate (rule 1)."""
        if country:
            return (country,), False
        fitting = tuple(c for c in FORMAT_COUNTRIES if plate_format(plate, c))
        return (fitting or FORMAT_COUNTRIES), True

    def match(
        self,
        plate_raw: str,
        country_raw: str,
        candidates: Sequence[str] = (),
        *,
        now: int,
        fuzzy: bool = False,
    ) -> tuple[list[Match], bool]:
        """Matches of one read at epoch second `now`, and whether its country was
        inferred. Raises PlateError (never naming the plate) for an unreadable plate."""
        plate = normalise_plate(plate_raw)
        if country_raw:
            country = _COUNTRY_CACHE.get(country_raw)
            if country is None:
                country = normalise_country(country_raw)
                if len(_COUNTRY_CACHE) < 256:  # bounded: codes are few, junk is not
                    _COUNTRY_CACHE[country_raw] = country
            countries: tuple[str, ...] = (country,)
            inferred = False
        else:
            country = ""
            countries, inferred = self.countries_for(plate, "")
        if not candidates and not fuzzy:
            # The common case, kept lean: one reading, exact.
            best: dict[tuple[str, str], Match] = {}
            for index in self.lists.values():
                for c in countries:
                    for ref, found_under in index.lookup(plate, c):
                        self._consider(
                            best, index, ref, plate, found_under, MatchKind.EXACT, 0, now
                        )
            return list(best.values()), inferred
        readings = self._readings(plate, country, candidates, fuzzy)
        # Rule 1 per reading: a misread may fit another country's format than the read.
        tried = {r: countries if country else self.countries_for(r, "")[0] for r, _, _ in readings}
        best = {}
        for index in self.lists.values():
            for reading, kind, subs in readings:
                for c in tried[reading]:
                    for ref, found_under in index.lookup(reading, c):
                        self._consider(best, index, ref, reading, found_under, kind, subs, now)
        return list(best.values()), inferred

    def _readings(
        self, plate: str, country: str, candidates: Sequence[str], fuzzy: bool
    ) -> list[tuple[str, MatchKind, int]]:
        """The read, then the camera's candidates, then (fuzzy) their OCR variants with
        the fewest substitutions first (rule 5)."""
        exact = [plate]
        for candidate in candidates:
            try:
                reading = normalise_plate(candidate)
            except PlateError:
                continue  # an unreadable OCR candidate is no reason to drop the read
            if reading not in exact:
                exact.append(reading)
        readings = [(r, MatchKind.EXACT, 0) for r in exact]
        if fuzzy and self.policy.widest:
            fewest: dict[str, int] = {}  # a variant reached twice counts its cheaper way
            for reading in exact:
                for variant, subs in ocr_variants(
                    reading, country, self.policy.widest, self.policy.max_variants
                ):
                    if variant not in exact and subs < fewest.get(variant, subs + 1):
                        fewest[variant] = subs
            variants = [(v, MatchKind.FUZZY, subs) for v, subs in fewest.items()]
            variants.sort(key=lambda v: v[2])  # stable: the read's variants first
            readings += variants
        return readings

    def _consider(
        self,
        best: dict[tuple[str, str], Match],
        index: HotlistIndex,
        ref: EntryRef,
        reading: str,
        country: str,
        kind: MatchKind,
        subs: int,
        now: int,
    ) -> None:
        if not ref.valid_from <= now < ref.expires_at:  # rule 3
            return
        if subs and subs > self.policy.bound_for(ref.category):  # rule 4
            return
        key = (index.list_id, ref.entry_id)
        if key not in best:  # rule 5: readings come best first
            best[key] = Match(index.list_id, index.owner, ref, kind, reading, country, subs)


def build_index(
    list_id: str,
    owner: str,
    rows: Iterable[tuple[object, EntryRef, bool]],
    token_keys: tuple[bytes, ...] = (),
) -> HotlistIndex:
    """An index from (key, entry, country unknown) rows."""
    index = HotlistIndex(list_id, owner, token_keys)
    for key, ref, countryless in rows:
        index.add(key, ref, countryless=countryless)
    return index
