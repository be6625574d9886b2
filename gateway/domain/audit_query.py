"""Which audit records a reader asks for (issue 18): filters the node applies in its
store, so an auditor's question is answered over the whole log, not over a window the
console happened to read. Pure values; the store turns a query into SQL.

Rules:
1. Every filter is optional; given ones all apply (AND).
2. `action` is a record's action exactly, or a family when it ends in "."
   ("agreement." is every agreement.* action).
3. `object_type`, `object_id` and `actor` (the user or node name) match exactly.
4. `since` and `until` are UTC times in the stored form, as long as the reader wants:
   "2026-12", "2026-12-03", "2026-12-03T16", "2026-12-03T16:40", ... A record is
   included from `since` (at or after) up to and including `until` at its precision
   (until "2026-12-03" includes the whole day). No zone letter: all times are UTC."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

from gateway.domain.errors import InvalidInput

_TIME_PREFIX = re.compile(r"\d{4}(-\d{2}(-\d{2}(T\d{2}(:\d{2}(:\d{2}(\.\d{1,3})?)?)?)?)?)?")
_MAX = 200


@dataclass(frozen=True)
class AuditQuery:
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    actor: str = ""
    since: str = ""
    until: str = ""

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if len(value) > _MAX:
                raise InvalidInput(f"the audit filter {f.name} is longer than {_MAX} characters")
        for name in ("since", "until"):
            value = getattr(self, name)
            if value and not _TIME_PREFIX.fullmatch(value):
                raise InvalidInput(
                    f"the audit filter {name} must be a UTC time such as 2026-12-03 or "
                    f"2026-12-03T16:40, got {value!r}"
                )

    @property
    def action_family(self) -> bool:
        """Rule 2: "agreement." asks for every agreement.* action."""
        return self.action.endswith(".")

    def details(self) -> dict[str, str]:
        """The filters given, for the audit record of the reading (names and ids, never
        personal data: the log holds none to filter by)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}
