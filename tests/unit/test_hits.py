"""Specification of hits and hit notifications (gateway.domain.hits).

be-gent owns the entries (and proposes the agreement); nl-terneuzen observes them with
its cameras and notifies be-gent. nl-rotterdam is a third node with no part in it.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.domain.agreement import (
    AgreementTerms,
    Direction,
    LocationGranularity,
    Purpose,
    validate_terms,
)
from gateway.domain.errors import AgreementViolation, InvalidInput
from gateway.domain.hits import (
    ADVISORY_DISCREET,
    ADVISORY_SUSPECTED_CLONE,
    ADVISORY_UNCONFIRMED_FOREIGN,
    MAX_ID,
    MAX_LOCATION,
    HitNotification,
    MatchKind,
    NotifiedLocation,
    Sighting,
    advisories,
    build_notification,
    check_notification,
    hit_expires_at,
    locate,
)
from gateway.domain.hotlist import Action

OWNER = "be-gent"
OBSERVER = "nl-terneuzen"
OUTSIDER = "nl-rotterdam"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
HIT_ID = "0195f3c2-7a10-7000-8000-000000000001"
ENTRY_ID = "0195f3c2-7a10-7000-8000-0000000000e1"
PLATE = "1ABC123"  # a plate that must never show up in a message or a repr

GRANULARITIES = list(LocationGranularity)
FINENESS = {
    LocationGranularity.NONE: 0,
    LocationGranularity.ZONE: 1,
    LocationGranularity.SITE: 2,
    LocationGranularity.CAMERA: 3,
}
# The coarsest granularity at which each location field may be sent.
FIELD_NEEDS = {
    "camera": LocationGranularity.CAMERA,
    "site": LocationGranularity.SITE,
    "zone": LocationGranularity.ZONE,
}

SIGHTING = Sighting(
    observed_at=NOW - timedelta(minutes=1),
    camera="cam-017",
    site="kennedy-tunnel",
    zone="left-bank",
    direction="in",
    image_ref="img://terneuzen/2026/03/01/cam-017/42",
)


def make_terms(**overrides: object) -> AgreementTerms:
    terms = AgreementTerms(
        "agr-1",
        1,
        OWNER,
        OBSERVER,
        NOW - timedelta(days=1),
        NOW + timedelta(days=365),
        ("stolen_vehicle",),
        (Purpose.CRIMINAL_INVESTIGATION,),
        hit_notification=True,
        location_granularity=LocationGranularity.SITE,
    )
    return validate_terms(dataclasses.replace(terms, **overrides))  # type: ignore[arg-type]


def build(terms: AgreementTerms | None = None, **overrides: object) -> HitNotification | None:
    values: dict[str, object] = {
        "hit_id": HIT_ID,
        "terms": terms if terms is not None else make_terms(),
        "observer": OBSERVER,
        "owner": OWNER,
        "entry_id": ENTRY_ID,
        "entry_version": 3,
        "sighting": SIGHTING,
        "match": MatchKind.EXACT,
        "country_inferred": False,
    }
    values.update(overrides)
    return build_notification(**values)  # type: ignore[arg-type]


def notification(terms: AgreementTerms | None = None, **changes: object) -> HitNotification:
    """A notification built under terms (default: site granularity), then changed."""
    n = build(terms)
    assert n is not None
    return dataclasses.replace(n, **changes)  # type: ignore[arg-type]


def check(
    n: HitNotification,
    terms: AgreementTerms | None,
    *,
    sender: str = OBSERVER,
    this_node: str = OWNER,
    now: datetime = NOW,
) -> None:
    check_notification(n, terms, sender=sender, this_node=this_node, now=now)


# -- strategies ------------------------------------------------------------------------

names = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_ ", min_size=0, max_size=MAX_LOCATION
)
observation_times = st.datetimes(
    min_value=(NOW - timedelta(days=20)).replace(tzinfo=None),
    max_value=NOW.replace(tzinfo=None),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=2))]),
)
sightings = st.builds(
    Sighting,
    observed_at=observation_times,
    camera=names,
    site=names,
    zone=names,
    direction=st.sampled_from(["in", "out", ""]),
    image_ref=names,
)
ids = st.text(alphabet="0123456789abcdef-", min_size=1, max_size=MAX_ID)


@st.composite
def notifying_terms(
    draw: st.DrawFn, granularity: st.SearchStrategy[LocationGranularity] | None = None
) -> AgreementTerms:
    """Terms under which OWNER shares with OBSERVER and hits are notified, with OWNER as
    proposer or as partner."""
    owner_proposes = draw(st.booleans())
    direction = draw(
        st.sampled_from(
            [Direction.BOTH, Direction.PROPOSER_TO_PARTNER]
            if owner_proposes
            else [Direction.BOTH, Direction.PARTNER_TO_PROPOSER]
        )
    )
    return make_terms(
        version=draw(st.integers(min_value=1, max_value=50)),
        proposer=OWNER if owner_proposes else OBSERVER,
        partner=OBSERVER if owner_proposes else OWNER,
        direction=direction,
        location_granularity=draw(granularity or st.sampled_from(GRANULARITIES)),
        valid_from=NOW - timedelta(days=30),
    )


# -- locate: the one place a location is minimised -----------------------------------


def test_camera_granularity_gives_camera_site_and_zone() -> None:
    assert locate(SIGHTING, LocationGranularity.CAMERA) == NotifiedLocation(
        camera="cam-017", site="kennedy-tunnel", zone="left-bank"
    )


def test_site_granularity_never_gives_the_owner_a_camera_id() -> None:
    assert locate(SIGHTING, LocationGranularity.SITE) == NotifiedLocation(
        site="kennedy-tunnel", zone="left-bank"
    )


def test_zone_granularity_never_gives_the_owner_a_camera_id_or_site() -> None:
    assert locate(SIGHTING, LocationGranularity.ZONE) == NotifiedLocation(zone="left-bank")


def test_no_granularity_gives_the_owner_no_location_at_all() -> None:
    assert locate(SIGHTING, LocationGranularity.NONE) == NotifiedLocation()


def test_unknown_location_names_are_absent_not_blanked() -> None:
    sighting = dataclasses.replace(SIGHTING, camera="", site="")
    assert locate(sighting, LocationGranularity.CAMERA) == NotifiedLocation(zone="left-bank")


@given(sighting=sightings, granularity=st.sampled_from(GRANULARITIES))
def test_locate_never_emits_a_field_finer_than_the_granularity(
    sighting: Sighting, granularity: LocationGranularity
) -> None:
    location = locate(sighting, granularity)
    for name, needs in FIELD_NEEDS.items():
        value = getattr(location, name)
        if FINENESS[granularity] < FINENESS[needs]:
            assert value is None, name
        else:
            assert value == (getattr(sighting, name) or None), name


# -- build_notification: the observer's side ---------------------------------------------


def test_no_notification_when_the_agreement_does_not_notify_hits() -> None:
    assert build(make_terms(hit_notification=False)) is None


def test_no_notification_when_the_owner_does_not_share_with_the_observer() -> None:
    # Only the partner (the observer) shares: the owner's entries are not held there.
    assert build(make_terms(direction=Direction.PARTNER_TO_PROPOSER)) is None


@pytest.mark.parametrize(
    "observed_at",
    [NOW - timedelta(days=2), NOW + timedelta(days=365)],
    ids=["before-valid-from", "at-valid-until"],
)
def test_no_notification_for_a_sighting_outside_the_agreement_validity(
    observed_at: datetime,
) -> None:
    sighting = dataclasses.replace(SIGHTING, observed_at=observed_at)
    assert build(sighting=sighting) is None


def test_building_under_an_agreement_with_a_third_node_is_refused() -> None:
    terms = make_terms(partner=OUTSIDER)
    with pytest.raises(AgreementViolation, match=OUTSIDER):
        build(terms)


def test_notification_names_the_agreement_version_it_was_built_under() -> None:
    n = build(make_terms(version=4))
    assert n is not None
    assert (n.agreement_id, n.agreement_version) == ("agr-1", 4)
    assert (n.observer, n.owner, n.entry_id, n.entry_version) == (OBSERVER, OWNER, ENTRY_ID, 3)


def test_notification_time_is_utc_at_millisecond_precision() -> None:
    cet = timezone(timedelta(hours=1))
    seen = datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=cet)
    n = build(sighting=dataclasses.replace(SIGHTING, observed_at=seen))
    assert n is not None
    assert n.observed_at == datetime(2026, 3, 1, 11, 30, 15, 123000, tzinfo=UTC)
    assert n.observed_at.tzinfo is UTC


def test_direction_and_image_reference_never_leave_the_observer() -> None:
    n = build(make_terms(location_granularity=LocationGranularity.CAMERA))
    assert n is not None
    sent = {f.name: getattr(n, f.name) for f in dataclasses.fields(n)}
    assert SIGHTING.image_ref not in repr(sent)
    assert "direction" not in sent


def test_a_sighting_without_time_zone_is_refused() -> None:
    sighting = dataclasses.replace(SIGHTING, observed_at=NOW.replace(tzinfo=None))
    with pytest.raises(InvalidInput, match="time zone"):
        build(sighting=sighting)


def test_building_a_malformed_notification_is_refused() -> None:
    with pytest.raises(InvalidInput, match="hit id is empty"):
        build(hit_id="")


def test_notification_repr_shows_ids_only() -> None:
    n = notification(
        make_terms(location_granularity=LocationGranularity.CAMERA),
        location=NotifiedLocation(camera=f"cam-{PLATE}", site="kennedy-tunnel", zone="x"),
    )
    shown = repr(n)
    assert HIT_ID in shown and ENTRY_ID in shown and "agr-1" in shown
    assert PLATE not in shown
    assert "kennedy-tunnel" not in shown
    assert "2026" not in shown  # no time either


# -- round trip: the owner accepts exactly what the observer builds ---------------------


@given(
    terms=notifying_terms(),
    sighting=sightings,
    hit_id=ids,
    entry_id=ids,
    entry_version=st.integers(min_value=1, max_value=10**6),
    match=st.sampled_from(MatchKind),
    country_inferred=st.booleans(),
    delay=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=7)),
)
def test_the_owner_accepts_every_notification_the_observer_builds(
    terms: AgreementTerms,
    sighting: Sighting,
    hit_id: str,
    entry_id: str,
    entry_version: int,
    match: MatchKind,
    country_inferred: bool,
    delay: timedelta,
) -> None:
    n = build_notification(
        hit_id=hit_id,
        terms=terms,
        observer=OBSERVER,
        owner=OWNER,
        entry_id=entry_id,
        entry_version=entry_version,
        sighting=sighting,
        match=match,
        country_inferred=country_inferred,
    )
    assert n is not None
    assert n.location == locate(sighting, terms.location_granularity)
    check(n, terms, now=n.observed_at + delay)


@given(
    terms=notifying_terms(),
    granularity=st.sampled_from(GRANULARITIES),
    camera=st.none() | names,
    site=st.none() | names,
    zone=st.none() | names,
)
def test_the_owner_refuses_every_location_finer_than_the_agreement_allows(
    terms: AgreementTerms,
    granularity: LocationGranularity,
    camera: str | None,
    site: str | None,
    zone: str | None,
) -> None:
    terms = dataclasses.replace(terms, location_granularity=granularity)
    location = NotifiedLocation(camera=camera, site=site, zone=zone)
    n = notification(terms, location=location)
    too_fine = [
        name
        for name, needs in FIELD_NEEDS.items()
        if getattr(location, name) is not None and FINENESS[granularity] < FINENESS[needs]
    ]
    if too_fine:
        label = "camera id" if too_fine[0] == "camera" else too_fine[0]
        with pytest.raises(AgreementViolation, match=f"carries a {label}"):
            check(n, terms)
    elif any(getattr(location, name) == "" for name in FIELD_NEEDS):
        with pytest.raises(InvalidInput, match="is empty"):
            check(n, terms)
    else:
        check(n, terms)


@given(
    built_at=st.sampled_from(GRANULARITIES),
    checked_at=st.sampled_from(GRANULARITIES),
    sighting=st.builds(
        Sighting,
        observed_at=st.just(SIGHTING.observed_at),
        camera=names.filter(bool),
        site=names.filter(bool),
        zone=names.filter(bool),
    ),
)
def test_a_notification_built_under_a_finer_granularity_is_refused(
    built_at: LocationGranularity, checked_at: LocationGranularity, sighting: Sighting
) -> None:
    n = build(make_terms(location_granularity=built_at), sighting=sighting)
    assert n is not None
    terms = make_terms(location_granularity=checked_at)
    if FINENESS[built_at] > FINENESS[checked_at]:
        with pytest.raises(AgreementViolation, match="granularity"):
            check(n, terms)
    else:
        check(n, terms)


# -- rule 1: it comes from its observer ---------------------------------------------------


def test_a_node_may_not_report_hits_on_behalf_of_another() -> None:
    with pytest.raises(AgreementViolation, match="only report its own hits") as refused:
        check(notification(), make_terms(), sender=OUTSIDER)
    assert OBSERVER in str(refused.value) and OUTSIDER in str(refused.value)


def test_a_forged_observer_name_is_bounded_in_the_message() -> None:
    n = notification(observer="x" * 10_000)
    with pytest.raises(AgreementViolation) as refused:
        check(n, make_terms())
    assert len(str(refused.value)) < 400


# -- rule 2: it is for us ------------------------------------------------------------------


def test_a_notification_for_another_owner_is_refused() -> None:
    with pytest.raises(AgreementViolation, match="sent to the wrong node"):
        check(notification(), make_terms(), this_node=OUTSIDER)


# -- rule 3: under an agreement held here, between us, sharing our entries -------------


def test_a_notification_under_an_agreement_not_held_here_is_refused() -> None:
    with pytest.raises(AgreementViolation, match="does not hold"):
        check(notification(), None)


def test_terms_of_another_agreement_version_are_refused() -> None:
    with pytest.raises(AgreementViolation, match="checked against"):
        check(notification(), make_terms(version=2))


def test_an_agreement_with_a_third_node_does_not_carry_hits() -> None:
    terms = make_terms(partner=OUTSIDER)
    with pytest.raises(AgreementViolation, match=f"between {OWNER} and {OUTSIDER}"):
        check(notification(), terms)


def test_a_hit_on_entries_the_owner_does_not_share_with_the_observer_is_refused() -> None:
    terms = make_terms(direction=Direction.PARTNER_TO_PROPOSER)
    with pytest.raises(AgreementViolation, match="does not share entries"):
        check(notification(), terms)


@pytest.mark.parametrize(
    "observed_at",
    [NOW - timedelta(days=2), NOW + timedelta(days=365)],
    ids=["before-valid-from", "at-valid-until"],
)
def test_a_hit_observed_outside_the_agreement_validity_is_refused(
    observed_at: datetime,
) -> None:
    n = notification(observed_at=observed_at)
    with pytest.raises(AgreementViolation, match="outside the validity"):
        check(n, make_terms(), now=observed_at)


# -- rule 4: the agreement allows hit notification -----------------------------------------


def test_an_agreement_without_hit_notification_refuses_hits() -> None:
    with pytest.raises(AgreementViolation, match="does not allow hit notifications"):
        check(notification(), make_terms(hit_notification=False))


# -- rule 5: location no finer than the agreement's granularity ---------------------------


@pytest.mark.parametrize(
    ("granularity", "location", "field"),
    [
        (LocationGranularity.SITE, NotifiedLocation(camera="cam-017"), "camera id"),
        (LocationGranularity.ZONE, NotifiedLocation(camera="cam-017"), "camera id"),
        (LocationGranularity.ZONE, NotifiedLocation(site="kennedy-tunnel"), "site"),
        (LocationGranularity.NONE, NotifiedLocation(site="kennedy-tunnel"), "site"),
        (LocationGranularity.NONE, NotifiedLocation(zone="left-bank"), "zone"),
    ],
)
def test_a_location_finer_than_the_agreement_allows_is_refused_naming_the_field(
    granularity: LocationGranularity, location: NotifiedLocation, field: str
) -> None:
    terms = make_terms(location_granularity=granularity)
    with pytest.raises(AgreementViolation, match=f"carries a {field}, .* {granularity.value} "):
        check(notification(terms, location=location), terms)


def test_zone_granularity_never_gives_the_owner_a_camera_id() -> None:
    terms = make_terms(location_granularity=LocationGranularity.ZONE)
    n = notification(terms)
    assert n.location == NotifiedLocation(zone="left-bank")
    check(n, terms)
    with pytest.raises(AgreementViolation, match="camera id"):
        check(dataclasses.replace(n, location=NotifiedLocation(camera="cam-017")), terms)


def test_a_blank_camera_id_counts_as_sent() -> None:
    terms = make_terms(location_granularity=LocationGranularity.SITE)
    with pytest.raises(AgreementViolation, match="camera id"):
        check(notification(terms, location=NotifiedLocation(camera="")), terms)


def test_a_refused_location_is_never_quoted() -> None:
    terms = make_terms(location_granularity=LocationGranularity.ZONE)
    n = notification(terms, location=NotifiedLocation(camera=f"cam-{PLATE}"))
    with pytest.raises(AgreementViolation) as refused:
        check(n, terms)
    assert PLATE not in str(refused.value)


# -- rule 6: well formed --------------------------------------------------------------------


def test_a_hit_time_without_time_zone_is_refused() -> None:
    n = notification(observed_at=NOW.replace(tzinfo=None))
    with pytest.raises(InvalidInput, match="time zone"):
        check(n, make_terms())


def test_a_hit_from_the_future_beyond_clock_skew_is_refused() -> None:
    n = notification(observed_at=NOW + timedelta(minutes=6))
    with pytest.raises(InvalidInput, match="check both nodes' clocks"):
        check(n, make_terms())


def test_a_hit_within_clock_skew_of_now_is_accepted() -> None:
    check(notification(observed_at=NOW + timedelta(minutes=4)), make_terms())


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"hit_id": ""}, "hit id is empty"),
        ({"hit_id": "h" * (MAX_ID + 1)}, "hit id is longer than 64"),
        ({"entry_id": ""}, "entry id is empty"),
        ({"entry_id": "e" * (MAX_ID + 1)}, "entry id is longer than 64"),
        ({"entry_id": "e\n1"}, "entry id contains control characters"),
        ({"agreement_version": 0}, "agreement version must be at least 1"),
        ({"entry_version": 0}, "entry version must be at least 1"),
        ({"match": "maybe"}, "unknown match kind"),
        ({"location": NotifiedLocation(site="s" * 65)}, "location site is longer than 64"),
        ({"location": NotifiedLocation(zone="z" * 65)}, "location zone is longer than 64"),
        ({"location": NotifiedLocation(zone="")}, "location zone is empty"),
    ],
)
def test_a_malformed_notification_is_refused(changes: dict[str, object], problem: str) -> None:
    terms = make_terms()
    n = notification(terms, **changes)
    if "agreement_version" in changes:
        # Unlawful terms never get this far; this only reaches the shape check.
        terms = dataclasses.replace(terms, version=0)
    with pytest.raises(InvalidInput, match=problem):
        check(n, terms)


def test_an_over_long_camera_id_is_refused_without_quoting_it() -> None:
    terms = make_terms(location_granularity=LocationGranularity.CAMERA)
    n = notification(terms, location=NotifiedLocation(camera=PLATE * 10))
    with pytest.raises(InvalidInput, match="location camera is longer than 64") as refused:
        check(n, terms)
    assert PLATE not in str(refused.value)


# -- rule 7: not past the hit retention ---------------------------------------------------


def test_a_hit_past_the_agreement_hit_retention_is_refused() -> None:
    terms = make_terms(hit_retention_days=28)
    n = notification(terms)
    with pytest.raises(AgreementViolation, match="28-day hit retention"):
        check(n, terms, now=n.observed_at + timedelta(days=28))
    check(n, terms, now=n.observed_at + timedelta(days=28) - timedelta(milliseconds=1))


def test_a_belgian_dutch_hit_is_refused_past_the_dutch_limit_whatever_the_agreement() -> None:
    """Retention rule 7: between Gent and Terneuzen the Dutch 28 days apply, even under
    an agreement that allows a year."""
    terms = make_terms(hit_retention_days=365)
    n = notification(terms)
    with pytest.raises(AgreementViolation, match="28-day hit retention"):
        check(n, terms, now=n.observed_at + timedelta(days=28))
    check(n, terms, now=n.observed_at + timedelta(days=28) - timedelta(milliseconds=1))


# -- advisories: what operators see with an alert ----------------------------------------


def test_a_discreet_check_tells_operators_not_to_alert_the_occupants() -> None:
    assert advisories(Action.DISCREET_CHECK.value, (), foreign=False) == (ADVISORY_DISCREET,)


def test_the_do_not_alert_flag_tells_operators_not_to_alert_the_occupants() -> None:
    assert advisories("report_only", ["do_not_alert_subject"], foreign=True) == (ADVISORY_DISCREET,)


def test_discreet_action_and_flag_give_one_advisory() -> None:
    assert advisories("discreet_check", ["do_not_alert_subject"], foreign=False) == (
        ADVISORY_DISCREET,
    )


@pytest.mark.parametrize("action", [Action.SPECIFIC_CHECK, Action.SEIZE])
def test_a_coercive_foreign_alert_must_be_confirmed_first(action: Action) -> None:
    assert advisories(action.value, (), foreign=True) == (ADVISORY_UNCONFIRMED_FOREIGN,)
    assert advisories(action.value, (), foreign=False) == ()


@pytest.mark.parametrize("action", [None, "report_only", "discreet_check", "inquiry_check"])
def test_a_non_coercive_foreign_alert_needs_no_confirmation_advisory(
    action: str | None,
) -> None:
    assert ADVISORY_UNCONFIRMED_FOREIGN not in advisories(action, (), foreign=True)


def test_a_suspected_clone_asks_operators_to_verify_the_image() -> None:
    assert advisories(None, iter(["suspected_clone"]), foreign=False) == (ADVISORY_SUSPECTED_CLONE,)


def test_advisories_come_in_a_fixed_order_without_duplicates() -> None:
    flags = ["suspected_clone", "do_not_alert_subject", "suspected_clone"]
    assert advisories("seize", flags, foreign=True) == (
        ADVISORY_DISCREET,
        ADVISORY_UNCONFIRMED_FOREIGN,
        ADVISORY_SUSPECTED_CLONE,
    )


def test_advisories_accept_an_action_value_or_the_enum() -> None:
    assert advisories(Action.SEIZE, (), foreign=True) == advisories("seize", (), foreign=True)


# -- hit_expires_at ------------------------------------------------------------------------


def test_a_hit_expires_its_retention_days_after_it_was_observed() -> None:
    assert hit_expires_at(NOW, 28) == NOW + timedelta(days=28)


@pytest.mark.parametrize("days", [0, -1, 366])
def test_hit_retention_outside_one_day_to_twelve_months_is_refused(days: int) -> None:
    with pytest.raises(InvalidInput, match="between 1 and 365"):
        hit_expires_at(NOW, days)


def test_hit_expiry_needs_a_time_zone() -> None:
    with pytest.raises(InvalidInput, match="time zone"):
        hit_expires_at(NOW.replace(tzinfo=None), 28)
