"""Traffic Light Protocol 2.0 as STIX 2.1 carries it: the labels, their published
marking definitions, and the label an unmarked ISC object is handled under."""

from __future__ import annotations

import enum
from types import MappingProxyType
from typing import Any, Final

from gateway.domain.errors import InvalidInput

TLP2_EXTENSION: Final = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"


class Tlp(enum.StrEnum):
    """Traffic Light Protocol 2.0 labels, most open first."""

    CLEAR = "clear"
    GREEN = "green"
    AMBER = "amber"
    AMBER_STRICT = "amber+strict"
    RED = "red"

    @property
    def label(self) -> str:
        return "TLP:" + self.value.upper()


# The marking definitions published for TLP 2.0 (OASIS CTI common objects).
_TLP_IDS: Final = {
    Tlp.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    Tlp.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    Tlp.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    Tlp.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    Tlp.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
TLP_BY_MARKING: Final = MappingProxyType({v: k for k, v in _TLP_IDS.items()})


def marking_id(tlp: Tlp) -> str:
    return _TLP_IDS[tlp]


def marking_definition(tlp: Tlp) -> dict[str, Any]:
    """The TLP 2.0 marking definition object as published."""
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": _TLP_IDS[tlp],
        "created": "2022-10-01T00:00:00.000Z",
        "name": tlp.label,
        "extensions": {
            TLP2_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": tlp.value}
        },
    }


def parse_tlp(value: str) -> Tlp:
    text = value.strip().lower().removeprefix("tlp:")
    try:
        return Tlp(text)
    except ValueError:
        raise InvalidInput(
            f"unknown TLP {value!r}; known: {', '.join(t.value for t in Tlp)}"
        ) from None


# An ISC object without a TLP marking is handled as TLP:AMBER.
UNMARKED_TLP: Final = Tlp.AMBER
