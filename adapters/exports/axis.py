"""AXIS License Plate Verifier (ALPV) list as the .csv file its list import takes: one
line "plate,date,description" per plate, uploaded to the block (or custom) list with
upload.cgi. Pure; parse() reads a file back (tests, and a check before upload)."""

# Format, from Axis' "License plate verifier API" (VAPIX, Web services API, list
# management), https://developer.axis.com/vapix/applications/license-plate-verifier-api :
# - "Import a list as a .csv file": POST /local/fflprapp/upload.cgi with command=new,
#   then command=upload with the data (in chunks of 500 lines in Axis' example script),
#   then command=save, list=<allow|block|custom>. The list is chosen by that request,
#   not by the file.
# - "Export a Allow/Block/Custom list" and "Get Allow/Block/Custom list": each entry is
#   "<plate text>,<plate date>,<description>", e.g. "M WR6677,09-29-2023,Most wanted
#   car"; "Add a single plate": plate=AA12DD,12-12-2023,Plate_description. The date is
#   MM-DD-YYYY (09-29-2023). No header, quoting or escape is documented.
#
# Choices (model rules apply):
# - One line per plate (model.merge_by_plate): ALPV keys its lists by plate text
#   (api=delplate takes the plate alone).
# - The plate is written normalised. ALPV shows plates as read, with spaces
#   ("M SR1669", "TÖL SL123") beside a compact form (LPR "MSR1669"); whether a list
#   entry must carry the spaces to match is not documented. Check on a camera.
# - The date is the date of expires_at in `zone`. The documentation does not say
#   whether the date is when the plate was added or when it lapses; the expiry is the
#   safe reading of both: as an added-date it is only a wrong label, as an end date it
#   keeps the plate listed to the end of its last day (the next export drops it).
# - The description is model.summary() on one line with "," replaced by ";" (the line
#   is split on commas), UTF-8 as ALPV's own exports are; lines end in LF.
# - No country: the list format has none.

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo

from adapters.exports.model import (
    ExportEntry,
    ExportError,
    check_export_options,
    delimited_rows,
    live_entries,
    merge_by_plate,
    one_line,
    summary,
)

DELIMITER = ","
STAND_IN = ";"
LINE_END = "\n"
DATE_FORMAT = "%m-%d-%Y"
LIST = "block"  # the ALPV list a hotlist is uploaded to (allow | block | custom)
COLUMNS = ("plate", "date", "description")


def export(
    entries: Sequence[ExportEntry],
    *,
    list_name: str,
    generated_at: datetime,
    zone: tzinfo = UTC,
) -> bytes:
    """The list file for the live entries, one line per plate. list_name is checked but
    not written: ALPV names the list (LIST) in the upload request, not in the file."""
    check_export_options(list_name, generated_at)
    lines: list[str] = []
    for entry in merge_by_plate(live_entries(entries, generated_at)):
        date = entry.expires_at.astimezone(zone).strftime(DATE_FORMAT)
        description = one_line(summary(entry), {DELIMITER: STAND_IN})
        lines.append(DELIMITER.join((entry.plate, date, description)) + LINE_END)
    return "".join(lines).encode("utf-8")


def parse(data: bytes) -> list[dict[str, str]]:
    """Read a list file back as one {"plate", "date", "description"} per line.
    ExportError when a line is not terminated or has more or fewer than three fields."""
    rows: list[dict[str, str]] = []
    for number, values in delimited_rows(
        data, what="list file", columns=COLUMNS, delimiter=DELIMITER, line_end=LINE_END
    ):
        try:
            datetime.strptime(values[1], DATE_FORMAT)
        except ValueError:
            raise ExportError(f"line {number}: the date is not MM-DD-YYYY") from None
        rows.append(dict(zip(COLUMNS, values, strict=True)))
    return rows
