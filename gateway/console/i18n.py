"""The console's texts in Dutch and English: one flat TOML catalog per language in
i18n/ (`alerts.title = "Live alerts"`), English the fallback for a key Dutch lacks. The
language is the person's choice (a cookie set by the switch in the header), else the
first of Accept-Language we speak, else English."""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

CATALOG_DIR = Path(__file__).resolve().parent / "i18n"
LANGUAGES = ("en", "nl")
FALLBACK = "en"
LANG_COOKIE = "__Host-argos-lang"

Translate = Callable[..., str]


@cache
def catalog(lang: str) -> Mapping[str, str]:
    """One language's texts by key (read once)."""
    raw = tomllib.loads((CATALOG_DIR / f"{lang}.toml").read_text(encoding="utf-8"))
    return _flatten(raw)


def _flatten(raw: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    # A flat key with dots ("alerts.title") reads as a nested table in TOML.
    flat: dict[str, str] = {}
    for key, value in raw.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = str(value)
    return flat


def translator(lang: str) -> Translate:
    """t("key", **params): the text in `lang`, else in English, else the key itself
    (a missing key shows, and the catalog test names it)."""
    own = catalog(lang if lang in LANGUAGES else FALLBACK)
    fallback = catalog(FALLBACK)

    def t(key: str, **params: Any) -> str:
        text = own.get(key) or fallback.get(key) or key
        return text.format(**params) if params else text

    return t


def choose_language(cookie: str | None, accept_language: str | None) -> str:
    """The cookie's language if we speak it, else the first of Accept-Language (by
    weight) we speak, else English."""
    if cookie in LANGUAGES:
        return cookie
    choices: list[tuple[float, int, str]] = []
    for index, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        choices.append((-weight, index, tag.strip().lower().split("-")[0]))
    for _, _, lang in sorted(choices):
        if lang in LANGUAGES:
            return lang
    return FALLBACK
