"""Specification of sharing-agreement terms and lifecycle in gateway.domain.agreement.

The lifecycle tests take the partner's side: this node is nl-terneuzen, and be-gent
proposes; nl-terneuzen countersigns.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.domain.agreement import (
    Agreement,
    AgreementState,
    AgreementTerms,
    AgreementVersion,
    Direction,
    Purpose,
    StatusChange,
    StatusKind,
    validate_terms,
)
from gateway.domain.envelope import AGREEMENT_PAYLOAD, sign
from gateway.domain.errors import (
    AgreementViolation,
    IllegalTransition,
    InvalidInput,
    StaleVersion,
)
from gateway.domain.identity import NodeSigningKey
from gateway.wire.codec import terms_from_payload, terms_payload

PROPOSER = "be-gent"
LOCAL = "nl-terneuzen"
THIRD = "nl-rotterdam"
AGREEMENT_ID = "agr-gent-terneuzen"

VALID_FROM = datetime(2026, 1, 1, tzinfo=UTC)
VALID_UNTIL = datetime(2027, 1, 1, tzinfo=UTC)
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

GENT_KEY = NodeSigningKey.generate()
TERNEUZEN_KEY = NodeSigningKey.generate()


def make_terms(**overrides: object) -> AgreementTerms:
    values: dict[str, object] = {
        "agreement_id": AGREEMENT_ID,
        "version": 1,
        "proposer": PROPOSER,
        "partner": LOCAL,
        "valid_from": VALID_FROM,
        "valid_until": VALID_UNTIL,
        "categories": ("stolen_vehicle",),
        "purposes": (Purpose.CRIMINAL_INVESTIGATION,),
    }
    values.update(overrides)
    return AgreementTerms(**values)  # type: ignore[arg-type]


def proposal(terms: AgreementTerms, key: NodeSigningKey = GENT_KEY) -> AgreementVersion:
    envelope = sign(AGREEMENT_PAYLOAD, terms_payload(terms), key)
    return AgreementVersion(terms, envelope, countersigned=False)


def countersigned(
    version: AgreementVersion, key: NodeSigningKey = TERNEUZEN_KEY
) -> AgreementVersion:
    return AgreementVersion(version.terms, version.envelope.with_signature(key), countersigned=True)


def empty_agreement() -> Agreement:
    return Agreement(AGREEMENT_ID, local_node=LOCAL, partner=PROPOSER, versions=())


def active_agreement() -> Agreement:
    v1 = proposal(make_terms())
    return (
        empty_agreement().with_proposal(v1, sender=PROPOSER).with_countersigned(countersigned(v1))
    )


def status(kind: StatusKind, issuer: str, at: datetime, version: int = 1) -> StatusChange:
    return StatusChange(AGREEMENT_ID, version, kind, issuer, f"{kind.value} by {issuer}", at)


# -- validate_terms --------------------------------------------------------------------


def test_sensible_terms_are_valid_and_returned_unchanged() -> None:
    terms = make_terms()
    assert validate_terms(terms) is terms


def test_terms_survive_the_wire_encoding_unchanged() -> None:
    terms = make_terms(created_at=NOW, handling_code="H1")
    assert terms_from_payload(terms_payload(terms)) == terms


def test_terms_with_an_unknown_category_are_refused_naming_it() -> None:
    with pytest.raises(InvalidInput, match="speeding"):
        validate_terms(make_terms(categories=("stolen_vehicle", "speeding")))


def test_terms_without_any_category_are_refused() -> None:
    with pytest.raises(InvalidInput, match="category"):
        validate_terms(make_terms(categories=()))


def test_terms_without_a_purpose_are_refused() -> None:
    with pytest.raises(InvalidInput, match="purpose"):
        validate_terms(make_terms(purposes=()))


def test_terms_whose_window_ends_before_it_starts_are_refused() -> None:
    with pytest.raises(InvalidInput, match="window"):
        validate_terms(make_terms(valid_from=VALID_UNTIL, valid_until=VALID_FROM))


def test_terms_with_an_empty_window_are_refused() -> None:
    with pytest.raises(InvalidInput, match="window"):
        validate_terms(make_terms(valid_until=VALID_FROM))


@pytest.mark.parametrize("field", ["entry_retention_days", "hit_retention_days"])
@pytest.mark.parametrize("days", [0, 366, -1])
def test_terms_with_retention_outside_one_to_365_days_are_refused(field: str, days: int) -> None:
    with pytest.raises(InvalidInput, match="between 1 and 365"):
        validate_terms(make_terms(**{field: days}))


@pytest.mark.parametrize("field", ["entry_retention_days", "hit_retention_days"])
@pytest.mark.parametrize("days", [1, 365])
def test_terms_with_retention_at_the_limits_are_accepted(field: str, days: int) -> None:
    validate_terms(make_terms(**{field: days}))


def test_terms_naming_the_same_party_twice_are_refused() -> None:
    with pytest.raises(InvalidInput, match="two different parties"):
        validate_terms(make_terms(partner=PROPOSER))


@pytest.mark.parametrize("field", ["valid_from", "valid_until"])
def test_terms_with_a_naive_datetime_are_refused(field: str) -> None:
    naive = getattr(make_terms(), field).replace(tzinfo=None)
    with pytest.raises(InvalidInput, match="time zone"):
        validate_terms(make_terms(**{field: naive}))


# -- AgreementTerms.provides -----------------------------------------------------------


@pytest.mark.parametrize(
    ("direction", "proposer_provides", "partner_provides"),
    [
        (Direction.BOTH, True, True),
        (Direction.PROPOSER_TO_PARTNER, True, False),
        (Direction.PARTNER_TO_PROPOSER, False, True),
    ],
)
def test_provides_follows_the_sharing_direction(
    direction: Direction, proposer_provides: bool, partner_provides: bool
) -> None:
    terms = make_terms(direction=direction)
    assert terms.provides(PROPOSER) is proposer_provides
    assert terms.provides(LOCAL) is partner_provides
    assert terms.provides(THIRD) is False


# -- proposals and countersignature ----------------------------------------------------


def test_received_proposal_is_recorded_as_proposed() -> None:
    agreement = empty_agreement().with_proposal(proposal(make_terms()), sender=PROPOSER)
    assert agreement.state(NOW) is AgreementState.PROPOSED
    assert agreement.current is None
    assert agreement.pending is not None and agreement.pending.terms.version == 1
    assert agreement.in_force(NOW) is None


def test_the_same_proposal_delivered_again_changes_nothing() -> None:
    v1 = proposal(make_terms())
    agreement = empty_agreement().with_proposal(v1, sender=PROPOSER)
    assert agreement.with_proposal(v1, sender=PROPOSER) is agreement


def test_a_different_proposal_for_the_pending_version_from_the_partner_is_refused() -> None:
    agreement = empty_agreement().with_proposal(proposal(make_terms()), sender=PROPOSER)
    other = proposal(make_terms(entry_retention_days=60))
    with pytest.raises(StaleVersion):
        agreement.with_proposal(other, sender=PROPOSER)


def test_countersigned_envelope_with_a_different_payload_is_a_violation() -> None:
    agreement = empty_agreement().with_proposal(proposal(make_terms()), sender=PROPOSER)
    altered = countersigned(proposal(make_terms(entry_retention_days=365)))
    with pytest.raises(AgreementViolation):
        agreement.with_countersigned(altered)


def test_countersigning_the_proposal_makes_it_active() -> None:
    agreement = active_agreement()
    assert agreement.state(NOW) is AgreementState.ACTIVE
    assert agreement.state_of(1, NOW) is AgreementState.ACTIVE
    assert agreement.current is not None and agreement.pending is None
    assert agreement.current.envelope.signer_key_ids == {GENT_KEY.key_id, TERNEUZEN_KEY.key_id}


def test_countersignature_without_a_pending_proposal_is_refused() -> None:
    with pytest.raises(StaleVersion):
        empty_agreement().with_countersigned(countersigned(proposal(make_terms())))


def test_envelope_not_marked_countersigned_cannot_activate() -> None:
    v1 = proposal(make_terms())
    agreement = empty_agreement().with_proposal(v1, sender=PROPOSER)
    with pytest.raises(IllegalTransition):
        agreement.with_countersigned(v1)


def test_the_same_countersigned_envelope_delivered_again_changes_nothing() -> None:
    v1 = proposal(make_terms())
    agreement = empty_agreement().with_proposal(v1, sender=PROPOSER)
    active = agreement.with_countersigned(countersigned(v1))
    assert active.with_countersigned(countersigned(v1)) is active


def test_proposal_v1_replayed_after_activation_is_stale() -> None:
    with pytest.raises(StaleVersion):
        active_agreement().with_proposal(proposal(make_terms()), sender=PROPOSER)


def test_proposal_that_skips_a_version_is_stale() -> None:
    with pytest.raises(StaleVersion, match="skips"):
        active_agreement().with_proposal(proposal(make_terms(version=3)), sender=PROPOSER)


def test_first_proposal_must_be_version_one() -> None:
    with pytest.raises(StaleVersion, match="skips"):
        empty_agreement().with_proposal(proposal(make_terms(version=2)), sender=PROPOSER)


def test_proposal_naming_a_third_party_is_a_violation() -> None:
    terms = make_terms(partner=THIRD)
    with pytest.raises(AgreementViolation, match=THIRD):
        empty_agreement().with_proposal(proposal(terms), sender=PROPOSER)


def test_proposal_whose_proposer_is_not_the_sender_is_a_violation() -> None:
    terms = make_terms(proposer=LOCAL, partner=PROPOSER)
    with pytest.raises(AgreementViolation, match="came from"):
        empty_agreement().with_proposal(proposal(terms), sender=PROPOSER)


def test_countersigned_amendment_supersedes_the_previous_version() -> None:
    v2 = proposal(make_terms(version=2, categories=("stolen_vehicle", "stolen_plate")))
    amended = active_agreement().with_proposal(v2, sender=PROPOSER)
    assert amended.state_of(1, NOW) is AgreementState.ACTIVE
    assert amended.state_of(2, NOW) is AgreementState.PROPOSED
    amended = amended.with_countersigned(countersigned(v2))
    assert amended.state_of(1, NOW) is AgreementState.SUPERSEDED
    assert amended.state_of(2, NOW) is AgreementState.ACTIVE
    assert amended.state(NOW) is AgreementState.ACTIVE
    assert amended.in_force(NOW) == v2.terms


# -- status changes --------------------------------------------------------------------


def test_suspension_suspends_the_agreement() -> None:
    agreement = active_agreement().with_status(status(StatusKind.SUSPEND, PROPOSER, NOW), NOW)
    assert agreement.state(NOW) is AgreementState.SUSPENDED
    assert agreement.suspended_by == PROPOSER
    assert agreement.in_force(NOW) is None


def test_suspending_again_by_the_same_party_is_illegal() -> None:
    agreement = active_agreement().with_status(status(StatusKind.SUSPEND, PROPOSER, NOW), NOW)
    later = NOW + timedelta(minutes=1)
    with pytest.raises(IllegalTransition, match="already suspended"):
        agreement.with_status(status(StatusKind.SUSPEND, PROPOSER, later), later)


def test_a_partners_suspension_does_not_stop_this_node_suspending_too() -> None:
    """Rule 4a: each party's suspension is its own; the agreement stays suspended until
    both are lifted, each by the party that made it."""
    later, latest = NOW + timedelta(minutes=1), NOW + timedelta(minutes=2)
    both = (
        active_agreement()
        .with_status(status(StatusKind.SUSPEND, PROPOSER, NOW), NOW)
        .with_status(status(StatusKind.SUSPEND, LOCAL, later), later)
    )
    assert both.state(later) is AgreementState.SUSPENDED
    assert both.suspensions == (PROPOSER, LOCAL)
    partner_lifted = both.with_status(status(StatusKind.RESUME, PROPOSER, latest), latest)
    assert partner_lifted.state(latest) is AgreementState.SUSPENDED
    assert partner_lifted.suspended_by == LOCAL
    lifted = partner_lifted.with_status(status(StatusKind.RESUME, LOCAL, latest), latest)
    assert lifted.state(latest) is AgreementState.ACTIVE


def test_resumption_by_the_party_that_did_not_suspend_is_illegal() -> None:
    agreement = active_agreement().with_status(status(StatusKind.SUSPEND, PROPOSER, NOW), NOW)
    later = NOW + timedelta(minutes=1)
    with pytest.raises(IllegalTransition, match=f"only {PROPOSER}"):
        agreement.with_status(status(StatusKind.RESUME, LOCAL, later), NOW)


def test_resumption_by_the_suspender_reactivates_the_agreement() -> None:
    agreement = active_agreement().with_status(status(StatusKind.SUSPEND, PROPOSER, NOW), NOW)
    resumed = agreement.with_status(
        status(StatusKind.RESUME, PROPOSER, NOW + timedelta(minutes=1)), NOW
    )
    assert resumed.state(NOW) is AgreementState.ACTIVE
    assert resumed.suspended_by is None
    assert resumed.in_force(NOW) == make_terms()


def test_resuming_an_agreement_that_is_not_suspended_is_illegal() -> None:
    with pytest.raises(IllegalTransition, match="not suspended"):
        active_agreement().with_status(status(StatusKind.RESUME, PROPOSER, NOW), NOW)


def test_suspending_an_agreement_never_countersigned_is_illegal() -> None:
    agreement = empty_agreement().with_proposal(proposal(make_terms()), sender=PROPOSER)
    with pytest.raises(IllegalTransition):
        agreement.with_status(status(StatusKind.SUSPEND, PROPOSER, NOW), NOW)


@pytest.mark.parametrize("delta", [timedelta(0), timedelta(seconds=-1)])
def test_status_change_not_newer_than_the_last_is_stale(delta: timedelta) -> None:
    agreement = active_agreement().with_status(status(StatusKind.SUSPEND, PROPOSER, NOW), NOW)
    with pytest.raises(StaleVersion):
        agreement.with_status(status(StatusKind.RESUME, PROPOSER, NOW + delta), NOW)


def test_status_change_from_a_third_party_is_a_violation() -> None:
    with pytest.raises(AgreementViolation):
        active_agreement().with_status(status(StatusKind.REVOKE, THIRD, NOW), NOW)


def test_status_change_for_another_agreement_is_refused() -> None:
    change = dataclasses.replace(status(StatusKind.SUSPEND, PROPOSER, NOW), agreement_id="x")
    with pytest.raises(InvalidInput):
        active_agreement().with_status(change, NOW)


def test_revocation_revokes_the_agreement() -> None:
    agreement = active_agreement().with_status(status(StatusKind.REVOKE, LOCAL, NOW), NOW)
    assert agreement.state(NOW) is AgreementState.REVOKED
    assert agreement.state_of(1, NOW) is AgreementState.REVOKED
    assert agreement.revoked_by == LOCAL
    assert agreement.in_force(NOW) is None


def test_revoked_agreement_refuses_any_further_proposal() -> None:
    agreement = active_agreement().with_status(status(StatusKind.REVOKE, LOCAL, NOW), NOW)
    with pytest.raises(IllegalTransition, match="revoked"):
        agreement.with_proposal(proposal(make_terms(version=2)), sender=PROPOSER)


@pytest.mark.parametrize("kind", [StatusKind.SUSPEND, StatusKind.RESUME])
@pytest.mark.parametrize("issuer", [PROPOSER, LOCAL])
def test_revoked_agreement_refuses_any_further_suspension_or_resumption(
    kind: StatusKind, issuer: str
) -> None:
    agreement = active_agreement().with_status(status(StatusKind.REVOKE, LOCAL, NOW), NOW)
    later = NOW + timedelta(minutes=1)
    with pytest.raises(IllegalTransition, match="revoked"):
        agreement.with_status(status(kind, issuer, later), later)


@pytest.mark.parametrize("first", [PROPOSER, LOCAL])
@pytest.mark.parametrize("second", [PROPOSER, LOCAL])
def test_revoking_a_revoked_agreement_changes_nothing_and_is_not_refused(
    first: str, second: str
) -> None:
    """Rule 4b: this node's revocation always holds, whoever revoked first."""
    revoked = active_agreement().with_status(status(StatusKind.REVOKE, first, NOW), NOW)
    later = NOW + timedelta(minutes=1)
    again = revoked.with_status(status(StatusKind.REVOKE, second, later), later)
    assert again.state(later) is AgreementState.REVOKED
    assert again.revoked_by == first


def test_a_partners_status_change_dated_in_the_future_is_refused() -> None:
    """Rule 4c: a suspension dated 9999 would otherwise hold back every later change."""
    far = datetime(9999, 1, 1, tzinfo=UTC)
    with pytest.raises(InvalidInput, match="ahead of this node's clock"):
        active_agreement().with_status(status(StatusKind.SUSPEND, PROPOSER, far), NOW)
    near = NOW + timedelta(minutes=4)  # within the clock allowance
    assert active_agreement().with_status(
        status(StatusKind.SUSPEND, PROPOSER, near), NOW
    ).suspensions == (PROPOSER,)


def test_the_partners_change_times_never_hold_back_this_nodes_own_changes() -> None:
    """Rule 4c orders the partner's changes among themselves only: whatever time the
    partner's last change carries, this node can still suspend and revoke at once."""
    ahead = NOW + timedelta(minutes=4)
    suspended = active_agreement().with_status(status(StatusKind.SUSPEND, PROPOSER, ahead), NOW)
    ours = suspended.with_status(status(StatusKind.SUSPEND, LOCAL, NOW), NOW)
    assert ours.suspensions == (PROPOSER, LOCAL)
    revoked = ours.with_status(status(StatusKind.REVOKE, LOCAL, NOW), NOW)
    assert revoked.state(NOW) is AgreementState.REVOKED
    with pytest.raises(StaleVersion):  # the partner's own replay is still refused
        ours.with_status(status(StatusKind.RESUME, PROPOSER, ahead), NOW)


def test_revoked_agreement_refuses_a_countersignature() -> None:
    v1 = proposal(make_terms())
    agreement = (
        empty_agreement()
        .with_proposal(v1, sender=PROPOSER)
        .with_status(status(StatusKind.REVOKE, PROPOSER, NOW), NOW)
    )
    assert agreement.state(NOW) is AgreementState.REVOKED
    with pytest.raises(IllegalTransition):
        agreement.with_countersigned(countersigned(v1))


# -- validity window -----------------------------------------------------------------


@pytest.mark.parametrize("after", [timedelta(0), timedelta(days=1)])
def test_agreement_is_expired_from_the_end_of_its_validity_window(after: timedelta) -> None:
    agreement = active_agreement()
    assert agreement.state(VALID_UNTIL - timedelta(seconds=1)) is AgreementState.ACTIVE
    assert agreement.state(VALID_UNTIL + after) is AgreementState.EXPIRED
    assert agreement.in_force(VALID_UNTIL + after) is None


def test_expiry_overrides_suspension() -> None:
    agreement = active_agreement().with_status(status(StatusKind.SUSPEND, LOCAL, NOW), NOW)
    assert agreement.state(VALID_UNTIL) is AgreementState.EXPIRED


def test_in_force_returns_the_terms_only_when_active_and_inside_the_window() -> None:
    agreement = active_agreement()
    assert agreement.in_force(NOW) == make_terms()
    assert agreement.in_force(VALID_FROM) == make_terms()
    assert agreement.in_force(VALID_FROM - timedelta(seconds=1)) is None
    assert agreement.in_force(VALID_UNTIL) is None


def test_in_force_is_none_for_an_agreement_with_no_versions() -> None:
    assert empty_agreement().in_force(NOW) is None
    assert empty_agreement().state(NOW) is AgreementState.PROPOSED


# -- property: status sequences ------------------------------------------------------

STEPS = st.lists(
    st.tuples(st.sampled_from(list(StatusKind)), st.sampled_from([PROPOSER, LOCAL])),
    max_size=25,
)


@settings(max_examples=300, deadline=None)
@given(steps=STEPS)
def test_random_status_sequences_respect_the_suspend_resume_revoke_rules(
    steps: list[tuple[StatusKind, str]],
) -> None:
    agreement = active_agreement()
    # Model: what the rules say should happen (rule 4).
    revoked = False
    suspenders: set[str] = set()
    for i, (kind, issuer) in enumerate(steps):
        at = NOW + timedelta(minutes=i + 1)
        if kind is StatusKind.REVOKE:
            allowed = True  # 4b: never refused, final
        elif revoked:
            allowed = False
        elif kind is StatusKind.SUSPEND:
            allowed = issuer not in suspenders  # 4a: each party's own
        else:
            allowed = issuer in suspenders
        before = agreement
        try:
            agreement = agreement.with_status(status(kind, issuer, at), at)
        except IllegalTransition:
            assert not allowed, f"{kind.value} by {issuer} refused but should be allowed"
            assert agreement is before
        else:
            assert allowed, f"{kind.value} by {issuer} applied but should be refused"
            if kind is StatusKind.REVOKE:
                revoked = True
            elif kind is StatusKind.SUSPEND:
                suspenders.add(issuer)
            else:
                suspenders.discard(issuer)

        state = agreement.state(NOW + timedelta(days=1))
        assert state in {AgreementState.ACTIVE, AgreementState.SUSPENDED, AgreementState.REVOKED}
        if revoked:
            assert state is AgreementState.REVOKED
        elif suspenders:
            assert state is AgreementState.SUSPENDED
            assert set(agreement.suspensions) == suspenders
        else:
            assert state is AgreementState.ACTIVE
            assert agreement.in_force(NOW) is not None
