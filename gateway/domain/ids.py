"""Entry ids: UUIDv7 (RFC 9562), time-ordered and strictly increasing within a process.

Ordered ids keep every index keyed by entry id append-mostly: a million-entry import
or initial sync then writes a few pages per batch instead of one page per entry."""

from __future__ import annotations

import os
import threading
import time
import uuid

_lock = threading.Lock()
_last = 0


def new_entry_id() -> str:
    """A fresh UUIDv7; ids made by one process are strictly increasing."""
    global _last
    with _lock:
        ms = time.time_ns() // 1_000_000
        # 122 bits in id order: 48-bit ms timestamp, then 74 random bits. Bump by one
        # when the clock did not move (or went back) so that order stays strict.
        candidate = (ms << 74) | (int.from_bytes(os.urandom(10), "big") >> 6)
        value = max(candidate, _last + 1)
        _last = value
    unix_ms = value >> 74
    rand_a = (value >> 62) & 0xFFF
    rand_b = value & ((1 << 62) - 1)
    number = (unix_ms << 80) | (0x7 << 76) | (rand_a << 64) | (0b10 << 62) | rand_b
    return str(uuid.UUID(int=number))
