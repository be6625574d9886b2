"""Specification of matching a camera read against hotlists (gateway.domain.matching).

Indexes are built by hand: this node's own list by plain_key, a partner's list by
plate_token under the key of each agreement version it holds. be-gent is this node,
nl-terneuzen the partner. Times are epoch seconds around NOW.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.domain.hits import MatchKind
from gateway.domain.matching import (
    OWN,
    EntryRef,
    HotlistIndex,
    Match,
    MatchEngine,
    build_index,
    plain_key,
)
from gateway.domain.ocr import FuzzyPolicy
from gateway.domain.plates import PlateError
from gateway.domain.schemes.token import derive_token_key, plate_token

THIS_NODE = "be-gent"
PARTNER = "nl-terneuzen"
AGREEMENT_ID = "agr-gent-terneuzen"
MASTER = bytes(range(32))
KEY_V1 = derive_token_key(MASTER, AGREEMENT_ID, 1)
KEY_V2 = derive_token_key(MASTER, AGREEMENT_ID, 2)

NOW = 1_772_366_400  # 2026-03-01 12:00 UTC
DAY = 86_400

PLATE = "1ABC123"  # fits be-current, and no format of NL, FR, DE or LU
MISREAD = "1ABC1Z3"  # PLATE with 2 read as Z: one substitution away, fits no format
FITS_NO_FORMAT = "Q"  # a plate no known national format allows


def ref(
    entry_id: str,
    category: str = "stolen_vehicle",
    *,
    valid_from: int = 0,
    expires_at: int = NOW + 30 * DAY,
) -> EntryRef:
    return EntryRef(entry_id, category, valid_from, expires_at)


def own_list(*rows: tuple[str, str, EntryRef]) -> HotlistIndex:
    """This node's list from (plate, country, entry); "" is an unknown country."""
    return build_index(
        OWN,
        THIS_NODE,
        [(plain_key(plate, country), entry, not country) for plate, country, entry in rows],
    )


def token_list(
    *rows: tuple[bytes, str, str, EntryRef], keys: tuple[bytes, ...] = (KEY_V1,)
) -> HotlistIndex:
    """A partner's token list from (token key, plate, country, entry)."""
    return build_index(
        AGREEMENT_ID,
        PARTNER,
        [
            (plate_token(key, plate, country), entry, not country)
            for key, plate, country, entry in rows
        ],
        token_keys=keys,
    )


def engine_with(*indexes: HotlistIndex, policy: FuzzyPolicy | None = None) -> MatchEngine:
    engine = MatchEngine(policy)
    for index in indexes:
        engine.replace_list(index)
    return engine


def matches(
    engine: MatchEngine,
    plate: str,
    country: str = "",
    candidates: tuple[str, ...] = (),
    *,
    fuzzy: bool = False,
    now: int = NOW,
) -> list[Match]:
    found, _ = engine.match(plate, country, candidates, now=now, fuzzy=fuzzy)
    return found


def ids(found: list[Match]) -> set[str]:
    return {m.entry.entry_id for m in found}


# -- exact matches -----------------------------------------------------------------------


def test_a_read_matches_an_own_entry_with_the_same_plate_and_country_exactly() -> None:
    entry = ref("own-1")
    engine = engine_with(own_list((PLATE, "BE", entry)))
    found, inferred = engine.match(PLATE, "BE", now=NOW)
    assert found == [Match(OWN, THIS_NODE, entry, MatchKind.EXACT, PLATE, "BE", 0)]
    assert inferred is False


def test_a_read_matches_a_partner_entry_by_its_plate_token() -> None:
    entry = ref("partner-1")
    engine = engine_with(token_list((KEY_V1, PLATE, "BE", entry)))
    assert matches(engine, PLATE, "BE") == [
        Match(AGREEMENT_ID, PARTNER, entry, MatchKind.EXACT, PLATE, "BE", 0)
    ]


def test_a_read_is_normalised_and_its_country_code_read_as_alpha_2_before_matching() -> None:
    engine = engine_with(own_list((PLATE, "BE", ref("own-1"))))
    for country in ("BE", "BEL", "B", "be"):
        assert ids(matches(engine, "1-abc 123", country)) == {"own-1"}


def test_a_token_list_holding_two_agreement_versions_matches_entries_under_either_key() -> None:
    engine = engine_with(
        token_list(
            (KEY_V1, PLATE, "BE", ref("under-v1")),
            (KEY_V2, "2DEF456", "BE", ref("under-v2")),
            keys=(KEY_V1, KEY_V2),
        )
    )
    assert ids(matches(engine, PLATE, "BE")) == {"under-v1"}
    assert ids(matches(engine, "2DEF456", "BE")) == {"under-v2"}


def test_a_token_list_never_matches_an_entry_tokenised_under_a_key_it_does_not_hold() -> None:
    engine = engine_with(token_list((KEY_V2, PLATE, "BE", ref("under-v2")), keys=(KEY_V1,)))
    assert matches(engine, PLATE, "BE") == []


def test_an_entry_held_by_two_lists_matches_once_in_each() -> None:
    engine = engine_with(
        own_list((PLATE, "BE", ref("own-1"))),
        token_list((KEY_V1, PLATE, "BE", ref("partner-1"))),
    )
    found = matches(engine, PLATE, "BE")
    assert {(m.list_id, m.owner, m.entry.entry_id) for m in found} == {
        (OWN, THIS_NODE, "own-1"),
        (AGREEMENT_ID, PARTNER, "partner-1"),
    }


# -- rule 1: a read without a country ----------------------------------------------------


def test_a_read_without_country_matches_and_is_flagged_inferred() -> None:
    # 1ABC123 fits be-current, so it is tried as a Belgian plate.
    entry = ref("own-1")
    engine = engine_with(own_list((PLATE, "BE", entry)))
    found, inferred = engine.match(PLATE, "", now=NOW)
    assert found == [Match(OWN, THIS_NODE, entry, MatchKind.EXACT, PLATE, "BE", 0)]
    assert inferred is True


def test_a_read_without_country_is_not_tried_under_a_country_whose_format_it_does_not_fit() -> None:
    # 1ABC123 fits be-current only: it is not tried as a Dutch or French plate.
    engine = engine_with(own_list((PLATE, "NL", ref("dutch")), (PLATE, "FR", ref("french"))))
    found, inferred = engine.match(PLATE, "", now=NOW)
    assert found == []
    assert inferred is True


def test_a_read_fitting_no_format_is_tried_under_every_country_with_a_known_format() -> None:
    engine = engine_with(
        own_list(
            *((FITS_NO_FORMAT, c, ref(f"in-{c}")) for c in ("BE", "NL", "FR", "DE", "LU")),
            (FITS_NO_FORMAT, "PL", ref("in-PL")),  # no format known for Poland
        )
    )
    found, inferred = engine.match(FITS_NO_FORMAT, "", now=NOW)
    assert {(m.entry.entry_id, m.country) for m in found} == {
        (f"in-{c}", c) for c in ("BE", "NL", "FR", "DE", "LU")
    }
    assert inferred is True


def test_a_read_with_a_country_is_not_inferred_and_matches_no_entry_of_another_country() -> None:
    engine = engine_with(
        own_list((PLATE, "BE", ref("belgian")), (PLATE, "NL", ref("dutch"))),
        token_list((KEY_V1, PLATE, "FR", ref("french"))),
    )
    found, inferred = engine.match(PLATE, "NL", now=NOW)
    assert ids(found) == {"dutch"}
    assert inferred is False


# -- rule 2: entries of unknown country ------------------------------------------------


@pytest.mark.parametrize("country", ["BE", "NL", "PL", ""])
def test_a_partner_entry_of_unknown_country_matches_its_plate_read_under_any_country(
    country: str,
) -> None:
    engine = engine_with(token_list((KEY_V1, PLATE, "", ref("countryless"))))
    assert ids(matches(engine, PLATE, country)) == {"countryless"}


@pytest.mark.parametrize("country", ["BE", "DE", ""])
def test_an_own_entry_of_unknown_country_matches_its_plate_read_under_any_country(
    country: str,
) -> None:
    engine = engine_with(own_list((PLATE, "", ref("countryless"))))
    assert ids(matches(engine, PLATE, country)) == {"countryless"}


def test_an_entry_of_unknown_country_matches_only_its_own_plate() -> None:
    engine = engine_with(token_list((KEY_V1, PLATE, "", ref("countryless"))))
    assert matches(engine, "2DEF456", "BE") == []


def test_a_token_list_without_entries_of_unknown_country_does_not_try_the_empty_country() -> None:
    # An optimisation, documented here: the empty-country token is hashed only when the
    # list says it holds an entry of unknown country. An entry indexed under "" but
    # added as of known country is therefore never looked up.
    hidden = HotlistIndex(AGREEMENT_ID, PARTNER, (KEY_V1,))
    hidden.add(plate_token(KEY_V1, PLATE, ""), ref("countryless"), countryless=False)
    assert hidden.countryless == 0
    assert matches(engine_with(hidden), PLATE, "BE") == []

    counted = HotlistIndex(AGREEMENT_ID, PARTNER, (KEY_V1,))
    counted.add(plate_token(KEY_V1, PLATE, ""), ref("countryless"), countryless=True)
    assert ids(matches(engine_with(counted), PLATE, "BE")) == {"countryless"}


def test_removing_the_last_entry_of_unknown_country_stops_trying_the_empty_country() -> None:
    index = token_list((KEY_V1, PLATE, "", ref("countryless")))
    assert index.countryless == 1
    index.remove(plate_token(KEY_V1, PLATE, ""), "countryless", countryless=True)
    assert index.countryless == 0
    assert len(index) == 0


def test_a_match_on_an_entry_of_unknown_country_is_reported_under_the_empty_country() -> None:
    engine = engine_with(token_list((KEY_V1, PLATE, "", ref("countryless"))))
    (found,) = matches(engine, PLATE, "BE")
    assert found.country == ""


# -- rule 3: the validity window ---------------------------------------------------------


@pytest.mark.parametrize(
    ("valid_from", "expires_at", "matches_now"),
    [
        (NOW - DAY, NOW + DAY, True),
        (NOW, NOW + DAY, True),  # valid from this very second
        (NOW - DAY, NOW + 1, True),  # its last second
        (NOW + 1, NOW + DAY, False),  # not yet valid
        (NOW - DAY, NOW, False),  # expires at this very second
        (NOW - 2 * DAY, NOW - DAY, False),  # expired
    ],
)
def test_an_entry_matches_only_from_valid_from_until_before_expires_at(
    valid_from: int, expires_at: int, matches_now: bool
) -> None:
    entry = ref("own-1", valid_from=valid_from, expires_at=expires_at)
    engine = engine_with(
        own_list((PLATE, "BE", entry)),
        token_list((KEY_V1, PLATE, "", entry)),
    )
    expected = {OWN, AGREEMENT_ID} if matches_now else set()
    assert {m.list_id for m in matches(engine, PLATE, "BE")} == expected
    assert {m.list_id for m in matches(engine, MISREAD, "BE", fuzzy=True)} == expected
    assert {m.list_id for m in matches(engine, "9ZZZ999", "BE", (PLATE,))} == expected


# -- rule 4: fuzzy matching within the bound of the category ------------------------------


def test_a_misread_matches_as_fuzzy_with_its_substitutions_when_fuzzy_matching_is_on() -> None:
    entry = ref("own-1")
    engine = engine_with(own_list((PLATE, "BE", entry)))
    assert matches(engine, MISREAD, "BE", fuzzy=True) == [
        Match(OWN, THIS_NODE, entry, MatchKind.FUZZY, PLATE, "BE", 1)
    ]


def test_a_misread_matches_a_token_entry_as_fuzzy() -> None:
    engine = engine_with(token_list((KEY_V1, PLATE, "BE", ref("partner-1"))))
    (found,) = matches(engine, MISREAD, "BE", fuzzy=True)
    assert (found.kind, found.matched, found.substitutions) == (MatchKind.FUZZY, PLATE, 1)


def test_a_misread_does_not_match_when_fuzzy_matching_is_off() -> None:
    engine = engine_with(own_list((PLATE, "BE", ref("own-1"))))
    assert matches(engine, MISREAD, "BE", fuzzy=False) == []


def test_a_misread_does_not_match_an_entry_whose_category_allows_no_substitution() -> None:
    engine = engine_with(
        own_list((PLATE, "BE", ref("vehicle", "stolen_vehicle"))),
        token_list((KEY_V1, PLATE, "BE", ref("plate", "stolen_plate"))),
        policy=FuzzyPolicy(max_substitutions=1, per_category={"stolen_vehicle": 0}),
    )
    assert ids(matches(engine, MISREAD, "BE", fuzzy=True)) == {"plate"}
    assert ids(matches(engine, PLATE, "BE", fuzzy=True)) == {"vehicle", "plate"}


def test_a_two_substitution_misread_matches_only_a_category_that_allows_two() -> None:
    engine = engine_with(
        own_list(
            ("1ABC122", "BE", ref("vehicle", "stolen_vehicle")),
            ("1ABC122", "BE", ref("plate", "stolen_plate")),
        ),
        policy=FuzzyPolicy(max_substitutions=1, per_category={"stolen_plate": 2}),
    )
    found = matches(engine, "1ABC1ZZ", "BE", fuzzy=True)
    assert [(m.entry.entry_id, m.kind, m.substitutions) for m in found] == [
        ("plate", MatchKind.FUZZY, 2)
    ]


def test_no_variant_is_tried_when_every_category_is_bounded_to_zero() -> None:
    engine = engine_with(
        own_list((PLATE, "BE", ref("own-1"))), policy=FuzzyPolicy(max_substitutions=0)
    )
    assert matches(engine, MISREAD, "BE", fuzzy=True) == []


# -- rule 5: one match per entry, the best reading first --------------------------------


def test_an_entry_reached_by_read_and_candidate_matches_once_as_exact_from_the_read() -> None:
    entry = ref("own-1")
    engine = engine_with(own_list((PLATE, "BE", entry)))
    # The candidate reaches the entry too, by one substitution.
    assert matches(engine, PLATE, "BE", (MISREAD,), fuzzy=True) == [
        Match(OWN, THIS_NODE, entry, MatchKind.EXACT, PLATE, "BE", 0)
    ]


@pytest.mark.parametrize("fuzzy", [False, True])
def test_a_candidate_equal_to_the_entry_plate_gives_an_exact_match_on_that_candidate(
    fuzzy: bool,
) -> None:
    # With fuzzy matching the read reaches the entry too, but only by a substitution.
    entry = ref("own-1")
    engine = engine_with(own_list((PLATE, "BE", entry)))
    assert matches(engine, MISREAD, "BE", ("1-abc-123",), fuzzy=fuzzy) == [
        Match(OWN, THIS_NODE, entry, MatchKind.EXACT, PLATE, "BE", 0)
    ]


def test_a_candidate_equal_to_the_read_adds_nothing() -> None:
    engine = engine_with(own_list((PLATE, "BE", ref("own-1"))))
    assert matches(engine, PLATE, "BE", (PLATE, "1 ABC 123")) == matches(engine, PLATE, "BE")


@pytest.mark.parametrize("unreadable", ["!!", "", "---", "1ABC1231ABC123"])
def test_an_unreadable_candidate_is_ignored_not_an_error(unreadable: str) -> None:
    engine = engine_with(own_list((PLATE, "BE", ref("own-1")), ("2DEF456", "BE", ref("own-2"))))
    found = matches(engine, PLATE, "BE", (unreadable, "2DEF456"), fuzzy=True)
    assert ids(found) == {"own-1", "own-2"}


@pytest.mark.parametrize("unreadable", ["1ABC12!", "", "1ABC1231ABC123", "1ABC\n123"])
def test_an_unreadable_read_plate_raises_a_plate_error_that_does_not_contain_the_plate(
    unreadable: str,
) -> None:
    engine = engine_with(own_list((PLATE, "BE", ref("own-1"))))
    with pytest.raises(PlateError) as refused:
        engine.match(unreadable, "BE", (PLATE,), now=NOW)
    message = str(refused.value)
    if unreadable:
        assert unreadable not in message
    assert "1ABC" not in message


def test_an_unknown_country_code_on_the_read_raises_a_plate_error() -> None:
    engine = engine_with(own_list((PLATE, "BE", ref("own-1"))))
    with pytest.raises(PlateError, match="unknown country code"):
        engine.match(PLATE, "XX", now=NOW)


def test_a_variant_reached_by_read_and_candidate_counts_its_fewest_substitutions() -> None:
    engine = engine_with(
        own_list(("1ABC122", "BE", ref("plate", "stolen_plate"))),
        policy=FuzzyPolicy(max_substitutions=2),
    )
    # 1ABC1ZZ needs both Zs fixed; the candidate 1ABC12Z only its last.
    (found,) = matches(engine, "1ABC1ZZ", "BE", ("1ABC12Z",), fuzzy=True)
    assert (found.kind, found.substitutions) == (MatchKind.FUZZY, 1)


def test_a_candidate_within_the_bound_matches_when_the_read_needs_more_substitutions() -> None:
    engine = engine_with(
        own_list(("1ABC122", "BE", ref("vehicle", "stolen_vehicle"))),
        policy=FuzzyPolicy(max_substitutions=1, per_category={"stolen_plate": 2}),
    )
    assert ids(matches(engine, "1ABC1ZZ", "BE", ("1ABC12Z",), fuzzy=True)) == {"vehicle"}


# -- several entries under one key ------------------------------------------------------


def test_two_entries_with_the_same_plate_in_two_categories_both_match() -> None:
    index = own_list(
        (PLATE, "BE", ref("vehicle", "stolen_vehicle")),
        (PLATE, "BE", ref("person", "wanted_person")),
    )
    assert len(index) == 2
    assert ids(matches(engine_with(index), PLATE, "BE")) == {"vehicle", "person"}


def test_two_partner_entries_under_the_same_token_both_match() -> None:
    index = token_list(
        (KEY_V1, PLATE, "BE", ref("vehicle", "stolen_vehicle")),
        (KEY_V1, PLATE, "BE", ref("person", "wanted_person")),
    )
    assert len(index) == 2
    assert ids(matches(engine_with(index), PLATE, "BE")) == {"vehicle", "person"}


@pytest.mark.parametrize(("removed", "left"), [("vehicle", "person"), ("person", "vehicle")])
def test_removing_one_of_two_entries_under_a_key_leaves_the_other(removed: str, left: str) -> None:
    index = own_list(
        (PLATE, "BE", ref("vehicle", "stolen_vehicle")),
        (PLATE, "BE", ref("person", "wanted_person")),
    )
    index.remove(plain_key(PLATE, "BE"), removed)
    assert len(index) == 1
    assert ids(matches(engine_with(index), PLATE, "BE")) == {left}
    index.remove(plain_key(PLATE, "BE"), left)
    assert len(index) == 0
    assert matches(engine_with(index), PLATE, "BE") == []


def test_len_counts_every_entry_including_those_sharing_a_key() -> None:
    index = own_list(
        (PLATE, "BE", ref("a")),
        (PLATE, "BE", ref("b", "stolen_plate")),
        (PLATE, "BE", ref("c", "wanted_person")),
        ("2DEF456", "BE", ref("d")),
    )
    assert len(index) == 4


@pytest.mark.parametrize("entry_id", ["first", "second"])
def test_adding_an_entry_again_replaces_it_and_does_not_count_it_twice(entry_id: str) -> None:
    index = own_list((PLATE, "BE", ref("first")), (PLATE, "BE", ref("second", "stolen_plate")))
    index.add(plain_key(PLATE, "BE"), ref(entry_id, "missing_person", expires_at=NOW + DAY))
    assert len(index) == 2
    found = {m.entry.entry_id: m.entry for m in matches(engine_with(index), PLATE, "BE")}
    assert set(found) == {"first", "second"}
    assert found[entry_id] == ref(entry_id, "missing_person", expires_at=NOW + DAY)


def test_removing_an_entry_the_index_does_not_hold_changes_nothing() -> None:
    index = token_list((KEY_V1, PLATE, "", ref("countryless")))
    index.remove(plate_token(KEY_V1, PLATE, ""), "someone-else", countryless=True)
    index.remove(plate_token(KEY_V1, "2DEF456", ""), "countryless", countryless=True)
    assert len(index) == 1
    assert index.countryless == 1
    assert ids(matches(engine_with(index), PLATE, "NL")) == {"countryless"}


def test_updating_an_entry_that_shares_its_key_counts_it_once_as_of_unknown_country() -> None:
    key = plate_token(KEY_V1, PLATE, "")
    index = token_list(
        (KEY_V1, PLATE, "", ref("vehicle", "stolen_vehicle")),
        (KEY_V1, PLATE, "", ref("plate", "stolen_plate")),
    )
    index.add(key, ref("plate", "stolen_plate", expires_at=NOW + DAY), countryless=True)
    assert index.countryless == 2
    index.remove(key, "vehicle", countryless=True)
    index.remove(key, "plate", countryless=True)
    assert index.countryless == 0


# -- properties --------------------------------------------------------------------------

plates = st.from_regex(r"[A-Z0-9]{1,10}", fullmatch=True)
token_countries = st.sampled_from(("BE", "NL", "FR", "DE", "LU", ""))


@given(plate=plates, country=token_countries, second=st.booleans())
def test_the_index_hashes_a_reading_exactly_as_minimise_plate_token(
    plate: str, country: str, second: bool
) -> None:
    key = KEY_V2 if second else KEY_V1
    entry = ref("partner-1")
    index = build_index(
        AGREEMENT_ID,
        PARTNER,
        [(plate_token(key, plate, country), entry, not country)],
        token_keys=(KEY_V1, KEY_V2),
    )
    assert index.lookup(plate, country) == [(entry, country)]


@st.composite
def own_entries(draw: st.DrawFn) -> list[tuple[str, str, EntryRef]]:
    """Own entries over few plates and countries, so that keys are often shared."""
    rows = draw(
        st.lists(
            st.tuples(
                st.from_regex(r"[AB1]{1,2}", fullmatch=True),
                st.sampled_from(("BE", "NL", "")),
                st.sampled_from(("stolen_vehicle", "stolen_plate", "wanted_person")),
            ),
            min_size=1,
            max_size=12,
        )
    )
    return [
        (plate, country, ref(f"own-{i}", category))
        for i, (plate, country, category) in enumerate(rows)
    ]


@given(rows=own_entries(), data=st.data())
def test_every_held_entry_matches_its_exact_read_and_no_removed_entry_ever_matches(
    rows: list[tuple[str, str, EntryRef]], data: st.DataObject
) -> None:
    index = own_list(*rows)
    removed = data.draw(st.lists(st.sampled_from(rows), unique=True), label="removed")
    for plate, country, entry in data.draw(st.permutations(removed), label="order"):
        index.remove(plain_key(plate, country), entry.entry_id, countryless=not country)
    held = [row for row in rows if row not in removed]
    assert len(index) == len(held)
    engine = engine_with(index)
    gone = {entry.entry_id for _, _, entry in removed}
    for plate, country, _ in rows:
        read_country = country or "BE"  # an entry of unknown country, read under BE
        found = matches(engine, plate, read_country)
        assert ids(found) == {
            entry.entry_id for p, c, entry in held if p == plate and c in (read_country, "")
        }
        assert not ids(found) & gone
        assert all(m.kind is MatchKind.EXACT and m.substitutions == 0 for m in found)
