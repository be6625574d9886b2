"""Specification of licence plates and country codes in gateway.domain.plates."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from gateway.domain.errors import InvalidInput
from gateway.domain.plates import (
    BAD_CHARACTER_MESSAGE,
    COUNTRIES,
    FORMATS,
    NL_SIDECODES,
    SEPARATORS,
    Country,
    Plate,
    PlateError,
    _index_countries,
    format_raw,
    normalise_country,
    normalise_plate,
    plate_format,
)

REQUIRED_COUNTRIES = {
    "BE": ("BEL", "B"),
    "NL": ("NLD", "NL"),
    "FR": ("FRA", "F"),
    "DE": ("DEU", "D"),
    "LU": ("LUX", "L"),
    "GB": ("GBR", "UK"),
    "IE": ("IRL", "IRL"),
    "ES": ("ESP", "E"),
    "PT": ("PRT", "P"),
    "IT": ("ITA", "I"),
    "AT": ("AUT", "A"),
    "CH": ("CHE", "CH"),
    "PL": ("POL", "PL"),
    "CZ": ("CZE", "CZ"),
    "DK": ("DNK", "DK"),
    "SE": ("SWE", "S"),
    "NO": ("NOR", "N"),
    "FI": ("FIN", "FIN"),
    "LT": ("LTU", "LT"),
    "LV": ("LVA", "LV"),
    "EE": ("EST", "EST"),
    "RO": ("ROU", "RO"),
    "BG": ("BGR", "BG"),
    "HU": ("HUN", "H"),
    "SK": ("SVK", "SK"),
    "SI": ("SVN", "SLO"),
    "HR": ("HRV", "HR"),
    "GR": ("GRC", "GR"),
}

UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
DIGITS = "0123456789"
MIN_LEN, MAX_LEN = 1, 10


def _leaks(text: str, message: str) -> bool:
    return text.lower() in message.lower()


# -- Countries -------------------------------------------------------------------------


def test_the_country_table_has_every_required_country_with_its_alpha3_and_road_sign() -> None:
    for alpha2, (alpha3, road_sign) in REQUIRED_COUNTRIES.items():
        country = COUNTRIES[alpha2]
        assert (country.alpha2, country.alpha3, country.road_sign) == (alpha2, alpha3, road_sign)


def test_every_code_in_the_table_resolves_to_its_own_country() -> None:
    for alpha2, country in COUNTRIES.items():
        for code in (country.alpha2, country.alpha3, *country.road_signs):
            assert normalise_country(code) == alpha2


@pytest.mark.parametrize(
    ("code", "alpha2"),
    [
        ("BE", "BE"),
        ("BEL", "BE"),
        ("B", "BE"),
        ("D", "DE"),
        ("DEU", "DE"),
        ("DE", "DE"),
        ("nl", "NL"),
        ("NLD", "NL"),
        ("F", "FR"),
        ("L", "LU"),
        ("UK", "GB"),
        ("GB", "GB"),
        ("gbr", "GB"),
        ("SLO", "SI"),
        (" b\t", "BE"),
        ("eSt", "EE"),
    ],
)
def test_country_codes_of_every_kind_are_stored_as_alpha2(code: str, alpha2: str) -> None:
    assert normalise_country(code) == alpha2


@pytest.mark.parametrize("code", ["XX", "", "  ", "ZZZ", "Q", "BELG", "U K"])
def test_an_unknown_country_code_is_refused(code: str) -> None:
    with pytest.raises(PlateError):
        normalise_country(code)


def test_the_refusal_of_a_country_code_names_it_and_lists_the_accepted_forms() -> None:
    with pytest.raises(PlateError) as caught:
        normalise_country("xq")
    message = str(caught.value)
    assert "'xq'" in message
    assert "alpha-2" in message and "alpha-3" in message and "road-sign" in message
    assert "BE" in message and "NL" in message


def test_a_long_string_given_as_country_is_not_echoed() -> None:
    # Probably a plate typed into the wrong field.
    with pytest.raises(PlateError) as caught:
        normalise_country("1ABC123")
    assert "1ABC123" not in str(caught.value)


def test_plate_error_is_invalid_input() -> None:
    assert issubclass(PlateError, InvalidInput)


def test_alpha2_wins_when_a_code_is_also_another_countrys_road_sign() -> None:
    table = [
        Country("XA", "XAA", "XB", "Left"),
        Country("XB", "XBB", "XC", "Right"),
    ]
    index = _index_countries(table)
    assert index["XB"] == "XB"  # alpha-2 of Right beats road sign of Left
    assert index["XC"] == "XB"
    assert index["XAA"] == "XA"


def test_nl_is_both_alpha2_and_road_sign_and_means_the_netherlands() -> None:
    assert normalise_country("NL") == "NL"


# -- Normalisation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("1-abc-123", "1ABC123"),
        ("ab-123-cd", "AB123CD"),
        ("M-AB 1234", "MAB1234"),
        ("B-MW 123E", "BMW123E"),
        ("AB 1234", "AB1234"),
        ("  gb.123_x ", "GB123X"),
        ("ab\t12/cd", "AB12CD"),
        ("a·b·1", "AB1"),
        ("mü-ab 12", "MÜAB12"),
        ("Ö", "Ö"),
        ("U\u0308X 1", "ÜX1"),  # decomposed umlaut composes to Ü
        ("1234567890", "1234567890"),
    ],
)
def test_plates_are_uppercased_and_stripped_of_separators(raw: str, normalised: str) -> None:
    assert normalise_plate(raw) == normalised


@pytest.mark.parametrize(
    "raw",
    [
        "ab!123",
        "AB#123",
        "1-abc-12😀",
        "AB\n123",
        "AB\x00123",
        "straße",  # 'ß' would uppercase to 'SS'; it is not a plate character
        "ÉCOLE1",
        "\uff11ABC123",  # full-width digit
        "\u0131AB12",  # dotless i would uppercase to I
        "\u017fAB12",  # long s would uppercase to S
        "AB,123",
        "AB\u00a0123",  # no-break space is not a separator
    ],
)
def test_a_character_not_allowed_on_a_plate_is_refused_without_echoing_it(raw: str) -> None:
    with pytest.raises(PlateError) as caught:
        normalise_plate(raw)
    assert str(caught.value) == BAD_CHARACTER_MESSAGE
    assert not _leaks(raw, str(caught.value))


@pytest.mark.parametrize("raw", ["", " ", "- . /", "\t_"])
def test_a_plate_with_nothing_left_after_separators_is_refused(raw: str) -> None:
    with pytest.raises(PlateError, match="empty"):
        normalise_plate(raw)


def test_a_plate_longer_than_ten_characters_is_refused_giving_the_length_only() -> None:
    raw = "ABCDEFGHIJK"
    with pytest.raises(PlateError) as caught:
        normalise_plate(raw)
    message = str(caught.value)
    assert "11" in message
    assert not _leaks(raw, message)


def test_a_plate_that_is_not_text_is_refused() -> None:
    with pytest.raises(PlateError):
        normalise_plate(1234)  # type: ignore[arg-type]


PLATE_ISH = st.text(
    alphabet=st.sampled_from(
        UPPER
        + UPPER.lower()
        + DIGITS
        + "ÄÖÜäöü"
        + "".join(SEPARATORS)
        + "ß!😀\nÉé,\u0131\u017f\u212a"
    ),
    max_size=16,
)


@given(st.one_of(st.text(), PLATE_ISH))
@example("1-abc-123")
@example("mü ab 12")
def test_normalising_is_idempotent(raw: str) -> None:
    try:
        once = normalise_plate(raw)
    except PlateError:
        return
    assert normalise_plate(once) == once
    assert MIN_LEN <= len(once) <= MAX_LEN
    assert set(once) <= set(UPPER + DIGITS + "ÄÖÜ")


def _every_error_message() -> list[str]:
    messages = [BAD_CHARACTER_MESSAGE]
    for raw in ["", "A" * 11, "A" * 12, "A" * 99, "A" * 10000]:
        try:
            normalise_plate(raw)
        except PlateError as error:
            messages.append(str(error))
    return messages


def test_feeding_any_error_message_back_as_a_plate_does_not_echo_it() -> None:
    # The messages are worded so that no part of one, used as a plate, comes back in
    # the refusal of that plate.
    for message in _every_error_message():
        for start in range(len(message)):
            for end in range(start + 3, len(message) + 1):
                piece = message[start:end]
                try:
                    normalise_plate(piece)
                except PlateError as error:
                    assert not _leaks(piece, str(error)), piece


@given(st.one_of(st.text(min_size=3), PLATE_ISH.filter(lambda s: len(s) >= 3)))
@example("ABCDEFGHIJKL")
@example("1-abc-123!")
@example("plate is too long")
@example("   ")
def test_no_plate_error_message_contains_the_offending_plate(raw: str) -> None:
    for attempt in (lambda: normalise_plate(raw), lambda: Plate.parse(raw, None)):
        try:
            attempt()
        except PlateError as error:
            assert not _leaks(raw, str(error))


# -- Plate -----------------------------------------------------------------------------


def test_a_parsed_plate_keeps_the_raw_form_and_stores_alpha2() -> None:
    plate = Plate.parse("1-abc-123", "B")
    assert plate.normalised == "1ABC123"
    assert plate.country == "BE"
    assert plate.raw == "1-abc-123"
    assert plate.format == "be-current"


@pytest.mark.parametrize("country", [None, "", "  "])
def test_a_plate_of_unknown_country_has_an_empty_country(country: str | None) -> None:
    plate = Plate.parse("AB123CD", country)
    assert plate.country == ""
    assert plate.format is None


def test_a_plate_with_an_unknown_country_code_is_refused() -> None:
    with pytest.raises(PlateError):
        Plate.parse("AB123CD", "XX")


def test_repr_and_str_show_the_country_and_length_but_never_the_plate() -> None:
    plate = Plate.parse("1-abc-123", "BEL")
    assert repr(plate) == "Plate(country='BE', length=7)"
    assert str(plate) == repr(plate)
    assert f"{plate}" == repr(plate)
    for text in (repr(plate), str(plate)):
        assert "ABC" not in text and "abc" not in text and "123" not in text


@given(PLATE_ISH)
def test_repr_never_contains_the_normalised_plate(raw: str) -> None:
    try:
        plate = Plate.parse(raw, "NL")
    except PlateError:
        return
    if len(plate.normalised) >= 3:
        assert plate.normalised not in repr(plate)
        assert plate.normalised not in str(plate)


def test_plates_are_equal_by_normalised_form_and_country_whatever_the_raw_form() -> None:
    assert Plate.parse("1-abc-123", "B") == Plate.parse("1ABC123", "BE")
    assert hash(Plate.parse("1-abc-123", "B")) == hash(Plate.parse("1ABC123", "BE"))
    assert Plate.parse("1ABC123", "BE") != Plate.parse("1ABC123", "NL")


def test_a_plate_is_immutable() -> None:
    plate = Plate.parse("1-abc-123", "B")
    with pytest.raises(dataclasses.FrozenInstanceError):
        plate.normalised = "2ABC123"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("normalised", "country", "raw"),
    [
        ("1abc123", "BE", "1abc123"),  # not normalised
        ("1ABC123", "BE", "2-ABC-123"),  # raw does not match
        ("1ABC123", "BEL", "1ABC123"),  # country not alpha-2
        ("1ABC123", "XX", "1ABC123"),
    ],
)
def test_a_plate_built_directly_must_be_consistent(normalised: str, country: str, raw: str) -> None:
    with pytest.raises(PlateError) as caught:
        Plate(normalised=normalised, country=country, raw=raw)
    assert not _leaks(raw, str(caught.value))
    assert not _leaks(normalised, str(caught.value))


# -- National formats ------------------------------------------------------------------


def _nl_example(shape: str) -> str:
    letters = iter("GBXKLPRST")
    digits = iter("12345678")
    return "".join(next(letters) if c == "X" else next(digits) if c == "9" else c for c in shape)


@pytest.mark.parametrize(
    ("raw", "country", "normalised", "fmt"),
    [
        ("1-abc-123", "BE", "1ABC123", "be-current"),
        ("abc-123", "B", "ABC123", "be-1973"),
        ("123.abc", "BEL", "123ABC", "be-1962"),
        ("ab-123-cd", "F", "AB123CD", "fr-siv"),
        ("M-AB 1234", "D", "MAB1234", "de"),
        ("B-MW 123E", "DE", "BMW123E", "de"),
        ("KÖ-X 99H", "DEU", "KÖX99H", "de"),
        ("AB 1234", "L", "AB1234", "lu-letters"),
        ("12345", "LU", "12345", "lu-numeric"),
        *(
            (_nl_example(shape), "NL", _nl_example(shape).replace("-", ""), f"nl-sidecode-{n}")
            for n, shape in enumerate(NL_SIDECODES, start=1)
        ),
    ],
)
def test_plates_of_known_national_formats_are_recognised(
    raw: str, country: str, normalised: str, fmt: str
) -> None:
    assert normalise_plate(raw) == normalised
    assert plate_format(normalised, country) == fmt


def test_the_nl_sidecodes_are_the_fourteen_official_shapes() -> None:
    assert [s.replace("-", "") for s in NL_SIDECODES] == [
        "XX9999",
        "9999XX",
        "99XX99",
        "XX99XX",
        "XXXX99",
        "99XXXX",
        "99XXX9",
        "9XXX99",
        "XX999X",
        "X999XX",
        "XXX99X",
        "X99XXX",
        "9XX999",
        "999XX9",
    ]


@pytest.mark.parametrize(
    ("normalised", "country"),
    [
        ("1ABC12", "BE"),
        ("0ABC123", "BE"),  # current Belgian plates start with 1-9
        ("AB12CD3", "NL"),
        ("ABC123", "FR"),
        ("M0123", "DE"),  # number starts with 0
        ("MABCD12345", "DE"),
        ("1234567", "LU"),
        ("A12345", "LU"),
        ("1ABC123", "GB"),  # no formats known for this country
        ("1ABC123", ""),  # unknown country
    ],
)
def test_plates_outside_the_known_formats_have_no_format(normalised: str, country: str) -> None:
    assert plate_format(normalised, country) is None


def test_format_recognition_with_an_unknown_country_code_is_refused() -> None:
    with pytest.raises(PlateError):
        plate_format("1ABC123", "XX")


@pytest.mark.parametrize(
    ("normalised", "fmt", "display"),
    [
        ("1ABC123", "be-current", "1-ABC-123"),
        ("AB123CD", "fr-siv", "AB-123-CD"),
        ("AB1234", "lu-letters", "AB 1234"),
        ("GB12KL", "nl-sidecode-4", "GB-12-KL"),
        ("GB1234", "nl-sidecode-1", "GB-12-34"),
        ("GBKL12", "nl-sidecode-5", "GB-KL-12"),
        ("12GBK3", "nl-sidecode-7", "12-GBK-3"),
        ("GB123X", "nl-sidecode-9", "GB-123-X"),
        ("1GB123", "nl-sidecode-13", "1-GB-123"),
        ("MAB1234", "de", "MAB1234"),
        ("ABC123", "be-1973", "ABC123"),
        ("123456", "lu-numeric", "123456"),
    ],
)
def test_the_display_form_puts_the_national_separators_back(
    normalised: str, fmt: str, display: str
) -> None:
    assert format_raw(normalised, fmt) == display


def test_displaying_in_a_format_the_plate_does_not_match_is_refused_without_the_plate() -> None:
    with pytest.raises(PlateError) as caught:
        format_raw("ABC1234", "fr-siv")
    assert "ABC1234" not in str(caught.value)
    with pytest.raises(PlateError):
        format_raw("1ABC123", "no-such-format")


# Strategies building plates of each national format: characters drawn per position,
# each in random case, with random separators between them.

LETTER = st.sampled_from(UPPER)
DIGIT = st.sampled_from(DIGITS)
NONZERO = st.sampled_from(DIGITS[1:])
UMLAUT_OR_LETTER = st.sampled_from(UPPER + "ÄÖÜ")


def _run(strategy: st.SearchStrategy[str], low: int, high: int) -> st.SearchStrategy[str]:
    return st.lists(strategy, min_size=low, max_size=high).map("".join)


def _fixed(shape: str) -> st.SearchStrategy[str]:
    return st.tuples(*(LETTER if c == "X" else DIGIT for c in shape)).map("".join)


FORMAT_STRATEGIES: dict[str, st.SearchStrategy[str]] = {
    "be-current": st.tuples(NONZERO, _fixed("XXX999")).map("".join),
    "be-1973": _fixed("XXX999"),
    "be-1962": _fixed("999XXX"),
    "fr-siv": _fixed("XX999XX"),
    "de": st.tuples(
        _run(UMLAUT_OR_LETTER, 1, 3),
        _run(LETTER, 1, 2),
        NONZERO,
        _run(DIGIT, 0, 3),
        st.sampled_from(["", "E", "H"]),
    ).map("".join),
    "lu-letters": _fixed("XX9999"),
    "lu-numeric": _run(DIGIT, 1, 6),
    **{
        f"nl-sidecode-{n}": _fixed(shape.replace("-", ""))
        for n, shape in enumerate(NL_SIDECODES, start=1)
    },
}


def test_every_format_has_a_strategy() -> None:
    assert set(FORMAT_STRATEGIES) == set(FORMATS)


@st.composite
def decorated(draw: st.DrawFn, plate: str) -> str:
    """plate with each character in random case and random separators around them."""
    separator = st.lists(st.sampled_from(sorted(SEPARATORS)), max_size=2).map("".join)
    out = [draw(separator)]
    for char in plate:
        out.append(char.lower() if draw(st.booleans()) else char)
        out.append(draw(separator))
    return "".join(out)


@st.composite
def formatted_plates(draw: st.DrawFn) -> tuple[str, str, str]:
    fmt = draw(st.sampled_from(sorted(FORMAT_STRATEGIES)))
    plate = draw(FORMAT_STRATEGIES[fmt])
    return fmt, plate, draw(decorated(plate))


@given(formatted_plates())
def test_plates_of_each_national_format_keep_their_format_through_normalisation(
    case: tuple[str, str, str],
) -> None:
    fmt, plate, raw = case
    normalised = normalise_plate(raw)
    assert normalised == plate
    assert plate_format(normalised, FORMATS[fmt].country) == fmt
    assert normalise_plate(format_raw(normalised, fmt)) == normalised
    assert Plate.parse(raw, FORMATS[fmt].country).format == fmt
