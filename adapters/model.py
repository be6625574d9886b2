"""What every inbound adapter turns a vendor's payload into: camera reads in one shape,
ready for the node's ingest API, and a reason (never a plate) for what it cannot use."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

DIRECTIONS = frozenset({"in", "out", ""})


class PayloadError(ValueError):
    """A vendor payload (or one read in it) that cannot be used. The message says why,
    for the quarantine and the HTTP answer, and never contains a plate."""


@dataclass(frozen=True, slots=True, repr=False)
class AdapterRead:
    plate: str  # as the camera read it; the node normalises
    country: str  # ISO 3166 alpha-2 as mapped from the vendor's convention, or ""
    confidence: float  # 0..1
    observed_at: datetime  # aware, UTC
    camera: str
    site: str
    direction: str = ""  # "in", "out" or "" when unknown
    image_ref: str = ""  # where the adapter keeps the image; the image never travels
    candidates: tuple[tuple[str, float], ...] = field(default=())  # other OCR readings
    vendor_id: str = ""  # the vendor's own id of the event, for de-duplication

    def __post_init__(self) -> None:
        if self.observed_at.tzinfo is None:
            raise PayloadError("read time without a time zone")
        if self.direction not in DIRECTIONS:
            raise PayloadError("direction must be in, out or unknown")
        if not 0.0 <= self.confidence <= 1.0:
            raise PayloadError("confidence outside 0..1")

    @property
    def observed_utc(self) -> datetime:
        return self.observed_at.astimezone(UTC)

    def __repr__(self) -> str:  # never show a plate
        return f"AdapterRead(camera={self.camera!r}, vendor_id={self.vendor_id!r})"
