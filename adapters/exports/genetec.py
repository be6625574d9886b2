"""Genetec AutoVu / Security Center hotlist source file: one delimited text line per
hotlist entry, the fields in the order the hotlist's attributes are configured in
Config Tool. Pure; parse() reads a file back (tests, and a check before upload)."""

# Format, from Genetec's TechDoc Hub (Security Center Administrator Guide):
# - "Creating hotlists" (5.12, 5.13): the source is a .txt or .csv text file; with "Use
#   delimiters" on (the default) fields vary in length and are separated by the
#   delimiter, a semi-colon by default; supported: colon, comma, semi-colon, tab.
#   https://techdocs.genetec.com/r/en-US/Security-Center-Administrator-Guide-5.12/Creating-hotlists
# - "Hotlist configuration tabs" (5.9): the Attributes list "tells Security Center the
#   name and order of the fields (attributes) in the source text file".
# - "Default hotlist and permit attributes" (5.8, 5.9): Category (mandatory), PlateState
#   (issuing state, province or country), PlateNumber (mandatory), EffectiveDate and
#   ExpiryDate (optional); the example rows put them in that order, dates as yyyy-MM-dd
#   ("QC;DEF228;2012-01-31;2012-05-31;PermitID_1").
#   https://techdocs.genetec.com/r/en-US/Security-Center-Administrator-Guide-5.9/Default-hotlist-and-permit-attributes
# - "Configuring hotlist and permit attributes" (5.10, 5.12): further attributes may be
#   added (they become hit annotation fields); attribute names hold no spaces.
# No header line, quoting or escape is documented: the file is data rows only, and a
# value can never contain the delimiter. So (model rule 4) the description has the
# delimiter replaced by STAND_INS[delimiter] and is put on one line; every other value
# is checked by ExportEntry and holds no delimiter (refused with ExportError if it did).
#
# Choices where the documentation is silent (to confirm on a Security Center install):
# - Encoding UTF-8 without a byte order mark; lines end in CRLF (Security Center runs on
#   Windows), the last line too.
# - PlateState is the ISO 3166 alpha-2 code, "" when unknown.
# - EffectiveDate is written empty: an ExportEntry holds no start of validity. It stays
#   in DEFAULT_FIELDS so that a hotlist with the default attributes, in their default
#   order, reads the file once the custom attributes are added after them.
# - ExpiryDate is the date of expires_at in `zone`, the zone Security Center reads dates
#   in: the entry then stays in force to the end of that day, never less than its
#   expiry (a day at most longer; the next export drops it from the file).

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, tzinfo
from types import MappingProxyType

from adapters.exports.model import (
    ExportEntry,
    ExportError,
    check_export_options,
    delimited_rows,
    live_entries,
    one_line,
)

DEFAULT_DELIMITER = ";"
# What replaces the delimiter in free text, per supported delimiter.
STAND_INS: Mapping[str, str] = MappingProxyType({";": ",", ",": ";", ":": ".", "\t": " "})
LINE_END = "\r\n"
DATE_FORMAT = "%Y-%m-%d"
MANDATORY_FIELDS = ("Category", "PlateNumber")

Getter = Callable[[ExportEntry, tzinfo], str]

# Attribute name (as configured in Security Center) -> its value for one entry.
FIELDS: Mapping[str, Getter] = MappingProxyType(
    {
        "Category": lambda e, _z: e.category,
        "PlateState": lambda e, _z: e.country,
        "PlateNumber": lambda e, _z: e.plate,
        "EffectiveDate": lambda _e, _z: "",
        "ExpiryDate": lambda e, zone: e.expires_at.astimezone(zone).strftime(DATE_FORMAT),
        "Action": lambda e, _z: e.action,
        "Flags": lambda e, _z: " ".join(sorted(e.flags)),
        "Description": lambda e, _z: e.description,  # made safe in _row
        "EntryId": lambda e, _z: e.entry_id,
        "Owner": lambda e, _z: e.owner,
    }
)
FREE_TEXT_FIELDS = frozenset({"Description"})

# The documented default attributes in their default order, then ours.
DEFAULT_FIELDS: tuple[str, ...] = (
    "Category",
    "PlateState",
    "PlateNumber",
    "EffectiveDate",
    "ExpiryDate",
    "Action",
    "Flags",
    "Description",
    "EntryId",
    "Owner",
)


def export(
    entries: Sequence[ExportEntry],
    *,
    list_name: str,
    generated_at: datetime,
    fields: Sequence[str] = DEFAULT_FIELDS,
    delimiter: str = DEFAULT_DELIMITER,
    zone: tzinfo = UTC,
) -> bytes:
    """The hotlist source file for the live entries, one row per entry (Security Center
    matches a plate against every row, so several entries of one plate each keep their
    category). fields is the hotlist's attribute order in Config Tool; list_name is
    checked but not written: the hotlist is named by its Security Center entity."""
    check_export_options(list_name, generated_at)
    _check_layout(fields, delimiter)
    rows = [_row(e, fields, delimiter, zone) for e in live_entries(entries, generated_at)]
    return "".join(row + LINE_END for row in rows).encode("utf-8")


def parse(
    data: bytes,
    *,
    fields: Sequence[str] = DEFAULT_FIELDS,
    delimiter: str = DEFAULT_DELIMITER,
) -> list[dict[str, str]]:
    """Read a hotlist file back as one {attribute: value} per row. ExportError when a
    row is not terminated, or has more or fewer fields than there are attributes."""
    _check_layout(fields, delimiter)
    rows = delimited_rows(
        data, what="hotlist file", columns=fields, delimiter=delimiter, line_end=LINE_END
    )
    return [dict(zip(fields, values, strict=True)) for _, values in rows]


def _check_layout(fields: Sequence[str], delimiter: str) -> None:
    if delimiter not in STAND_INS:
        raise ExportError("delimiter must be one of ';' ',' ':' or a tab")
    unknown = [name for name in fields if name not in FIELDS]
    if unknown:
        raise ExportError(f"unknown attribute {unknown[0]!r}; known: {', '.join(FIELDS)}")
    if len(set(fields)) != len(fields):
        raise ExportError("an attribute is given twice")
    missing = [name for name in MANDATORY_FIELDS if name not in fields]
    if missing:
        raise ExportError(f"the mandatory attribute {missing[0]} is missing")


def _row(entry: ExportEntry, fields: Sequence[str], delimiter: str, zone: tzinfo) -> str:
    values: list[str] = []
    for name in fields:
        value = FIELDS[name](entry, zone)
        if name in FREE_TEXT_FIELDS:
            value = one_line(value, {delimiter: STAND_INS[delimiter]})
        elif delimiter in value or not value.isprintable():
            raise ExportError(f"entry {entry.entry_id}: {name} holds the delimiter")
        values.append(value)
    return delimiter.join(values)
