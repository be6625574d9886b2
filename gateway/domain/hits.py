"""Hits: a camera read that matched a hotlist entry, and what its owner is told about it.

The observing node alerts its own operators (advisories) and, when the agreement under
which it holds the entry allows it, sends the entry's owner a signed HitNotification:
which entry was seen, when, and where - but only as precisely as the agreement allows
(locate is the one place that minimises a location). Signing, delivery and storage live
elsewhere; this module only decides.

Rules the owner applies to a notification (check_notification), in this order; the
first that fails refuses it, and no message ever carries a plate or a location:
1. It comes from its observer: the mutual-TLS peer that delivered it is the node it
   names as observer. No node reports hits on another node's behalf.
2. It is for us: the owner it names is this node.
3. It is under an agreement version held here, between exactly the observer and us,
   under which we share our entries with the observer, and which was in force
   (valid_from <= observed_at < valid_until) when the hit was observed.
4. That agreement version allows hit notification.
5. Its location is no finer than the agreement's granularity: a camera id only at
   camera granularity, a site only at camera or site, a zone at anything but none.
   Absent means None, not blanked: an empty string counts as sent.
6. It is well formed: observed_at carries a time zone and lies at most max_clock_skew
   in the future; versions are at least 1; hit id and entry id are non-empty, printable
   and at most MAX_ID characters; every location name sent is non-empty, printable and
   at most MAX_LOCATION characters.
7. It is not past the hit retention (observed_at + the agreement's hit_retention_days,
   capped by the stricter national limit of the two parties: retention rule 7): such
   a hit must already be erased, so it is not taken in again.
The observer builds notifications (build_notification) that pass rules 3-6 by
construction, or gets None when the agreement does not call for one.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from gateway.domain.agreement import MAX_RETENTION_DAYS, AgreementTerms, LocationGranularity
from gateway.domain.errors import AgreementViolation, InvalidInput
from gateway.domain.hotlist import Action
from gateway.domain.retention import capped_hit_retention_days

MAX_ID = 64
MAX_LOCATION = 64
DEFAULT_MAX_CLOCK_SKEW = timedelta(minutes=5)
HIT_NOTIFICATION_PAYLOAD = "application/vnd.argos.hit-notification.v1+protobuf"

ADVISORY_DISCREET = "discreet check — do not alert occupants"
ADVISORY_UNCONFIRMED_FOREIGN = "unconfirmed foreign alert: confirm before coercive action"
ADVISORY_SUSPECTED_CLONE = "suspected clone: verify the image before acting"

_COERCIVE = frozenset({Action.SPECIFIC_CHECK.value, Action.SEIZE.value})
# Location fields from finest to coarsest, with the coarsest granularity that still
# carries each one (rule 5).
_FIELD_NEEDS = (
    ("camera", LocationGranularity.CAMERA),
    ("site", LocationGranularity.SITE),
    ("zone", LocationGranularity.ZONE),
)
_FINENESS = {
    LocationGranularity.NONE: 0,
    LocationGranularity.ZONE: 1,
    LocationGranularity.SITE: 2,
    LocationGranularity.CAMERA: 3,
}


class MatchKind(enum.StrEnum):
    """Whether the read matched the entry as read, or only one of its OCR variants."""

    EXACT = "exact"
    FUZZY = "fuzzy"


@dataclass(frozen=True, slots=True)
class Sighting:
    """Where and when the observing node's camera saw the vehicle. Never a plate: the
    plate stays with the read, which is matched and then dropped."""

    observed_at: datetime  # aware, UTC, millisecond precision
    camera: str
    site: str
    zone: str
    direction: str = ""  # "in", "out", or "" when unknown; never leaves the node
    image_ref: str = ""  # never leaves the node


@dataclass(frozen=True, slots=True)
class NotifiedLocation:
    """The location as the owner may learn it. None means absent from the bytes."""

    camera: str | None = None
    site: str | None = None
    zone: str | None = None


def locate(sighting: Sighting, granularity: LocationGranularity) -> NotifiedLocation:
    """The sighting's location cut down to `granularity` (rule 5): camera gives camera,
    site and zone; site gives site and zone; zone gives zone; none gives nothing.
    Empty names become None: absent, not blanked."""
    fineness = _FINENESS[granularity]
    return NotifiedLocation(
        camera=(sighting.camera or None) if fineness >= 3 else None,
        site=(sighting.site or None) if fineness >= 2 else None,
        zone=(sighting.zone or None) if fineness >= 1 else None,
    )


@dataclass(frozen=True, slots=True, repr=False)
class HitNotification:
    """'Your entry was seen by my camera', from observer to owner, signed elsewhere."""

    hit_id: str  # UUIDv7 made by the observer; makes delivery idempotent
    agreement_id: str
    agreement_version: int
    observer: str  # node id that saw it
    owner: str  # node id that owns the entry
    entry_id: str
    entry_version: int
    observed_at: datetime
    location: NotifiedLocation
    match: MatchKind
    country_inferred: bool  # the read carried no country; the entry's was assumed

    def __repr__(self) -> str:  # ids only: time and place of a vehicle are personal data
        return (
            f"HitNotification(hit_id={self.hit_id!r}, agreement_id={self.agreement_id!r}, "
            f"agreement_version={self.agreement_version}, observer={self.observer!r}, "
            f"owner={self.owner!r}, entry_id={self.entry_id!r})"
        )


def build_notification(
    *,
    hit_id: str,
    terms: AgreementTerms,
    observer: str,
    owner: str,
    entry_id: str,
    entry_version: int,
    sighting: Sighting,
    match: MatchKind,
    country_inferred: bool,
) -> HitNotification | None:
    """The notification the observer sends the owner for this hit, or None when `terms`
    do not call for one: hit notification is off (rule 4), the owner does not share
    entries with the observer under them, or they were not in force at the sighting
    (rule 3). Raises AgreementViolation when `terms` are not between observer and owner
    (the entry cannot have been held under them), InvalidInput when the result would not
    be well formed (rule 6). observed_at is sent in UTC at millisecond precision."""
    if terms.parties != {observer, owner} or observer == owner:
        raise AgreementViolation(
            f"agreement {terms.agreement_id} v{terms.version} is between {terms.proposer} "
            f"and {terms.partner}; it cannot carry a hit from {observer} to {owner}"
        )
    if not terms.hit_notification or not terms.provides(owner):
        return None
    if sighting.observed_at.tzinfo is None:
        raise InvalidInput("sighting time must carry a time zone (UTC)")
    utc = sighting.observed_at.astimezone(UTC)
    observed_at = utc.replace(microsecond=utc.microsecond // 1000 * 1000)
    if not terms.valid_from <= observed_at < terms.valid_until:
        return None
    notification = HitNotification(
        hit_id=hit_id,
        agreement_id=terms.agreement_id,
        agreement_version=terms.version,
        observer=observer,
        owner=owner,
        entry_id=entry_id,
        entry_version=entry_version,
        observed_at=observed_at,
        location=locate(sighting, terms.location_granularity),
        match=match,
        country_inferred=country_inferred,
    )
    _check_well_formed(notification)
    return notification


def check_notification(
    n: HitNotification,
    terms: AgreementTerms | None,
    *,
    sender: str,
    this_node: str,
    now: datetime,
    max_clock_skew: timedelta = DEFAULT_MAX_CLOCK_SKEW,
) -> None:
    """Accept `n` on the owner's side, or raise naming the first rule it breaks.

    `sender` is the node the mutual-TLS peer was authenticated as; `terms` are the terms
    of the agreement version `n` names as this node holds them, or None if it holds no
    such version. Whether that agreement is suspended or revoked right now is for the
    caller to decide; this checks that the hit itself was lawful to send.
    """
    if n.observer != sender:  # rule 1
        # The peer is who its certificate says (the transport checked that); what is
        # wrong is the message's claim, so this is an AgreementViolation, not a
        # PeerIdentityMismatch.
        raise AgreementViolation(
            f"hit notification {_shown(n.hit_id)} names {_shown(n.observer)} as observer "
            f"but was delivered by {sender}; a node may only report its own hits"
        )
    if n.owner != this_node:  # rule 2
        raise AgreementViolation(
            f"hit notification {_shown(n.hit_id)} from {sender} is for entries of "
            f"{_shown(n.owner)}, not of this node ({this_node}); it was sent to the wrong node"
        )
    named = f"agreement {_shown(n.agreement_id)} v{n.agreement_version}"
    if terms is None:  # rule 3
        raise AgreementViolation(
            f"hit notification from {sender} is under {named}, which this node does not "
            "hold; check that both sides have countersigned that version"
        )
    if (terms.agreement_id, terms.version) != (n.agreement_id, n.agreement_version):
        raise AgreementViolation(
            f"hit notification from {sender} is under {named}, but was checked against "
            f"agreement {terms.agreement_id} v{terms.version}"
        )
    if terms.parties != {sender, this_node}:
        raise AgreementViolation(
            f"{named} is between {terms.proposer} and {terms.partner}, not between "
            f"{sender} and {this_node}"
        )
    if not terms.provides(this_node):
        raise AgreementViolation(
            f"under {named} this node does not share entries with {sender}, so {sender} "
            "can hold none of them to report a hit on"
        )
    if n.observed_at.tzinfo is not None and not (
        terms.valid_from <= n.observed_at < terms.valid_until
    ):
        raise AgreementViolation(
            f"hit notification {_shown(n.hit_id)} from {sender} was observed at "
            f"{n.observed_at.isoformat()}, outside the validity of {named} "
            f"({terms.valid_from.isoformat()} to {terms.valid_until.isoformat()})"
        )
    if not terms.hit_notification:  # rule 4
        raise AgreementViolation(f"{named} does not allow hit notifications")
    for name, needs in _FIELD_NEEDS:  # rule 5
        if (
            getattr(n.location, name) is not None
            and _FINENESS[terms.location_granularity] < _FINENESS[needs]
        ):
            raise AgreementViolation(
                f"hit notification {_shown(n.hit_id)} from {sender} carries a "
                f"{'camera id' if name == 'camera' else name}, but {named} allows location "
                f"only at {terms.location_granularity.value} granularity"
            )
    _check_well_formed(n)  # rule 6
    if n.observed_at > now + max_clock_skew:
        raise InvalidInput(
            f"hit notification {n.hit_id} from {sender} was observed at "
            f"{n.observed_at.isoformat()}, more than {max_clock_skew} after this node's "
            f"time {now.isoformat()}; check both nodes' clocks"
        )
    retention_days = capped_hit_retention_days(terms.hit_retention_days, this_node, sender)
    if hit_expires_at(n.observed_at, retention_days) <= now:  # rule 7
        raise AgreementViolation(
            f"hit notification {n.hit_id} from {sender} is older than the "
            f"{retention_days}-day hit retention of {named} (the stricter of the agreement "
            "and both countries' limits); it must be erased, not delivered"
        )


def _check_well_formed(n: HitNotification) -> None:
    """Rule 6 without the clock: what both sides can check from the notification alone."""
    if n.observed_at.tzinfo is None:
        raise InvalidInput(f"hit notification {_shown(n.hit_id)}: observed_at has no time zone")
    for name in ("agreement_version", "entry_version"):
        if getattr(n, name) < 1:
            raise InvalidInput(
                f"hit notification {_shown(n.hit_id)}: {name.replace('_', ' ')} must be at "
                f"least 1, got {getattr(n, name)}"
            )
    for name in ("hit_id", "entry_id"):
        _check_text(n, name.replace("_", " "), getattr(n, name), MAX_ID)
    for name, _ in _FIELD_NEEDS:
        value = getattr(n.location, name)
        if value is not None:
            _check_text(n, f"location {name}", value, MAX_LOCATION)
    if not isinstance(n.match, MatchKind):
        raise InvalidInput(
            f"hit notification {_shown(n.hit_id)}: unknown match kind; known: "
            f"{', '.join(k.value for k in MatchKind)}"
        )


def _check_text(n: HitNotification, label: str, value: str, limit: int) -> None:
    # The value itself is never quoted: a location name could identify a place and a
    # malformed field could hold anything, a plate included.
    if not value:
        raise InvalidInput(f"hit notification {_shown(n.hit_id)}: {label} is empty")
    if len(value) > limit:
        raise InvalidInput(
            f"hit notification {_shown(n.hit_id)}: {label} is longer than {limit} characters"
        )
    if not value.isprintable():
        raise InvalidInput(
            f"hit notification {_shown(n.hit_id)}: {label} contains control characters"
        )


def _shown(value: str) -> str:
    """An id from an unchecked message, bounded and quoted for an error message."""
    return repr(value if len(value) <= MAX_ID else value[:MAX_ID] + "…")


def advisories(action: str | None, flags: Iterable[str], *, foreign: bool) -> tuple[str, ...]:
    """The advisories operators see with an alert, without duplicates, in a fixed order:
    discreet check, unconfirmed foreign alert, suspected clone. `foreign` is true when
    the entry belongs to a partner; its alert has not been confirmed by its owner."""
    flag_set = frozenset(flags)
    shown: list[str] = []
    if action == Action.DISCREET_CHECK.value or "do_not_alert_subject" in flag_set:
        shown.append(ADVISORY_DISCREET)
    if foreign and action in _COERCIVE:
        shown.append(ADVISORY_UNCONFIRMED_FOREIGN)
    if "suspected_clone" in flag_set:
        shown.append(ADVISORY_SUSPECTED_CLONE)
    return tuple(shown)


def hit_expires_at(observed_at: datetime, retention_days: int) -> datetime:
    """When a hit observed at `observed_at` must be erased, on both sides."""
    if observed_at.tzinfo is None:
        raise InvalidInput("hit time must carry a time zone (UTC)")
    if not 1 <= retention_days <= MAX_RETENTION_DAYS:
        raise InvalidInput(
            f"hit retention must be between 1 and {MAX_RETENTION_DAYS} days, got {retention_days}"
        )
    return observed_at + timedelta(days=retention_days)


@dataclass(frozen=True)
class ObservedHit:
    """A hit of this node's cameras, as the node keeps it until its retention ends."""

    hit_id: str
    observed_at: datetime
    camera: str
    site: str
    zone: str
    direction: str
    image_ref: str
    plate: str
    country: str
    country_inferred: bool
    match: str
    matched: str
    entry_owner: str
    entry_id: str
    entry_version: int
    agreement_id: str | None  # None: a hit on this node's own entry
    agreement_version: int | None
    category: str
    action: str | None
    flags: tuple[str, ...]
    owner_notified: bool
    expires_at: datetime

    def __repr__(self) -> str:  # never show a plate
        return f"ObservedHit(hit_id={self.hit_id!r}, entry_id={self.entry_id!r})"

    @property
    def sighting(self) -> Sighting:
        return Sighting(
            self.observed_at, self.camera, self.site, self.zone, self.direction, self.image_ref
        )


@dataclass(frozen=True)
class ReceivedHit:
    """A partner's notification of a hit on one of this node's entries, with the signed
    envelope it came in."""

    hit_id: str
    agreement_id: str
    agreement_version: int
    observer: str
    entry_id: str
    entry_version: int
    observed_at: datetime
    camera: str | None
    site: str | None
    zone: str | None
    match: str
    country_inferred: bool
    envelope: bytes
    received_at: datetime
    expires_at: datetime

    def __repr__(self) -> str:
        return f"ReceivedHit(hit_id={self.hit_id!r}, entry_id={self.entry_id!r})"
