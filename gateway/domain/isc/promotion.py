"""Deciding an ISC candidate. A candidate is never active: only an investigator's promote
makes a hotlist entry, only from a candidate whose TLP lets its content reach partner
organisations, and only with what a person must give; each candidate is decided once."""

from __future__ import annotations

from typing import Final

from gateway.domain.agreement import Purpose
from gateway.domain.errors import AgreementViolation, IllegalTransition, InvalidInput
from gateway.domain.isc.tlp import Tlp

# Promoting makes a hotlist entry, which syncs to partner organisations: TLP:RED
# (participants only) and TLP:AMBER+STRICT (own organisation only) forbid that.
PROMOTABLE_TLP: Final = frozenset({Tlp.CLEAR, Tlp.GREEN, Tlp.AMBER})


def check_promotable(tlp: Tlp) -> None:
    if tlp not in PROMOTABLE_TLP:
        raise AgreementViolation(
            f"the candidate is marked {tlp.label}: its content may not reach partner "
            "organisations, and a hotlist entry is shared with them; it cannot be promoted"
        )


def check_open(candidate_id: str, state: str) -> None:
    """A candidate is decided once: promoted or dismissed, never both, never twice."""
    if state != "open":
        raise IllegalTransition(f"candidate {candidate_id} is already {state}")


def check_promotion(
    purpose: str, case_reference: str, has_expiry: bool, justification: str
) -> Purpose:
    """What a person must give to make a candidate a hotlist entry (nothing is ever
    activated without it): a lawful purpose, a case reference, an expiry (the entry's
    review date) and a justification. Returns the purpose."""
    try:
        lawful = Purpose(purpose.strip().lower())
    except ValueError:
        raise InvalidInput(
            f"a promotion needs a lawful purpose: {', '.join(p.value for p in Purpose)}"
        ) from None
    if not case_reference.strip():
        raise InvalidInput("a promotion needs a case reference")
    if not has_expiry:
        raise InvalidInput("a promotion needs an expiry (the entry's review date)")
    if not justification.strip():
        raise InvalidInput("a promotion needs a justification")
    return lawful
