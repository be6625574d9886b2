"""Strict decoding shared by the codecs: bytes that are not the message they claim to
be, and timestamps out of range, are an InvalidInput, never an exception from deep
inside protobuf. Timestamps convert by arithmetic, which counts at a million entries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TypeVar

from google.protobuf.message import DecodeError, Message
from google.protobuf.timestamp_pb2 import Timestamp

from gateway.domain.errors import InvalidInput

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
M = TypeVar("M", bound=Message)


def to_datetime(ts: Timestamp, what: str) -> datetime:
    # Epoch plus a positional timedelta is exact and a fraction of the cost of
    # Timestamp.ToDatetime (or fromtimestamp().replace()), which counts at a million
    # entries per import or sync.
    seconds, nanos = ts.seconds, ts.nanos
    try:
        if not 0 <= nanos < 1_000_000_000:
            raise ValueError
        return _EPOCH + timedelta(0, seconds, nanos // 1000)
    except (ValueError, OverflowError):
        raise InvalidInput(f"{what} is out of range") from None


def to_timestamp(value: datetime) -> Timestamp:
    delta = value - _EPOCH  # aware datetimes subtract across time zones correctly
    return Timestamp(seconds=delta.days * 86400 + delta.seconds, nanos=delta.microseconds * 1000)


def parse_message(cls: type[M], data: bytes, what: str) -> M:
    msg = cls()
    try:
        msg.ParseFromString(data)
    except DecodeError:
        raise InvalidInput(f"{what} is not a valid protobuf message") from None
    return msg
