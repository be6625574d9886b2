"""Specification of OCR confusion variants and the fuzzy policy in gateway.domain.ocr."""

from __future__ import annotations

from itertools import product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.domain import ocr
from gateway.domain.agreement import CATEGORIES
from gateway.domain.errors import InvalidInput
from gateway.domain.ocr import CONFUSION_CLASSES, FuzzyPolicy, ocr_variants
from gateway.domain.plates import (
    COUNTRIES,
    FORMATS,
    NL_SIDECODES,
    PLATE_ALPHABET,
    plate_format,
)

FORMAT_COUNTRIES = sorted({fmt.country for fmt in FORMATS.values()})
NO_FORMAT_COUNTRY = "PL"  # a known country whose formats the gateway does not know
CLASS_OF = {char: cls for cls in CONFUSION_CLASSES for char in cls}
CONFUSABLE = "".join(CONFUSION_CLASSES)

# Reads: random text leaning on confusable characters, and plates of every known format
# (so that pruning keeps something), each possibly misread in a few places.
random_reads = st.text(
    alphabet=st.sampled_from(CONFUSABLE) | st.sampled_from(sorted(PLATE_ALPHABET)),
    min_size=1,
    max_size=10,
)
formatted_reads = st.sampled_from(sorted(FORMATS)).flatmap(
    lambda name: st.from_regex(FORMATS[name].pattern, fullmatch=True)
)


@st.composite
def misread(draw: st.DrawFn, plates: st.SearchStrategy[str]) -> str:
    chars = list(draw(plates))
    for i in draw(st.lists(st.integers(0, len(chars) - 1), max_size=2)):
        if chars[i] in CLASS_OF:
            chars[i] = draw(st.sampled_from(CLASS_OF[chars[i]]))
    return "".join(chars)


reads = random_reads | misread(formatted_reads)
countries = st.sampled_from(["", NO_FORMAT_COUNTRY, *FORMAT_COUNTRIES])


def differing(a: str, b: str) -> list[int]:
    return [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]


def matches_format(plate: str, country: str) -> bool:
    if country:
        return plate_format(plate, country) is not None
    return any(fmt.pattern.fullmatch(plate) for fmt in FORMATS.values())


def expected_variants(plate: str, country: str, bound: int) -> list[tuple[str, int]]:
    """Brute force over every combination of class members, in the documented order."""
    keyed = []
    for candidate in product(*(CLASS_OF.get(c, c) for c in plate)):
        variant = "".join(candidate)
        changed = differing(plate, variant)
        if not 1 <= len(changed) <= bound:
            continue
        others = [[m for m in CLASS_OF[plate[i]] if m != plate[i]] for i in changed]
        order = [members.index(variant[i]) for i, members in zip(changed, others, strict=True)]
        keyed.append(((len(changed), changed, order), variant))
    keyed.sort()
    prune = country in FORMAT_COUNTRIES or (country == "" and matches_format(plate, ""))
    return [(v, key[0]) for key, v in keyed if not prune or matches_format(v, country)]


# -- Known reads -------------------------------------------------------------------------


def test_a_misread_z_yields_the_true_plate_with_one_substitution():
    assert ocr_variants("1ABC1Z3", "BE", 2, 32) == (("1ABC123", 1),)


def test_a_variant_outside_every_belgian_format_is_pruned():
    # B -> 8 is a plausible misread, but 1A8C123 fits no Belgian format.
    assert ("1A8C123", 1) in ocr_variants("1ABC123", NO_FORMAT_COUNTRY, 1, 32)
    assert plate_format("1A8C123", "BE") is None
    assert ocr_variants("1ABC123", "BE", 3, 1024) == ()


def test_a_dutch_variant_keeps_only_sidecode_shapes():
    variants = ocr_variants("AB12CD", "NL", 2, 1024)
    shapes = {shape.replace("-", "") for shape in NL_SIDECODES}
    # 4B12CD has the shape 9X99XX, which is no sidecode.
    assert "9X99XX" not in shapes
    assert "4B12CD" not in dict(variants)
    assert ("AB12CO", 1) in variants and ("AB12CQ", 1) in variants
    for variant, _ in variants:
        shape = "".join("9" if c.isdigit() else "X" for c in variant)
        assert shape in shapes


def test_variants_come_by_substitutions_then_left_to_right_then_class_order():
    assert ocr_variants("O1", NO_FORMAT_COUNTRY, 2, 32) == (
        ("01", 1),
        ("D1", 1),
        ("Q1", 1),
        ("OI", 1),
        ("OL", 1),
        ("0I", 2),
        ("0L", 2),
        ("DI", 2),
        ("DL", 2),
        ("QI", 2),
        ("QL", 2),
    )


def test_a_character_outside_every_class_is_never_substituted():
    assert ocr_variants("CÄ7", NO_FORMAT_COUNTRY, 3, 32) == ()


def test_a_read_no_format_allows_must_be_fixed_by_a_substitution():
    # "1ABC1Z3" breaks be-current only at Z: every Belgian variant changes it.
    for variant, _ in ocr_variants("1ABC1Z3", "BE", 3, 1024):
        assert variant[5] == "2"
    # No confusion can make a Belgian plate of length 9.
    assert ocr_variants("1ABC12345", "BE", 3, 1024) == ()


def test_country_codes_other_than_alpha_2_are_accepted():
    expected = ocr_variants("1ABC1Z3", "BE", 2, 32)
    assert ocr_variants("1ABC1Z3", "BEL", 2, 32) == expected
    assert ocr_variants("1ABC1Z3", "B", 2, 32) == expected


def test_an_unknown_country_code_is_refused():
    with pytest.raises(InvalidInput):
        ocr_variants("1ABC1Z3", "XX", 1, 32)


def test_a_negative_or_too_deep_bound_or_a_negative_limit_is_refused_without_the_plate():
    for bound, limit in ((-1, 32), (4, 32), (1, -1)):
        with pytest.raises(InvalidInput) as refused:
            ocr_variants("1ABC1Z3", "BE", bound, limit)
        assert "1ABC1Z3" not in str(refused.value)


def test_a_zero_limit_gives_nothing():
    assert ocr_variants("1ABC1Z3", "BE", 2, 0) == ()


# -- Unknown country ---------------------------------------------------------------------


def test_an_unknown_country_read_in_a_known_format_keeps_only_known_formats():
    # 1ABC123 is a Belgian plate: IABC123 is kept (German format), 1A8C123 is not.
    variants = dict(ocr_variants("1ABC123", "", 2, 1024))
    assert variants["IABC123"] == 1
    assert "1A8C123" not in variants


def test_an_unknown_country_read_in_no_known_format_is_not_pruned():
    # Either a misread that broke a format, or a plate of a country without known
    # formats: pruning would lose the Polish WX12345 read as WX1Z345.
    assert ocr_variants("1ABC1Z3", "", 2, 1024) == ocr_variants(
        "1ABC1Z3", NO_FORMAT_COUNTRY, 2, 1024
    )
    assert ("WX12345", 1) in ocr_variants("WX1Z345", "", 1, 32)


# -- Properties ---------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(reads, countries, st.integers(0, 3), st.integers(0, 64))
def test_every_variant_is_the_read_with_a_few_characters_of_one_class_replaced(
    plate, country, bound, limit
):
    variants = ocr_variants(plate, country, bound, limit)
    assert len(variants) <= limit
    assert len({v for v, _ in variants}) == len(variants)
    for variant, substitutions in variants:
        assert variant != plate
        changed = differing(plate, variant)
        assert len(changed) == substitutions <= bound
        for i in changed:
            assert variant[i] in CLASS_OF[plate[i]]
    assert ocr_variants(plate, country, bound, limit) == variants
    assert [s for _, s in variants] == sorted(s for _, s in variants)


@settings(max_examples=50, deadline=None)
@given(reads, countries, st.integers(0, 64))
def test_no_substitutions_allowed_gives_no_variants(plate, country, limit):
    assert ocr_variants(plate, country, 0, limit) == ()


@settings(max_examples=200, deadline=None)
@given(reads, st.sampled_from(FORMAT_COUNTRIES), st.integers(1, 3))
def test_variants_for_a_country_with_formats_match_one_of_them(plate, country, bound):
    for variant, _ in ocr_variants(plate, country, bound, 1024):
        assert plate_format(variant, country) is not None


@settings(max_examples=200, deadline=None)
@given(reads, countries, st.integers(1, 3), st.integers(0, 64))
def test_a_smaller_limit_gives_a_prefix_of_the_variants(plate, country, bound, limit):
    assert (
        ocr_variants(plate, country, bound, limit)
        == ocr_variants(plate, country, bound, 1024)[:limit]
    )


@settings(max_examples=200, deadline=None)
@given(reads)
def test_one_substitution_reaches_back(plate):
    for variant, _ in ocr_variants(plate, NO_FORMAT_COUNTRY, 1, 1024):
        assert (plate, 1) in ocr_variants(variant, NO_FORMAT_COUNTRY, 1, 1024)


@settings(max_examples=200, deadline=None)
@given(
    st.text(st.sampled_from(CONFUSABLE + "ACEH37Ä"), min_size=1, max_size=6)
    | misread(formatted_reads.filter(lambda p: len(p) <= 6)),
    countries,
    st.integers(1, 3),
)
def test_variants_are_exactly_all_pruned_substitutions_in_order(plate, country, bound):
    assert list(ocr_variants(plate, country, bound, 4096)) == expected_variants(
        plate, country, bound
    )


@settings(max_examples=200, deadline=None)
@given(formatted_reads, st.sampled_from(["", *FORMAT_COUNTRIES]))
def test_the_position_shortcut_never_rules_out_a_plate_of_a_format(plate, country):
    # The per-position sets are only a shortcut: they must allow every formatted plate.
    if not matches_format(plate, country):
        return
    formats = ocr._ANY_FORMAT if country == "" else ocr._COUNTRY_FORMATS[country]
    assert formats.positions is not None
    for char, (allowed, _) in zip(plate, formats.positions[len(plate)], strict=True):
        assert char in allowed


def test_a_format_the_shortcut_cannot_read_is_left_to_the_regex(monkeypatch):
    loose = ocr._compile([r"[1-9][A-Z]+[0-9]{3}"])
    assert loose.positions is None
    monkeypatch.setattr(ocr, "_COUNTRY_FORMATS", {"BE": loose})
    assert ocr_variants("1ABC1Z3", "BE", 2, 32) == (("1ABC123", 1),)


def test_confusion_classes_do_not_overlap_and_use_plate_characters():
    chars = "".join(CONFUSION_CLASSES)
    assert len(set(chars)) == len(chars)
    assert set(chars) <= PLATE_ALPHABET
    assert NO_FORMAT_COUNTRY in COUNTRIES and NO_FORMAT_COUNTRY not in FORMAT_COUNTRIES


# -- Fuzzy policy ------------------------------------------------------------------------


def test_a_default_policy_allows_one_substitution_and_32_variants():
    policy = FuzzyPolicy()
    assert (policy.max_substitutions, policy.max_variants, dict(policy.per_category)) == (
        1,
        32,
        {},
    )
    assert policy.bound_for("stolen_vehicle") == 1
    assert policy.widest == 1


def test_a_category_bound_overrides_the_default_and_zero_means_exact_only():
    policy = FuzzyPolicy.from_mapping(
        {"max_substitutions": 1, "per_category": {"stolen_vehicle": 2, "public_order": 0}}
    )
    assert policy.bound_for("stolen_vehicle") == 2
    assert policy.bound_for("public_order") == 0
    assert policy.bound_for("missing_person") == 1
    assert policy.widest == 2
    assert FuzzyPolicy(max_substitutions=0, per_category={"public_order": 0}).widest == 0


def test_a_policy_is_immutable_hashable_and_compared_by_value():
    source = {"stolen_vehicle": 2}
    policy = FuzzyPolicy(per_category=source)
    source["stolen_vehicle"] = 3
    assert policy.bound_for("stolen_vehicle") == 2
    with pytest.raises(TypeError):
        policy.per_category["stolen_vehicle"] = 3  # type: ignore[index]
    assert policy == FuzzyPolicy(per_category={"stolen_vehicle": 2})
    assert hash(policy) == hash(FuzzyPolicy(per_category={"stolen_vehicle": 2}))


@pytest.mark.parametrize(
    "settings",
    [
        {"max_substitutions": -1},
        {"max_substitutions": 4},
        {"max_substitutions": True},
        {"max_substitutions": 1.0},
        {"per_category": {"stolen_vehicle": 4}},
        {"per_category": [("stolen_vehicle", 1)]},
        {"max_variants": 0},
        {"max_variants": 1025},
    ],
)
def test_an_invalid_policy_is_refused(settings):
    with pytest.raises(InvalidInput):
        FuzzyPolicy.from_mapping(settings)


def test_an_unknown_category_is_refused_with_a_suggestion_but_not_echoed():
    assert "stolen_vehicle" in CATEGORIES
    with pytest.raises(InvalidInput) as refused:
        FuzzyPolicy.from_mapping({"per_category": {"stolen_vehicles": 1}})
    assert "did you mean 'stolen_vehicle'" in str(refused.value)
    with pytest.raises(InvalidInput) as refused:
        FuzzyPolicy.from_mapping({"per_category": {"1ABC123": 1}})
    assert "1ABC123" not in str(refused.value)


def test_an_unknown_setting_is_refused_without_echoing_it():
    with pytest.raises(InvalidInput) as refused:
        FuzzyPolicy.from_mapping({"AB12CD": 1})
    assert "AB12CD" not in str(refused.value)
    with pytest.raises(InvalidInput):
        FuzzyPolicy.from_mapping([("max_substitutions", 1)])  # type: ignore[arg-type]
