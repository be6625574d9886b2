"""Licence plates and country codes: normalisation and national format recognition.

Pure domain code: no I/O, no logging, stdlib only. Rules:
1. A plate is normalised by uppercasing it and removing separators (space, tab, '-',
   '.', '·', '/', '_'). What is left may only be A-Z, 0-9 and the German umlauts
   Ä, Ö, Ü (lowercase accepted), 1 to 10 characters. Normalising is idempotent.
   The raw form, as it was given, is kept beside the normalised one.
2. Country codes arrive as ISO 3166 alpha-2, alpha-3 or international road-sign codes
   (distinguishing signs: B, NL, F, D, L, ...) and are stored as alpha-2. Where one
   code is the alpha-2 of one country and another kind of code of another country,
   the alpha-2 reading wins.
3. A plaintext plate is personal data: no error message, repr or str in this module
   contains the plate text. Messages say "plate" and give a length or a reason only.
   Country codes are not personal data and are named in messages.
4. Format recognition knows the current and older formats of the five countries the
   ports see most (BE, NL, FR, DE, LU). It checks the shape of letters and digits only,
   not the national rules on which letters or combinations are issued.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from gateway.domain.errors import InvalidInput

MIN_PLATE_LENGTH = 1
MAX_PLATE_LENGTH = 10

# Separators removed during normalisation (tab included; other whitespace is refused).
SEPARATORS = frozenset(" \t-./_\u00b7")

# Characters a normalised plate may contain.
PLATE_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
PLATE_UMLAUTS = "ÄÖÜ"
PLATE_DIGITS = "0123456789"
PLATE_ALPHABET = frozenset(PLATE_LETTERS + PLATE_UMLAUTS + PLATE_DIGITS)

# Explicit map from every accepted input character to its normalised form. A whitelist
# rather than str.upper(), which would also turn 'ß' into 'SS', a dotless i into 'I', etc.
_CHAR_MAP: Mapping[str, str] = MappingProxyType(
    {c: c for c in PLATE_ALPHABET} | {c.lower(): c for c in PLATE_LETTERS + PLATE_UMLAUTS}
)

BAD_CHARACTER_MESSAGE = "plate contains a character that is not allowed on a licence plate"


class PlateError(InvalidInput):
    """A plate or country code cannot be accepted. The message never holds the plate."""


# -- Countries -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Country:
    """One country as the gateway knows it; stored and compared by alpha2."""

    alpha2: str
    alpha3: str
    road_sign: str
    name: str
    # Further road-sign codes still seen on vehicles (e.g. GB before 2021).
    other_road_signs: tuple[str, ...] = ()

    @property
    def road_signs(self) -> tuple[str, ...]:
        return (self.road_sign, *self.other_road_signs)


_COUNTRY_LIST = (
    Country("BE", "BEL", "B", "Belgium"),
    Country("NL", "NLD", "NL", "Netherlands"),
    Country("FR", "FRA", "F", "France"),
    Country("DE", "DEU", "D", "Germany"),
    Country("LU", "LUX", "L", "Luxembourg"),
    Country("GB", "GBR", "UK", "United Kingdom", ("GB",)),
    Country("IE", "IRL", "IRL", "Ireland"),
    Country("ES", "ESP", "E", "Spain"),
    Country("PT", "PRT", "P", "Portugal"),
    Country("IT", "ITA", "I", "Italy"),
    Country("AT", "AUT", "A", "Austria"),
    Country("CH", "CHE", "CH", "Switzerland"),
    Country("PL", "POL", "PL", "Poland"),
    Country("CZ", "CZE", "CZ", "Czechia"),
    Country("DK", "DNK", "DK", "Denmark"),
    Country("SE", "SWE", "S", "Sweden"),
    Country("NO", "NOR", "N", "Norway"),
    Country("FI", "FIN", "FIN", "Finland"),
    Country("LT", "LTU", "LT", "Lithuania"),
    Country("LV", "LVA", "LV", "Latvia"),
    Country("EE", "EST", "EST", "Estonia"),
    Country("RO", "ROU", "RO", "Romania"),
    Country("BG", "BGR", "BG", "Bulgaria"),
    Country("HU", "HUN", "H", "Hungary"),
    Country("SK", "SVK", "SK", "Slovakia"),
    Country("SI", "SVN", "SLO", "Slovenia"),
    Country("HR", "HRV", "HR", "Croatia"),
    Country("GR", "GRC", "GR", "Greece"),
)

COUNTRIES: Mapping[str, Country] = MappingProxyType({c.alpha2: c for c in _COUNTRY_LIST})


def _index_countries(countries: Iterable[Country]) -> Mapping[str, str]:
    """Map every accepted code to its alpha-2. Precedence on a collision: alpha-2, then
    alpha-3, then road-sign code (an earlier kind is never overwritten)."""
    countries = tuple(countries)
    index: dict[str, str] = {}
    for kind in (
        lambda c: (c.alpha2,),
        lambda c: (c.alpha3,),
        lambda c: c.road_signs,
    ):
        for country in countries:
            for code in kind(country):
                index.setdefault(code, country.alpha2)
    return MappingProxyType(index)


_COUNTRY_INDEX = _index_countries(_COUNTRY_LIST)

_MAX_SHOWN_CODE = 3  # longer than any real code: might be a plate in the wrong field


def normalise_country(code: str) -> str:
    """Return the ISO 3166 alpha-2 code for an alpha-2, alpha-3 or road-sign code
    (case-insensitive, surrounding whitespace ignored), else raise PlateError."""
    if not isinstance(code, str):
        raise PlateError(f"country code must be text, got {type(code).__name__}")
    key = code.strip().upper()
    found = _COUNTRY_INDEX.get(key)
    if found is not None:
        return found
    if len(key) <= _MAX_SHOWN_CODE:
        named = f"unknown country code {code.strip()!r}"
    else:
        named = f"unknown country code ({len(key)} characters, at most {_MAX_SHOWN_CODE})"
    raise PlateError(
        f"{named}; give an ISO 3166 alpha-2 code (e.g. BE), an alpha-3 code (e.g. BEL) "
        f"or a road-sign code (e.g. B); known countries: {', '.join(sorted(COUNTRIES))}"
    )


# -- Plates ----------------------------------------------------------------------------


def normalise_plate(raw: str) -> str:
    """Uppercase raw, drop separators, and check what is left (rule 1). Idempotent.

    Raises PlateError on a character not allowed on a plate, or a length outside
    1..10 after removing separators; the message never contains the plate.
    """
    if not isinstance(raw, str):
        raise PlateError(f"plate must be text, got {type(raw).__name__}")
    if raw.isascii():
        # Fast path for the common case (millions of rows on import and load); any
        # input it does not accept takes the careful path below for the exact error.
        fast = raw.translate(_ASCII_TABLE)
        if _ASCII_PLATE.fullmatch(fast):
            return fast
    # NFC first, so a 'U' followed by a combining diaeresis counts as 'Ü'.
    out: list[str] = []
    for char in unicodedata.normalize("NFC", raw):
        if char in SEPARATORS:
            continue
        mapped = _CHAR_MAP.get(char)
        if mapped is None:
            raise PlateError(BAD_CHARACTER_MESSAGE)
        out.append(mapped)
    # Kept free of long letter/space runs, so that no message can echo its own input.
    if len(out) < MIN_PLATE_LENGTH:
        raise PlateError("plate is empty once separators are removed")
    if len(out) > MAX_PLATE_LENGTH:
        raise PlateError(f"plate: too long (length {len(out)}, at most {MAX_PLATE_LENGTH})")
    return "".join(out)


_ASCII_TABLE = str.maketrans(
    {
        **{c: None for c in SEPARATORS if c.isascii()},
        **{c: c.upper() for c in string.ascii_lowercase},
    }
)
_ASCII_PLATE = re.compile(rf"[A-Z0-9]{{{MIN_PLATE_LENGTH},{MAX_PLATE_LENGTH}}}")


@dataclass(frozen=True, slots=True, repr=False)
class Plate:
    """A plate as the gateway holds it. Equality and hash use (normalised, country);
    repr and str show the country and length only, never the plate."""

    normalised: str
    country: str  # ISO 3166 alpha-2, or "" when unknown
    raw: str = field(compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.normalised, str) or not isinstance(self.raw, str):
            raise PlateError("plate must be text")
        if normalise_plate(self.normalised) != self.normalised:
            raise PlateError("plate: the normalised form is not normalised")
        if normalise_plate(self.raw) != self.normalised:
            raise PlateError("plate: the raw form does not normalise to the normalised form")
        if self.country != "" and self.country not in COUNTRIES:
            raise PlateError(
                "plate country must be a known ISO 3166 alpha-2 code or empty; "
                "use Plate.parse to accept alpha-3 and road-sign codes"
            )

    @classmethod
    def parse(cls, raw: str, country: str | None) -> Plate:
        """Normalise raw and country (None or blank: unknown country, stored as "")."""
        normalised = normalise_plate(raw)
        if country is None or (isinstance(country, str) and not country.strip()):
            alpha2 = ""
        else:
            alpha2 = normalise_country(country)
        # Everything __post_init__ would check again holds by construction here, and
        # checking it twice more per row was a tenth of the cost of a million-row import.
        plate = object.__new__(cls)
        object.__setattr__(plate, "normalised", normalised)
        object.__setattr__(plate, "country", alpha2)
        object.__setattr__(plate, "raw", raw)
        return plate

    @property
    def format(self) -> str | None:
        """National format name (see plate_format), or None."""
        return plate_format(self.normalised, self.country)

    def __repr__(self) -> str:
        return f"Plate(country={self.country!r}, length={len(self.normalised)})"

    __str__ = __repr__


# -- National formats ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlateFormat:
    """A national format: its name, country, shape and display grouping.

    groups: lengths of the displayed groups, in order (None: displayed as normalised);
    separator: what goes between groups when displayed.
    """

    name: str
    country: str
    pattern: re.Pattern[str]
    groups: tuple[int, ...] | None = None
    separator: str = "-"


def _shape(shape: str) -> str:
    """Regex for a shape where X is a letter A-Z and 9 a digit (NL sidecode notation)."""
    return "".join("[A-Z]" if c == "X" else "[0-9]" for c in shape)


def _groups(shape: str) -> tuple[int, ...]:
    return tuple(len(part) for part in shape.split("-"))


# Dutch sidecodes, grouped as displayed on the plate.
NL_SIDECODES = (
    "XX-99-99",
    "99-99-XX",
    "99-XX-99",
    "XX-99-XX",
    "XX-XX-99",
    "99-XX-XX",
    "99-XXX-9",
    "9-XXX-99",
    "XX-999-X",
    "X-999-XX",
    "XXX-99-X",
    "X-99-XXX",
    "9-XX-999",
    "999-XX-9",
)

_FORMAT_LIST = (
    PlateFormat("be-current", "BE", re.compile(r"[1-9][A-Z]{3}[0-9]{3}"), (1, 3, 3)),
    PlateFormat("be-1973", "BE", re.compile(r"[A-Z]{3}[0-9]{3}")),
    PlateFormat("be-1962", "BE", re.compile(r"[0-9]{3}[A-Z]{3}")),
    *(
        PlateFormat(
            f"nl-sidecode-{number}",
            "NL",
            re.compile(_shape(shape.replace("-", ""))),
            _groups(shape),
        )
        for number, shape in enumerate(NL_SIDECODES, start=1)
    ),
    PlateFormat("fr-siv", "FR", re.compile(r"[A-Z]{2}[0-9]{3}[A-Z]{2}"), (2, 3, 2)),
    # District (1-3, umlauts allowed) + letters (1-2) + number (1-4, no leading zero),
    # optional E (electric) or H (historic). The district/letters boundary is lost once
    # separators are gone, so the display form is the normalised one.
    PlateFormat("de", "DE", re.compile(r"[A-ZÄÖÜ]{1,3}[A-Z]{1,2}[1-9][0-9]{0,3}[EH]?")),
    PlateFormat("lu-letters", "LU", re.compile(r"[A-Z]{2}[0-9]{4}"), (2, 4), " "),
    PlateFormat("lu-numeric", "LU", re.compile(r"[0-9]{1,6}")),
)

FORMATS: Mapping[str, PlateFormat] = MappingProxyType({f.name: f for f in _FORMAT_LIST})


def plate_format(normalised: str, country: str) -> str | None:
    """Name of the national format the normalised plate matches, else None.

    country may be any accepted country code ("" means unknown, giving None); an
    unknown code raises PlateError. Formats are known for BE, NL, FR, DE and LU.
    """
    if not country or not country.strip():
        return None
    alpha2 = normalise_country(country)
    for fmt in _FORMAT_LIST:
        if fmt.country == alpha2 and fmt.pattern.fullmatch(normalised):
            return fmt.name
    return None


def format_raw(normalised: str, fmt: str) -> str:
    """Display form of a normalised plate in format fmt, with the national separators
    put back (be-current 1-ABC-123, fr-siv AA-123-AA, NL sidecodes per their grouping,
    lu-letters AB 1234); other formats display as normalised. For authorised display
    only. Raises PlateError if fmt is unknown or the plate does not match it."""
    spec = FORMATS.get(fmt)
    if spec is None:
        raise PlateError(f"unknown plate format {fmt!r}; known: {', '.join(FORMATS)}")
    if not spec.pattern.fullmatch(normalised):
        raise PlateError(f"plate does not match the format {fmt!r}")
    if spec.groups is None:
        return normalised
    parts: list[str] = []
    start = 0
    for size in spec.groups:
        parts.append(normalised[start : start + size])
        start += size
    return spec.separator.join(parts)
