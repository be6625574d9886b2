"""Specification of hit confirmations and retrospective queries
(gateway.domain.confirmations).

be-gent owns the entries (and proposes the agreement); nl-terneuzen observes them with
its cameras. An alert confirmation goes from nl-terneuzen to be-gent; hit details and,
by default here, retrospective queries go from be-gent to nl-terneuzen. nl-rotterdam is
a third node with no part in it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from gateway.domain.agreement import (
    AgreementFields,
    AgreementTerms,
    Direction,
    LocationGranularity,
    Purpose,
    validate_terms,
)
from gateway.domain.confirmations import (
    DEFAULT_URGENT_HOURS,
    MAX_RETRO_SIGHTINGS,
    MAX_RETRO_WINDOW,
    URGENT_MAX_HOURS,
    AnswerContent,
    Confirmation,
    ConfirmationEvent,
    ConfirmationRequest,
    EventKind,
    Outcome,
    RequestKind,
    SightingDetail,
    State,
    Urgency,
    check_answer,
    check_follow_up,
    check_request,
    default_deadline,
    longest_deadline,
    new_request,
)
from gateway.domain.errors import AgreementViolation, IllegalTransition, InvalidInput
from gateway.domain.hits import DEFAULT_MAX_CLOCK_SKEW, NotifiedLocation

OWNER = "be-gent"
OBSERVER = "nl-terneuzen"
OUTSIDER = "nl-rotterdam"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
REQUEST_ID = "0195f3c2-7a10-7000-8000-0000000000c1"
QUERY_ID = "0195f3c2-7a10-7000-8000-0000000000c0"
HIT_ID = "0195f3c2-7a10-7000-8000-000000000001"
ENTRY_ID = "0195f3c2-7a10-7000-8000-0000000000e1"
PLATE = "1ABC123"  # a plate that must never show up in a message or a repr
CASE = "PV-GE-2026-001234"
LEGAL_ORDER = "OR Gent 2026/0042 (onderzoeksrechter)"
WINDOW = (NOW - timedelta(days=3), NOW - timedelta(days=1))
SKEW = DEFAULT_MAX_CLOCK_SKEW

HIT_KINDS = [RequestKind.ALERT_CONFIRMATION, RequestKind.HIT_DETAILS]
RETRO_KINDS = [RequestKind.RETRO_QUERY, RequestKind.RETRO_DETAILS]
# Who asks whom by default: (requester, responder).
ROLES = {
    RequestKind.ALERT_CONFIRMATION: (OBSERVER, OWNER),
    RequestKind.HIT_DETAILS: (OWNER, OBSERVER),
    RequestKind.RETRO_QUERY: (OWNER, OBSERVER),
    RequestKind.RETRO_DETAILS: (OWNER, OBSERVER),
}
FINENESS = {
    LocationGranularity.NONE: 0,
    LocationGranularity.ZONE: 1,
    LocationGranularity.SITE: 2,
    LocationGranularity.CAMERA: 3,
}
# The coarsest granularity at which each location field may be disclosed.
FIELD_NEEDS = {
    "camera": LocationGranularity.CAMERA,
    "site": LocationGranularity.SITE,
    "zone": LocationGranularity.ZONE,
}
DETAIL = SightingDetail(
    observed_at=NOW - timedelta(days=2),
    location=NotifiedLocation(site="kennedy-tunnel", zone="left-bank"),
    direction="in",
)


def make_terms(**overrides: object) -> AgreementTerms:
    terms = AgreementTerms(
        "agr-1",
        1,
        OWNER,
        OBSERVER,
        NOW - timedelta(days=30),
        NOW + timedelta(days=365),
        ("stolen_vehicle",),
        (Purpose.CRIMINAL_INVESTIGATION, Purpose.MISSING_PERSONS),
        location_granularity=LocationGranularity.SITE,
        confirmation_deadline_hours=12,
    )
    return validate_terms(dataclasses.replace(terms, **overrides))  # type: ignore[arg-type]


TERMS = make_terms()


def ask(
    kind: RequestKind = RequestKind.ALERT_CONFIRMATION,
    terms: AgreementTerms = TERMS,
    **overrides: object,
) -> ConfirmationRequest:
    """A request made now by the requesting side, through new_request."""
    requester, responder = ROLES[kind]
    values: dict[str, object] = {
        "request_id": REQUEST_ID,
        "kind": kind,
        "terms": terms,
        "requester": requester,
        "requester_user": "insp.devos",
        "responder": responder,
        "purpose": Purpose.CRIMINAL_INVESTIGATION,
        "case_reference": CASE,
        "now": NOW,
    }
    if kind.about_a_hit:
        values |= {"hit_id": HIT_ID, "entry_id": ENTRY_ID}
    else:
        values |= {
            "plate": PLATE,
            "country": "BE",
            "window_start": WINDOW[0],
            "window_end": WINDOW[1],
            "legal_order": LEGAL_ORDER,
        }
    if kind is RequestKind.RETRO_DETAILS:
        values["previous_request_id"] = QUERY_ID
    values.update(overrides)
    return new_request(**values)  # type: ignore[arg-type]


def request(
    kind: RequestKind = RequestKind.ALERT_CONFIRMATION, /, **changes: object
) -> ConfirmationRequest:
    """A well-formed request, then changed behind new_request's back (as a peer could)."""
    return dataclasses.replace(ask(kind), **changes)  # type: ignore[arg-type]


def check(
    req: ConfirmationRequest,
    terms: AgreementTerms | None = TERMS,
    *,
    sender: str | None = None,
    this_node: str | None = None,
    now: datetime = NOW,
) -> None:
    check_request(
        req,
        terms,
        sender=req.requester if sender is None else sender,
        this_node=req.responder if this_node is None else this_node,
        now=now,
    )


def refused(
    error: type[Exception],
    phrase: str,
    req: ConfirmationRequest,
    terms: AgreementTerms | None = TERMS,
    **kwargs: object,
) -> str:
    """Assert `req` is refused with `error` naming `phrase`, and never the plate."""
    with pytest.raises(error, match=phrase) as caught:
        check(req, terms, **kwargs)  # type: ignore[arg-type]
    message = str(caught.value)
    assert PLATE not in message
    return message


def answer_refused(
    error: type[Exception],
    phrase: str,
    kind: RequestKind,
    content: AnswerContent,
    terms: AgreementTerms = TERMS,
) -> None:
    with pytest.raises(error, match=phrase) as caught:
        check_answer(Confirmation(ask(kind)), content, terms)
    assert PLATE not in str(caught.value)


# -- building a request ------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(RequestKind))
def test_the_requester_builds_a_request_the_responder_accepts(kind: RequestKind) -> None:
    req = ask(kind)
    assert (req.agreement_id, req.agreement_version) == ("agr-1", 1)
    assert req.created_at == NOW
    check(req)


def test_a_normal_request_gets_the_agreement_deadline() -> None:
    assert ask().deadline == NOW + timedelta(hours=12)


def test_an_urgent_request_gets_a_short_deadline() -> None:
    req = ask(urgency=Urgency.URGENT, urgent_reason="vehicle heading for the ferry")
    assert req.deadline == NOW + timedelta(hours=DEFAULT_URGENT_HOURS)
    assert DEFAULT_URGENT_HOURS <= URGENT_MAX_HOURS


def test_the_default_deadline_never_exceeds_the_longest_one() -> None:
    for hours in (1, 2, 12, 48):
        terms = make_terms(confirmation_deadline_hours=hours)
        for urgency in Urgency:
            assert default_deadline(terms, NOW, urgency) - NOW <= longest_deadline(terms, urgency)


def test_a_default_deadline_needs_a_time_zone() -> None:
    with pytest.raises(InvalidInput, match="time zone"):
        default_deadline(TERMS, NOW.replace(tzinfo=None), Urgency.NORMAL)


def test_the_requester_normalises_plate_and_country() -> None:
    req = ask(RequestKind.RETRO_QUERY, plate="1-abc-123", country="bel")
    assert (req.plate, req.country) == (PLATE, "BE")


def test_the_requester_sends_times_in_utc_at_millisecond_precision() -> None:
    req = ask(now=NOW.replace(microsecond=123456))
    assert req.created_at == NOW.replace(microsecond=123000)
    assert req.created_at.tzinfo is UTC


def test_a_request_the_responder_would_refuse_is_never_built() -> None:
    with pytest.raises(AgreementViolation, match="purpose"):
        ask(purpose=Purpose.TRAFFIC_SAFETY)


def test_an_unreadable_plate_is_refused_without_quoting_it() -> None:
    with pytest.raises(InvalidInput, match="not allowed") as caught:
        ask(RequestKind.RETRO_QUERY, plate=f"{PLATE}!")
    assert PLATE not in str(caught.value)


kinds = st.sampled_from(list(RequestKind))


@settings(max_examples=40, deadline=None)
@given(
    kind=kinds,
    urgent=st.booleans(),
    deadline_hours=st.integers(min_value=1, max_value=24),
    fraction=st.floats(min_value=0.01, max_value=1.0),
    owner_proposes=st.booleans(),
    delay=st.floats(min_value=0.0, max_value=0.999),
)
def test_the_responder_accepts_every_request_the_requester_builds(
    kind: RequestKind,
    urgent: bool,
    deadline_hours: int,
    fraction: float,
    owner_proposes: bool,
    delay: float,
) -> None:
    terms = make_terms(
        proposer=OWNER if owner_proposes else OBSERVER,
        partner=OBSERVER if owner_proposes else OWNER,
        confirmation_deadline_hours=deadline_hours,
    )
    urgency = Urgency.URGENT if urgent else Urgency.NORMAL
    span = longest_deadline(terms, urgency) * fraction
    req = ask(
        kind,
        terms,
        urgency=urgency,
        urgent_reason="suspect at the lock" if urgent else "",
        deadline=NOW + max(span, timedelta(milliseconds=1)),
    )
    check(req, terms, now=NOW + (req.deadline - NOW) * delay)


# -- rule 1: from its requester, to us -----------------------------------------------------


def test_a_node_may_not_ask_on_behalf_of_another() -> None:
    message = refused(AgreementViolation, "on its own behalf", ask(), sender=OUTSIDER)
    assert OBSERVER in message and OUTSIDER in message


def test_a_request_for_another_node_is_refused() -> None:
    refused(
        AgreementViolation,
        "wrong node",
        ask(RequestKind.RETRO_QUERY),
        this_node=OUTSIDER,
    )


def test_a_forged_requester_name_is_bounded_in_the_message() -> None:
    req = request(requester="x" * 10_000)
    with pytest.raises(AgreementViolation) as caught:
        check(req, sender=OBSERVER)
    assert len(str(caught.value)) < 400


# -- rule 2: under an agreement in force ----------------------------------------------------


@pytest.mark.parametrize("kind", list(RequestKind))
def test_a_request_under_an_agreement_not_in_force_is_refused(kind: RequestKind) -> None:
    refused(AgreementViolation, "not in force", ask(kind), None)


def test_terms_of_another_agreement_version_are_refused() -> None:
    refused(AgreementViolation, "checked against", ask(), make_terms(version=2))


def test_an_agreement_with_a_third_node_carries_no_requests() -> None:
    refused(AgreementViolation, "not between", ask(), make_terms(partner=OUTSIDER))


def test_a_node_cannot_ask_itself() -> None:
    req = request(responder=OBSERVER)
    refused(AgreementViolation, "not between", req)


@pytest.mark.parametrize("kind", list(RequestKind))
def test_an_agreement_without_confirmations_refuses_every_kind_of_request(
    kind: RequestKind,
) -> None:
    refused(
        AgreementViolation,
        "does not allow confirmation requests",
        ask(kind),
        make_terms(confirmations_allowed=False),
    )


# -- rule 3: a purpose the agreement names -----------------------------------------------------


@pytest.mark.parametrize("kind", list(RequestKind))
def test_a_request_for_a_purpose_the_agreement_does_not_name_is_refused(
    kind: RequestKind,
) -> None:
    message = refused(
        AgreementViolation,
        "states a purpose",
        request(kind, purpose=Purpose.PUBLIC_ORDER),
    )
    assert "criminal_investigation" in message  # says what is allowed


# -- rule 4: a direction the agreement supports -------------------------------------------------


def test_an_alert_can_only_be_confirmed_by_an_owner_who_shares_it() -> None:
    # Only the partner (the observer) shares: the owner's entries are not held there.
    terms = make_terms(direction=Direction.PARTNER_TO_PROPOSER)
    refused(AgreementViolation, "holds no alert", request(), terms)


def test_hit_details_can_only_be_asked_by_an_owner_who_shares_its_entries() -> None:
    terms = make_terms(direction=Direction.PARTNER_TO_PROPOSER)
    refused(AgreementViolation, "can have no hit", request(RequestKind.HIT_DETAILS), terms)


@pytest.mark.parametrize("direction", list(Direction))
@pytest.mark.parametrize("requester", [OWNER, OBSERVER])
@pytest.mark.parametrize("kind", RETRO_KINDS)
def test_retrospective_queries_go_either_way_whatever_the_hotlist_direction(
    direction: Direction, requester: str, kind: RequestKind
) -> None:
    terms = make_terms(direction=direction)
    responder = OBSERVER if requester == OWNER else OWNER
    check(ask(kind, terms, requester=requester, responder=responder), terms)


# -- rule 5: timely ---------------------------------------------------------------------------


def test_a_request_from_the_future_beyond_clock_skew_is_refused() -> None:
    message = refused(
        InvalidInput, "check both nodes' clocks", ask(), now=NOW - SKEW - timedelta(seconds=1)
    )
    assert "2026-03-01" in message


def test_a_request_within_clock_skew_of_now_is_accepted() -> None:
    check(ask(), now=NOW - SKEW)


def test_a_deadline_before_the_request_was_made_is_refused() -> None:
    refused(InvalidInput, "deadline is not after", request(deadline=NOW))


def test_a_request_whose_deadline_has_passed_is_refused() -> None:
    refused(InvalidInput, "already passed", ask(), now=NOW + timedelta(hours=12))


def test_a_deadline_beyond_the_agreement_is_refused() -> None:
    req = request(deadline=NOW + timedelta(hours=12, milliseconds=1))
    refused(AgreementViolation, "12 hours", req)


def test_a_deadline_at_the_agreement_limit_is_accepted() -> None:
    check(request(deadline=NOW + timedelta(hours=12)))


def test_an_urgent_request_must_be_answerable_within_the_urgent_maximum() -> None:
    req = request(
        urgency=Urgency.URGENT,
        urgent_reason="suspect at the lock",
        deadline=NOW + timedelta(hours=URGENT_MAX_HOURS, seconds=1),
    )
    refused(InvalidInput, f"within {URGENT_MAX_HOURS} hours", req)


def test_an_urgent_deadline_is_also_bounded_by_the_agreement() -> None:
    terms = make_terms(confirmation_deadline_hours=1)
    req = ask(terms=terms, urgency=Urgency.URGENT, urgent_reason="suspect at the lock")
    refused(
        AgreementViolation,
        "1 hours",
        dataclasses.replace(req, deadline=NOW + timedelta(hours=2)),
        terms,
    )


def test_an_urgent_request_must_state_why() -> None:
    req = ask(urgency=Urgency.URGENT, urgent_reason="suspect at the lock")
    refused(InvalidInput, "state why", dataclasses.replace(req, urgent_reason="  "))


def test_a_normal_request_carries_no_urgent_reason() -> None:
    refused(InvalidInput, "not urgent", request(urgent_reason="hurry"))


@pytest.mark.parametrize("field", ["created_at", "deadline"])
def test_request_times_without_time_zone_are_refused(field: str) -> None:
    req = ask()
    req = dataclasses.replace(req, **{field: getattr(req, field).replace(tzinfo=None)})
    refused(InvalidInput, "time zone", req)


# -- rule 6: well formed ------------------------------------------------------------------------

HIT_CARRIES = [
    ({"plate": PLATE}, "carries no plate"),
    ({"country": "BE"}, "carries no country"),
    ({"window_start": WINDOW[0], "window_end": WINDOW[1]}, "carries no window start, window end"),
    ({"legal_order": LEGAL_ORDER}, "carries no legal order"),
    ({"previous_request_id": QUERY_ID}, "carries no previous request id"),
]


@pytest.mark.parametrize(
    ("kind", "changes", "phrase"),
    [
        (RequestKind.ALERT_CONFIRMATION, {"kind": "recall"}, "unknown request kind"),
        (RequestKind.ALERT_CONFIRMATION, {"urgency": "asap"}, "unknown urgency"),
        (RequestKind.ALERT_CONFIRMATION, {"request_id": ""}, "request id is empty"),
        (RequestKind.ALERT_CONFIRMATION, {"request_id": "r" * 65}, "longer than 64"),
        (RequestKind.ALERT_CONFIRMATION, {"request_id": "r\x00"}, "control characters"),
        (RequestKind.ALERT_CONFIRMATION, {"requester_user": ""}, "requesting user is empty"),
        (RequestKind.ALERT_CONFIRMATION, {"case_reference": ""}, "case reference is empty"),
        (RequestKind.ALERT_CONFIRMATION, {"case_reference": "c" * 65}, "longer than 64"),
        (RequestKind.ALERT_CONFIRMATION, {"question": "q" * 1001}, "longer than 1000"),
        (RequestKind.ALERT_CONFIRMATION, {"question": "bell\x07"}, "control characters"),
        (RequestKind.ALERT_CONFIRMATION, {"hit_id": ""}, "hit id is empty"),
        (RequestKind.HIT_DETAILS, {"entry_id": ""}, "entry id is empty"),
        *((k, c, p) for k in HIT_KINDS for c, p in HIT_CARRIES),
        (RequestKind.RETRO_QUERY, {"hit_id": HIT_ID}, "names no hit id"),
        (RequestKind.RETRO_DETAILS, {"entry_id": ENTRY_ID}, "names no entry id"),
        (RequestKind.RETRO_QUERY, {"plate": ""}, "names no plate"),
        (RequestKind.RETRO_QUERY, {"plate": "1-abc-123"}, "normalised form"),
        (RequestKind.RETRO_QUERY, {"plate": PLATE + "?"}, "not allowed on a licence plate"),
        (RequestKind.RETRO_DETAILS, {"plate": PLATE * 2}, "too long"),
        (RequestKind.RETRO_QUERY, {"country": "ZZ"}, "unknown country code"),
        (RequestKind.RETRO_QUERY, {"legal_order": ""}, "legal order is empty"),
        (RequestKind.RETRO_QUERY, {"legal_order": "o" * 129}, "longer than 128"),
        (RequestKind.RETRO_QUERY, {"window_start": None}, "window start and end"),
        (RequestKind.RETRO_DETAILS, {"window_end": None}, "window start and end"),
        (
            RequestKind.RETRO_QUERY,
            {"window_start": WINDOW[0].replace(tzinfo=None)},
            "time zone",
        ),
        (RequestKind.RETRO_QUERY, {"window_start": WINDOW[1]}, "ends before it starts"),
        (
            RequestKind.RETRO_QUERY,
            {"window_end": NOW + SKEW + timedelta(seconds=1)},
            "asks about the past",
        ),
        (
            RequestKind.RETRO_QUERY,
            {"window_start": WINDOW[1] - MAX_RETRO_WINDOW - timedelta(seconds=1)},
            "shorter period",
        ),
        (RequestKind.RETRO_DETAILS, {"previous_request_id": ""}, "previous request id is empty"),
        (RequestKind.RETRO_DETAILS, {"previous_request_id": REQUEST_ID}, "follow themselves"),
        (RequestKind.RETRO_QUERY, {"previous_request_id": QUERY_ID}, "follows no earlier"),
    ],
)
def test_a_malformed_request_is_refused(
    kind: RequestKind, changes: dict[str, object], phrase: str
) -> None:
    refused(InvalidInput, phrase, request(kind, **changes))


def test_a_window_of_exactly_the_maximum_is_accepted() -> None:
    check(request(RequestKind.RETRO_QUERY, window_start=WINDOW[1] - MAX_RETRO_WINDOW))


def test_a_request_with_an_unknown_country_is_accepted_without_one() -> None:
    check(ask(RequestKind.RETRO_QUERY, country=""))


# -- rule 7: details only after "seen" -----------------------------------------------------------


def query(outcome: Outcome | None = Outcome.CONFIRMED, **changes: object) -> Confirmation:
    """The retrospective query the details follow: asked two hours ago, answered
    (or still open when outcome is None)."""
    made = ask(
        RequestKind.RETRO_QUERY,
        request_id=QUERY_ID,
        now=NOW - timedelta(hours=2),
        window_start=WINDOW[0] - timedelta(days=1),
        window_end=WINDOW[1],
    )
    conf = Confirmation(dataclasses.replace(made, **changes))  # type: ignore[arg-type]
    if outcome is None:
        return conf
    return conf.answered(AnswerContent(outcome), by="agent.jansen", at=NOW - timedelta(hours=1))


def follow_up_refused(phrase: str, previous: Confirmation | None, **changes: object) -> None:
    details = request(RequestKind.RETRO_DETAILS, **changes)
    with pytest.raises(AgreementViolation, match=phrase) as caught:
        check_follow_up(details, previous)
    assert PLATE not in str(caught.value)


def test_details_may_follow_a_query_answered_seen() -> None:
    check_follow_up(ask(RequestKind.RETRO_DETAILS), query())


def test_details_without_a_query_held_here_are_refused() -> None:
    follow_up_refused("does not hold", None)


def test_details_naming_another_query_than_the_one_given_are_refused() -> None:
    follow_up_refused("does not hold", query(), previous_request_id="another")


def test_details_before_the_query_is_answered_are_refused() -> None:
    follow_up_refused("not answered", query(None))


def test_details_after_a_query_answered_not_seen_are_refused() -> None:
    follow_up_refused("'not seen'", query(Outcome.NOT_CONFIRMED))


def test_details_about_another_plate_are_refused_without_naming_either() -> None:
    follow_up_refused("another plate", query(), plate="9XYZ999")


def test_details_about_another_country_are_refused() -> None:
    follow_up_refused("another plate or country", query(), country="NL")


def test_details_for_another_purpose_are_refused() -> None:
    follow_up_refused("another purpose", query(purpose=Purpose.MISSING_PERSONS))


def test_details_between_other_nodes_are_refused() -> None:
    follow_up_refused("between other nodes", query(requester=OBSERVER, responder=OWNER))


def test_details_beyond_the_query_window_are_refused() -> None:
    follow_up_refused(
        "outside", query(), window_start=WINDOW[0] - timedelta(days=2), window_end=WINDOW[1]
    )


def test_details_must_follow_a_retrospective_query() -> None:
    previous = Confirmation(ask(RequestKind.HIT_DETAILS, request_id=QUERY_ID))
    follow_up_refused("not a retrospective query", previous)


def test_only_details_follow_a_query() -> None:
    with pytest.raises(InvalidInput, match="only details follow"):
        check_follow_up(ask(RequestKind.RETRO_QUERY), query())


# -- rule 8: the answer is under the request's agreement ------------------------------------------


def test_an_answer_checked_against_another_agreement_is_refused() -> None:
    answer_refused(
        AgreementViolation,
        "checked against",
        RequestKind.ALERT_CONFIRMATION,
        AnswerContent(Outcome.CONFIRMED),
        make_terms(agreement_id="agr-2"),
    )


def test_an_answer_under_a_newer_version_follows_the_newer_terms() -> None:
    newer = make_terms(version=2, fields=AgreementFields(contact=True))
    check_answer(
        Confirmation(ask()), AnswerContent(Outcome.CONFIRMED, contact="+32 9 000 00 00"), newer
    )


def test_an_answer_checked_against_an_older_version_is_refused() -> None:
    req = ask(terms=make_terms(version=3))
    with pytest.raises(AgreementViolation, match="checked against"):
        check_answer(Confirmation(req), AnswerContent(Outcome.CONFIRMED), make_terms(version=2))


def test_no_answer_once_the_agreement_stops_allowing_confirmations() -> None:
    answer_refused(
        AgreementViolation,
        "no longer allows",
        RequestKind.ALERT_CONFIRMATION,
        AnswerContent(Outcome.CONFIRMED),
        make_terms(version=2, confirmations_allowed=False),
    )


# -- rule 9: what an alert confirmation may carry ------------------------------------------


def test_an_alert_confirmation_carries_what_the_agreement_shares() -> None:
    content = AnswerContent(
        Outcome.CONFIRMED,
        note="still wanted, approach with care",
        action="specific_check",
        flags=("suspected_clone",),
    )
    check_answer(Confirmation(ask()), content, TERMS)


def test_an_alert_confirmation_with_a_contact_the_agreement_withholds_is_refused() -> None:
    assert TERMS.fields.contact is False
    answer_refused(
        AgreementViolation,
        "carries a contact",
        RequestKind.ALERT_CONFIRMATION,
        AnswerContent(Outcome.CONFIRMED, contact="+32 9 000 00 00"),
    )


@pytest.mark.parametrize(
    ("withheld", "content"),
    [
        ("action", AnswerContent(Outcome.CONFIRMED, action="seize")),
        ("flags", AnswerContent(Outcome.CONFIRMED, flags=())),
    ],
)
def test_an_alert_confirmation_names_each_field_the_agreement_withholds(
    withheld: str, content: AnswerContent
) -> None:
    terms = make_terms(fields=AgreementFields(**{withheld: False}))  # type: ignore[arg-type]
    answer_refused(
        AgreementViolation, f"carries a {withheld}", RequestKind.ALERT_CONFIRMATION, content, terms
    )


def test_an_alert_confirmation_carries_no_sightings() -> None:
    answer_refused(
        AgreementViolation,
        "no sightings",
        RequestKind.ALERT_CONFIRMATION,
        AnswerContent(Outcome.CONFIRMED, sightings=(DETAIL,)),
    )


def test_an_alert_not_confirmed_carries_no_action() -> None:
    answer_refused(
        InvalidInput,
        "no alert stands",
        RequestKind.ALERT_CONFIRMATION,
        AnswerContent(Outcome.NOT_CONFIRMED, action="seize"),
    )


@pytest.mark.parametrize(
    ("content", "phrase"),
    [
        (AnswerContent(Outcome.CONFIRMED, action="arrest"), "unknown action"),
        (AnswerContent(Outcome.CONFIRMED, flags=("armed",)), "unknown flag"),
        (
            AnswerContent(Outcome.CONFIRMED, flags=("suspected_clone", "suspected_clone")),
            "given twice",
        ),
    ],
)
def test_an_alert_confirmation_uses_known_actions_and_flags(
    content: AnswerContent, phrase: str
) -> None:
    answer_refused(InvalidInput, phrase, RequestKind.ALERT_CONFIRMATION, content)


# -- rules 10-12: hit details, retrospective query, retrospective details -----------------


@pytest.mark.parametrize("kind", [RequestKind.HIT_DETAILS, *RETRO_KINDS])
@pytest.mark.parametrize("field", ["action", "flags", "contact"])
def test_only_an_alert_confirmation_speaks_for_the_entry(kind: RequestKind, field: str) -> None:
    value = {"action": "seize", "flags": (), "contact": "desk"}[field]
    terms = make_terms(fields=AgreementFields(contact=True))
    answer_refused(
        AgreementViolation,
        f"carries no {field}",
        kind,
        AnswerContent(Outcome.CONFIRMED, **{field: value}),  # type: ignore[arg-type]
        terms,
    )


def test_hit_details_carry_the_hit_sighting_at_the_agreed_granularity() -> None:
    check_answer(
        Confirmation(ask(RequestKind.HIT_DETAILS)),
        AnswerContent(Outcome.CONFIRMED, sightings=(DETAIL,)),
        TERMS,
    )


def test_hit_details_with_a_camera_id_under_site_granularity_are_refused() -> None:
    detail = dataclasses.replace(
        DETAIL, location=NotifiedLocation(camera="cam-017", site="kennedy-tunnel")
    )
    with pytest.raises(AgreementViolation, match="carries a camera id") as caught:
        check_answer(
            Confirmation(ask(RequestKind.HIT_DETAILS)),
            AnswerContent(Outcome.CONFIRMED, sightings=(detail,)),
            TERMS,
        )
    assert "site granularity" in str(caught.value)
    assert "cam-017" not in str(caught.value)


def test_hit_details_carry_one_sighting_only() -> None:
    answer_refused(
        AgreementViolation,
        "at most 1 sighting,",
        RequestKind.HIT_DETAILS,
        AnswerContent(Outcome.CONFIRMED, sightings=(DETAIL, DETAIL)),
    )


@pytest.mark.parametrize("kind", [RequestKind.HIT_DETAILS, RequestKind.RETRO_DETAILS])
def test_details_not_confirmed_carry_no_sightings(kind: RequestKind) -> None:
    answer_refused(
        InvalidInput,
        "carries no sightings",
        kind,
        AnswerContent(Outcome.NOT_CONFIRMED, sightings=(DETAIL,)),
    )


def test_a_retrospective_query_with_sightings_is_refused() -> None:
    answer_refused(
        AgreementViolation,
        "seen / not seen only",
        RequestKind.RETRO_QUERY,
        AnswerContent(Outcome.CONFIRMED, sightings=(DETAIL,)),
    )


@pytest.mark.parametrize("outcome", list(Outcome))
def test_a_retrospective_query_is_answered_hit_or_no_hit(outcome: Outcome) -> None:
    check_answer(Confirmation(ask(RequestKind.RETRO_QUERY)), AnswerContent(outcome), TERMS)


def test_retrospective_details_carry_sightings_in_the_window() -> None:
    sightings = tuple(
        dataclasses.replace(DETAIL, observed_at=WINDOW[0] + timedelta(hours=i)) for i in range(48)
    )
    check_answer(
        Confirmation(ask(RequestKind.RETRO_DETAILS)),
        AnswerContent(Outcome.CONFIRMED, sightings=sightings),
        TERMS,
    )


def test_retrospective_details_carry_a_bounded_number_of_sightings() -> None:
    answer_refused(
        AgreementViolation,
        f"at most {MAX_RETRO_SIGHTINGS} sightings",
        RequestKind.RETRO_DETAILS,
        AnswerContent(Outcome.CONFIRMED, sightings=(DETAIL,) * (MAX_RETRO_SIGHTINGS + 1)),
    )


def test_retrospective_details_outside_the_asked_window_are_refused() -> None:
    outside = dataclasses.replace(DETAIL, observed_at=WINDOW[1] + timedelta(seconds=1))
    answer_refused(
        AgreementViolation,
        "outside the window",
        RequestKind.RETRO_DETAILS,
        AnswerContent(Outcome.CONFIRMED, sightings=(outside,)),
    )


names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=20)


@settings(max_examples=60, deadline=None)
@given(
    kind=st.sampled_from([RequestKind.HIT_DETAILS, RequestKind.RETRO_DETAILS]),
    granularity=st.sampled_from(list(LocationGranularity)),
    camera=st.none() | names,
    site=st.none() | names,
    zone=st.none() | names,
)
def test_no_answer_discloses_a_location_finer_than_the_agreement_allows(
    kind: RequestKind,
    granularity: LocationGranularity,
    camera: str | None,
    site: str | None,
    zone: str | None,
) -> None:
    terms = make_terms(location_granularity=granularity)
    location = NotifiedLocation(camera=camera, site=site, zone=zone)
    content = AnswerContent(
        Outcome.CONFIRMED, sightings=(dataclasses.replace(DETAIL, location=location),)
    )
    too_fine = [
        name
        for name, needs in FIELD_NEEDS.items()
        if getattr(location, name) is not None and FINENESS[granularity] < FINENESS[needs]
    ]
    conf = Confirmation(ask(kind, terms))
    if too_fine:
        label = "camera id" if too_fine[0] == "camera" else too_fine[0]
        with pytest.raises(AgreementViolation, match=f"carries a {label}"):
            check_answer(conf, content, terms)
    else:
        check_answer(conf, content, terms)


# -- rule 13: a well-formed answer ------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "content", "phrase"),
    [
        (RequestKind.RETRO_QUERY, AnswerContent("maybe"), "unknown outcome"),  # type: ignore[arg-type]
        (
            RequestKind.RETRO_QUERY,
            AnswerContent(Outcome.CONFIRMED, note="n" * 1001),
            "note is longer than 1000",
        ),
        (
            RequestKind.ALERT_CONFIRMATION,
            AnswerContent(Outcome.CONFIRMED, note="line one\nline two\x1b[2J"),
            "control characters",
        ),
        (
            RequestKind.HIT_DETAILS,
            AnswerContent(
                Outcome.CONFIRMED,
                sightings=(dataclasses.replace(DETAIL, observed_at=NOW.replace(tzinfo=None)),),
            ),
            "time zone",
        ),
        (
            RequestKind.HIT_DETAILS,
            AnswerContent(
                Outcome.CONFIRMED, sightings=(dataclasses.replace(DETAIL, direction="north"),)
            ),
            "direction",
        ),
        (
            RequestKind.HIT_DETAILS,
            AnswerContent(
                Outcome.CONFIRMED, sightings=(dataclasses.replace(DETAIL, image_ref="i" * 257),)
            ),
            "image reference is longer than 256",
        ),
        (
            RequestKind.RETRO_DETAILS,
            AnswerContent(
                Outcome.CONFIRMED,
                sightings=(dataclasses.replace(DETAIL, location=NotifiedLocation(site="")),),
            ),
            "sighting 1 site is empty",
        ),
    ],
)
def test_a_malformed_answer_is_refused(
    kind: RequestKind, content: AnswerContent, phrase: str
) -> None:
    answer_refused(InvalidInput, phrase, kind, content)


def test_an_alert_confirmation_contact_is_bounded() -> None:
    terms = make_terms(fields=AgreementFields(contact=True))
    answer_refused(
        InvalidInput,
        "contact is longer than 200",
        RequestKind.ALERT_CONFIRMATION,
        AnswerContent(Outcome.CONFIRMED, contact="c" * 201),
        terms,
    )


# -- transitions (rules 14-16) ----------------------------------------------------------------

DEADLINE = NOW + timedelta(hours=12)
BEFORE = DEADLINE - timedelta(milliseconds=1)
CONTENT = AnswerContent(Outcome.CONFIRMED)
EVENTS: dict[str, Callable[[Confirmation, datetime], Confirmation]] = {
    "answered": lambda c, at: c.answered(CONTENT, by="agent.jansen", at=at),
    "refused": lambda c, at: c.refused("no legal order attached", by="agent.jansen", at=at),
    "withdrawn": lambda c, at: c.withdrawn(by="insp.devos", at=at),
    "expired": lambda c, at: c.expired(at=at),
}


def opened() -> Confirmation:
    conf = Confirmation(ask())
    assert conf.request.deadline == DEADLINE
    return conf


def closed(state: State) -> Confirmation:
    conf = opened()
    return EVENTS[state.value](conf, DEADLINE if state is State.EXPIRED else NOW)


def test_a_new_confirmation_is_open() -> None:
    conf = opened()
    assert conf.is_open and conf.state is State.OPEN
    assert conf.answer is None and conf.closed_at is None


def test_an_open_request_can_be_answered_before_its_deadline() -> None:
    conf = opened()
    done = conf.answered(CONTENT, by="agent.jansen", at=BEFORE)
    assert (done.state, done.answer, done.answered_by, done.closed_at) == (
        State.ANSWERED,
        CONTENT,
        "agent.jansen",
        BEFORE,
    )
    assert conf.is_open  # the old value is unchanged
    assert not done.is_open


def test_an_open_request_can_be_refused_with_a_reason() -> None:
    done = opened().refused("no legal order attached", by="agent.jansen", at=NOW)
    assert (done.state, done.refusal_reason, done.answered_by) == (
        State.REFUSED,
        "no legal order attached",
        "agent.jansen",
    )
    assert done.answer is None


def test_an_open_request_can_be_withdrawn_recording_who_withdrew() -> None:
    # Whether insp.devos is on the requesting side is the service's check.
    done = opened().withdrawn(by="insp.devos", at=NOW)
    assert (done.state, done.withdrawn_by, done.answered_by) == (
        State.WITHDRAWN,
        "insp.devos",
        "",
    )


def test_an_open_request_expires_at_its_deadline() -> None:
    done = opened().expired(at=DEADLINE)
    assert (done.state, done.closed_at) == (State.EXPIRED, DEADLINE)


TERMINAL = [State.ANSWERED, State.REFUSED, State.WITHDRAWN, State.EXPIRED]


@pytest.mark.parametrize("event", list(EVENTS))
@pytest.mark.parametrize("state", TERMINAL)
def test_every_closed_request_refuses_every_event(state: State, event: str) -> None:
    conf = closed(state)
    for at in (NOW, DEADLINE + timedelta(hours=1)):
        with pytest.raises(IllegalTransition, match=f"is already {state.value}"):
            EVENTS[event](conf, at)


@pytest.mark.parametrize("event", ["answered", "refused", "withdrawn"])
@pytest.mark.parametrize("late", [timedelta(0), timedelta(days=1)])
def test_nobody_acts_on_a_request_once_its_deadline_passed(event: str, late: timedelta) -> None:
    with pytest.raises(IllegalTransition, match="deadline passed"):
        EVENTS[event](opened(), DEADLINE + late)


def test_a_request_cannot_expire_before_its_deadline() -> None:
    with pytest.raises(IllegalTransition, match="not due until"):
        opened().expired(at=BEFORE)


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_refusal_must_say_why(reason: str) -> None:
    with pytest.raises(InvalidInput, match="must say why"):
        opened().refused(reason, by="agent.jansen", at=NOW)


@pytest.mark.parametrize("event", ["answered", "refused", "withdrawn"])
def test_every_close_by_a_person_records_who(event: str) -> None:
    conf = opened()
    act = {
        "answered": lambda: conf.answered(CONTENT, by="", at=NOW),
        "refused": lambda: conf.refused("reason", by="", at=NOW),
        "withdrawn": lambda: conf.withdrawn(by="", at=NOW),
    }[event]
    with pytest.raises(InvalidInput, match="is empty"):
        act()


@pytest.mark.parametrize("event", list(EVENTS))
def test_event_times_need_a_time_zone(event: str) -> None:
    with pytest.raises(InvalidInput, match="time zone"):
        EVENTS[event](opened(), DEADLINE.replace(tzinfo=None))


def test_an_answer_dated_before_the_request_is_refused() -> None:
    with pytest.raises(InvalidInput, match="check the clocks"):
        EVENTS["answered"](opened(), NOW - SKEW - timedelta(seconds=1))


def test_an_answer_within_clock_skew_before_the_request_is_accepted() -> None:
    assert EVENTS["answered"](opened(), NOW - SKEW).state is State.ANSWERED


def test_an_open_request_is_due_soon_within_the_warning() -> None:
    conf = opened()
    assert conf.due_soon(DEADLINE - timedelta(hours=1), timedelta(hours=1))
    assert not conf.due_soon(DEADLINE - timedelta(hours=2), timedelta(hours=1))
    assert conf.due_soon(DEADLINE + timedelta(hours=1), timedelta(hours=1))  # overdue


@pytest.mark.parametrize("state", TERMINAL)
def test_a_closed_request_is_never_due(state: State) -> None:
    assert not closed(state).due_soon(DEADLINE, timedelta(days=1))


# -- rule 16: only consistent confirmations exist --------------------------------------------

CLOSING_TIMES = {
    "none": None,
    "too_early": NOW - SKEW - timedelta(microseconds=1),
    "before": BEFORE,
    "at": DEADLINE,
    "after": DEADLINE + timedelta(days=1),
}


def consistent(
    state: State, answer: bool, answered_by: str, reason: str, withdrawn_by: str, closing: str
) -> bool:
    """The transition table, as the test reads it: what each state carries."""
    expected_closing = {
        State.OPEN: {"none"},
        State.ANSWERED: {"before"},
        State.REFUSED: {"before"},
        State.WITHDRAWN: {"before"},
        State.EXPIRED: {"at", "after"},
    }[state]
    return (
        closing in expected_closing
        and answer == (state is State.ANSWERED)
        and bool(answered_by) == (state in (State.ANSWERED, State.REFUSED))
        and (bool(reason.strip()) if state is State.REFUSED else reason == "")
        and bool(withdrawn_by) == (state is State.WITHDRAWN)
    )


@settings(max_examples=150, deadline=None)
@given(
    state=st.sampled_from(list(State)),
    answer=st.booleans(),
    answered_by=st.sampled_from(["", "agent.jansen"]),
    reason=st.sampled_from(["", " ", "no legal order attached"]),
    withdrawn_by=st.sampled_from(["", "insp.devos"]),
    closing=st.sampled_from(list(CLOSING_TIMES)),
)
def test_only_consistent_confirmations_can_be_built(
    state: State, answer: bool, answered_by: str, reason: str, withdrawn_by: str, closing: str
) -> None:
    def build() -> Confirmation:
        return Confirmation(
            ask(),
            state=state,
            answer=CONTENT if answer else None,
            answered_by=answered_by,
            refusal_reason=reason,
            closed_at=CLOSING_TIMES[closing],
            withdrawn_by=withdrawn_by,
        )

    if consistent(state, answer, answered_by, reason, withdrawn_by, closing):
        assert build().state is state
    else:
        with pytest.raises(InvalidInput, match=f"in state {state.value} must carry"):
            build()


# -- no sequence of events leaves the transition table ------------------------------------------

TABLE = {
    (State.OPEN, "answered"): State.ANSWERED,
    (State.OPEN, "refused"): State.REFUSED,
    (State.OPEN, "withdrawn"): State.WITHDRAWN,
    (State.OPEN, "expired"): State.EXPIRED,
}
BY_PERSON = {"answered", "refused", "withdrawn"}
REASONS = ["", "  ", "no legal order attached"]


def expected_outcome(
    conf: Confirmation, event: str, at: datetime, reason: str
) -> State | type[Exception]:
    """What the transition table and the deadline say one event must do."""
    req = conf.request
    if (conf.state, event) not in TABLE:
        return IllegalTransition
    if event == "expired":
        return TABLE[conf.state, event] if at >= req.deadline else IllegalTransition
    if at >= req.deadline:
        return IllegalTransition
    if at < req.created_at - SKEW:
        return InvalidInput
    if event == "refused" and not reason.strip():
        return InvalidInput
    return TABLE[conf.state, event]


class ConfirmationLifecycle(RuleBasedStateMachine):
    """Random events at random times, each compared with the transition table."""

    conf: Confirmation
    states: list[State]

    @initialize(
        kind=kinds,
        urgent=st.booleans(),
    )
    def open_request(self, kind: RequestKind, urgent: bool) -> None:
        req = ask(
            kind,
            urgency=Urgency.URGENT if urgent else Urgency.NORMAL,
            urgent_reason="suspect at the lock" if urgent else "",
        )
        self.conf = Confirmation(req)
        self.states = [State.OPEN]

    def times(self, offset: timedelta, anchor: str) -> datetime:
        req = self.conf.request
        return {"created": req.created_at, "deadline": req.deadline}[anchor] + offset

    @rule(
        event=st.sampled_from(list(EVENTS)),
        anchor=st.sampled_from(["created", "deadline"]),
        offset=st.sampled_from(
            [timedelta(0), timedelta(milliseconds=-1), -SKEW, -SKEW - timedelta(milliseconds=1)]
        )
        | st.timedeltas(min_value=timedelta(hours=-3), max_value=timedelta(hours=3)),
        reason=st.sampled_from(REASONS),
    )
    def event(self, event: str, anchor: str, offset: timedelta, reason: str) -> None:
        before = self.conf
        at = self.times(offset, anchor)
        expected = expected_outcome(before, event, at, reason)
        perform: dict[str, Callable[[], Confirmation]] = {
            "answered": lambda: before.answered(CONTENT, by="agent.jansen", at=at),
            "refused": lambda: before.refused(reason, by="agent.jansen", at=at),
            "withdrawn": lambda: before.withdrawn(by="insp.devos", at=at),
            "expired": lambda: before.expired(at=at),
        }
        if isinstance(expected, State):
            after = perform[event]()
            assert after.state is expected
            assert after.closed_at == at
            assert before.state is State.OPEN  # the old value never changes
            self.conf = after
        else:
            with pytest.raises(expected) as caught:
                perform[event]()
            if before.state is not State.OPEN:
                assert f"already {before.state.value}" in str(caught.value)
            assert PLATE not in str(caught.value)
        self.states.append(self.conf.state)

    @invariant()
    def once_closed_the_state_never_changes(self) -> None:
        closes = [s for s in self.states if s is not State.OPEN]
        assert len(set(closes)) <= 1
        assert self.states[: len(self.states) - len(closes)] == [State.OPEN] * (
            len(self.states) - len(closes)
        )

    @invariant()
    def each_state_carries_exactly_what_the_table_says(self) -> None:
        c = self.conf
        req = c.request
        assert c.is_open == (c.state is State.OPEN)
        assert (c.answer is not None) == (c.state is State.ANSWERED)
        assert (c.closed_at is None) == c.is_open
        assert bool(c.answered_by) == (c.state in (State.ANSWERED, State.REFUSED))
        assert bool(c.refusal_reason) == (c.state is State.REFUSED)
        assert bool(c.withdrawn_by) == (c.state is State.WITHDRAWN)
        if c.closed_at is not None:
            assert c.closed_at >= req.created_at - SKEW
            assert (c.closed_at >= req.deadline) == (c.state is State.EXPIRED)
            assert not c.due_soon(req.created_at, req.deadline - req.created_at)


ConfirmationLifecycle.TestCase.settings = settings(
    max_examples=60, stateful_step_count=8, deadline=None
)
TestNoSequenceOfEventsLeavesTheTransitionTable = ConfirmationLifecycle.TestCase


# -- events: what travels when a person closes a request --------------------------------


@pytest.mark.parametrize(
    ("kind", "answer"),
    [
        (EventKind.ANSWERED, None),
        (EventKind.REFUSED, CONTENT),
        (EventKind.WITHDRAWN, CONTENT),
    ],
)
def test_an_event_carries_an_answer_exactly_when_it_answers(
    kind: EventKind, answer: AnswerContent | None
) -> None:
    with pytest.raises(InvalidInput, match="an answer comes with an answered event"):
        ConfirmationEvent(REQUEST_ID, kind, OWNER, "agent.jansen", NOW, answer)


def test_an_event_of_unknown_kind_is_refused() -> None:
    with pytest.raises(InvalidInput, match="unknown confirmation event kind"):
        ConfirmationEvent(REQUEST_ID, "escalated", OWNER, "agent.jansen", NOW)  # type: ignore[arg-type]


def test_every_event_maps_onto_the_transition_of_the_same_name() -> None:
    assert {k.value for k in EventKind} <= {s.value for s in State} - {State.OPEN.value}
    assert {k.value for k in EventKind} <= set(EVENTS)


# -- nothing shows a plate -------------------------------------------------------------------


def test_a_request_repr_shows_ids_only() -> None:
    req = ask(RequestKind.RETRO_QUERY, question=f"seen {PLATE} near the lock?")
    shown = repr(req)
    assert REQUEST_ID in shown and "agr-1" in shown and OWNER in shown
    assert PLATE not in shown
    assert CASE not in shown and LEGAL_ORDER not in shown
    assert PLATE not in repr(Confirmation(req))


def test_an_answer_repr_shows_no_time_or_place() -> None:
    content = AnswerContent(Outcome.CONFIRMED, note=f"it was {PLATE}", sightings=(DETAIL,))
    event = ConfirmationEvent(REQUEST_ID, EventKind.ANSWERED, OWNER, "a.j", NOW, content)
    shown = repr(content) + repr(DETAIL) + repr(event)
    assert PLATE not in shown
    assert "kennedy-tunnel" not in shown and "2026" not in shown
