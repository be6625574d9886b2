"""The administrator's and auditor's screens against real consoles beside real be-gent
and nl-terneuzen nodes (one federation for the module): in a real headless Chromium, an
administrator ends an operator's console session after re-authenticating, and the
operator's next page is the log-in page; over real HTTPS, the partners page with
reachability, lag and certificate ends, an unreachable partner warned about, two
versions of an amended agreement side by side, new console credentials with their TOTP
secret shown once, disable/enable, and the audit log filtered and counted by the node.

Gent's pages are opened at 127.0.0.1 and the operator's at localhost: one browser
profile holds both people's session cookies (cookies are per host, not per port)."""

from __future__ import annotations

import json
import re

import pyotp
from playwright.sync_api import expect

from tests.console.conftest import ConsoleClient, Port, shot
from tests.console.screens_support import (
    audited,
    next_code,
    session_not_fresh,
    sign_in,
    wait_until,
)

# A session is fresh for 20 s after log-in or re-authentication: long enough for the
# browser's steps after re-authenticating, short enough to wait out before them.
NODE_SETTINGS = {"console.fresh_minutes": 0.34}


def _details(record: dict) -> dict:
    """An audit record's details, as `argos audit list --json` gives them."""
    return json.loads(record.get("details_json", "{}"))


def _localhost(port: Port) -> str:
    return port.url.replace("127.0.0.1", "localhost")


def _admin(port: Port, address: str) -> tuple[ConsoleClient, str]:
    """A new administrator signed in over HTTP (fresh for the next 20 s), and their name."""
    client = ConsoleClient(port, address)
    person = port.new_person("admin")
    assert client.sign_in(person).status == 303
    return client, person.user


def test_an_administrator_ends_an_operators_session_and_the_operator_lands_on_log_in(
    ports, browser
):
    gent = ports["be-gent"]
    adam = gent.people["admin"]
    otto = gent.new_person("operator")
    watching = browser.new_page()
    sign_in(watching, _localhost(gent), otto, "/alerts")

    page = browser.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, gent.url, adam, "/agreements")
    # Managing users is sensitive: once the log-in's freshness is over, the node asks
    # for the password and a code again before it even lists them.
    wait_until(
        lambda: session_not_fresh(gent, adam.user), timeout=90, what="the session to go stale"
    )
    page.get_by_role("link", name="Users").click()
    expect(page).to_have_url(re.compile(r"/reauth\?next=%2Fusers"))
    page.get_by_label("Password").fill(adam.password)
    page.get_by_label("Code").fill(next_code(adam))
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(f"{gent.url}/users")
    row = page.locator(f"tr[data-user='{otto.user}']")
    expect(row.locator("[data-open-sessions]")).to_have_text("1")
    shot(page, "console-users")

    row.get_by_role("link", name=otto.user).click()
    expect(page).to_have_url(f"{gent.url}/users/{otto.user}")
    expect(page.locator("tr[data-session]")).to_have_count(1)
    page.locator("#why-all").fill("workstation left unlocked")
    shot(page, "console-user-sessions")
    page.get_by_role("button", name="End all of this user's sessions").click()
    expect(page).to_have_url(f"{gent.url}/users/{otto.user}")
    expect(page.locator("table[data-sessions]")).to_contain_text("No open console sessions.")

    (ended,) = [
        r for r in audited(gent, "session.ended", adam.user) if _details(r)["user"] == otto.user
    ]
    assert ended["justification"] == "workstation left unlocked"
    assert _details(ended)["reason"] == "ended_by_admin"
    # The operator's live page is told at once (its alert stream ends) and goes to the
    # log-in page by itself, saying why, to come back to the alerts afterwards.
    expect(watching).to_have_url(re.compile(r"/login\?ended=1&next=%2Falerts"), timeout=30_000)
    expect(watching.locator("[role=alert]")).to_contain_text("Your session has ended")
    shot(watching, "console-session-ended")


def test_two_versions_of_an_amended_agreement_side_by_side(ports):
    gent, terneuzen = ports["be-gent"], ports["nl-terneuzen"]
    proposed = gent.node.json(
        "agreement",
        "propose",
        "--partner",
        "nl-terneuzen",
        "--categories",
        "stolen_plate",
        "--hit-retention-days",
        "28",
        "--justification",
        "versions test",
    )
    agreement_id = proposed["agreement_id"]
    terneuzen.node.argos("agreement", "accept", agreement_id, "--justification", "by phone")
    gent.node.argos(
        "agreement",
        "amend",
        agreement_id,
        "--categories",
        "stolen_plate",
        "--hit-retention-days",
        "14",
        "--justification",
        "shorter retention",
    )
    client, _ = _admin(gent, "192.0.2.72")
    try:
        page = client.get(f"/agreements/{agreement_id}/versions")
        assert page.status == 200
        assert 'data-left-version="1"' in page.text and 'data-right-version="2"' in page.text
        changed = set(re.findall(r'data-changed="([^"]+)"', page.text))
        assert "terms.hit_retention" in changed
        assert "terms.categories" not in changed
        same = client.get(f"/agreements/{agreement_id}/versions?a=2&b=2")
        assert "data-changed" not in same.text
        assert "The same version on both sides" in same.text
    finally:
        client.close()


def test_new_console_credentials_show_the_secret_once_and_end_the_users_sessions(ports):
    gent = ports["be-gent"]
    target = gent.new_person("investigator")
    theirs = ConsoleClient(gent, "192.0.2.73")
    client, admin = _admin(gent, "192.0.2.74")
    try:
        assert theirs.sign_in(target).status == 303
        # Two different passwords: refused by the console, nothing sent, nothing changed.
        differ = client.post(
            f"/users/{target.user}/credentials",
            {"password": "a-long-password-1", "password_again": "a-long-password-2"},
        )
        assert differ.status == 400 and "The two passwords differ" in differ.text
        assert theirs.get("/confirmations").status == 200
        # A password the node refuses (too short): its message, nothing changed.
        short = client.post(
            f"/users/{target.user}/credentials",
            {"password": "short", "password_again": "short", "new_totp_secret": "yes"},
        )
        assert short.status == 400
        assert theirs.get("/confirmations").status == 200
        password = "a-new-long-password"
        page = client.post(
            f"/users/{target.user}/credentials",
            {"password": password, "password_again": password, "new_totp_secret": "yes"},
        )
        assert page.status == 200, page.text
        secret = re.search(r"data-totp-secret>([A-Z2-7]+)<", page.text).group(1)
        assert page.response.headers["cache-control"] == "no-store"
        # Shown on that answer only.
        assert secret not in client.get(f"/users/{target.user}").text
        # The user's open session ended with the change; the new factors sign in.
        assert theirs.get("/confirmations").location.startswith("/login")
        again = ConsoleClient(gent, "192.0.2.75")
        try:
            first = again.post("/login", {"user": target.user, "password": password})
            assert first.status == 303
            token = again.get("/login/code").csrf_token()
            code = pyotp.TOTP(secret).now()
            assert again.post("/login/code", {"code": code}, csrf=token).status == 303
        finally:
            again.close()
        (record,) = audited(gent, "session.credentials_set", admin)
        assert record["object_id"] == target.user
        assert secret not in str(gent.audit("--limit", "100000"))
    finally:
        theirs.close()
        client.close()


def test_the_auditor_filters_and_counts_the_whole_log_through_the_node(ports):
    gent = ports["be-gent"]
    auditor = gent.new_person("auditor")
    client = ConsoleClient(gent, "192.0.2.76")
    try:
        assert client.sign_in(auditor).status == 303
        page = client.get("/audit?action=user.add&actor=admin")
        assert page.status == 200
        actions = re.findall(r'<td class="mono">([a-z_.]+)</td>', page.text)
        assert actions and set(actions) == {"user.add"}
        expected = [
            r["object_id"]
            for r in gent.audit("--limit", "100000")
            if r["action"] == "user.add" and r.get("actor") == "admin"
        ]
        shown = re.findall(r'href="/audit/object/user/([^"]+)"', page.text)
        assert shown == list(reversed(expected))  # newest first, the whole log
        family = client.get("/audit?action=session.")
        in_family = re.findall(r'<td class="mono">([a-z_.]+)</td>', family.text)
        # At least this auditor's own log-in; nothing outside the family.
        assert in_family and all(a.startswith("session.") for a in in_family)
        bad = client.get("/audit?since=yesterday")
        assert bad.status == 400 and "must be a UTC time" in bad.text

        stats = client.get("/audit/stats?since=2000-01-01")
        assert stats.status == 200
        count = re.search(
            r'data-action="user.add"><td class="mono"><a href="[^"]*">user.add</a></td>'
            r'<td class="count">(\d+)</td>',
            stats.text,
        )
        assert count and int(count.group(1)) >= len(expected)
        assert f'data-actor="{auditor.user}"' in stats.text
        (counted,) = audited(gent, "audit.statistics", auditor.user)
        assert _details(counted)["since"] == "2000-01-01"
    finally:
        client.close()


def test_the_partners_page_shows_reachability_lag_and_certificate_ends(ports):
    gent, terneuzen = ports["be-gent"], ports["nl-terneuzen"]
    proposed = gent.node.json(
        "agreement",
        "propose",
        "--partner",
        "nl-terneuzen",
        "--categories",
        "stolen_vehicle",
        "--justification",
        "partners test",
    )
    terneuzen.node.argos(
        "agreement", "accept", proposed["agreement_id"], "--justification", "by phone"
    )
    client, _ = _admin(terneuzen, "192.0.2.71")
    try:
        wait_until(
            lambda: proposed["agreement_id"] in client.get("/partners").text,
            what="the feed under the new agreement to show",
        )
        page = client.get("/partners")
        assert page.status == 200
        section = page.text[page.text.index('data-partner="be-gent"') :]
        assert "data-reachable" in section and "data-unreachable" not in section
        assert 'data-certificate="partner_' in section
        assert re.search(r"valid until \d{4}-\d{2}-\d{2}", section)
        assert "we receive" in section
        # Gent goes away (last in this module, started again after): the next look says
        # so, with the node's reason.
        gent.node.stop()
        try:
            down = client.get("/partners")
            assert down.status == 200
            assert 'data-warning="unreachable"' in down.text
            assert "data-problem" in down.text
        finally:
            gent.node.start()
    finally:
        client.close()
