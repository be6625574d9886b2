"""The screens' pure pieces: the stream's cursor and frames, fingerprints compared as
heard on the phone, agreement terms from the form and back, and the navigation of each
role pointing at pages the console mounts."""

from __future__ import annotations

import pytest

from gateway.console import screens
from gateway.console.screens import agreement_terms as terms
from gateway.console.screens import live
from gateway.console.screens.display import fingerprint_groups, same_fingerprint


def test_the_browsers_last_event_id_goes_before_the_pages_after():
    assert live.cursor("41", "7") == 41
    assert live.cursor(None, "7") == 7
    assert live.cursor(" ", "0") == 0
    assert live.cursor(None, None) is None


@pytest.mark.parametrize("raw", ["x", "-1", "4.2", "1e3"])
def test_a_cursor_is_a_whole_number(raw):
    with pytest.raises(live.CursorInvalid):
        live.cursor(raw, None)


def test_a_frame_carries_its_position_kind_and_one_line_of_json():
    assert live.frame({"a": 1}, event="alert", position=12) == (
        'id: 12\nevent: alert\ndata: {"a":1}\n\n'
    )
    # A behind notice has no position: the browser's cursor stays where it was.
    assert live.frame({"b": 2}, event="behind") == 'event: behind\ndata: {"b":2}\n\n'
    assert live.frame("x\ny") == "data: x\ndata: y\n\n"


def test_fingerprints_compare_as_heard_whatever_the_case_spaces_and_dashes():
    assert same_fingerprint("JEFC-2QJP-GDX5-7XEF", "jefc 2qjp gdx5 7xef")
    assert same_fingerprint("JEFC-2QJP-GDX5-7XEF", "JEFC2QJPGDX57XEF")
    assert not same_fingerprint("JEFC-2QJP-GDX5-7XEF", "JEFC-2QJP-GDX5-7XEE")
    assert not same_fingerprint("JEFC-2QJP-GDX5-7XEF", "JEFC-2QJP-GDX5")
    assert not same_fingerprint("", "")
    assert fingerprint_groups("JEFC-2QJP-GDX5-7XEF") == ["JEFC", "2QJP", "GDX5", "7XEF"]


def test_the_terms_form_makes_the_draft_and_the_draft_fills_the_form_again():
    draft = terms.draft_from_form(dict(terms.DEFAULTS), "nl-terneuzen")
    assert draft.partner == "nl-terneuzen"
    assert sorted(draft.categories) == sorted(terms.CATEGORY_NAMES)
    assert draft.fields.action and draft.fields.flags and not draft.fields.contact
    assert draft.confirmation_deadline_hours == 12 and not draft.onward_sharing
    again = terms.form_from_document(draft)
    assert {k: v for k, v in again.items() if k != "valid_days" and v} == {
        k: v for k, v in terms.DEFAULTS.items() if k != "valid_days" and v
    }


@pytest.mark.parametrize(
    ("name", "value"), [("deadline_hours", "12h"), ("direction", "sideways"), ("valid_days", "")]
)
def test_a_field_that_cannot_be_a_term_is_named(name, value):
    with pytest.raises(terms.TermsInvalid, match=name):
        terms.draft_from_form({**terms.DEFAULTS, name: value}, "nl-terneuzen")


def test_each_roles_home_and_links_are_pages_the_console_mounts():
    gets = {r.path for r in screens.ROUTES if "GET" in (r.methods or ())}
    for role, home in screens.HOMES.items():
        assert home in gets, role
        assert all(path in gets for _, path in screens.NAV[role]), role
