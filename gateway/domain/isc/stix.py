"""The shapes STIX 2.1 gives an object id and a time, shared by what goes out to the ISC
(outbound, bundles) and what comes in from it (screening)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

# type--UUID; group 1 is the type, which must be the object's own.
STIX_ID = re.compile(
    r"([a-z][a-z0-9-]{0,62})--([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
)
# RFC 3339 in UTC with "Z", fraction of a second optional.
STIX_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z")


def stix_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
