"""Nedap ANPR check list (check list A or B): one line "plate;country;comment" per
plate and country, loaded by the camera from its flash file system or an FTP server.
Pure; parse() reads a file back (tests, and a check before upload)."""

# Format, from Nedap's "ANPR Installation Guide" (Nedap AVI, doc. no. 5279330,
# 2011-12-06), section 5.2.5 "Check list", page 15,
# https://www.easymanua.ls/nedap/anpr/manual?p=15 (also manuals.online):
# - syntax "Vehicle Number plate; Country; Comment string", fields separated by ";";
#   "irrelevant spaces are ignored";
# - Country: "the 3 character capital code as found in appendix A" (example NLD, ITA);
# - the comment is at most 64 characters, longer ones are truncated;
# - every line, the last one included, "must be terminated with a carriage-return";
# - the file is at most 200 kbytes (about 10000 plates).
# Example: "46HVR9;NLD;Ferrari 599 GTO", "AB123HK;ITA;". Appendix A (page 26) is not in
# the public record we found; its examples are ISO 3166 alpha-3 codes, so those are
# written. No quoting or escape is documented.
#
# Choices (model rules apply):
# - One line per plate and country (model.merge_by_plate): a check list is a lookup
#   table and would keep one of several rows for the same plate.
# - Country is the alpha-3 code; empty when unknown (the documentation shows no code for
#   an unknown country). The plate is written normalised, as in Nedap's examples.
# - The comment is model.summary() on one line with ";" replaced by ",", cut here to
#   COMMENT_BYTES bytes of UTF-8 on a character boundary, so that the file says what the
#   camera keeps whether its limit counts characters or bytes.
# - Lines end in CR LF: the CR the guide asks for, and an LF for tools that split on it
#   (on a camera that splits on CR the LF is an irrelevant space). UTF-8: no encoding
#   is documented; plates are A-Z, 0-9 and the German umlauts. Check on a camera.
# - A file over MAX_FILE_BYTES is refused (ExportError), never cut: a cut list would
#   silently drop hotlist entries. Split the entries over check lists A and B instead.

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from adapters.exports.model import (
    ExportEntry,
    ExportError,
    check_export_options,
    cut_utf8,
    delimited_rows,
    live_entries,
    merge_by_plate,
    one_line,
    summary,
)
from gateway.domain.plates import COUNTRIES

DELIMITER = ";"
STAND_IN = ","
LINE_END = "\r\n"
COMMENT_BYTES = 64
MAX_FILE_BYTES = 200 * 1000  # "200kbytes"; the smaller reading of kilo
COLUMNS = ("plate", "country", "comment")
_ALPHA3 = {c.alpha2: c.alpha3 for c in COUNTRIES.values()}


def export(entries: Sequence[ExportEntry], *, list_name: str, generated_at: datetime) -> bytes:
    """The check list file for the live entries. list_name is checked but not written:
    the camera takes the file as check list A or B by its configured file name."""
    check_export_options(list_name, generated_at)
    lines: list[str] = []
    for entry in merge_by_plate(live_entries(entries, generated_at), by_country=True):
        comment = cut_utf8(one_line(summary(entry), {DELIMITER: STAND_IN}), COMMENT_BYTES)
        country = _ALPHA3.get(entry.country, "")
        lines.append(DELIMITER.join((entry.plate, country, comment)) + LINE_END)
    data = "".join(lines).encode("utf-8")
    if len(data) > MAX_FILE_BYTES:
        raise ExportError(
            f"check list of {len(lines)} plates is {len(data)} bytes, more than the "
            f"camera's {MAX_FILE_BYTES}; split the entries over check lists A and B"
        )
    return data


def parse(data: bytes) -> list[dict[str, str]]:
    """Read a check list back as one {"plate", "country", "comment"} per line, spaces
    around fields dropped as the camera drops them. ExportError when a line is not
    terminated by CR LF or has more or fewer than three fields."""
    rows = delimited_rows(
        data, what="check list", columns=COLUMNS, delimiter=DELIMITER, line_end=LINE_END
    )
    return [dict(zip(COLUMNS, (v.strip() for v in values), strict=True)) for _, values in rows]
