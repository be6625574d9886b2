"""Matching schemes: every matching mode an agreement can name has exactly one scheme,
and the recipient finds what the owner shared under it (an entry's plate, as it leaves,
is the key the recipient's index looks the same plate up by)."""

from __future__ import annotations

import pytest

from gateway.domain.agreement import MatchingMode
from gateway.domain.errors import AgreementViolation
from gateway.domain.matching import EntryRef
from gateway.domain.minimise import MinimisedEntry
from gateway.domain.plates import Plate
from gateway.domain.schemes import scheme_for

KEY = bytes(range(32))


@pytest.mark.parametrize("mode", list(MatchingMode), ids=lambda m: m.value)
def test_every_matching_mode_has_its_scheme(mode):
    assert scheme_for(mode).mode is mode


# Oblivious lists cannot look a reading up without the owner: test_oblivious_scheme.py.
@pytest.mark.parametrize(
    "mode", [m for m in MatchingMode if m is not MatchingMode.OBLIVIOUS], ids=lambda m: m.value
)
def test_a_shared_plate_is_found_by_the_recipients_index_of_that_scheme(mode):
    scheme = scheme_for(mode)
    shared = scheme.shared_plate(Plate.parse("1-ABC-123", "BE"), KEY)
    key = scheme.index_key(shared.plate_token, shared.plate, shared.country)
    assert key is not None
    index = scheme.index("agr", "be-gent", (KEY,) if scheme.key_from_provider else ())
    index.add(key, EntryRef("e1", "stolen_vehicle", 0, 2**40))
    assert [ref.entry_id for ref, _ in index.lookup("1ABC123", "BE")] == ["e1"]
    assert index.lookup("1ABC124", "BE") == []


@pytest.mark.parametrize("mode", list(MatchingMode), ids=lambda m: m.value)
def test_an_entry_in_another_schemes_form_is_refused(mode):
    scheme = scheme_for(mode)
    # Token and oblivious outputs are both 16 opaque bytes: alike in form.
    plain = scheme.gives_plaintext
    other = next(m for m in MatchingMode if scheme_for(m).gives_plaintext is not plain)
    shared = scheme_for(other).shared_plate(Plate.parse("1-ABC-123", "BE"), KEY)
    entry = MinimisedEntry(
        "e1",
        "be-gent",
        1,
        "stolen_vehicle",
        0,
        1,
        shared.plate_token,
        shared.plate,
        shared.country,
        country_unknown=shared.country_unknown,
    )
    with pytest.raises(AgreementViolation):
        scheme.check_shared(entry)


def test_only_the_plaintext_scheme_lets_plates_reach_the_local_backend():
    assert [m for m in MatchingMode if scheme_for(m).gives_plaintext] == [MatchingMode.PLAINTEXT]
