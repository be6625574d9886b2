"""Specification of minimisation (gateway.domain.minimise), checked on the wire bytes.

Every property is checked on what a partner would actually receive:
``feed_codec.upsert_leaf(seq, terms.version, minimise(...))``. be-gent is the provider
(and proposer); nl-terneuzen the recipient (and partner).

Random text is built from prefixes plus lowercase consonants, so that no field can
contain another field's value (a plate is uppercase and digits; every action and flag
holds a vowel or an underscore) and "absent from the bytes" cannot pass or fail by
chance.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.domain.agreement import (
    CATEGORIES,
    AgreementFields,
    AgreementTerms,
    Direction,
    MatchingMode,
    Purpose,
)
from gateway.domain.errors import AgreementViolation
from gateway.domain.hotlist import FLAGS, Action, HotlistEntry, check_entry
from gateway.domain.minimise import (
    MinimisedEntry,
    check_received,
    epoch_us,
    minimise,
    received_checker,
)
from gateway.domain.plates import Plate
from gateway.domain.schemes.token import TOKEN_BYTES, derive_token_key, plate_token
from gateway.wire import feed_codec

PROVIDER = "be-gent"
RECIPIENT = "nl-terneuzen"
OUTSIDER = "nl-rotterdam"
AGREEMENT_ID = "agr-gent-terneuzen"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
MASTER = bytes(range(32))
SEQ = 7

SORTED_CATEGORIES = sorted(CATEGORIES)
SORTED_FLAGS = sorted(FLAGS)
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
DIGITS = "0123456789"
CONSONANTS = "bcdfghjklmnpqrstvwxz"
OPTIONAL_FIELDS = ("action", "flags", "vehicle_description", "contact")

# -- strategies ------------------------------------------------------------------------

words = st.text(alphabet=CONSONANTS, min_size=4, max_size=24)

categories = st.sets(st.sampled_from(SORTED_CATEGORIES), min_size=1).map(lambda s: tuple(sorted(s)))
any_mode = st.sampled_from(MatchingMode)
any_direction = st.sampled_from(Direction)
any_category = st.sampled_from(SORTED_CATEGORIES)
agreement_fields = st.builds(
    AgreementFields,
    action=st.booleans(),
    flags=st.booleans(),
    vehicle_description=st.booleans(),
    contact=st.booleans(),
)


@st.composite
def agreement_terms(
    draw: st.DrawFn,
    *,
    category_choice: st.SearchStrategy[tuple[str, ...]] = categories,
    mode: st.SearchStrategy[MatchingMode] = any_mode,
    direction: st.SearchStrategy[Direction] = any_direction,
) -> AgreementTerms:
    return AgreementTerms(
        agreement_id=AGREEMENT_ID,
        version=draw(st.integers(min_value=1, max_value=50)),
        proposer=PROVIDER,
        partner=RECIPIENT,
        valid_from=NOW - timedelta(days=30),
        valid_until=NOW + timedelta(days=300),
        categories=draw(category_choice),
        purposes=(Purpose.CRIMINAL_INVESTIGATION,),
        direction=draw(direction),
        matching_mode=draw(mode),
        fields=draw(agreement_fields),
    )


def sharing_terms(**kwargs: object) -> st.SearchStrategy[AgreementTerms]:
    """Terms under which be-gent shares (direction both or proposer to partner)."""
    return agreement_terms(
        direction=st.sampled_from([Direction.BOTH, Direction.PROPOSER_TO_PARTNER]),
        **kwargs,  # type: ignore[arg-type]
    )


belgian_plates = st.builds(
    lambda first, letters, digits: f"{first}-{letters}-{digits}",
    st.sampled_from(DIGITS[1:]),
    st.text(alphabet=LETTERS, min_size=3, max_size=3),
    st.text(alphabet=DIGITS, min_size=3, max_size=3),
).map(lambda raw: Plate.parse(raw, "BE"))


@st.composite
def hotlist_entries(
    draw: st.DrawFn,
    *,
    category: st.SearchStrategy[str] = any_category,
    owner: str = PROVIDER,
) -> HotlistEntry:
    return HotlistEntry(
        entry_id=f"entry-{draw(st.integers(min_value=1, max_value=10**9))}",
        owner=owner,
        plate=draw(belgian_plates),
        category=draw(category),
        action=draw(st.sampled_from(Action)),
        flags=tuple(sorted(draw(st.sets(st.sampled_from(SORTED_FLAGS))))),
        valid_from=NOW
        - draw(st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(days=90))),
        expires_at=NOW
        + draw(st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(days=365))),
        vehicle_description="VEHDESC-" + draw(words),
        contact="CONTACT-" + draw(words),
        case_reference="CASE-" + draw(words),
        version=draw(st.integers(min_value=1, max_value=1000)),
    )


# -- helpers ---------------------------------------------------------------------------


def token_key(terms: AgreementTerms) -> bytes:
    return derive_token_key(MASTER, terms.agreement_id, terms.version)


def minimised(entry: HotlistEntry, terms: AgreementTerms, now: datetime = NOW):
    return minimise(entry, terms, token_key=token_key(terms), now=now)


def leaf_for(entry: HotlistEntry, terms: AgreementTerms) -> bytes:
    """The bytes the partner receives for entry, which must leave under terms."""
    m = minimised(entry, terms)
    assert m is not None
    return feed_codec.upsert_leaf(SEQ, terms.version, m)


def received(leaf: bytes) -> MinimisedEntry:
    change = feed_codec.change_from_leaf(leaf)
    assert change.tombstone is None
    assert change.upsert is not None
    return change.upsert


def field_bytes(entry: HotlistEntry, name: str) -> list[bytes]:
    if name == "action":
        return [entry.action.value.encode()]
    if name == "flags":
        return [flag.encode() for flag in entry.flags]
    return [getattr(entry, name).encode()]


# -- fixed examples ------------------------------------------------------------------

_FIXED_TERMS = AgreementTerms(
    agreement_id=AGREEMENT_ID,
    version=1,
    proposer=PROVIDER,
    partner=RECIPIENT,
    valid_from=NOW - timedelta(days=30),
    valid_until=NOW + timedelta(days=300),
    categories=("stolen_vehicle", "stolen_plate"),
    purposes=(Purpose.CRIMINAL_INVESTIGATION,),
    matching_mode=MatchingMode.TOKEN,
    fields=AgreementFields(action=True, flags=True, vehicle_description=True, contact=True),
)
_FIXED_ENTRY = HotlistEntry(
    entry_id="entry-1",
    owner=PROVIDER,
    plate=Plate.parse("1-ABC-123", "BE"),
    category="stolen_vehicle",
    action=Action.DISCREET_CHECK,
    flags=("suspected_clone",),
    valid_from=NOW - timedelta(days=1),
    expires_at=NOW + timedelta(days=30),
    vehicle_description="VEHDESC-grey-volvo",
    contact="CONTACT-gent-desk",
    case_reference="CASE-pv-2026-0042",
)


# -- what leaves at all ----------------------------------------------------------------


@given(data=st.data())
def test_an_entry_in_a_category_outside_the_agreement_never_leaves(data: st.DataObject) -> None:
    terms = data.draw(
        sharing_terms(
            category_choice=st.sets(
                st.sampled_from(SORTED_CATEGORIES), min_size=1, max_size=len(CATEGORIES) - 1
            ).map(lambda s: tuple(sorted(s)))
        )
    )
    outside = sorted(CATEGORIES - set(terms.categories))
    entry = data.draw(hotlist_entries(category=st.sampled_from(outside)))
    assert minimised(entry, terms) is None


@given(
    terms=agreement_terms(direction=st.just(Direction.PARTNER_TO_PROPOSER)),
    entry=hotlist_entries(),
)
def test_an_entry_never_leaves_when_the_direction_does_not_let_its_owner_share(
    terms: AgreementTerms, entry: HotlistEntry
) -> None:
    terms = dataclasses.replace(terms, categories=tuple(SORTED_CATEGORIES))
    assert minimised(entry, terms) is None


@given(terms=agreement_terms(), entry=hotlist_entries(owner=OUTSIDER))
def test_an_entry_of_a_node_outside_the_agreement_never_leaves(
    terms: AgreementTerms, entry: HotlistEntry
) -> None:
    assert minimised(entry, terms) is None


@given(entry=hotlist_entries())
def test_the_generated_entries_are_valid_active_entries(entry: HotlistEntry) -> None:
    assert check_entry(entry, now=NOW) is entry
    assert entry.shareable(NOW)


@given(terms=agreement_terms(), entry=hotlist_entries())
def test_an_active_entry_leaves_exactly_when_direction_and_category_allow_it(
    terms: AgreementTerms, entry: HotlistEntry
) -> None:
    allowed = terms.direction is not Direction.PARTNER_TO_PROPOSER and (
        entry.category in terms.categories
    )
    assert (minimised(entry, terms) is not None) is allowed


def test_be_gent_shares_when_it_is_the_partner_and_the_direction_is_partner_to_proposer() -> None:
    terms = dataclasses.replace(
        _FIXED_TERMS,
        proposer=RECIPIENT,
        partner=PROVIDER,
        direction=Direction.PARTNER_TO_PROPOSER,
    )
    assert minimised(_FIXED_ENTRY, terms) is not None
    assert minimised(_FIXED_ENTRY, dataclasses.replace(terms, direction=Direction.BOTH))
    proposer_only = dataclasses.replace(terms, direction=Direction.PROPOSER_TO_PARTNER)
    assert minimised(_FIXED_ENTRY, proposer_only) is None


@given(terms=sharing_terms(), entry=hotlist_entries())
def test_a_withdrawn_entry_never_leaves(terms: AgreementTerms, entry: HotlistEntry) -> None:
    assert minimised(entry.withdraw(), terms) is None


@given(
    terms=sharing_terms(),
    entry=hotlist_entries(),
    after=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=400)),
)
def test_an_expired_entry_never_leaves(
    terms: AgreementTerms, entry: HotlistEntry, after: timedelta
) -> None:
    assert minimised(entry, terms, now=entry.expires_at + after) is None


@given(
    terms=sharing_terms(),
    entry=hotlist_entries(),
    before=st.timedeltas(min_value=timedelta(microseconds=1), max_value=timedelta(days=400)),
)
def test_an_entry_not_yet_valid_never_leaves(
    terms: AgreementTerms, entry: HotlistEntry, before: timedelta
) -> None:
    assert minimised(entry, terms, now=entry.valid_from - before) is None


# -- what the bytes hold ---------------------------------------------------------------


@given(terms=sharing_terms(mode=st.just(MatchingMode.TOKEN)), entry=hotlist_entries())
def test_in_token_mode_the_plate_is_absent_from_the_bytes_and_a_16_byte_token_is_sent(
    terms: AgreementTerms, entry: HotlistEntry
) -> None:
    terms = dataclasses.replace(terms, categories=tuple(SORTED_CATEGORIES))
    leaf = leaf_for(entry, terms)
    assert entry.plate.normalised.encode() not in leaf
    assert entry.plate.raw.encode() not in leaf
    got = received(leaf)
    assert got.plate is None
    assert got.country is None
    assert got.plate_token is not None
    assert len(got.plate_token) == TOKEN_BYTES
    assert got.plate_token == plate_token(
        token_key(terms), entry.plate.normalised, entry.plate.country
    )


@given(terms=sharing_terms(mode=st.just(MatchingMode.PLAINTEXT)), entry=hotlist_entries())
def test_in_plaintext_mode_the_normalised_plate_and_country_are_sent_and_no_token(
    terms: AgreementTerms, entry: HotlistEntry
) -> None:
    terms = dataclasses.replace(terms, categories=tuple(SORTED_CATEGORIES))
    leaf = leaf_for(entry, terms)
    assert entry.plate.normalised.encode() in leaf
    got = received(leaf)
    assert got.plate == entry.plate.normalised
    assert got.country == "BE"
    assert got.plate_token is None


@given(terms=sharing_terms(), entry=hotlist_entries())
def test_the_case_reference_never_occurs_in_the_bytes(
    terms: AgreementTerms, entry: HotlistEntry
) -> None:
    terms = dataclasses.replace(terms, categories=tuple(SORTED_CATEGORIES))
    leaf = leaf_for(entry, terms)
    assert entry.case_reference.encode() not in leaf
    assert b"CASE-" not in leaf


@given(terms=sharing_terms(), entry=hotlist_entries())
def test_an_optional_field_the_agreement_does_not_list_is_absent_from_the_bytes(
    terms: AgreementTerms, entry: HotlistEntry
) -> None:
    terms = dataclasses.replace(terms, categories=tuple(SORTED_CATEGORIES))
    leaf = leaf_for(entry, terms)
    got = received(leaf)
    for name in OPTIONAL_FIELDS:
        if getattr(terms.fields, name):
            continue
        assert getattr(got, name) is None, name
        for value in field_bytes(entry, name):
            assert value not in leaf, name


@given(terms=sharing_terms(), entry=hotlist_entries())
def test_an_optional_field_the_agreement_lists_is_sent_unchanged(
    terms: AgreementTerms, entry: HotlistEntry
) -> None:
    terms = dataclasses.replace(terms, categories=tuple(SORTED_CATEGORIES))
    got = received(leaf_for(entry, terms))
    fields = terms.fields
    assert got.action == (entry.action.value if fields.action else None)
    assert got.flags == (entry.flags if fields.flags and entry.flags else None)
    assert got.vehicle_description == (
        entry.vehicle_description if fields.vehicle_description else None
    )
    assert got.contact == (entry.contact if fields.contact else None)


@given(terms=sharing_terms(), entry=hotlist_entries())
def test_the_partner_decodes_exactly_what_minimise_decided(
    terms: AgreementTerms, entry: HotlistEntry
) -> None:
    terms = dataclasses.replace(terms, categories=tuple(SORTED_CATEGORIES))
    m = minimised(entry, terms)
    assert m is not None
    change = feed_codec.change_from_leaf(feed_codec.upsert_leaf(SEQ, terms.version, m))
    assert change.seq == SEQ
    assert change.agreement_version == terms.version
    assert change.upsert == m
    assert (m.entry_id, m.owner, m.version, m.category) == (
        entry.entry_id,
        PROVIDER,
        entry.version,
        entry.category,
    )


@given(data=st.data())
def test_the_recipient_accepts_everything_minimise_lets_out(data: st.DataObject) -> None:
    terms = data.draw(sharing_terms())
    entry = data.draw(hotlist_entries(category=st.sampled_from(terms.categories)))
    check_received(received(leaf_for(entry, terms)), terms, PROVIDER)


# -- tokens ----------------------------------------------------------------------------

agreement_ids = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=30)
versions = st.integers(min_value=1, max_value=10_000)


@given(plate=belgian_plates, ids=st.lists(agreement_ids, min_size=2, max_size=2, unique=True))
def test_the_same_plate_under_two_agreements_gives_unlinkable_tokens(
    plate: Plate, ids: list[str]
) -> None:
    a, b = (derive_token_key(MASTER, agreement_id, 1) for agreement_id in ids)
    assert plate_token(a, plate.normalised, plate.country) != plate_token(
        b, plate.normalised, plate.country
    )


@given(plate=belgian_plates, numbers=st.lists(versions, min_size=2, max_size=2, unique=True))
def test_the_same_plate_under_two_versions_of_one_agreement_gives_unlinkable_tokens(
    plate: Plate, numbers: list[int]
) -> None:
    a, b = (derive_token_key(MASTER, AGREEMENT_ID, n) for n in numbers)
    assert a != b
    assert plate_token(a, plate.normalised, plate.country) != plate_token(
        b, plate.normalised, plate.country
    )


@given(plate=belgian_plates, agreement_id=agreement_ids, version=versions)
def test_the_same_agreement_version_gives_the_same_16_byte_token_every_time(
    plate: Plate, agreement_id: str, version: int
) -> None:
    first = plate_token(
        derive_token_key(MASTER, agreement_id, version), plate.normalised, plate.country
    )
    again = plate_token(
        derive_token_key(MASTER, agreement_id, version), plate.normalised, plate.country
    )
    assert first == again
    assert len(first) == TOKEN_BYTES


@given(
    plate=belgian_plates,
    countries=st.lists(
        st.sampled_from(["", "BE", "NL", "FR", "DE", "LU"]), min_size=2, max_size=2, unique=True
    ),
)
def test_the_same_plate_text_from_different_countries_gives_different_tokens(
    plate: Plate, countries: list[str]
) -> None:
    key = derive_token_key(MASTER, AGREEMENT_ID, 1)
    first, second = (plate_token(key, plate.normalised, country) for country in countries)
    assert first != second


@given(
    plate=belgian_plates,
    masters=st.lists(st.binary(min_size=32, max_size=32), min_size=2, max_size=2, unique=True),
)
def test_another_master_key_gives_other_tokens(plate: Plate, masters: list[bytes]) -> None:
    a, b = (derive_token_key(master, AGREEMENT_ID, 1) for master in masters)
    assert plate_token(a, plate.normalised, plate.country) != plate_token(
        b, plate.normalised, plate.country
    )


@given(entry=hotlist_entries(), numbers=st.lists(versions, min_size=2, max_size=2, unique=True))
def test_the_leaves_of_one_entry_under_two_agreement_versions_carry_different_tokens(
    entry: HotlistEntry, numbers: list[int]
) -> None:
    first, second = (
        dataclasses.replace(_FIXED_TERMS, version=n, categories=tuple(SORTED_CATEGORIES))
        for n in numbers
    )
    assert (
        received(leaf_for(entry, first)).plate_token
        != received(leaf_for(entry, second)).plate_token
    )


# -- what the recipient refuses --------------------------------------------------------


def _token_entry() -> MinimisedEntry:
    return received(leaf_for(_FIXED_ENTRY, _FIXED_TERMS))


def _plaintext_terms() -> AgreementTerms:
    return dataclasses.replace(_FIXED_TERMS, matching_mode=MatchingMode.PLAINTEXT)


def _plaintext_entry() -> MinimisedEntry:
    return received(leaf_for(_FIXED_ENTRY, _plaintext_terms()))


def test_the_fixed_examples_are_accepted_as_sent() -> None:
    check_received(_token_entry(), _FIXED_TERMS, PROVIDER)
    check_received(_plaintext_entry(), _plaintext_terms(), PROVIDER)


def test_the_recipient_refuses_a_plaintext_plate_under_token_mode() -> None:
    sent = _token_entry()._replace(plate_token=None, plate="1ABC123", country="BE")
    with pytest.raises(AgreementViolation, match="plaintext plate the agreement does not allow"):
        check_received(sent, _FIXED_TERMS, PROVIDER)


def test_the_recipient_refuses_a_plaintext_plate_sent_beside_a_token_under_token_mode() -> None:
    sent = _token_entry()._replace(plate="1ABC123", country="BE")
    with pytest.raises(AgreementViolation, match="plaintext plate"):
        check_received(sent, _FIXED_TERMS, PROVIDER)


@pytest.mark.parametrize("token", [b"", b"\x01" * 15, b"\x01" * 17, b"\x01" * 32])
def test_the_recipient_refuses_a_missing_or_malformed_token_under_token_mode(
    token: bytes,
) -> None:
    sent = _token_entry()._replace(plate_token=token)
    with pytest.raises(AgreementViolation, match="plate"):
        check_received(sent, _FIXED_TERMS, PROVIDER)


def test_the_recipient_refuses_a_token_under_plaintext_mode() -> None:
    sent = _plaintext_entry()._replace(plate=None, country=None, plate_token=b"t" * 16)
    with pytest.raises(AgreementViolation, match="must carry a plaintext plate"):
        check_received(sent, _plaintext_terms(), PROVIDER)


def test_the_recipient_refuses_a_token_sent_as_the_plate_form_on_the_wire_under_plaintext() -> None:
    leaf = leaf_for(_FIXED_ENTRY, _FIXED_TERMS)  # token form, but plaintext was agreed
    with pytest.raises(AgreementViolation, match="must carry a plaintext plate"):
        check_received(received(leaf), _plaintext_terms(), PROVIDER)


@pytest.mark.parametrize("name", OPTIONAL_FIELDS)
def test_the_recipient_refuses_an_optional_field_the_agreement_does_not_share(name: str) -> None:
    terms = dataclasses.replace(
        _FIXED_TERMS, fields=dataclasses.replace(_FIXED_TERMS.fields, **{name: False})
    )
    sent = _token_entry()
    assert getattr(sent, name) is not None
    with pytest.raises(AgreementViolation, match=name.replace("_", " ")):
        check_received(sent, terms, PROVIDER)


def test_the_recipient_refuses_an_action_when_the_agreement_does_not_share_actions() -> None:
    terms = dataclasses.replace(_FIXED_TERMS, fields=AgreementFields(action=False))
    sent = _token_entry()._replace(flags=None, vehicle_description=None, contact=None)
    with pytest.raises(AgreementViolation, match="carries action"):
        check_received(sent, terms, PROVIDER)


def test_the_recipient_refuses_a_category_outside_the_agreement() -> None:
    sent = _token_entry()._replace(category="wanted_person")
    with pytest.raises(AgreementViolation, match="category wanted_person, outside agreement"):
        check_received(sent, _FIXED_TERMS, PROVIDER)


def test_the_recipient_refuses_an_entry_owned_by_another_node_than_the_provider() -> None:
    sent = _token_entry()._replace(owner=OUTSIDER)
    with pytest.raises(AgreementViolation, match=f"names owner {OUTSIDER}, but came from"):
        check_received(sent, _FIXED_TERMS, PROVIDER)


def test_the_recipient_refuses_entries_from_a_provider_the_direction_does_not_allow() -> None:
    terms = dataclasses.replace(_FIXED_TERMS, direction=Direction.PARTNER_TO_PROPOSER)
    with pytest.raises(AgreementViolation, match="does not let be-gent share"):
        check_received(_token_entry(), terms, PROVIDER)


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"action": "shoot"}, "unknown action"),
        ({"flags": ("suspected_clone", "vip")}, "unknown flag"),
        ({"expires_at_us": epoch_us(NOW - timedelta(days=2))}, "expires before it is valid"),
    ],
)
def test_the_recipient_refuses_values_outside_the_known_lists(
    change: dict[str, object], why: str
) -> None:
    sent = _token_entry()._replace(**change)  # type: ignore[arg-type]
    with pytest.raises(AgreementViolation, match=why):
        check_received(sent, _FIXED_TERMS, PROVIDER)


@given(terms=sharing_terms(mode=st.just(MatchingMode.TOKEN)), entry=hotlist_entries())
def test_a_refusal_never_names_the_plate(terms: AgreementTerms, entry: HotlistEntry) -> None:
    terms = dataclasses.replace(terms, categories=tuple(SORTED_CATEGORIES))
    got = received(leaf_for(entry, terms))
    forged = got._replace(plate=entry.plate.normalised, country="BE")
    with pytest.raises(AgreementViolation) as refused:
        check_received(forged, terms, PROVIDER)
    assert entry.plate.normalised not in str(refused.value)
    assert entry.plate.normalised not in repr(forged)


# -- entries of unknown country ----------------------------------------------------------


def with_unknown_country(entry: HotlistEntry) -> HotlistEntry:
    return dataclasses.replace(entry, plate=Plate.parse(entry.plate.raw, None))


@given(
    terms=sharing_terms(mode=st.just(MatchingMode.TOKEN)),
    entry=hotlist_entries(),
    unknown=st.booleans(),
)
def test_in_token_mode_an_entry_of_unknown_country_is_flagged_and_tokenised_without_country(
    terms: AgreementTerms, entry: HotlistEntry, unknown: bool
) -> None:
    terms = dataclasses.replace(terms, categories=tuple(SORTED_CATEGORIES))
    if unknown:
        entry = with_unknown_country(entry)
    got = received(leaf_for(entry, terms))
    assert got.country_unknown is unknown
    assert got.country is None
    assert got.plate_token == plate_token(
        token_key(terms), entry.plate.normalised, "" if unknown else "BE"
    )


def test_the_token_of_an_entry_of_unknown_country_is_the_token_over_the_empty_country() -> None:
    got = received(leaf_for(with_unknown_country(_FIXED_ENTRY), _FIXED_TERMS))
    assert got.country_unknown is True
    assert got.plate_token == plate_token(token_key(_FIXED_TERMS), "1ABC123", "")
    assert got.plate_token != plate_token(token_key(_FIXED_TERMS), "1ABC123", "BE")


@given(
    terms=sharing_terms(mode=st.just(MatchingMode.PLAINTEXT)),
    entry=hotlist_entries(),
    unknown=st.booleans(),
)
def test_in_plaintext_mode_country_unknown_is_never_set(
    terms: AgreementTerms, entry: HotlistEntry, unknown: bool
) -> None:
    terms = dataclasses.replace(terms, categories=tuple(SORTED_CATEGORIES))
    if unknown:
        entry = with_unknown_country(entry)
    m = minimised(entry, terms)
    assert m is not None
    assert m.country_unknown is False
    got = received(feed_codec.upsert_leaf(SEQ, terms.version, m))
    assert got.country_unknown is False
    assert got.country == ("" if unknown else "BE")


def test_the_recipient_accepts_a_token_entry_of_unknown_country() -> None:
    sent = received(leaf_for(with_unknown_country(_FIXED_ENTRY), _FIXED_TERMS))
    received_checker(_FIXED_TERMS, PROVIDER)(sent)


def test_the_recipient_refuses_a_plaintext_entry_that_claims_an_unknown_country() -> None:
    sent = _plaintext_entry()._replace(country_unknown=True)
    with pytest.raises(AgreementViolation, match="must carry a plaintext plate"):
        received_checker(_plaintext_terms(), PROVIDER)(sent)


@pytest.mark.parametrize("unknown", [True, False])
def test_country_unknown_survives_the_feed_codec_round_trip(unknown: bool) -> None:
    entry = with_unknown_country(_FIXED_ENTRY) if unknown else _FIXED_ENTRY
    m = minimised(entry, _FIXED_TERMS)
    assert m is not None
    assert m.country_unknown is unknown
    change = feed_codec.change_from_leaf(feed_codec.upsert_leaf(SEQ, _FIXED_TERMS.version, m))
    assert change.upsert == m
    assert change.upsert.country_unknown is unknown


# -- validity in epoch microseconds ------------------------------------------------------

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
# Every time a protobuf Timestamp can carry.
utc_times = st.datetimes(
    min_value=datetime(1, 1, 1),
    max_value=datetime(9999, 12, 31, 23, 59, 59, 999_999),
    timezones=st.just(UTC),
)


@given(moment=utc_times)
def test_epoch_us_is_exact_to_the_microsecond(moment: datetime) -> None:
    us = epoch_us(moment)
    assert us == (moment - EPOCH) // MICROSECOND
    assert EPOCH + timedelta(microseconds=us) == moment


def test_epoch_us_is_exact_where_a_float_timestamp_is_not() -> None:
    # moment.timestamp() * 1_000_000 gives ...774 here: a double has too few digits.
    moment = datetime(2262, 4, 11, 23, 47, 16, 854_775, tzinfo=UTC)
    assert epoch_us(moment) == 9_223_372_036_854_775
    assert epoch_us(datetime(1969, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC)) == -1


@given(
    moment=st.datetimes(
        min_value=datetime(1900, 1, 1),
        max_value=datetime(2200, 1, 1),
        timezones=st.builds(
            timezone, st.timedeltas(min_value=timedelta(hours=-14), max_value=timedelta(hours=14))
        ),
    )
)
def test_epoch_us_counts_the_same_instant_whatever_its_time_zone(moment: datetime) -> None:
    assert epoch_us(moment) == epoch_us(moment.astimezone(UTC))


@given(valid_from=utc_times, expires_at=utc_times)
def test_validity_in_microseconds_round_trips_through_the_feed_codec(
    valid_from: datetime, expires_at: datetime
) -> None:
    m = _token_entry()._replace(
        valid_from_us=epoch_us(valid_from), expires_at_us=epoch_us(expires_at)
    )
    got = received(feed_codec.upsert_leaf(SEQ, _FIXED_TERMS.version, m))
    assert (got.valid_from_us, got.expires_at_us) == (m.valid_from_us, m.expires_at_us)
    assert EPOCH + timedelta(microseconds=got.valid_from_us) == valid_from
    assert EPOCH + timedelta(microseconds=got.expires_at_us) == expires_at


@given(terms=sharing_terms(), entry=hotlist_entries())
def test_the_partner_receives_the_validity_of_an_entry_to_the_microsecond(
    terms: AgreementTerms, entry: HotlistEntry
) -> None:
    terms = dataclasses.replace(terms, categories=tuple(SORTED_CATEGORIES))
    got = received(leaf_for(entry, terms))
    assert EPOCH + timedelta(microseconds=got.valid_from_us) == entry.valid_from
    assert EPOCH + timedelta(microseconds=got.expires_at_us) == entry.expires_at
