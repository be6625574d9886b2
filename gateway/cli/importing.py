"""Reading hotlist files for `argos hotlist import`: CSV (header row) or JSON lines,
with the same column names. A line that cannot be read becomes a row error with its
line number and the reason; it never stops the rest of the file being read."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from google.protobuf.timestamp_pb2 import Timestamp

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


def _time(value: str, column: str) -> Timestamp:
    text = value.strip()
    if len(text) == 10:  # a bare date: the start of that day, UTC
        text += "T00:00:00+00:00"
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    ts = Timestamp()
    ts.FromDatetime(moment.astimezone(UTC))
    return ts


def row_to_entry(row: dict) -> pb.HotlistEntry:
    """An entry message from one row's columns; raises ValueError with a reason."""
    unknown = sorted(set(row) - set(COLUMNS))
    if unknown:
        raise ValueError(f"unknown column {unknown[0]!r}")
    missing = [c for c in REQUIRED if not str(row.get(c) or "").strip()]
    if missing:
        raise ValueError(f"missing {missing[0]}")
    flags = row.get("flags") or []
    if isinstance(flags, str):
        flags = [f for f in flags.replace("|", ",").split(",") if f.strip()]
    entry = pb.HotlistEntry(
        plate=str(row["plate"]),
        country=str(row.get("country") or ""),
        category=str(row["category"]),
        action=str(row["action"]),
        flags=[str(f).strip() for f in flags],
        vehicle_description=str(row.get("vehicle_description") or ""),
        contact=str(row.get("contact") or ""),
        case_reference=str(row.get("case_reference") or ""),
        entry_id=str(row.get("entry_id") or ""),
    )
    try:
        entry.expires_at.CopyFrom(_time(str(row["expires_at"]), "expires_at"))
        if row.get("valid_from"):
            entry.valid_from.CopyFrom(_time(str(row["valid_from"]), "valid_from"))
    except (ValueError, OverflowError):
        raise ValueError("expires_at/valid_from is not an ISO 8601 date or time") from None
    return entry


def read_rows(path: Path) -> Iterator[pb.ImportRow]:
    """Every data line of the file as an ImportRow: an entry, or a parse error."""
    if path.suffix.lower() in {".jsonl", ".ndjson", ".json"}:
        yield from _jsonl(path)
    else:
        yield from _csv(path)


def _csv(path: Path) -> Iterator[pb.ImportRow]:
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames is None:
            return
        header = [h.strip() for h in reader.fieldnames]
        reader.fieldnames = header
        for row in reader:
            line = reader.line_num
            if None in row:
                yield pb.ImportRow(line=line, parse_error="more fields than the header has")
                continue
            try:
                yield pb.ImportRow(line=line, entry=row_to_entry(row))
            except ValueError as exc:
                yield pb.ImportRow(line=line, parse_error=str(exc))


def _jsonl(path: Path) -> Iterator[pb.ImportRow]:
    with path.open(encoding="utf-8") as f:
        for line, text in enumerate(f, start=1):
            if not text.strip():
                continue
            try:
                row = json.loads(text)
                if not isinstance(row, dict):
                    raise ValueError("a line must be a JSON object")
                yield pb.ImportRow(line=line, entry=row_to_entry(row))
            except json.JSONDecodeError as exc:
                yield pb.ImportRow(line=line, parse_error=f"not valid JSON ({exc.msg})")
            except ValueError as exc:
                yield pb.ImportRow(line=line, parse_error=str(exc))
