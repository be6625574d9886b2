"""Reading hotlist files for `argos hotlist import`: CSV (header row) or JSON lines,
with the same column names. A line that cannot be read becomes a row error with its
line number and the reason; it never stops the rest of the file being read."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from datetime import UTC
from functools import lru_cache
from pathlib import Path

from google.protobuf.timestamp_pb2 import Timestamp

from gateway.domain.errors import InvalidInput
from gateway.domain.times import EPOCH, parse_time
from gateway.wire.argos.v1 import admin_pb2 as pb

COLUMNS = (
    "plate",
    "country",
    "category",
    "action",
    "expires_at",
    "flags",
    "valid_from",
    "vehicle_description",
    "contact",
    "case_reference",
    "entry_id",
)
REQUIRED = ("plate", "category", "action", "expires_at")
_KNOWN = frozenset(COLUMNS)
_OPTIONAL_TEXT = ("country", "vehicle_description", "contact", "case_reference", "entry_id")
# The zone of a time given without one: UTC, so a bare date is the start of that day,
# UTC. The CLI has always read its files and options so (gateway.domain.times, rule 3,
# with the zone named here).
NAIVE_ZONE = UTC


@lru_cache(maxsize=65_536)
def _time(value: str) -> tuple[int, int]:
    """(seconds, nanos) since the epoch of an ISO 8601 date or time; raises ValueError.
    Cached: a file's expiry dates repeat a great deal."""
    try:
        moment = parse_time(value, naive_zone=NAIVE_ZONE)
    except InvalidInput as exc:
        raise ValueError(str(exc)) from None
    delta = moment - EPOCH
    return delta.days * 86_400 + delta.seconds, delta.microseconds * 1000


def parse_timestamp(value: str) -> Timestamp:
    """An ISO 8601 date or time as a Timestamp (see _time); raises ValueError."""
    seconds, nanos = _time(value)
    return Timestamp(seconds=seconds, nanos=nanos)


def fill_entry(entry: pb.HotlistEntry, row: dict) -> None:
    """Fill an entry message from one row's columns; raises ValueError with a reason.
    Filled in place: copying a million messages into their request cost as much as
    reading the file."""
    unknown = [c for c in row if c not in _KNOWN]
    if unknown:
        raise ValueError(f"unknown column {sorted(unknown)[0]!r}")
    missing = [c for c in REQUIRED if not str(row.get(c) or "").strip()]
    if missing:
        raise ValueError(f"missing {missing[0]}")
    entry.plate = str(row["plate"])
    entry.category = str(row["category"])
    entry.action = str(row["action"])
    for column in _OPTIONAL_TEXT:
        value = row.get(column)
        if value:
            setattr(entry, column, str(value))
    flags = row.get("flags")
    if flags:
        if isinstance(flags, str):
            flags = [f for f in flags.replace("|", ",").split(",") if f.strip()]
        entry.flags.extend(str(f).strip() for f in flags)
    try:
        entry.expires_at.seconds, entry.expires_at.nanos = _time(str(row["expires_at"]))
        if row.get("valid_from"):
            entry.valid_from.seconds, entry.valid_from.nanos = _time(str(row["valid_from"]))
    except (ValueError, OverflowError):
        raise ValueError("expires_at/valid_from is not an ISO 8601 date or time") from None


def fill_row(out: pb.ImportRow, row: dict | str) -> None:
    """One read line as an import row: its entry, or the reason it could not be read."""
    if isinstance(row, str):
        out.parse_error = row
        return
    try:
        fill_entry(out.entry, row)
    except ValueError as exc:
        out.ClearField("entry")
        out.parse_error = str(exc)


def read_chunks(path: Path, size: int) -> Iterator[pb.ImportEntriesRequest]:
    """The file's data lines as import requests of `size` rows: each row an entry or a
    parse error, with its line number. A bad line never stops the rest of the file
    being read. Rows are filled where they will be sent, never copied there."""
    lines = _jsonl(path) if path.suffix.lower() in {".jsonl", ".ndjson", ".json"} else _csv(path)
    request = pb.ImportEntriesRequest()
    rows = request.rows.rows
    for line, row in lines:
        fill_row(rows.add(line=line), row)
        if len(rows) == size:
            yield request
            request = pb.ImportEntriesRequest()
            rows = request.rows.rows
    if rows:
        yield request


def _csv(path: Path) -> Iterator[tuple[int, dict | str]]:
    with path.open(newline="", encoding="utf-8-sig") as f:
        yield from csv_rows(f)


def csv_rows(lines: Iterable[str]) -> Iterator[tuple[int, dict | str]]:
    """(line number, columns by header name, or why the line cannot be read) of CSV
    text with a header row; also what the console's import page reads."""
    reader = csv.DictReader(lines)
    if reader.fieldnames is None:
        return
    reader.fieldnames = [h.strip() for h in reader.fieldnames]
    for row in reader:
        if None in row:
            yield reader.line_num, "more fields than the header has"
        else:
            yield reader.line_num, row


def _jsonl(path: Path) -> Iterator[tuple[int, dict | str]]:
    with path.open(encoding="utf-8") as f:
        for line, text in enumerate(f, start=1):
            if not text.strip():
                continue
            try:
                row = json.loads(text)
            except json.JSONDecodeError as exc:
                yield line, f"not valid JSON ({exc.msg})"
                continue
            yield line, row if isinstance(row, dict) else "a line must be a JSON object"
