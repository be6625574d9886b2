"""Sharing agreements: their terms, their lifecycle, and the rules for accepting them.

The whole trust state machine of an agreement lives here, with no I/O. Rules:
1. Terms are valid only if they name the legal purposes and known categories, a
   validity window, and retention within the stricter national limit (12 months).
2. A version is proposed by one party (signed by it) and becomes active only when the
   other party countersigns the same bytes; both then hold byte-identical envelopes.
3. Versions only move forward: a proposal must be exactly one above the highest
   countersigned version; anything older or equal is a replay and is refused.
4. Suspension and revocation are unilateral and immediate, and no change by one party
   can make the other's suspension or revocation fail:
   a. each party's suspension is its own: the agreement is suspended while either
      party's holds, and only that party lifts it;
   b. revocation is final; a revocation of a revoked agreement changes nothing and is
      not refused, so this node's revocation always holds here at once;
   c. the partner's changes only move forward in time (a change not newer than its
      last is a replay), and one dated more than MAX_STATUS_SKEW ahead of this node's
      clock is refused: it would otherwise hold back the partner's every later change.
5. An agreement outside its validity window is expired, whatever its status says.
6. A proposal must be between exactly the sender and this node: no third party.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from gateway.domain.envelope import Envelope, payload_fingerprint
from gateway.domain.errors import (
    AgreementViolation,
    IllegalTransition,
    InvalidInput,
    StaleVersion,
)
from gateway.domain.identity import check_node_id
from gateway.domain.times import whole_ms

# Stricter of the two national limits (Belgium: 12 months for ANPR data).
MAX_RETENTION_DAYS = 365
DEFAULT_CONFIRMATION_DEADLINE_HOURS = 12
MAX_HANDLING_CODE = 64
# How far ahead of this node's clock a partner's status change may be dated (rule 4c).
MAX_STATUS_SKEW = timedelta(minutes=5)

CATEGORIES = frozenset(
    {
        "stolen_vehicle",
        "stolen_plate",
        "wanted_person",
        "missing_person",
        "international_alert",
        "drug_trafficking",
        "public_order",
    }
)


class Purpose(enum.StrEnum):
    """The only purposes ANPR data may serve (Belgian Police Act)."""

    CRIMINAL_INVESTIGATION = "criminal_investigation"
    MISSING_PERSONS = "missing_persons"
    PUBLIC_ORDER = "public_order"
    TRAFFIC_SAFETY = "traffic_safety"


class MatchingMode(enum.StrEnum):
    TOKEN = "token"
    PLAINTEXT = "plaintext"
    OBLIVIOUS = "oblivious"


# Oblivious matching: the evaluations (blinded readings: a read, its OCR candidates and
# fuzzy variants, each under each country tried) a recipient may ask of the provider.
# The budget is what stops a recipient enumerating the list through the provider: at
# the default per day, trying every plate of a 10^8-plate national format takes weeks
# of the whole budget. Size it from the recipient's camera throughput.
DEFAULT_OBLIVIOUS_PER_S = 5_000
DEFAULT_OBLIVIOUS_PER_DAY = 5_000_000
MAX_OBLIVIOUS_PER_S = 1_000_000
MAX_OBLIVIOUS_PER_DAY = 10_000_000_000


class LocationGranularity(enum.StrEnum):
    NONE = "none"
    ZONE = "zone"
    SITE = "site"
    CAMERA = "camera"


class Direction(enum.StrEnum):
    BOTH = "both"
    PROPOSER_TO_PARTNER = "proposer_to_partner"
    PARTNER_TO_PROPOSER = "partner_to_proposer"


class AgreementState(enum.StrEnum):
    PROPOSED = "proposed"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    EXPIRED = "expired"
    SUPERSEDED = "superseded"


class StatusKind(enum.StrEnum):
    SUSPEND = "suspend"
    RESUME = "resume"
    REVOKE = "revoke"


@dataclass(frozen=True)
class AgreementFields:
    """Optional entry fields the recipient may receive beyond plate and category."""

    action: bool = True
    flags: bool = True
    vehicle_description: bool = False
    contact: bool = False


@dataclass(frozen=True)
class AgreementTerms:
    """One version of an agreement: exactly what both parties sign."""

    agreement_id: str
    version: int
    proposer: str
    partner: str
    valid_from: datetime
    valid_until: datetime
    categories: tuple[str, ...]
    purposes: tuple[Purpose, ...]
    direction: Direction = Direction.BOTH
    matching_mode: MatchingMode = MatchingMode.TOKEN
    fields: AgreementFields = field(default_factory=AgreementFields)
    hit_notification: bool = True
    location_granularity: LocationGranularity = LocationGranularity.SITE
    confirmations_allowed: bool = True
    confirmation_deadline_hours: int = DEFAULT_CONFIRMATION_DEADLINE_HOURS
    entry_retention_days: int = 30
    hit_retention_days: int = 28
    onward_sharing: bool = False
    handling_code: str = ""
    created_at: datetime | None = None
    # Oblivious matching only (0 under the other modes): the evaluation budget.
    oblivious_evaluations_per_s: int = 0
    oblivious_evaluations_per_day: int = 0

    @property
    def parties(self) -> frozenset[str]:
        return frozenset({self.proposer, self.partner})

    def provides(self, provider: str) -> bool:
        """Whether `provider` shares its hotlist with the other party under these terms."""
        if provider not in self.parties:
            return False
        if self.direction is Direction.BOTH:
            return True
        if self.direction is Direction.PROPOSER_TO_PARTNER:
            return provider == self.proposer
        return provider == self.partner


def validate_terms(terms: AgreementTerms) -> AgreementTerms:
    """Return terms unchanged if they are lawful and complete; raise InvalidInput naming
    the first problem otherwise."""
    check_node_id(terms.proposer)
    check_node_id(terms.partner)
    if terms.proposer == terms.partner:
        raise InvalidInput("an agreement needs two different parties")
    if not terms.agreement_id:
        raise InvalidInput("agreement id is empty")
    if terms.version < 1:
        raise InvalidInput("agreement versions start at 1")
    if terms.valid_from.tzinfo is None or terms.valid_until.tzinfo is None:
        raise InvalidInput("validity times must carry a time zone (UTC)")
    if terms.valid_until <= terms.valid_from:
        raise InvalidInput("the validity window ends before it starts")
    if not terms.categories:
        raise InvalidInput("an agreement must name at least one hotlist category")
    unknown = sorted(set(terms.categories) - CATEGORIES)
    if unknown:
        raise InvalidInput(
            f"unknown categor{'y' if len(unknown) == 1 else 'ies'} {', '.join(unknown)}; "
            f"known: {', '.join(sorted(CATEGORIES))}"
        )
    if len(set(terms.categories)) != len(terms.categories):
        raise InvalidInput("a category is listed twice")
    if not terms.purposes:
        raise InvalidInput("an agreement must name at least one lawful purpose")
    if len(set(terms.purposes)) != len(terms.purposes):
        raise InvalidInput("a purpose is listed twice")
    if terms.confirmations_allowed and terms.confirmation_deadline_hours < 1:
        raise InvalidInput("confirmation deadline must be at least one hour")
    for name in ("entry_retention_days", "hit_retention_days"):
        days = getattr(terms, name)
        if not 1 <= days <= MAX_RETENTION_DAYS:
            raise InvalidInput(
                f"{name.replace('_', ' ')} must be between 1 and {MAX_RETENTION_DAYS}, got {days}"
            )
    if len(terms.handling_code) > MAX_HANDLING_CODE:
        raise InvalidInput(f"handling code is longer than {MAX_HANDLING_CODE} characters")
    _check_oblivious_budget(terms)
    return terms


def _check_oblivious_budget(terms: AgreementTerms) -> None:
    per_s, per_day = terms.oblivious_evaluations_per_s, terms.oblivious_evaluations_per_day
    if terms.matching_mode is not MatchingMode.OBLIVIOUS:
        if per_s or per_day:
            raise InvalidInput("an evaluation budget is only for oblivious matching")
        return
    if not 1 <= per_s <= MAX_OBLIVIOUS_PER_S:
        raise InvalidInput(
            f"oblivious evaluations per second must be between 1 and {MAX_OBLIVIOUS_PER_S}, "
            f"got {per_s}"
        )
    if not per_s <= per_day <= MAX_OBLIVIOUS_PER_DAY:
        raise InvalidInput(
            f"oblivious evaluations per day must be between the per-second budget ({per_s}) "
            f"and {MAX_OBLIVIOUS_PER_DAY}, got {per_day}"
        )


@dataclass(frozen=True)
class StatusChange:
    """A signed, unilateral suspension, resumption or revocation."""

    agreement_id: str
    version: int
    kind: StatusKind
    issuer: str
    reason: str
    issued_at: datetime


@dataclass(frozen=True)
class AgreementVersion:
    """One version as this node holds it: its terms and the signed envelope."""

    terms: AgreementTerms
    envelope: Envelope
    countersigned: bool

    @property
    def fingerprint(self) -> str:
        return payload_fingerprint(self.envelope.payload)


@dataclass(frozen=True)
class Agreement:
    """Everything one node holds about one agreement with one partner.

    `versions` is ordered by version number. The agreement-wide status (suspended,
    revoked) applies to whichever version is current.
    """

    agreement_id: str
    local_node: str
    partner: str
    versions: tuple[AgreementVersion, ...]
    # The parties whose suspension holds (rule 4a), sorted.
    suspensions: tuple[str, ...] = ()
    revoked_by: str | None = None
    status_reason: str = ""
    # When the last status change received from the partner was issued (rule 4c).
    partner_status_at: datetime | None = None

    # -- reading -----------------------------------------------------------------

    @property
    def suspended_by(self) -> str | None:
        """Who suspended it ("a, b" when both did), or None."""
        return ", ".join(self.suspensions) or None

    @property
    def current(self) -> AgreementVersion | None:
        """The highest countersigned version, the one in force (if any)."""
        signed = [v for v in self.versions if v.countersigned]
        return signed[-1] if signed else None

    @property
    def pending(self) -> AgreementVersion | None:
        """A proposal newer than the current version, awaiting countersignature."""
        last = self.versions[-1] if self.versions else None
        return last if last is not None and not last.countersigned else None

    def version(self, number: int) -> AgreementVersion:
        for v in self.versions:
            if v.terms.version == number:
                return v
        raise IllegalTransition(f"agreement {self.agreement_id} has no version {number}")

    def state_of(self, number: int, now: datetime) -> AgreementState:
        v = self.version(number)
        if self.revoked_by:
            return AgreementState.REVOKED
        current = self.current
        if not v.countersigned:
            return AgreementState.PROPOSED
        if current is not None and v.terms.version < current.terms.version:
            return AgreementState.SUPERSEDED
        if now >= v.terms.valid_until:
            return AgreementState.EXPIRED
        if self.suspensions:
            return AgreementState.SUSPENDED
        return AgreementState.ACTIVE

    def state(self, now: datetime) -> AgreementState:
        """State of the agreement as a whole: its current version's, or proposed."""
        current = self.current
        if current is None:
            return AgreementState.REVOKED if self.revoked_by else AgreementState.PROPOSED
        return self.state_of(current.terms.version, now)

    def in_force(self, now: datetime) -> AgreementTerms | None:
        """The terms that govern exchange right now, or None if nothing may flow."""
        current = self.current
        if current is None or self.state(now) is not AgreementState.ACTIVE:
            return None
        if now < current.terms.valid_from:
            return None
        return current.terms

    # -- transitions -----------------------------------------------------------------

    def _next_version_number(self) -> int:
        current = self.current
        return current.terms.version + 1 if current else 1

    def _require_open(self) -> None:
        if self.revoked_by:
            raise IllegalTransition(
                f"agreement {self.agreement_id} was revoked by {self.revoked_by}; "
                "revocation is final, propose a new agreement instead"
            )

    def with_proposal(self, proposal: AgreementVersion, *, sender: str) -> Agreement:
        """Record a signed proposal, made here (sender = local node) or received from the
        partner. Rule 3: it must be exactly the next version; rule 6: between the two
        parties only. Re-delivery of the pending proposal is accepted unchanged."""
        terms = proposal.terms
        self._require_open()
        if terms.proposer != sender:
            raise AgreementViolation(
                f"proposal of {terms.agreement_id} names {terms.proposer} as proposer but "
                f"came from {sender}"
            )
        if terms.parties != {self.local_node, self.partner}:
            third = sorted(terms.parties - {self.local_node, self.partner})
            raise AgreementViolation(
                f"proposal names {', '.join(third)}, which is not a party between "
                f"{self.local_node} and {self.partner}"
            )
        pending = self.pending
        if pending is not None and pending.terms.version == terms.version:
            if pending.envelope.payload == proposal.envelope.payload:
                return self  # the same proposal delivered again: nothing changes
            if sender != self.local_node:
                raise StaleVersion(
                    f"a different proposal for version {terms.version} of "
                    f"{terms.agreement_id} is already pending"
                )
        expected = self._next_version_number()
        if terms.version < expected:
            raise StaleVersion(
                f"version {terms.version} of agreement {terms.agreement_id} is older than "
                f"the version in force ({expected - 1}); replayed or stale proposal refused"
            )
        if terms.version > expected:
            raise StaleVersion(
                f"version {terms.version} of agreement {terms.agreement_id} skips version "
                f"{expected}"
            )
        kept = tuple(v for v in self.versions if v.countersigned)
        return replace(self, versions=(*kept, proposal))

    def with_countersigned(self, signed: AgreementVersion) -> Agreement:
        """Replace the pending proposal with its countersigned envelope (rule 2). The
        payload must be byte-identical to the pending one."""
        self._require_open()
        if not signed.countersigned:
            raise IllegalTransition("envelope is not countersigned by both parties")
        current = self.current
        if current is not None and current.terms.version == signed.terms.version:
            if current.envelope == signed.envelope:
                return self  # delivered again after a lost answer
            raise StaleVersion(
                f"version {signed.terms.version} of {self.agreement_id} is already in force"
            )
        pending = self.pending
        if pending is None or pending.terms.version != signed.terms.version:
            raise StaleVersion(
                f"no pending proposal for version {signed.terms.version} of {self.agreement_id}"
            )
        if pending.envelope.payload != signed.envelope.payload:
            raise AgreementViolation(
                "countersigned payload differs from the proposal that was sent"
            )
        kept = tuple(v for v in self.versions if v is not pending)
        return replace(self, versions=(*kept, signed))

    def with_status(self, change: StatusChange, now: datetime) -> Agreement:
        """Apply a suspension, resumption or revocation (rule 4), made here or received
        from the partner, at this node's time `now`."""
        if change.agreement_id != self.agreement_id:
            raise InvalidInput("status change names another agreement")
        if change.issuer not in {self.local_node, self.partner}:
            raise AgreementViolation(f"{change.issuer} is not a party to {self.agreement_id}")
        received = change.issuer == self.partner
        if received:
            if change.issued_at > now + MAX_STATUS_SKEW:  # rule 4c
                raise InvalidInput(
                    f"status change is dated {change.issued_at.isoformat()}, more than "
                    f"{int(MAX_STATUS_SKEW.total_seconds() // 60)} minutes ahead of this "
                    "node's clock; refused (check the sender's clock)"
                )
            # Compared at the millisecond: the precision at which the last one is stored.
            last = self.partner_status_at
            if last is not None and whole_ms(change.issued_at) <= whole_ms(last):
                raise StaleVersion(
                    f"status change issued at {change.issued_at.isoformat()} is not newer "
                    "than the last one applied; replay refused"
                )
        stamped = replace(self, partner_status_at=change.issued_at) if received else self
        if change.kind is StatusKind.REVOKE:
            if self.revoked_by:
                return stamped  # rule 4b: revoked already, and for good
            return replace(stamped, revoked_by=change.issuer, status_reason=change.reason)
        self._require_open()
        if self.current is None:
            raise IllegalTransition(
                f"agreement {self.agreement_id} has no countersigned version to {change.kind.value}"
            )
        held = set(self.suspensions)
        if change.kind is StatusKind.SUSPEND:
            if change.issuer in held:
                raise IllegalTransition(
                    f"agreement {self.agreement_id} is already suspended by {change.issuer}"
                )
            held.add(change.issuer)
        else:
            if not held:
                raise IllegalTransition(f"agreement {self.agreement_id} is not suspended")
            if change.issuer not in held:
                raise IllegalTransition(
                    f"only {self.suspended_by}, who suspended agreement {self.agreement_id}, "
                    "may resume it"
                )
            held.discard(change.issuer)
        return replace(stamped, suspensions=tuple(sorted(held)), status_reason=change.reason)
