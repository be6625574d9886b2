"""Checks on one field of a confirmation message, shared by the rules and the life of a
request. Values are never quoted in an error: a malformed field could hold anything, a
plate included; ids are shown bounded. Internal to this package, not re-exported."""

from __future__ import annotations

import enum

from gateway.domain.errors import InvalidInput
from gateway.domain.hits import MAX_ID

_FREE_TEXT_CONTROLS = frozenset("\n\r\t")


def check_id(where: str, label: str, value: str) -> None:
    check_line(where, label, value, MAX_ID)


def check_line(where: str, label: str, value: str, limit: int) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{where}: {label} is empty")
    if len(value) > limit:
        raise InvalidInput(f"{where}: {label} is longer than {limit} characters")
    if not value.isprintable():
        raise InvalidInput(f"{where}: {label} contains control characters")


def check_free_text(where: str, label: str, value: str, limit: int) -> None:
    if not isinstance(value, str):
        raise InvalidInput(f"{where}: {label} must be text")
    if len(value) > limit:
        raise InvalidInput(f"{where}: {label} is longer than {limit} characters")
    if any(not c.isprintable() and c not in _FREE_TEXT_CONTROLS for c in value):
        raise InvalidInput(f"{where}: {label} contains control characters")


def shown(value: str) -> str:
    """An id from an unchecked message, bounded and quoted for an error message."""
    return repr(value if len(value) <= MAX_ID else value[:MAX_ID] + "…")


def known(enum_type: type[enum.StrEnum]) -> str:
    return ", ".join(member.value for member in enum_type)
