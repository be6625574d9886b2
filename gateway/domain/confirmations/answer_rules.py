"""What an answer may contain (check_answer): its content against the request it closes
and the agreement's terms, checked before it is sent and again where it arrives. Whether
the request is still open to an answer is for lifecycle to decide.

8. It is given under the request's agreement: the same agreement id, at a version no
   older than the one the request named (a newer version in force governs what may be
   disclosed now), which still allows confirmations.
9. An alert confirmation carries no sightings; it carries the action, the flags and a
   contact point only if the agreement lets the requester receive each of them; the
   action and flags are known ones; a "not confirmed" answer carries no action or flags,
   as no alert stands to act on.
10. Hit details carry no action, flags or contact, and at most one sighting (the hit's
   own), none if "not confirmed"; its location is no finer than the agreement's
   granularity: a camera id only at camera granularity, a site only at camera or site, a
   zone at anything but none.
11. A retrospective query is answered hit / no-hit only: no sightings, no action, flags
   or contact.
12. Retrospective details carry no action, flags or contact, at most
   MAX_RETRO_SIGHTINGS sightings, none if "not confirmed", each inside the asked window
   and located no finer than the agreement allows (as in rule 10).
13. It is well formed: the outcome is known; note and contact are bounded text; each
   sighting carries a time zone, a known direction, a bounded image reference and
   non-empty, printable, bounded location names.
"""

from __future__ import annotations

from datetime import UTC, datetime

from gateway.domain.agreement import AgreementTerms, LocationGranularity
from gateway.domain.confirmations.field_checks import check_free_text, check_line, known, shown
from gateway.domain.confirmations.lifecycle import Confirmation
from gateway.domain.confirmations.messages import (
    DIRECTIONS,
    MAX_IMAGE_REF,
    MAX_TEXT,
    AnswerContent,
    Outcome,
    RequestKind,
)
from gateway.domain.errors import AgreementViolation, InvalidInput
from gateway.domain.hits import MAX_LOCATION, Sighting, locate
from gateway.domain.hotlist import FLAGS, Action
from gateway.domain.hotlist import MAX_TEXT as MAX_CONTACT

MAX_RETRO_SIGHTINGS = 100

_ACTIONS = frozenset(a.value for a in Action)
_LOCATION_FIELDS = ("camera", "site", "zone")  # finest first


def check_answer(conf: Confirmation, content: AnswerContent, terms: AgreementTerms) -> None:
    """Accept `content` as the answer to `conf` under `terms` (the terms in force at the
    responder now), or raise naming the first rule it breaks (rules 8-13). Whether `conf`
    is still open and before its deadline is for Confirmation.answered to decide."""
    req = conf.request
    rid = shown(req.request_id)
    where = f"answer to request {rid}"
    named = f"agreement {terms.agreement_id} v{terms.version}"
    if terms.agreement_id != req.agreement_id or terms.version < req.agreement_version:  # 8
        raise AgreementViolation(
            f"{where}: request was made under agreement {shown(req.agreement_id)} "
            f"v{req.agreement_version}, but the answer is checked against {named}"
        )
    if not terms.confirmations_allowed:
        raise AgreementViolation(f"{where}: {named} no longer allows confirmations")
    kind = req.kind
    extras = [name for name in ("action", "flags", "contact") if getattr(content, name) is not None]
    if kind == RequestKind.ALERT_CONFIRMATION:  # rule 9
        if content.sightings:
            raise AgreementViolation(
                f"{where}: an alert confirmation carries no sightings; the owner saw nothing"
            )
        for name in extras:
            if not getattr(terms.fields, name):
                raise AgreementViolation(
                    f"{where}: carries a {name}, which {named} does not share with "
                    f"{req.requester}; leave it out"
                )
        if content.outcome == Outcome.NOT_CONFIRMED and (
            content.action is not None or content.flags is not None
        ):
            raise InvalidInput(
                f"{where}: a 'not confirmed' answer carries no action or flags; no alert "
                "stands to act on"
            )
        if content.action is not None and content.action not in _ACTIONS:
            raise InvalidInput(f"{where}: unknown action; known: {known(Action)}")
        if content.flags is not None:
            unknown = sorted(set(content.flags) - FLAGS)
            if unknown:
                raise InvalidInput(
                    f"{where}: unknown flag {shown(unknown[0])}; known: {', '.join(sorted(FLAGS))}"
                )
            if len(set(content.flags)) != len(content.flags):
                raise InvalidInput(f"{where}: a flag is given twice")
    else:  # rules 10-12: only alert confirmations speak for the entry's owner
        if extras:
            raise AgreementViolation(
                f"{where}: a {kind.value} answer carries no {', '.join(extras)}; those come "
                "only with an alert confirmation"
            )
        if kind == RequestKind.RETRO_QUERY and content.sightings:  # rule 11
            raise AgreementViolation(
                f"{where}: a retrospective query is answered seen / not seen only; times "
                "and sites need a separate retrospective details request"
            )
        most = 1 if kind == RequestKind.HIT_DETAILS else MAX_RETRO_SIGHTINGS
        if len(content.sightings) > most:  # rules 10 and 12
            raise AgreementViolation(
                f"{where}: a {kind.value} answer carries at most {most} "
                f"sighting{'s' if most > 1 else ''}, got {len(content.sightings)}"
            )
        if content.outcome == Outcome.NOT_CONFIRMED and content.sightings:
            raise InvalidInput(f"{where}: a 'not confirmed' answer carries no sightings")
        allowed = _allowed_location_fields(terms.location_granularity)
        for number, sighting in enumerate(content.sightings, start=1):
            for name in _LOCATION_FIELDS:
                if getattr(sighting.location, name) is not None and name not in allowed:
                    raise AgreementViolation(
                        f"{where}: sighting {number} carries a "
                        f"{'camera id' if name == 'camera' else name}, but {named} allows "
                        f"location only at {terms.location_granularity.value} granularity"
                    )
            if kind == RequestKind.RETRO_DETAILS and sighting.observed_at.tzinfo is not None:
                assert req.window_start is not None and req.window_end is not None  # rule 6
                if not req.window_start <= sighting.observed_at <= req.window_end:
                    raise AgreementViolation(
                        f"{where}: sighting {number} lies outside the window asked about; "
                        "only sightings in it may be disclosed"
                    )
    _check_answer_well_formed(where, content)  # rule 13


def _check_answer_well_formed(where: str, content: AnswerContent) -> None:
    """Rule 13."""
    if not isinstance(content.outcome, Outcome):
        raise InvalidInput(f"{where}: unknown outcome; known: {known(Outcome)}")
    check_free_text(where, "note", content.note, MAX_TEXT)
    if content.contact is not None:
        check_line(where, "contact", content.contact, MAX_CONTACT)
    for number, sighting in enumerate(content.sightings, start=1):
        label = f"sighting {number}"
        if sighting.observed_at.tzinfo is None:
            raise InvalidInput(f"{where}: {label} time must carry a time zone (UTC)")
        if sighting.direction not in DIRECTIONS:
            raise InvalidInput(f"{where}: {label} direction must be 'in', 'out' or empty")
        if sighting.image_ref:
            check_line(where, f"{label} image reference", sighting.image_ref, MAX_IMAGE_REF)
        for name in _LOCATION_FIELDS:
            value = getattr(sighting.location, name)
            if value is not None:  # absent is None; an empty string counts as sent
                check_line(where, f"{label} {name}", value, MAX_LOCATION)


def _allowed_location_fields(granularity: LocationGranularity) -> frozenset[str]:
    """The location fields `granularity` lets through, asked of locate (the one place
    that minimises a location) with a sighting that has every field."""
    probe = locate(
        Sighting(observed_at=datetime(2000, 1, 1, tzinfo=UTC), camera="c", site="s", zone="z"),
        granularity,
    )
    return frozenset(name for name in _LOCATION_FIELDS if getattr(probe, name) is not None)
