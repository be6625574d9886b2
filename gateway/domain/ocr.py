"""OCR confusion: expand a camera read into the plates it may have been misread from.

Pure domain code, stdlib only. Fuzzy matching looks up each variant; the policy says how
deep to expand per hotlist category, and national formats prune implausible variants.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import combinations, islice, product
from types import MappingProxyType
from typing import Any

from gateway.domain.agreement import CATEGORIES
from gateway.domain.errors import InvalidInput
from gateway.domain.plates import (
    COUNTRIES,
    FORMATS,
    MAX_PLATE_LENGTH,
    MIN_PLATE_LENGTH,
    PLATE_ALPHABET,
    normalise_country,
)

# Characters OCR confuses with each other. A character belongs to at most one class.
CONFUSION_CLASSES: tuple[str, ...] = ("O0DQ", "I1L", "B8", "S5", "Z2", "G6", "A4")

# Beyond 3 substitutions a read reaches too many plates of its shape: that is no longer
# a misread of one vehicle but a guess at many.
MAX_SUBSTITUTIONS = 3
MAX_VARIANTS = 1024

# char -> the other members of its class, in class order (this order is part of the
# deterministic output order).
_ALTERNATIVES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        char: tuple(other for other in cls if other != char)
        for cls in CONFUSION_CLASSES
        for char in cls
    }
)

# -- National formats, compiled for pruning ----------------------------------------------
#
# Every format pattern in plates.FORMATS is a sequence of character classes with counted
# repeats. Read that way, a format of a given length is a list of allowed character sets
# per position (a "shape"). Per length and position, the union of those sets tells which
# characters must be substituted (no format allows them there) and which alternatives are
# worth trying (some format allows them there); for BE, FR, LU and DE that leaves almost
# nothing to build. It is a necessary condition only: the regex still decides. A pattern
# that cannot be read this way leaves its country to the regex alone.

_Shape = tuple[frozenset[str], ...]
# Per position: the characters some format allows there, and for each confusable
# character its alternatives that are allowed there.
_Positions = tuple[tuple[frozenset[str], Mapping[str, tuple[str, ...]]], ...]

# A character class with an optional {n}, {n,m} or ? repeat.
_ATOM = re.compile(r"\[([^\]]+)\](?:\{(\d+)(?:,(\d+))?\}|(\?))?")


@functools.cache
def _class_chars(text: str) -> frozenset[str]:
    """The plate characters the character class [text] matches."""
    matches = re.compile(f"[{text}]").fullmatch
    return frozenset(c for c in PLATE_ALPHABET if matches(c))


def _shapes(pattern: str) -> list[_Shape] | None:
    """Every shape of a plate length a pattern can match, or None if the pattern is more
    than character classes with counted repeats."""
    atoms: list[tuple[frozenset[str], range]] = []
    pos = 0
    while pos < len(pattern):
        atom = _ATOM.match(pattern, pos)
        if atom is None:
            return None
        if atom[4]:
            repeats = range(2)
        elif atom[2]:
            repeats = range(int(atom[2]), int(atom[3] or atom[2]) + 1)
        else:
            repeats = range(1, 2)
        atoms.append((_class_chars(atom[1]), repeats))
        pos = atom.end()
    shapes = []
    for counts in product(*(repeats for _, repeats in atoms)):
        if MIN_PLATE_LENGTH <= sum(counts) <= MAX_PLATE_LENGTH:
            shapes.append(
                tuple(
                    chars
                    for (chars, _), count in zip(atoms, counts, strict=True)
                    for _ in range(count)
                )
            )
    return shapes


@functools.cache
def _fitting(allowed: frozenset[str]) -> Mapping[str, tuple[str, ...]]:
    """For each confusable character, its alternatives that are in allowed."""
    return MappingProxyType(
        {char: tuple(a for a in alts if a in allowed) for char, alts in _ALTERNATIVES.items()}
    )


def _positions(patterns: list[str]) -> Mapping[int, _Positions] | None:
    """By plate length (lengths no pattern has are absent): per position, the union of
    what the patterns allow there. None if a pattern cannot be read as shapes."""
    allowed: dict[int, list[set[str]]] = {}
    for pattern in patterns:
        shapes = _shapes(pattern)
        if shapes is None:
            return None
        for shape in shapes:
            sets = allowed.setdefault(len(shape), [set() for _ in shape])
            for here, chars in zip(sets, shape, strict=True):
                here.update(chars)
    return MappingProxyType(
        {
            length: tuple((frozenset(here), _fitting(frozenset(here))) for here in sets)
            for length, sets in allowed.items()
        }
    )


@dataclass(frozen=True, slots=True)
class _Formats:
    """The formats of one country (or of all countries), compiled for pruning: fullmatch
    of their union (one call instead of one per format) and _positions."""

    fullmatch: Callable[[str], re.Match[str] | None]
    positions: Mapping[int, _Positions] | None


def _compile(patterns: list[str]) -> _Formats:
    union = re.compile("|".join(f"(?:{p})" for p in patterns))
    return _Formats(union.fullmatch, _positions(patterns))


def _compile_all() -> tuple[Mapping[str, _Formats], _Formats]:
    by_country: dict[str, list[str]] = {}
    for fmt in FORMATS.values():
        by_country.setdefault(fmt.country, []).append(fmt.pattern.pattern)
    per_country = {country: _compile(patterns) for country, patterns in by_country.items()}
    everything = _compile([fmt.pattern.pattern for fmt in FORMATS.values()])
    return MappingProxyType(per_country), everything


# Compiled once at import: per country alpha-2, and all known formats together.
_COUNTRY_FORMATS, _ANY_FORMAT = _compile_all()


def _formats_for(plate: str, country: str) -> _Formats | None:
    """The formats a variant must match to be kept, or None to keep every variant.

    - country with known formats: the variant must match one of that country's formats.
    - unknown country (""): if the read matches a known format of some country, the
      variant must match a known format of some country; if the read matches none, no
      pruning. Such a read is either a misread that broke a known format (its true
      plate is among the variants, first by substitution count) or a plate of a country
      whose formats are not known here (e.g. PL), which pruning would never let match.
    - any other country: no pruning, its formats are not known.
    """
    if not country:
        return _ANY_FORMAT if _ANY_FORMAT.fullmatch(plate) else None
    if country in _COUNTRY_FORMATS:
        return _COUNTRY_FORMATS[country]
    if country in COUNTRIES:
        return None
    # Also accept alpha-3 and road-sign codes; raises on an unknown code.
    return _COUNTRY_FORMATS.get(normalise_country(country))


# -- Variants ------------------------------------------------------------------------


def ocr_variants(
    plate: str, country: str, max_substitutions: int, limit: int
) -> tuple[tuple[str, int], ...]:
    """Variants of a normalised plate obtained by replacing up to max_substitutions
    characters by another member of their confusion class, as (variant, substitutions).

    Never the plate itself, no duplicates, ordered by substitutions, then by the
    leftmost changed positions, then by class order; at most `limit` of them, counted
    after pruning by national format (see _formats_for). country is an alpha-2 code, or
    "" when unknown. The plate must already be normalised (plates.normalise_plate); it
    is not checked again here, as this runs for every camera read.

    Measured with timeit (CPython 3.11, one core of the dev container), 2 substitutions,
    limit 32: BE "1ABC1Z3" 3.3 µs (1 variant), FR "AB123CD" 3.5 µs, DE "HHAB1234"
    5.1 µs, NL "AB12CD" 17 µs (7 kept of 32 built: the 14 sidecodes allow both letters
    and digits almost everywhere), unknown country or PL "1ABC1Z3" unpruned 8 µs (26).
    """
    if not 0 <= max_substitutions <= MAX_SUBSTITUTIONS or limit < 0:
        # Bounded: the work grows with the cube of the plate length at 3 already.
        raise InvalidInput(
            f"max_substitutions must be 0 to {MAX_SUBSTITUTIONS} and limit not negative"
        )
    if max_substitutions == 0 or limit == 0:
        return ()
    formats = _formats_for(plate, country)
    if formats is None or formats.positions is None:
        alternatives = _ALTERNATIVES
        choices = [(i, alternatives[c]) for i, c in enumerate(plate) if c in alternatives]
        candidates = _substitute(plate, choices, (), max_substitutions)
    else:
        by_position = formats.positions.get(len(plate))
        if by_position is None:
            return ()  # no format has this length
        # must: positions whose character no format allows there, so every kept
        # variant changes them.
        choices = []
        must = []
        for i, (char, (allowed, fitting)) in enumerate(zip(plate, by_position, strict=True)):
            options = fitting.get(char, ())
            if char not in allowed:
                if not options:
                    return ()
                must.append(i)
            if options:
                choices.append((i, options))
        if len(must) > max_substitutions:
            return ()
        candidates = _substitute(plate, choices, must, max_substitutions)
    if formats is not None:
        fullmatch = formats.fullmatch
        candidates = (c for c in candidates if fullmatch(c[0]))
    return tuple(islice(candidates, limit))


def _substitute(
    plate: str,
    choices: list[tuple[int, tuple[str, ...]]],
    must: Iterable[int],
    most: int,
) -> Iterator[tuple[str, int]]:
    """(variant, substitutions) changing 1..most of the choices (position, alternatives),
    always including the positions in must, in the documented order. Lazy, so that the
    caller stops building once it has enough."""
    required = set(must)
    chars = list(plate)
    for count in range(max(1, len(required)), min(most, len(choices)) + 1):
        # Each combination changes exactly `count` distinct positions to a different
        # character, so no variant can come out twice and no dedup set is needed.
        for chosen in combinations(choices, count):
            if required and not required.issubset(i for i, _ in chosen):
                continue
            # Counts 1 and 2 are nearly every read: built by slicing, which is about
            # twice as fast as the general list round trip below.
            if count == 1:
                ((i, options),) = chosen
                head, tail = plate[:i], plate[i + 1 :]
                for char in options:
                    yield head + char + tail, 1
                continue
            if count == 2:
                (i, first), (j, second) = chosen
                head, middle, tail = plate[:i], plate[i + 1 : j], plate[j + 1 :]
                for one in first:
                    left = head + one + middle
                    for two in second:
                        yield left + two + tail, 2
                continue
            for replacement in product(*[options for _, options in chosen]):
                for (i, _), char in zip(chosen, replacement, strict=True):
                    chars[i] = char
                yield "".join(chars), count
            for i, _ in chosen:
                chars[i] = plate[i]


def _is_count(value: object, low: int, high: int) -> bool:
    """A whole number (not a bool) within low..high."""
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _check_bound(value: object, what: str) -> None:
    if not _is_count(value, 0, MAX_SUBSTITUTIONS):
        raise InvalidInput(f"{what} must be a whole number from 0 to {MAX_SUBSTITUTIONS}")


def _unknown(kind: str, name: object, known: list[str]) -> InvalidInput:
    """Error for an unknown name. The name itself is not shown (a misplaced plate could
    end up here); a close known name is suggested instead."""
    close = difflib.get_close_matches(name, known, n=1) if isinstance(name, str) else []
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return InvalidInput(f"unknown {kind}{hint}; known: {', '.join(known)}")


@dataclass(frozen=True, slots=True)
class FuzzyPolicy:
    """How far a read may be expanded.

    max_substitutions: default bound; per_category: bound per hotlist category (0 =
    exact only for that category); max_variants: hard cap on variants generated per
    plate. Validated on construction; per_category is stored as a read-only mapping.
    """

    max_substitutions: int = 1
    # Left out of the hash (a mapping is not hashable); still compared by ==.
    per_category: Mapping[str, int] = field(
        default_factory=lambda: MappingProxyType({}), hash=False
    )
    max_variants: int = 32

    def __post_init__(self) -> None:
        _check_bound(self.max_substitutions, "max_substitutions")
        if not isinstance(self.per_category, Mapping):
            raise InvalidInput("per_category must map category names to bounds")
        for category, bound in self.per_category.items():
            if category not in CATEGORIES:
                raise _unknown("category in per_category", category, sorted(CATEGORIES))
            _check_bound(bound, f"per_category bound for {category}")
        if not _is_count(self.max_variants, 1, MAX_VARIANTS):
            raise InvalidInput(f"max_variants must be a whole number from 1 to {MAX_VARIANTS}")
        # Copy, so that a caller changing its dict later cannot change the policy.
        object.__setattr__(
            self, "per_category", MappingProxyType(dict(sorted(self.per_category.items())))
        )

    @classmethod
    def from_mapping(cls, settings: Mapping[str, Any]) -> FuzzyPolicy:
        """Policy from a configuration section, e.g. {"max_substitutions": 1,
        "per_category": {"stolen_vehicle": 2}, "max_variants": 32}; missing keys take
        their defaults. Raises InvalidInput on an unknown key or an invalid value."""
        if not isinstance(settings, Mapping):
            raise InvalidInput("fuzzy matching settings must be a mapping")
        known = ["max_substitutions", "per_category", "max_variants"]
        for key in settings:
            if key not in known:
                raise _unknown("fuzzy matching setting", key, known)
        return cls(**settings)

    def bound_for(self, category: str) -> int:
        """Most substitutions a match in this hotlist category may have."""
        return self.per_category.get(category, self.max_substitutions)

    @property
    def widest(self) -> int:
        """How deep to expand a read: the largest bound of any category."""
        return max([self.max_substitutions, *self.per_category.values()])
