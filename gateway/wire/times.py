"""protobuf Timestamp <-> aware UTC datetime, fast and strict: an out-of-range value is
an InvalidInput, not a ValueError from deep inside protobuf."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from google.protobuf.timestamp_pb2 import Timestamp

from gateway.domain.errors import InvalidInput

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_datetime(ts: Timestamp, what: str) -> datetime:
    # Timedelta arithmetic gives what Timestamp.ToDatetime gives, at a third of the
    # cost, which counts at a million entries per import or sync.
    try:
        if not 0 <= ts.nanos < 1_000_000_000:
            raise ValueError
        return _EPOCH + timedelta(seconds=ts.seconds, microseconds=ts.nanos // 1000)
    except (ValueError, OverflowError):
        raise InvalidInput(f"{what} is out of range") from None


def to_timestamp(value: datetime) -> Timestamp:
    delta = value - _EPOCH  # aware datetimes subtract across time zones correctly
    return Timestamp(seconds=delta.days * 86400 + delta.seconds, nanos=delta.microseconds * 1000)
