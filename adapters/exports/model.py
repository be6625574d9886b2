"""What the outbound exporters take: the hotlist entries a port's local ANPR backend may
receive (ExportEntry), and the steps every vendor file shares: keep the live entries in
a fixed order, fold entries per plate where a device keys its list by plate, and put
free text on one line without the characters that would break a file.

Rules every exporter in this package follows:
1. Pure: entries and values in, bytes out; no clock (the caller passes generated_at),
   no I/O, no logging. The same input in any order gives byte-identical output.
2. An entry whose expires_at <= generated_at never appears in a file.
3. Nothing beyond an ExportEntry's fields is written (never the case reference, which
   an ExportEntry does not hold). Plates are written normalised (uppercase, no
   separators): the form the gateway matches on, documented per vendor where that
   vendor stores plates otherwise.
4. Free text (the vehicle description) is made safe for the format, never refused: it
   is put on one line and the format's structural characters are replaced by a
   documented stand-in. Every other value is checked when the ExportEntry is made and
   cannot hold a structural character; an exporter that meets one anyway refuses.
5. No message, repr or str names a plate.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from gateway.domain.agreement import CATEGORIES
from gateway.domain.hotlist import FLAGS, MAX_TEXT, Action
from gateway.domain.identity import NODE_ID_PATTERN
from gateway.domain.plates import COUNTRIES, PlateError, normalise_plate

MAX_ENTRY_ID = 64
MAX_DESCRIPTION = MAX_TEXT  # the domain's limit on a vehicle description
MAX_LIST_NAME = 64

# Letters, digits and . _ - only: an id then holds no delimiter of any format here
# (; , : tab), no quote, no XML special character and no line break.
ENTRY_ID_PATTERN = re.compile(rf"[A-Za-z0-9][A-Za-z0-9._-]{{0,{MAX_ENTRY_ID - 1}}}")

# From the least to the most demanding request to the observing officer (SIS actions).
ACTION_ORDER: tuple[str, ...] = (
    Action.REPORT_ONLY,
    Action.DISCREET_CHECK,
    Action.INQUIRY_CHECK,
    Action.SPECIFIC_CHECK,
    Action.SEIZE,
)
_ACTION_RANK = {action.value: rank for rank, action in enumerate(ACTION_ORDER)}


class ExportError(ValueError):
    """Entries or options that cannot be written as the vendor's file, or a file that
    does not read back. The message says why and never contains a plate."""


@dataclass(frozen=True, slots=True, repr=False)
class ExportEntry:
    """What a local backend may receive of one hotlist entry (never the case reference).
    Checked when made, so that only the description is free text."""

    entry_id: str
    plate: str  # normalised (uppercase, no separators)
    country: str  # ISO 3166 alpha-2, or "" when unknown
    category: str  # e.g. stolen_vehicle
    action: str  # report_only / discreet_check / inquiry_check / specific_check / seize
    flags: tuple[str, ...]
    expires_at: datetime  # aware
    owner: str  # node id that owns the entry
    description: str = ""  # vehicle description, may be empty

    def __post_init__(self) -> None:
        if not isinstance(self.entry_id, str) or not ENTRY_ID_PATTERN.fullmatch(self.entry_id):
            raise ExportError(
                f"entry id must be 1 to {MAX_ENTRY_ID} letters, digits, '.', '_' or '-'"
            )
        where = f"entry {self.entry_id}"
        try:
            normalised = normalise_plate(self.plate)
        except PlateError as exc:
            raise ExportError(f"{where}: {exc}") from None
        if normalised != self.plate:
            raise ExportError(f"{where}: plate is not in normalised form")
        if self.country != "" and self.country not in COUNTRIES:
            raise ExportError(f"{where}: country must be a known ISO 3166 alpha-2 code or empty")
        if self.category not in CATEGORIES:
            raise ExportError(f"{where}: unknown category {self.category!r}")
        if self.action not in _ACTION_RANK:
            raise ExportError(f"{where}: unknown action {self.action!r}")
        if not isinstance(self.flags, tuple):
            raise ExportError(f"{where}: flags must be a tuple")
        unknown = sorted(set(self.flags) - FLAGS)
        if unknown:
            raise ExportError(f"{where}: unknown flag {unknown[0]!r}")
        if len(set(self.flags)) != len(self.flags):
            raise ExportError(f"{where}: a flag is given twice")
        if not isinstance(self.expires_at, datetime) or self.expires_at.utcoffset() is None:
            raise ExportError(f"{where}: expires_at must carry a time zone")
        if not isinstance(self.owner, str) or not NODE_ID_PATTERN.match(self.owner):
            raise ExportError(f"{where}: owner must be a node id such as 'be-gent'")
        if not isinstance(self.description, str) or len(self.description) > MAX_DESCRIPTION:
            raise ExportError(f"{where}: description must be text of at most {MAX_DESCRIPTION}")

    def __repr__(self) -> str:  # never show a plate
        return f"ExportEntry(entry_id={self.entry_id!r}, owner={self.owner!r})"

    __str__ = __repr__


def check_export_options(list_name: str, generated_at: datetime) -> None:
    """The options every exporter takes. list_name is checked even by the formats that
    have no place for it, so that a caller's mistake shows whichever vendor it feeds."""
    if (
        not isinstance(list_name, str)
        or not list_name.strip()
        or len(list_name) > MAX_LIST_NAME
        or not list_name.isprintable()
    ):
        raise ExportError(f"list name must be 1 to {MAX_LIST_NAME} printable characters")
    if not isinstance(generated_at, datetime) or generated_at.utcoffset() is None:
        raise ExportError("generated_at must carry a time zone")


def live_entries(entries: Iterable[ExportEntry], generated_at: datetime) -> list[ExportEntry]:
    """The entries still live at generated_at (rule 2), sorted by plate then entry id,
    which is a total order once ids are unique (rule 1: input order never matters)."""
    seen: set[str] = set()
    live: list[ExportEntry] = []
    for entry in entries:
        if not isinstance(entry, ExportEntry):
            raise ExportError(f"expected ExportEntry, got {type(entry).__name__}")
        if entry.entry_id in seen:
            raise ExportError(f"entry id {entry.entry_id!r} appears twice")
        seen.add(entry.entry_id)
        if entry.expires_at > generated_at:
            live.append(entry)
    live.sort(key=lambda e: (e.plate, e.entry_id))
    return live


def merge_by_plate(
    entries: Sequence[ExportEntry], *, by_country: bool = False
) -> list[ExportEntry]:
    """One entry per plate (per plate and country when by_country), for devices that
    key their list by plate and would keep only one of several rows. A weaker request
    must never hide a stronger one, so the merged row is the plate's entry with the most
    demanding action (the smallest entry id among equals), carrying every flag of the
    plate's entries (do_not_alert_subject from any of them still holds) and the latest
    expiry (the plate stays listed while any of its entries is live; the next export
    shows what is left). Input sorted as live_entries sorts; output sorted the same."""
    groups: dict[tuple[str, str], list[ExportEntry]] = {}
    for entry in entries:
        groups.setdefault((entry.plate, entry.country if by_country else ""), []).append(entry)
    merged: list[ExportEntry] = []
    for group in groups.values():
        lead = min(group, key=lambda e: (-_ACTION_RANK[e.action], e.entry_id))
        flags = tuple(sorted({flag for e in group for flag in e.flags}))
        expires_at = max(e.expires_at for e in group)
        merged.append(replace(lead, flags=flags, expires_at=expires_at))
    merged.sort(key=lambda e: (e.plate, e.entry_id))
    return merged


def one_line(text: str, stand_ins: Mapping[str, str] | None = None) -> str:
    """Free text on one line (rule 4): every character that is not printable (line
    breaks, tabs, other control and separator characters) becomes a space, each key of
    stand_ins is replaced by its value, runs of whitespace become one space and the ends
    are trimmed. Idempotent when no stand-in brings back a replaced character."""
    flat = "".join(c if c.isprintable() else " " for c in text)
    for char, stand_in in (stand_ins or {}).items():
        flat = flat.replace(char, stand_in)
    return " ".join(flat.split())


def summary(entry: ExportEntry) -> str:
    """What an officer needs first, for formats with one free-text column: the action,
    its flags, the category, then the vehicle description (on one line). Not yet safe
    for a format: pass it through one_line with the format's stand-ins."""
    head = " ".join((entry.action, *sorted(entry.flags), entry.category))
    description = one_line(entry.description)
    return f"{head}: {description}" if description else head


def cut_utf8(text: str, max_bytes: int) -> str:
    """text cut to at most max_bytes of UTF-8 on a character boundary, trailing spaces
    dropped: a limit stated in characters by a vendor whose firmware may count bytes
    then holds either way."""
    data = text.encode("utf-8")
    if len(data) <= max_bytes:
        return text
    return data[:max_bytes].decode("utf-8", errors="ignore").rstrip()


def delimited_rows(
    data: bytes, *, what: str, columns: Sequence[str], delimiter: str, line_end: str
) -> list[tuple[int, list[str]]]:
    """(line number, fields) of each line of a delimited list file, read back as the
    backend reads it. ExportError when the file is not UTF-8, its last line is not
    terminated by line_end, or a line has more or fewer fields than columns."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ExportError(f"{what} is not UTF-8") from None
    if text and not text.endswith(line_end):
        raise ExportError(f"the last line of the {what} is not terminated by {line_end!r}")
    rows: list[tuple[int, list[str]]] = []
    for number, line in enumerate(text.split(line_end)[:-1], start=1):
        values = line.split(delimiter)
        if len(values) != len(columns) or "\r" in line or "\n" in line:
            raise ExportError(f"line {number}: {len(values)} fields, expected {len(columns)}")
        rows.append((number, values))
    return rows
