"""Settings files (node.toml, the adapters' TOML files), read into typed values once.

A schema is a `msgspec.Struct` declared with `Settings` as its base: every key has a
type and a default (or is required), unknown keys are refused, and every refusal names
the file and the key, e.g. "node.toml: metrics_port: expected int, got str". msgspec
does the checking (strict types, nested tables, unknown fields) in a few lines per
schema, where a hand-written loader grew a `raw.get(...)` and a cast per key in five
places. Relative paths are taken relative to the settings file's folder.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, TypeVar

import msgspec

from gateway.domain.errors import InvalidInput

S = TypeVar("S", bound="Settings")


class Settings(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """Base of every settings schema. (kw_only applies to the fields declared on each
    class: a schema lists its required settings before those with a default.)"""


def read_toml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise InvalidInput(f"settings file {path} does not exist")
    try:
        return tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"{path} is not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{path} is not UTF-8 text") from None


def load_settings(path: Path, schema: type[S], **given: Any) -> S:
    """Read `path` as `schema`; `given` supplies values that do not come from the file
    (a command-line argument). Relative Path values are resolved against the folder
    of `path`."""
    raw = {**read_toml(path), **given}
    return settings_from(raw, schema, base=path.parent, source=path.name)


def settings_from(raw: dict[str, Any], schema: type[S], *, base: Path, source: str) -> S:
    def dec_hook(kind: type, value: Any) -> Any:
        if kind is Path and isinstance(value, str):
            return (base / value).resolve() if value else Path()
        # msgspec turns a TypeError here into a ValidationError naming the key.
        raise TypeError(f"expected a path (text), got {type(value).__name__}")

    try:
        return msgspec.convert(raw, schema, dec_hook=dec_hook)
    except msgspec.ValidationError as exc:
        raise InvalidInput(f"{source}: {_readable(str(exc))}") from None


def _readable(message: str) -> str:
    """msgspec's "Expected `int`, got `str` - at `$.isc.page_size`" as
    "isc.page_size: expected int, got str"."""
    text, _, where = message.partition(" - at ")
    text = text.replace("`", "")
    text = text[0].lower() + text[1:] if text else text
    unknown = re.fullmatch(r"object contains unknown field (\S+)", text)
    if unknown:
        key = unknown.group(1)
        prefix = where.strip("`").removeprefix("$").lstrip(".")
        return f"{prefix + '.' if prefix else ''}{key}: unknown setting"
    missing = re.fullmatch(r"object missing required field (\S+)", text)
    if missing:
        key = missing.group(1)
        prefix = where.strip("`").removeprefix("$").lstrip(".")
        return f"{prefix + '.' if prefix else ''}{key}: required setting is missing"
    key = where.strip("`").removeprefix("$").lstrip(".").replace("[...]", "")
    return f"{key}: {text}" if key else text
