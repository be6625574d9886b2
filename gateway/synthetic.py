"""Synthetic plates and hotlists for the demo, the benchmarks and the tests: Belgian,
Dutch, French and German plates from Faker's licence-plate providers, kept only where
they fit the national formats the gateway recognises (gateway/domain/plates.py), and
reproducible from a seed. Nothing here is real data; nothing here runs in a node."""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from faker import Faker

from gateway.domain.agreement import CATEGORIES
from gateway.domain.plates import COUNTRIES, normalise_plate, plate_format

ACTIONS = ("report_only", "discreet_check", "inquiry_check", "specific_check", "seize")

# Faker locale per country, and the share of each country's vehicles among those the
# cameras at Gent, Terneuzen, Antwerpen and Rotterdam see (an estimate: mostly Belgian
# and Dutch, then French and German hauliers).
LOCALES = {"BE": "nl_BE", "NL": "nl_NL", "FR": "fr_FR", "DE": "de_DE"}
COUNTRY_MIX = {"BE": 0.40, "NL": 0.35, "FR": 0.15, "DE": 0.10}

# Faker also writes formats the gateway does not take as current ones (France's
# pre-2009 "123-ABC-45"): such plates are drawn again. Every Faker format of these four
# locales but that one fits, so a draw almost never repeats; the bound only guards
# against a future Faker release dropping every format we know.
MAX_DRAWS = 50


class SyntheticPlates:
    """Plates as written on the vehicle, with the country's road-sign code, from a
    seed: the same seed gives the same plates in the same order."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)
        self._countries = tuple(COUNTRY_MIX)
        self._weights = tuple(COUNTRY_MIX.values())
        self._draw = {}
        for n, (country, locale) in enumerate(LOCALES.items()):
            faker = Faker(locale)
            faker.seed_instance(seed * len(LOCALES) + n)
            self._draw[country] = faker.license_plate

    def plate(self, country: str | None = None) -> tuple[str, str]:
        """(plate as written, road-sign code); country (alpha-2) or one from the mix."""
        if country is None:
            country = self._rng.choices(self._countries, self._weights)[0]
        draw = self._draw[country]
        for _ in range(MAX_DRAWS):
            raw = draw()
            if plate_format(normalise_plate(raw), country) is not None:
                return raw, COUNTRIES[country].road_sign
        raise RuntimeError(f"Faker gave no plate in a known {country} format")


def synthetic_rows(n: int, seed: int = 2026, categories: tuple[str, ...] = ()) -> Iterator[dict]:
    """n hotlist rows (the columns of `argos hotlist import`), reproducible from seed."""
    plates = SyntheticPlates(seed)
    cats = categories or tuple(sorted(CATEGORIES))
    expires = (datetime.now(UTC) + timedelta(days=90)).strftime("%Y-%m-%dT%H:%M:%SZ")
    for i in range(n):
        plate, country = plates.plate()
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
