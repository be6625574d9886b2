"""Reading camera reads for `argos reads replay`: JSON lines, one read per line, as
adapters would hand them over. A line that cannot be read is reported with its line
number and the reason (never the plate) and the rest of the file goes on."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from gateway.domain.errors import InvalidInput
from gateway.domain.times import epoch_ms, parse_time
from gateway.wire import hits_codec
from gateway.wire.argos.v1 import reads_pb2

MAX_LINE = 64 * 1024


class ReadLineError(ValueError):
    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


def read_from_json(obj: object) -> reads_pb2.PlateRead:
    """One read from its JSON form; ValueError naming the problem (never the plate)."""
    if not isinstance(obj, dict):
        raise ValueError("a read must be a JSON object")
    plate = obj.get("plate")
    if not isinstance(plate, str) or not plate.strip():
        raise ValueError("read has no plate")
    read = reads_pb2.PlateRead(
        plate=plate,
        country=str(obj.get("country") or ""),
        confidence=float(obj.get("confidence") or 0.0),
        camera=str(obj.get("camera") or ""),
        site=str(obj.get("site") or ""),
        image_ref=str(obj.get("image_ref") or ""),
    )
    direction = str(obj.get("direction") or "").lower()
    if direction and direction not in hits_codec.DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(hits_codec.DIRECTIONS)}")
    read.direction = hits_codec.DIRECTIONS.get(direction, 0)
    for candidate in obj.get("candidates") or ():
        if isinstance(candidate, str):
            read.candidates.add(plate=candidate)
        elif isinstance(candidate, dict) and isinstance(candidate.get("plate"), str):
            read.candidates.add(
                plate=candidate["plate"], confidence=float(candidate.get("confidence") or 0.0)
            )
        else:
            raise ValueError("an OCR candidate must be a plate or {plate, confidence}")
    when = obj.get("time") or obj.get("observed_at")
    if when is None:
        moment = datetime.now(UTC)
    elif isinstance(when, str):
        try:
            moment = parse_time(when, what="time")
        except (InvalidInput, OverflowError) as exc:
            raise ValueError(str(exc)) from None
    else:
        raise ValueError("time must be an ISO 8601 text")
    ms = epoch_ms(moment)
    read.observed_at.seconds, read.observed_at.nanos = ms // 1000, (ms % 1000) * 1_000_000
    return read


def read_reads(path: Path) -> Iterator[reads_pb2.PlateRead | ReadLineError]:
    """Every read of a JSON-lines file, or the error of its line, in file order."""
    with path.open("rb") as f:
        for number, raw in enumerate(f, start=1):
            if len(raw) > MAX_LINE:
                yield ReadLineError(number, f"line longer than {MAX_LINE} bytes")
                continue
            text = raw.decode("utf-8", errors="replace").strip()
            if not text:
                continue
            try:
                yield read_from_json(json.loads(text))
            except json.JSONDecodeError:
                yield ReadLineError(number, "not valid JSON")
            except (ValueError, TypeError) as exc:
                yield ReadLineError(number, str(exc))
