"""Entry ids are UUIDv7 and strictly increasing, so indexes on them grow at the end."""

from __future__ import annotations

import time
import uuid

from gateway.domain.ids import new_entry_id


def test_entry_ids_are_version_7_uuids_carrying_the_current_millisecond():
    before = time.time_ns() // 1_000_000
    value = uuid.UUID(new_entry_id())
    after = time.time_ns() // 1_000_000
    assert value.version == 7 and value.variant == uuid.RFC_4122
    assert before <= value.int >> 80 <= after


def test_entry_ids_made_in_a_burst_are_unique_and_strictly_increasing():
    ids = [new_entry_id() for _ in range(50_000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
