"""Synthetic hotlists for the demo, the benchmarks and the tests: plausible Belgian,
Dutch, French and German plates and entries, reproducible from a seed. Nothing here is
real data; nothing here is used by a running node."""

from __future__ import annotations

import csv
import random
import string
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from gateway.domain.agreement import CATEGORIES

LETTERS = string.ascii_uppercase
ACTIONS = ("report_only", "discreet_check", "inquiry_check", "specific_check", "seize")


def _l(rng: random.Random, n: int) -> str:
    return "".join(rng.choices(LETTERS, k=n))


def _d(rng: random.Random, n: int) -> str:
    return "".join(rng.choices(string.digits, k=n))


def synthetic_plate(rng: random.Random) -> tuple[str, str]:
    """(plate as written, road-sign country code)."""
    kind = rng.random()
    if kind < 0.4:
        return f"{rng.randint(1, 9)}-{_l(rng, 3)}-{_d(rng, 3)}", "B"
    if kind < 0.75:
        return f"{_l(rng, 2)}-{_d(rng, 3)}-{_l(rng, 1)}", "NL"
    if kind < 0.9:
        return f"{_l(rng, 2)}-{_d(rng, 3)}-{_l(rng, 2)}", "F"
    return f"{_l(rng, rng.randint(1, 3))}-{_l(rng, 2)} {rng.randint(1, 9999)}", "D"


def synthetic_rows(n: int, seed: int = 2026, categories: tuple[str, ...] = ()) -> Iterator[dict]:
    rng = random.Random(seed)
    cats = categories or tuple(sorted(CATEGORIES))
    expires = (datetime.now(UTC) + timedelta(days=90)).strftime("%Y-%m-%dT%H:%M:%SZ")
    for i in range(n):
        plate, country = synthetic_plate(rng)
        yield {
            "plate": plate,
            "country": country,
            "category": cats[i % len(cats)],
            "action": ACTIONS[i % len(ACTIONS)],
            "expires_at": expires,
            "case_reference": f"PV-{seed}-{i:07d}",
        }


def write_hotlist_csv(
    path: Path, n: int, seed: int = 2026, categories: tuple[str, ...] = ()
) -> Path:
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(
            f, fieldnames=["plate", "country", "category", "action", "expires_at", "case_reference"]
        )
        writer.writeheader()
        writer.writerows(synthetic_rows(n, seed, categories))
    return path
