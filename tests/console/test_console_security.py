"""The console at the HTTP level, against a real `argos console` over real HTTPS beside
a real node: security headers on every kind of response, CSRF on every state change,
log-in in two steps, the session cookie's attributes, sessions the node ends, no open
redirect, throttled log-ins, and no secret in the console's log.

The console trusts X-Forwarded-For from 127.0.0.1 here (CONSOLE_SETTINGS), so each test
poses as a browser of its own address and the node's per-address throttling of one
test does not reach the others."""

from __future__ import annotations

import re

import pytest

from gateway.console.screens import HOMES
from gateway.console.security import CONTENT_SECURITY_POLICY
from tests.console.conftest import totp_now

CONSOLE_NODES = ("be-gent",)
CONSOLE_SETTINGS = {"trusted_proxies": ["127.0.0.1"]}

SESSION_COOKIE = "__Host-argos-session"
EXPECTED_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "strict-transport-security": "max-age=31536000; includeSubDomains",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
}


@pytest.fixture
def gent(ports):
    return ports["be-gent"]


def assert_security_headers(page, *, cache: str = "no-store") -> None:
    headers = page.response.headers
    for name, value in EXPECTED_HEADERS.items():
        assert headers.get(name) == value, (page.response.request.url, name, headers.get(name))
    policy = headers.get("permissions-policy", "")
    for feature in ("camera=()", "microphone=()", "geolocation=()"):
        assert feature in policy
    assert headers.get("cache-control") == cache


def session_cookie_header(client) -> str:
    found = [h for h in client.set_cookie_headers if h.startswith(f"{SESSION_COOKIE}=")]
    assert len(found) == 1, client.set_cookie_headers
    return found[0]


def test_every_kind_of_response_carries_the_security_headers(gent, client_of):
    client = client_of("be-gent", "192.0.2.10")
    login = client.get("/login")
    assert login.status == 200
    assert_security_headers(login)
    assert_security_headers(client.get("/static/app.css"), cache="no-cache")
    assert_security_headers(client.get("/static/app.js"), cache="no-cache")
    redirect = client.get("/operator")
    assert redirect.status == 303 and redirect.location.startswith("/login")
    assert_security_headers(redirect)
    missing = client.get("/no-such-page")
    assert missing.status == 404
    assert_security_headers(missing)
    no_token = client.request("PUT", "/login/code", headers={"x-csrf-token": "x"})
    assert no_token.status == 403  # the CSRF check comes before routing
    assert_security_headers(no_token)
    token = client.csrf_token()
    wrong_method = client.request("PUT", "/login", headers={"x-csrf-token": token})
    assert wrong_method.status == 405
    assert_security_headers(wrong_method)

    client.sign_in(gent.new_person("operator"))
    home = client.get("/operator")
    assert home.status == 200
    assert_security_headers(home)
    forbidden = client.get("/auditor")
    assert forbidden.status == 403
    assert_security_headers(forbidden)
    # No page links or loads anything but its own origin's files.
    assert not re.search(r'(src|href)="(https?:)?//', home.text)
    assert " style=" not in home.text and "<style" not in home.text
    assert re.findall(r"<script[^>]*>", home.text) == ['<script src="/static/app.js" defer>']


def test_the_password_alone_opens_no_session(gent, client_of):
    person = gent.new_person("investigator")
    client = client_of("be-gent", "192.0.2.11")
    first = client.post("/login", {"user": person.user, "password": person.password})
    assert first.status == 303 and first.location == "/login/code"
    assert SESSION_COOKIE not in client.cookies
    assert client.get("/investigator").status == 303

    wrong = str((int(totp_now(person.totp_secret)) + 1) % 1_000_000).zfill(6)
    refused = client.post("/login/code", {"code": wrong})
    assert refused.status == 401
    assert refused.notice()
    assert SESSION_COOKIE not in client.cookies
    assert client.get("/investigator").location.startswith("/login")

    # The step between is single use: a refused code starts again at the password.
    assert client.get("/login/code").location == "/login"


def test_signing_in_sets_the_session_cookie_with_exactly_these_attributes(gent, client_of):
    person = gent.new_person("auditor")
    client = client_of("be-gent", "192.0.2.12")
    landed = client.sign_in(person)
    assert landed.status == 303 and landed.location == HOMES["auditor"]
    header = session_cookie_header(client)
    name_value, *attributes = [part.strip() for part in header.split(";")]
    assert name_value.startswith(f"{SESSION_COOKIE}=") and len(name_value) > 40
    assert {a.lower() for a in attributes} == {
        "httponly",
        "path=/",
        "samesite=strict",
        "secure",
    }, header  # no Domain, no Max-Age/Expires: gone with the browser, ended by the node
    home = client.get(HOMES["auditor"])
    assert home.status == 200
    assert person.user in home.text


def test_a_state_change_without_its_csrf_token_is_refused_and_changes_nothing(gent, client_of):
    person = gent.new_person("operator")
    client = client_of("be-gent", "192.0.2.13")
    client.sign_in(person)
    own_token = client.csrf_token()

    other = client_of("be-gent", "192.0.2.14")
    other.sign_in(gent.new_person("operator"))
    others_token = other.csrf_token()

    for token in ("", "0" * 64, others_token):
        refused = client.post("/logout", {}, csrf=token)
        assert refused.status == 403, token
        assert "did not come from this console" in refused.notice()
        switched = client.post("/lang", {"lang": "nl", "next": "/operator"}, csrf=token)
        assert switched.status == 403
        assert "__Host-argos-lang" not in client.cookies
    # Still signed in, still in English.
    still = client.get("/operator")
    assert still.status == 200 and 'lang="en"' in still.text

    # The header carries the token as well as the field does (app.js sends it so).
    out = client.request(
        "POST", "/logout", headers={"x-csrf-token": own_token, "accept-language": "en"}
    )
    assert out.status == 303 and out.location == "/login?bye=1"
    log = gent.console.log_path.read_text()
    assert "console.csrf_refused" in log
    assert own_token not in log and others_token not in log


def test_a_logged_out_session_is_refused_and_sent_to_log_in(gent, client_of):
    person = gent.new_person("investigator")
    client = client_of("be-gent", "192.0.2.15")
    client.sign_in(person)
    token = client.cookies[SESSION_COOKIE]
    out = client.post("/logout", {})
    assert out.status == 303
    assert SESSION_COOKIE not in client.cookies

    client.cookies[SESSION_COOKIE] = token  # the old cookie, kept by an attacker
    again = client.get("/investigator")
    assert again.status == 303 and again.location.startswith("/login?ended=1")
    assert SESSION_COOKIE not in client.cookies  # cleared by the answer


def test_a_session_the_node_ends_sends_the_next_request_to_log_in(gent, client_of):
    person = gent.new_person("operator")
    client = client_of("be-gent", "192.0.2.16")
    client.sign_in(person)
    assert client.get("/operator").status == 200

    gent.node.argos("user", "disable", person.user, "--justification", "left the unit")
    ended = client.get("/operator")
    assert ended.status == 303
    assert ended.location == "/login?ended=1&next=%2Foperator"
    assert SESSION_COOKIE not in client.cookies
    page = client.get(ended.location)
    assert page.status == 200
    assert "Your session has ended" in page.notice()


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:x"]
)
def test_reauthentication_never_sends_the_browser_elsewhere(gent, client_of, target):
    client = client_of("be-gent", "192.0.2.17")
    client.sign_in(gent.new_person("admin"))
    shown = client.get("/reauth", params={"next": target})
    assert shown.status == 400
    assert "not a page of this console" in shown.notice()
    posted = client.post("/reauth", {"password": "x", "code": "000000", "next": target})
    assert posted.status == 400
    assert "evil" not in posted.location


def test_a_log_in_asked_to_go_elsewhere_lands_at_home(gent, client_of):
    person = gent.new_person("auditor")
    client = client_of("be-gent", "192.0.2.18")
    first = client.post(
        "/login", {"user": person.user, "password": person.password, "next": "//evil.example"}
    )
    assert first.location == "/login/code"
    token = client.get("/login/code?next=//evil.example").csrf_token()
    landed = client.post(
        "/login/code",
        {"code": totp_now(person.totp_secret), "next": "//evil.example"},
        csrf=token,
    )
    assert landed.status == 303 and landed.location == HOMES["auditor"]


def test_repeated_failures_are_throttled_with_the_nodes_message(gent, client_of):
    person = gent.new_person("investigator")
    client = client_of("be-gent", "192.0.2.19")
    statuses = []
    for attempt in range(40):
        page = client.post("/login", {"user": person.user, "password": f"wrong-{attempt}"})
        statuses.append(page.status)
        assert f"wrong-{attempt}" not in page.text  # a password is never shown back
        if page.status == 429:
            break
    assert statuses[0] == 401
    assert statuses[-1] == 429, statuses
    assert page.notice()  # the node's words
    # Even the right password is refused while throttled.
    right = client.post("/login", {"user": person.user, "password": person.password})
    assert right.status == 429
    assert "__Host-argos-login" not in client.cookies


def test_the_consoles_log_holds_no_password_code_or_token(gent, client_of):
    person = gent.new_person("operator")
    client = client_of("be-gent", "192.0.2.20")
    client.sign_in(person)
    client.get("/operator")
    token = client.cookies[SESSION_COOKIE]
    client.post("/logout", {})
    log = gent.console.log_path.read_text()
    assert "console.request" in log
    for secret in (person.password, person.totp_secret, token):
        assert secret not in log


def test_a_wrong_password_at_reauthentication_is_refused_and_the_session_goes_on(gent, client_of):
    person = gent.new_person("admin")
    client = client_of("be-gent", "192.0.2.21")
    client.sign_in(person)
    shown = client.get("/reauth", params={"next": "/agreements"})
    assert shown.status == 200 and 'name="next" value="/agreements"' in shown.text
    refused = client.post(
        "/reauth",
        {"password": "not-the-password", "code": totp_now(person.totp_secret), "next": "/"},
    )
    assert refused.status == 401
    assert refused.notice()
    assert "not-the-password" not in refused.text
    assert client.get("/reauth?next=/").status == 200  # still signed in
