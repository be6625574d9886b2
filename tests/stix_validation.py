"""Every bundle the ISC tests produce goes through the OASIS stix2-validator."""

from __future__ import annotations

from stix2validator import ValidationOptions, validate_instance

# Strict about errors; warnings (recommendations) are printed by the validator's
# result but do not fail a test.
_OPTIONS = ValidationOptions(version="2.1")


def assert_valid_bundle(bundle: dict) -> None:
    result = validate_instance(bundle, _OPTIONS)
    assert result.is_valid, [str(e) for e in result.errors]
