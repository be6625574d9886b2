"""Strict decoding shared by the codecs: bytes that are not the message they claim to
be, timestamps out of range, and ids or texts longer than any we make are an
InvalidInput, never an exception from deep inside protobuf, and never an error that
carries what the peer sent: the field is named, its value is not echoed. Timestamps
convert by arithmetic, which counts at a million entries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TypeVar

from google.protobuf.message import DecodeError, Message
from google.protobuf.timestamp_pb2 import Timestamp

from gateway.domain.errors import InvalidInput

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
M = TypeVar("M", bound=Message)

# Every id on the wire (agreement, entry, hit and request ids: UUIDs of 36 characters;
# node ids of at most 43; key ids of 40) fits in 64, as gateway.domain.hits.MAX_ID.
MAX_ID_CHARS = 64
# A status change's reason or a payload type: a line, not a document.
MAX_LINE_CHARS = 1000


def bounded_id(value: str, what: str, limit: int = MAX_ID_CHARS) -> str:
    """`value` if it is at most `limit` characters, else InvalidInput naming `what`."""
    if len(value) > limit:
        raise InvalidInput(f"{what} is longer than {limit} characters ({len(value)} given)")
    return value


def bounded_ids(message: str, limit: int = MAX_ID_CHARS, **fields: str) -> None:
    """bounded_id over the id fields of one message, each named in a refusal."""
    for name, value in fields.items():
        if len(value) > limit:
            raise InvalidInput(
                f"{message}: {name} is longer than {limit} characters ({len(value)} given)"
            )


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
