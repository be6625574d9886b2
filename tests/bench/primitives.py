"""The primitives every benchmark is compared with, measured in the same run."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import tempfile
import time
from pathlib import Path

from nacl.signing import SigningKey


def _rate(fn, n: int) -> float:
    start = time.perf_counter()
    fn(n)
    return (time.perf_counter() - start) / n


def measure() -> dict[str, float]:
    key = SigningKey.generate()
    message = os.urandom(120)
    signed = key.sign(message)
    verify = key.verify_key.verify
    mac_key = os.urandom(32)
    tokens = {
        hashlib.blake2b(os.urandom(8), key=mac_key, digest_size=16).digest() for _ in range(100_000)
    }

    def sign(n):
        for _ in range(n):
            key.sign(message)

    def verify_n(n):
        for _ in range(n):
            verify(signed)

    def keyed_hash(n):
        for i in range(n):
            hashlib.blake2b(b"%d" % i, key=mac_key, digest_size=16).digest()

    def lookup(n):
        probe = next(iter(tokens))
        for _ in range(n):
            probe in tokens  # noqa: B015 - the lookup is the measurement

    with tempfile.TemporaryDirectory() as d:
        conn = sqlite3.connect(Path(d) / "p.sqlite", isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB)")
        rows = [(i, os.urandom(100)) for i in range(200_000)]
        start = time.perf_counter()
        for i in range(0, len(rows), 1000):
            conn.execute("BEGIN")
            conn.executemany("INSERT INTO t VALUES (?, ?)", rows[i : i + 1000])
            conn.execute("COMMIT")
        sqlite_rows_per_s = len(rows) / (time.perf_counter() - start)
        conn.close()

    return {
        "primitive_ed25519_sign_us": _rate(sign, 5_000) * 1e6,
        "primitive_ed25519_verify_us": _rate(verify_n, 5_000) * 1e6,
        "primitive_blake2b_keyed_us": _rate(keyed_hash, 200_000) * 1e6,
        "primitive_set_lookup_us": _rate(lookup, 500_000) * 1e6,
        "primitive_sqlite_insert_rows_per_s": sqlite_rows_per_s,
    }
