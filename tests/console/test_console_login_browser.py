"""Signing in to the console in a real headless Chromium: the password, then the code
from the authenticator, the role's home, the switch to Dutch, and logging out; with
screenshots of the log-in and home pages, and no Content-Security-Policy violation
(the `browser` fixture fails the test on any)."""

from __future__ import annotations

import re
from urllib.parse import quote

from playwright.sync_api import expect

from gateway.console.screens import HOMES
from tests.console.conftest import shot, totp_now

CONSOLE_NODES = ("be-gent",)


def test_an_operator_signs_in_with_password_and_code_reads_dutch_and_logs_out(ports, browser):
    gent = ports["be-gent"]
    olga = gent.people["operator"]
    page = browser.new_page()

    home = f"{gent.url}{HOMES['operator']}"
    page.goto(home)  # a deep link: the log-in comes back to it
    expect(page).to_have_url(
        re.compile(r"/login\?next=" + re.escape(quote(HOMES["operator"], safe="")))
    )
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    shot(page, "console-login")

    page.get_by_label("User name").fill(olga.user)
    page.get_by_label("Password").fill(olga.password)
    page.get_by_role("button", name="Next").click()
    expect(page).to_have_url(re.compile(r"/login/code"))
    page.get_by_label("Code").fill(totp_now(olga.totp_secret))
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(home)
    header = page.locator("header")
    expect(header).to_contain_text(olga.user)
    expect(header).to_contain_text("operator")
    expect(header).to_contain_text("be-gent")
    shot(page, "console-home-operator")

    # Every control is reachable by keyboard: the first Tab lands on the skip link.
    page.keyboard.press("Tab")
    expect(page.locator(".skip")).to_be_focused()

    page.get_by_role("button", name="Nederlands").click()
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.get_by_role("button", name="Afmelden")).to_be_visible()
    expect(page).to_have_url(home)

    page.get_by_role("button", name="Afmelden").click()
    expect(page).to_have_url(f"{gent.url}/login?bye=1")
    expect(page.get_by_role("alert")).to_have_text("U bent afgemeld.")
    page.goto(home)
    expect(page).to_have_url(re.compile(r"/login\?next="))
