"""The synthetic plates of the demo, benches and tests come from Faker and fit the
national formats the gateway recognises, reproducibly from a seed."""

from __future__ import annotations

from collections import Counter

import pytest

from gateway.domain.plates import normalise_country, normalise_plate, plate_format
from gateway.synthetic import LOCALES, SyntheticPlates, synthetic_rows


@pytest.mark.parametrize("country", sorted(LOCALES))
def test_every_synthetic_plate_normalises_and_fits_its_national_format(country):
    plates = SyntheticPlates(seed=7)
    for _ in range(3000):
        raw, sign = plates.plate(country)
        assert normalise_country(sign) == country
        assert plate_format(normalise_plate(raw), country) is not None, raw


def test_the_french_pre_2009_format_faker_also_writes_is_left_out():
    plates = SyntheticPlates(seed=3)
    formats = Counter(
        plate_format(normalise_plate(p), "FR") for p, _ in (plates.plate("FR") for _ in range(2000))
    )
    assert set(formats) == {"fr-siv"}


def test_the_mix_holds_belgian_dutch_french_and_german_plates():
    countries = Counter(normalise_country(r["country"]) for r in synthetic_rows(2000, seed=11))
    assert set(countries) == {"BE", "NL", "FR", "DE"}
    assert countries["BE"] > countries["DE"]


def test_the_same_seed_gives_the_same_rows_and_another_seed_other_rows():
    first = [(r["plate"], r["country"]) for r in synthetic_rows(500, seed=42)]
    again = [(r["plate"], r["country"]) for r in synthetic_rows(500, seed=42)]
    other = [(r["plate"], r["country"]) for r in synthetic_rows(500, seed=43)]
    assert first == again
    assert first != other
