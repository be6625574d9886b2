"""The terms of an agreement as a form and back: the propose and amend pages' fields,
their defaults (those of `argos agreement propose`), the draft the node signs, and the
terms of a held agreement as the detail page lists them. The node checks the terms
(gateway/domain/agreement.py); this only translates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from google.protobuf.timestamp_pb2 import Timestamp

from gateway.console.screens.display import shown
from gateway.domain.agreement import (
    CATEGORIES,
    DEFAULT_OBLIVIOUS_PER_DAY,
    DEFAULT_OBLIVIOUS_PER_S,
)
from gateway.wire.argos.v1 import agreement_pb2 as apb

CATEGORY_NAMES = tuple(sorted(CATEGORIES))
PURPOSE_NAMES = tuple(
    n.removeprefix("PURPOSE_").lower() for n in apb.Purpose.keys() if n != "PURPOSE_UNSPECIFIED"
)
FIELD_NAMES = ("action", "flags", "vehicle_description", "contact")
DIRECTIONS = ("both", "proposer_to_partner", "partner_to_proposer")
GRANULARITIES = ("none", "zone", "site", "camera")
MATCHING = ("token", "plaintext", "oblivious")

DEFAULTS: dict[str, str] = {
    **{f"category.{c}": "on" for c in CATEGORY_NAMES},
    "purpose.criminal_investigation": "on",
    "field.action": "on",
    "field.flags": "on",
    "direction": "both",
    "matching": "token",
    "hit_notification": "on",
    "granularity": "site",
    "confirmations": "on",
    "deadline_hours": "12",
    "entry_retention_days": "30",
    "hit_retention_days": "28",
    "handling_code": "",
    "oblivious_budget": f"{DEFAULT_OBLIVIOUS_PER_S},{DEFAULT_OBLIVIOUS_PER_DAY}",
    "valid_days": "365",
}


class TermsInvalid(ValueError):
    """A field of the form that cannot be a term (the node checks the rest)."""


def _number(f: dict[str, str], name: str) -> int:
    raw = f.get(name, "").strip()
    if not raw.isdigit():
        raise TermsInvalid(name)
    return int(raw)


def _budget(f: dict[str, str]) -> tuple[int, int]:
    """Evaluations a second and a day, "PER_S,PER_DAY" (oblivious matching only)."""
    if f.get("matching") != "oblivious":
        return 0, 0
    parts = f.get("oblivious_budget", "").replace(" ", "").split(",")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise TermsInvalid("oblivious_budget")
    return int(parts[0]), int(parts[1])


def _choice(f: dict[str, str], name: str, allowed: tuple[str, ...]) -> str:
    value = f.get(name, "")
    if value not in allowed:
        raise TermsInvalid(name)
    return value


def draft_from_form(f: dict[str, str], partner: str) -> apb.AgreementDocument:
    """The draft of the posted terms (identity fields left to the node)."""
    now = datetime.now(UTC)
    start, end = Timestamp(), Timestamp()
    start.FromDatetime(now)
    end.FromDatetime(now + timedelta(days=_number(f, "valid_days")))
    per_s, per_day = _budget(f)
    return apb.AgreementDocument(
        partner=partner,
        valid_from=start,
        valid_until=end,
        direction=DIRECTIONS.index(_choice(f, "direction", DIRECTIONS)) + 1,
        categories=[c for c in CATEGORY_NAMES if f.get(f"category.{c}")],
        purposes=[
            apb.Purpose.Value("PURPOSE_" + p.upper())
            for p in PURPOSE_NAMES
            if f.get(f"purpose.{p}")
        ],
        matching_mode=MATCHING.index(_choice(f, "matching", MATCHING)) + 1,
        fields=apb.AgreementFields(**{n: bool(f.get(f"field.{n}")) for n in FIELD_NAMES}),
        hit_notification=bool(f.get("hit_notification")),
        location_granularity=GRANULARITIES.index(_choice(f, "granularity", GRANULARITIES)) + 1,
        confirmations_allowed=bool(f.get("confirmations")),
        confirmation_deadline_hours=_number(f, "deadline_hours"),
        entry_retention_days=_number(f, "entry_retention_days"),
        hit_retention_days=_number(f, "hit_retention_days"),
        onward_sharing=bool(f.get("onward_sharing")),
        handling_code=f.get("handling_code", "").strip(),
        oblivious_evaluations_per_s=per_s,
        oblivious_evaluations_per_day=per_day,
    )


def form_from_document(d: apb.AgreementDocument) -> dict[str, str]:
    """The amend form, filled with the terms in force."""
    f = {
        **{f"category.{c}": "on" for c in d.categories},
        **{
            "purpose." + apb.Purpose.Name(p).removeprefix("PURPOSE_").lower(): "on"
            for p in d.purposes
        },
        **{f"field.{n}": "on" for n in FIELD_NAMES if getattr(d.fields, n)},
        "direction": DIRECTIONS[max(d.direction, 1) - 1],
        "matching": MATCHING[max(d.matching_mode, 1) - 1],
        "granularity": GRANULARITIES[max(d.location_granularity, 1) - 1],
        "deadline_hours": str(d.confirmation_deadline_hours),
        "entry_retention_days": str(d.entry_retention_days),
        "hit_retention_days": str(d.hit_retention_days),
        "handling_code": d.handling_code,
        "oblivious_budget": f"{d.oblivious_evaluations_per_s},{d.oblivious_evaluations_per_day}"
        if d.oblivious_evaluations_per_s
        else DEFAULTS["oblivious_budget"],
        "valid_days": "365",
    }
    for flag, on in (
        ("hit_notification", d.hit_notification),
        ("confirmations", d.confirmations_allowed),
        ("onward_sharing", d.onward_sharing),
    ):
        if on:
            f[flag] = "on"
    return f


def terms_view(d: apb.AgreementDocument) -> list[tuple[str, str]]:
    """(translation key, value) per term, in the order the detail page lists them."""

    def enum(e, value: int, prefix: str) -> str:
        return e.Name(value).removeprefix(prefix).lower()

    fields = [n for n in FIELD_NAMES if getattr(d.fields, n)]
    return [
        ("terms.valid", f"{shown(d.valid_from)} to {shown(d.valid_until)}"),
        ("terms.direction", enum(apb.SharingDirection, d.direction, "SHARING_DIRECTION_")),
        ("terms.categories", ", ".join(d.categories)),
        ("terms.purposes", ", ".join(enum(apb.Purpose, p, "PURPOSE_") for p in d.purposes)),
        ("terms.matching", enum(apb.MatchingMode, d.matching_mode, "MATCHING_MODE_")),
        ("terms.fields", ", ".join(fields) or "—"),
        ("terms.hit_notification", "yes" if d.hit_notification else "no"),
        (
            "terms.granularity",
            enum(apb.LocationGranularity, d.location_granularity, "LOCATION_GRANULARITY_"),
        ),
        (
            "terms.confirmations",
            f"{d.confirmation_deadline_hours} h" if d.confirmations_allowed else "no",
        ),
        ("terms.entry_retention", f"{d.entry_retention_days} d"),
        ("terms.hit_retention", f"{d.hit_retention_days} d"),
        ("terms.onward_sharing", "yes" if d.onward_sharing else "no"),
        ("terms.handling_code", d.handling_code or "—"),
        *(
            [
                (
                    "terms.oblivious_budget",
                    f"{d.oblivious_evaluations_per_s} / s, {d.oblivious_evaluations_per_day} / day",
                )
            ]
            if d.oblivious_evaluations_per_s
            else []
        ),
    ]


def compare(
    older: list[tuple[str, str]], newer: list[tuple[str, str]]
) -> list[tuple[str, str, str, bool]]:
    """(translation key, older value, newer value, changed) per term, in terms_view's
    order; a term only one side has shows as changed."""
    before, after = dict(older), dict(newer)
    keys = [k for k, _ in newer] + [k for k, _ in older if k not in after]
    return [(k, before.get(k, ""), after.get(k, ""), before.get(k) != after.get(k)) for k in keys]
