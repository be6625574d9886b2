"""Entry ids: UUIDv7 (RFC 9562), time-ordered and strictly increasing within a process.

Ordered ids keep every index keyed by entry id append-mostly: a million-entry import
or initial sync then writes a few pages per batch instead of one page per entry."""

from __future__ import annotations

import random
import threading
import time

_lock = threading.Lock()
_last = 0
# Ids need uniqueness, not secrecy: a seeded PRNG (seeded from the OS) is enough, and
# the strict ordering below rules out collisions within a process.
_random = random.Random()


def new_entry_id() -> str:
    """A fresh UUIDv7; ids made by one process are strictly increasing."""
    global _last
    with _lock:
        ms = time.time_ns() // 1_000_000
        # 122 bits in id order: 48-bit ms timestamp, then 74 random bits. Bump by one
        # when the clock did not move (or went back) so that order stays strict.
        candidate = (ms << 74) | _random.getrandbits(74)
        value = max(candidate, _last + 1)
        _last = value
    unix_ms = value >> 74
    rand_a = (value >> 62) & 0xFFF
    rand_b = value & ((1 << 62) - 1)
    number = (unix_ms << 80) | (0x7 << 76) | (rand_a << 64) | (0b10 << 62) | rand_b
    h = f"{number:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
