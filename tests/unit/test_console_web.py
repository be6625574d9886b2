"""The console's rules that need no server: its texts in both languages, the choice of
language, local paths only after log-in, and CSRF tokens bound to the session."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gateway.console import i18n
from gateway.console.security import (
    expected_tokens,
    pre_session_csrf_token,
    session_csrf_token,
    token_fits,
)
from gateway.console.web import local_path

CONSOLE = Path(i18n.__file__).resolve().parent
ROLES = ("operator", "investigator", "admin", "auditor")
# Keys made at run time (t("role." ~ user.role), t(f"error.{status}")).
DYNAMIC_KEYS = [
    *(f"role.{r}" for r in ROLES),
    *(f"home.title.{r}" for r in ROLES),
    *(f"home.intro.{r}" for r in ROLES),
    *(f"lang.{code}" for code in i18n.LANGUAGES),
    *(f"error.{s}" for s in (400, 401, 403, 404, 405, 409, 413, 429, 500, 503)),
]


def test_dutch_and_english_have_the_same_keys():
    assert set(i18n.catalog("nl")) == set(i18n.catalog("en"))


def test_every_key_the_console_uses_has_a_text():
    used = set(DYNAMIC_KEYS)
    for path in [*CONSOLE.rglob("*.html"), *CONSOLE.rglob("*.py")]:
        used |= set(
            re.findall(r"""\bt\(\s*["']([a-z0-9_]+\.[a-z0-9_.]+)["']\s*[,)]""", path.read_text())
        )
    assert len(used) > 40
    for lang in i18n.LANGUAGES:
        assert sorted(used - set(i18n.catalog(lang))) == [], lang


def test_a_key_dutch_lacks_falls_back_to_english(monkeypatch):
    en, nl = dict(i18n.catalog("en")), dict(i18n.catalog("nl"))
    del nl["login.title"]
    monkeypatch.setattr(i18n, "catalog", lambda lang: nl if lang == "nl" else en)
    t = i18n.translator("nl")
    assert t("login.title") == "Sign in"
    assert t("login.password") == "Wachtwoord"
    assert t("home.welcome", user="olga", node="be-gent") == "Aangemeld als olga bij be-gent."
    assert t("no.such.key") == "no.such.key"


@pytest.mark.parametrize(
    ("cookie", "accept", "chosen"),
    [
        ("nl", "en-GB,en;q=0.9", "nl"),
        (None, "nl-BE,nl;q=0.9,en;q=0.8", "nl"),
        (None, "fr-BE,fr;q=0.9,nl;q=0.5,en;q=0.7", "en"),
        (None, "de-DE, nl;q=0.4", "nl"),
        ("xx", None, "en"),
        (None, "", "en"),
        (None, "nl;q=abc,en", "en"),
    ],
)
def test_language_is_the_cookie_then_accept_language_then_english(cookie, accept, chosen):
    assert i18n.choose_language(cookie, accept) == chosen


@pytest.mark.parametrize("target", ["/", "/alerts", "/alerts/7?from=3#row", "/reauth?next=%2Fx"])
def test_a_path_of_the_console_is_local(target):
    assert local_path(target) == target


@pytest.mark.parametrize(
    "target",
    [
        None,
        "",
        "alerts",
        "//evil.example/x",
        "/\\evil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "/x\r\nSet-Cookie: a=b",
        "/\tevil",
        "\\\\evil",
    ],
)
def test_anything_else_is_not(target):
    assert local_path(target) is None


def test_a_csrf_token_fits_only_its_own_session():
    key = b"k" * 32
    mine, theirs = "session-a", "session-b"
    token = session_csrf_token(key, mine)
    assert token_fits(token, expected_tokens(key, {"__Host-argos-session": mine}))
    assert not token_fits(token, expected_tokens(key, {"__Host-argos-session": theirs}))
    assert not token_fits(token, expected_tokens(b"o" * 32, {"__Host-argos-session": mine}))
    assert not token_fits("", expected_tokens(key, {"__Host-argos-session": mine}))
    assert not token_fits(token, expected_tokens(key, {}))


def test_before_log_in_the_token_fits_the_pre_session_cookie():
    key = b"k" * 32
    token = pre_session_csrf_token(key, "nonce-1")
    assert token_fits(token, expected_tokens(key, {"__Host-argos-csrf": "nonce-1"}))
    assert not token_fits(token, expected_tokens(key, {"__Host-argos-csrf": "nonce-2"}))
    # A pre-session token is not a session token for the same value.
    assert not token_fits(token, expected_tokens(key, {"__Host-argos-session": "nonce-1"}))
