"""Reads dropped as files by backends with no push of their own: CSV or JSON lines, one
read per line. Each line stands alone: a bad one is reported with its number and the
reason (never the plate) and the good ones beside it are kept."""

from __future__ import annotations

import csv
import errno
import json
import os
import stat
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, tzinfo
from functools import partial
from pathlib import Path
from typing import BinaryIO

from adapters.model import DIRECTIONS, AdapterRead, PayloadError
from adapters.vendors.json_body import number_value, text_value
from gateway.domain.errors import InvalidInput
from gateway.domain.plates import PlateError, normalise_country, normalise_plate
from gateway.domain.times import parse_time

# The format (our own, for any backend that can export a table):
#   columns / keys: plate, time (required); country, confidence, camera, site,
#   direction, image_ref, candidates, vendor_id (optional). Extra columns are ignored.
#   plate      as read; it must normalise (A-Z, 0-9, umlauts, separators).
#   time       ISO 8601 with a zone ("2024-06-14T16:04:36+02:00", "...Z"); a time
#              without one is in the zone the adapter is configured for
#              (camera_timezone), and refused when none is: guessing the zone shifts
#              every read by hours (gateway.domain.times, rule 3).
#   country    ISO alpha-2, alpha-3 or road-sign code, or empty; an unknown code is
#              refused, as the node's own read format refuses it.
#   confidence 0..1 (empty: 0).       direction  in, out or empty.
#   site       empty: the default site given by the caller.
#   candidates JSON lines: a list of "PLATE" or {"plate": ..., "confidence": ...};
#              CSV: "PLATE;PLATE:0.71;..." (a plate never holds ":" or ";").
# Files ending .csv are CSV with a header line (delimiter "," or ";", taken from the
# header); .jsonl, .ndjson and .json are one JSON object per line. Blank lines and lines
# starting with "#" are skipped. A CSV record may not span lines, so that one unclosed
# quote cannot swallow the rest of the file.
#
# What is dropped is opened before anything about it is believed: a symbolic link is
# refused at open (O_NOFOLLOW: a link to /etc/passwd or to another adapter's spool is
# never read), the opened descriptor must be a regular file (a FIFO, socket or device is
# refused; O_NONBLOCK so that opening a FIFO cannot hang the folder), and the size limit
# holds for what is read from that descriptor, so a file that grows after its size was
# looked at is refused at the limit rather than read on.

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_LINE_BYTES = 64 * 1024
MAX_REPORTED_ERRORS = 1000  # beyond this, one summary line: a garbage file stays small
MAX_CANDIDATES = 10
MAX_FIELD_LENGTH = 256  # camera, site, image_ref, vendor_id

_EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
_LATEST = datetime(2100, 1, 1, tzinfo=UTC)

CSV_SUFFIXES = frozenset({".csv"})
JSON_LINES_SUFFIXES = frozenset({".jsonl", ".ndjson", ".json"})
COLUMNS = (
    "plate",
    "country",
    "confidence",
    "time",
    "camera",
    "site",
    "direction",
    "image_ref",
    "candidates",
    "vendor_id",
)
REQUIRED_COLUMNS = ("plate", "time")


def parse_file(
    path: Path, *, default_site: str, naive_zone: tzinfo | None = None
) -> tuple[list[AdapterRead], list[tuple[int, str]]]:
    """Every usable read of the file, and (line number, reason) for every line refused.
    A time without a zone is in `naive_zone` (the cameras' configured zone), refused
    without one.

    Raises PayloadError only for the file as a whole: unknown suffix, not a regular
    file (a symbolic link, a FIFO, ...), too large, or unreadable."""
    suffix = path.suffix.lower()
    if suffix not in CSV_SUFFIXES | JSON_LINES_SUFFIXES:
        raise PayloadError(
            f"unknown file type {suffix or '(none)'!r}; expected .csv, .jsonl, .ndjson or .json"
        )
    reads: list[AdapterRead] = []
    errors = _Errors()
    to_read = partial(_read, default_site=default_site, naive_zone=naive_zone)
    try:
        with _open_regular(path) as f:
            lines = _lines(_Limited(f, MAX_FILE_BYTES), errors)
            if suffix in CSV_SUFFIXES:
                _parse_csv(lines, to_read, reads, errors)
            else:
                _parse_json_lines(lines, to_read, reads, errors)
    except _TooLarge:
        raise PayloadError(f"file larger than {MAX_FILE_BYTES} bytes") from None
    except OSError as exc:
        raise PayloadError(f"cannot read the file ({exc.strerror})") from None
    return reads, errors.listed()


_FILE_TYPES = {
    stat.S_IFDIR: "a folder",
    stat.S_IFIFO: "a FIFO",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
}


def _open_regular(path: Path) -> BinaryIO:
    """`path` opened for reading if, once opened, it is a regular file of at most
    MAX_FILE_BYTES; PayloadError otherwise (checked on the descriptor, not the name)."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise PayloadError("a symbolic link, not a file: refused") from None
        raise PayloadError(f"cannot read the file ({exc.strerror})") from None
    f = os.fdopen(fd, "rb")
    try:
        opened = os.fstat(f.fileno())
        if not stat.S_ISREG(opened.st_mode):
            kind = _FILE_TYPES.get(stat.S_IFMT(opened.st_mode), "not a regular file")
            raise PayloadError(f"{kind}, not a regular file: refused")
        if opened.st_size > MAX_FILE_BYTES:
            raise _TooLarge
    except BaseException:
        f.close()
        raise
    return f


class _TooLarge(Exception):
    """More than MAX_FILE_BYTES were read."""


class _Limited:
    """A file's readline that raises _TooLarge once more than `limit` bytes were read."""

    def __init__(self, f: BinaryIO, limit: int) -> None:
        self._f = f
        self._left = limit

    def readline(self, size: int = -1) -> bytes:
        line = self._f.readline(size)
        self._left -= len(line)
        if self._left < 0:
            raise _TooLarge
        return line


class _Errors:
    def __init__(self) -> None:
        self._listed: list[tuple[int, str]] = []
        self._more = 0
        self._last_line = 0

    def add(self, line: int, reason: str) -> None:
        if len(self._listed) < MAX_REPORTED_ERRORS:
            self._listed.append((line, reason))
        else:
            self._more += 1
            self._last_line = line

    def listed(self) -> list[tuple[int, str]]:
        if not self._more:
            return self._listed
        return [*self._listed, (self._last_line, f"{self._more} more lines refused")]


def _lines(f: _Limited, errors: _Errors) -> Iterator[tuple[int, str]]:
    """(line number, text) of every line worth parsing; over-long or non-UTF-8 lines
    are reported here and skipped."""
    number = 0
    while True:
        raw = f.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        number += 1
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            errors.add(number, f"line longer than {MAX_LINE_BYTES} bytes")
            while raw and not raw.endswith(b"\n"):  # skip the rest of that line
                raw = f.readline(MAX_LINE_BYTES + 1)
            continue
        try:
            text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            errors.add(number, "line is not UTF-8 text")
            continue
        text = text.strip()
        if text and not text.startswith("#"):
            yield number, text


# -- CSV -------------------------------------------------------------------------------


def _parse_csv(
    lines: Iterator[tuple[int, str]],
    to_read: Callable[[dict], AdapterRead],
    reads: list[AdapterRead],
    errors: _Errors,
) -> None:
    header_line = next(lines, None)
    if header_line is None:
        return
    number, text = header_line
    delimiter = ";" if text.count(";") > text.count(",") else ","
    try:
        header = [name.strip().lower() for name in _split(text, delimiter)]
    except csv.Error:
        errors.add(number, "header line is not valid CSV")
        return
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    doubled = sorted({name for name in header if name and header.count(name) > 1})
    if missing or doubled:
        problems = [f"no column {name}" for name in missing]
        problems += [f"column {name} given twice" for name in doubled]
        unread = sum(1 for _ in lines)
        errors.add(number, f"header: {'; '.join(problems)}; {unread} lines not read")
        return
    for number, text in lines:
        try:
            fields = _split(text, delimiter)
            if len(fields) != len(header):
                raise PayloadError(f"{len(fields)} fields, the header has {len(header)}")
            row = dict(zip(header, fields, strict=True))
            row["candidates"] = _csv_candidates(row.get("candidates", ""))
            reads.append(to_read(row))
        except csv.Error:
            errors.add(number, "not valid CSV (a quote left open?)")
        except PayloadError as exc:
            errors.add(number, str(exc))


def _split(text: str, delimiter: str) -> list[str]:
    # strict: an unclosed quote is an error for this line, not a field eating the next.
    return next(csv.reader([text], delimiter=delimiter, strict=True), [])


def _csv_candidates(text: str) -> list[object]:
    out: list[object] = []
    for part in text.split(";"):
        part = part.strip()
        if not part:
            continue
        plate, sep, confidence = part.partition(":")
        if sep:
            try:
                value = float(confidence)
            except ValueError:
                raise PayloadError("a candidate's confidence must be a number") from None
            out.append({"plate": plate, "confidence": value})
        else:
            out.append(plate)
    return out


# -- JSON lines ------------------------------------------------------------------------


def _parse_json_lines(
    lines: Iterator[tuple[int, str]],
    to_read: Callable[[dict], AdapterRead],
    reads: list[AdapterRead],
    errors: _Errors,
) -> None:
    for number, text in lines:
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            errors.add(number, f"not valid JSON at column {exc.colno} ({exc.msg})")
            continue
        except (RecursionError, ValueError):
            errors.add(number, "JSON that cannot be read (nested too deeply?)")
            continue
        if not isinstance(obj, dict):
            errors.add(number, "a read must be a JSON object")
            continue
        row = dict(obj)
        if "time" not in row and "observed_at" in row:  # the node's replay format
            row["time"] = row["observed_at"]
        try:
            reads.append(to_read(row))
        except PayloadError as exc:
            errors.add(number, str(exc))


# -- One read --------------------------------------------------------------------------


def _read(row: dict, *, default_site: str, naive_zone: tzinfo | None) -> AdapterRead:
    plate = row.get("plate")
    if not isinstance(plate, str) or not plate.strip():
        raise PayloadError("read has no plate")
    _check_plate(plate, "")
    direction = _field(row, "direction").lower()
    if direction not in DIRECTIONS:
        raise PayloadError("direction must be in, out or empty")
    return AdapterRead(
        plate=plate.strip(),
        country=_country(_field(row, "country")),
        confidence=_confidence(row.get("confidence"), "confidence"),
        observed_at=_time(row.get("time"), naive_zone),
        camera=_field(row, "camera"),
        site=_field(row, "site") or default_site,
        direction=direction,
        image_ref=_field(row, "image_ref"),
        candidates=_candidates(row.get("candidates")),
        vendor_id=_field(row, "vendor_id"),
    )


def _field(row: dict, key: str) -> str:
    return text_value(row.get(key), key, MAX_FIELD_LENGTH)


def _check_plate(plate: str, prefix: str) -> None:
    try:
        normalise_plate(plate)
    except PlateError as exc:  # its message never holds the plate
        raise PayloadError(f"{prefix}{exc}") from None


def _country(code: str) -> str:
    if not code:
        return ""
    try:
        return normalise_country(code)
    except PlateError as exc:  # names the code (not personal data), never a plate
        raise PayloadError(str(exc)) from None


def _confidence(value: object, what: str) -> float:
    if value is None or value == "":
        return 0.0
    number = number_value(value, what)
    if not 0.0 <= number <= 1.0:
        raise PayloadError(f"{what} must be within 0..1 (not a percentage)")
    return number


def _time(value: object, naive_zone: tzinfo | None) -> datetime:
    if value is None or value == "":
        raise PayloadError("read has no time")
    if not isinstance(value, str):
        raise PayloadError("time must be ISO 8601 text")
    try:
        moment = parse_time(value, naive_zone=naive_zone, what="time")
    except InvalidInput as exc:
        raise PayloadError(str(exc)) from None
    if not _EARLIEST <= moment < _LATEST:
        raise PayloadError("time outside the years 2000-2099")
    return moment


def _candidates(value: object) -> tuple[tuple[str, float], ...]:
    if value is None or value == "":
        return ()
    if not isinstance(value, list):
        raise PayloadError("candidates must be a list")
    if len(value) > MAX_CANDIDATES:
        raise PayloadError(f"more than {MAX_CANDIDATES} candidates")
    out: list[tuple[str, float]] = []
    for candidate in value:
        if isinstance(candidate, str):
            plate, confidence = candidate, 0.0
        elif isinstance(candidate, dict) and isinstance(candidate.get("plate"), str):
            plate = candidate["plate"]
            confidence = _confidence(candidate.get("confidence"), "candidate confidence")
        else:
            raise PayloadError("a candidate must be a plate or {plate, confidence}")
        _check_plate(plate, "candidate: ")
        out.append((plate.strip(), confidence))
    return tuple(out)
