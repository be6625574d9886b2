"""The adapters' settings files, read with the gateway's typed loader (gateway.settings:
a msgspec schema per file, unknown keys and bad values refused naming the key), plus
the checks every adapter's file shares. One rule on top of the loader: a relative path
is relative to the settings file's folder, also when it is a schema's default."""

from __future__ import annotations

import re
import typing
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

from gateway.domain.errors import InvalidInput
from gateway.settings import Settings, load_settings, read_toml, settings_from

S = TypeVar("S", bound=Settings)

_LISTEN = re.compile(r"[^\s]+:[0-9]{1,5}")


def load_adapter_settings(path: Path, schema: type[S], **given: Any) -> S:
    """`path` read as `schema` (gateway.settings.load_settings); InvalidInput names the
    file and the key of anything refused, in a table of tables too ([cameras.<id>])."""
    try:
        settings = load_settings(path, schema, **given)
    except InvalidInput as refused:
        raise _naming_the_table(path, schema, refused) from None
    base = path.parent
    defaults = {
        name: (base / value).resolve()
        for name, value in msgspec.structs.asdict(settings).items()
        if isinstance(value, Path) and not value.is_absolute()
    }
    return msgspec.structs.replace(settings, **defaults) if defaults else settings


def _naming_the_table(path: Path, schema: type[Settings], refused: InvalidInput) -> InvalidInput:
    """msgspec says `cameras[...].secret` for a key refused in one of a table's tables;
    find which one, by reading each alone, and name it: `cameras.gate-1.secret`."""
    if "[...]" not in str(refused):
        return refused
    raw = read_toml(path)
    for field in msgspec.structs.fields(schema):
        origin, args = typing.get_origin(field.type), typing.get_args(field.type)
        if origin is not dict or not isinstance(raw.get(field.encode_name), dict):
            continue
        for key, table in raw[field.encode_name].items():
            try:
                settings_from(table, args[1], base=path.parent, source=path.name)
            except InvalidInput as inner:
                where = str(inner).removeprefix(f"{path.name}: ")
                return InvalidInput(f"{path.name}: {field.encode_name}.{key}.{where}")
            except (TypeError, ValueError):
                continue
    return refused


# Checks for a schema's __post_init__: each raises ValueError naming the key, which the
# loader reports with the file's name.


def check_listen(key: str, value: str) -> None:
    if not _LISTEN.fullmatch(value) or not 0 <= int(value.rsplit(":", 1)[1]) <= 65535:
        raise ValueError(f"{key}: must be host:port, e.g. 127.0.0.1:8480")


def check_http_url(key: str, value: str) -> None:
    try:
        scheme = urlsplit(value).scheme
    except ValueError:  # e.g. a broken IPv6 host
        scheme = ""
    if scheme not in ("http", "https"):
        raise ValueError(f"{key}: must be an http:// or https:// address")


def check_positive(**values: float) -> None:
    for key, value in values.items():
        if not value > 0:
            raise ValueError(f"{key}: must be more than 0")


def check_time_zone(key: str, name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{key}: not a known time zone (e.g. Europe/Brussels)") from None


def check_one_of(key: str, value: str, known: Any) -> None:
    if value not in known:
        raise ValueError(f"{key}: must be one of {', '.join(known)}")
