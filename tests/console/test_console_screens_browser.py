"""The screens of each role in a real headless Chromium, against real consoles beside
real be-gent and nl-terneuzen nodes (one federation for the module): an operator's live
alerts arriving without reload while a selection stays, and resuming from the cursor
after the connection was lost; an investigator answering a partner's confirmation
request while the requester's page shows the answer; an administrator accepting an
agreement after comparing fingerprints and re-authenticating; an auditor verifying the
log. Every screen is photographed; any CSP violation fails the test (`browser`).

Gent's pages are opened at 127.0.0.1 and Terneuzen's at localhost: one browser profile
holds both people's session cookies (cookies are per host, not per port)."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.console.conftest import shot
from tests.console.screens_support import (
    add_entry,
    audited,
    camera_read,
    next_code,
    session_not_fresh,
    sign_in,
    submit_reads,
    wait_until,
)
from tests.integration.hotlist_support import received

# A session is fresh for 20 s after log-in or re-authentication: long enough for the
# browser's steps after re-authenticating, short enough to wait out before accepting.
NODE_SETTINGS = {"console.fresh_minutes": 0.34}


def _localhost(port) -> str:
    return port.url.replace("127.0.0.1", "localhost")


@pytest.fixture(scope="module")
def cameras(ports):
    """An adapter user per node, for its cameras' reads."""
    return {node_id: p.node.add_user("cam", "adapter") for node_id, p in ports.items()}


def _rows(page):
    return page.locator("tr[data-hit]")


def test_an_operator_sees_alerts_arrive_live_keeps_the_selection_and_misses_nothing_offline(
    ports, cameras, browser
):
    gent = ports["be-gent"]
    iris, olga = gent.people["investigator"], gent.people["operator"]
    add_entry(gent.node, iris_token(gent), "1-DSC-201", "B", "stolen_vehicle")
    add_entry(
        gent.node,
        iris_token(gent),
        "1-SZE-202",
        "B",
        "stolen_vehicle",
        "--action",
        "seize",
        "--flag",
        "suspected_clone",
    )
    assert iris.user == "iris"
    page = browser.new_page()
    sign_in(page, gent.url, olga, "/alerts")
    state = page.locator("[data-stream-state]")
    expect(state).to_have_attribute("data-state", "live")
    # A colleague in the same control room, signed in apart (another host name, so
    # another cookie), watching the same alerts.
    colleague = gent.new_person("operator")
    beside = browser.new_page()
    sign_in(beside, gent.url.replace("127.0.0.1", "localhost"), colleague, "/alerts")
    expect(beside.locator("[data-stream-state]")).to_have_attribute("data-state", "live")

    (first,) = submit_reads(gent.node, cameras["be-gent"], camera_read("1DSC201"))
    row = page.locator(f"#alert-{first}")
    expect(row).to_be_visible()
    expect(row).to_contain_text("1DSC201")
    expect(row).to_contain_text("Discreet check")
    page.keyboard.press("j")
    expect(row).to_have_attribute("aria-selected", "true")

    (second,) = submit_reads(gent.node, cameras["be-gent"], camera_read("1SZE202"))
    seize = page.locator(f"#alert-{second}")
    expect(seize).to_be_visible()
    # On top, prominent in words and symbol, and the operator's selection untouched.
    expect(_rows(page).first).to_have_attribute("data-hit", second)
    expect(seize.locator(".badge.sev-critical")).to_contain_text("Seize")
    expect(seize.locator(".badge.flag")).to_contain_text("Suspected clone")
    expect(row).to_have_attribute("aria-selected", "true")
    expect(row).to_be_focused()
    expect(page.locator("tr[aria-selected='true']")).to_have_count(1)
    shot(page, "console-alerts")

    watches_before = len(audited(gent, "alerts.watch", olga.user))
    second_position = int(seize.get_attribute("data-position"))
    browser.set_offline(True)
    expect(state).to_have_attribute("data-state", "offline")
    (third,) = submit_reads(gent.node, cameras["be-gent"], camera_read("1DSC201", camera="cam-9"))
    browser.set_offline(False)

    expect(page.locator(f"#alert-{third}")).to_be_visible()
    expect(state).to_have_attribute("data-state", "live")
    for hit_id in (first, second, third):
        expect(page.locator(f"tr[data-hit='{hit_id}']")).to_have_count(1)
    expect(_rows(page)).to_have_count(3)
    expect(row).to_have_attribute("aria-selected", "true")
    # The page opened a new watch from its cursor: the node replayed what it missed.
    resumed = wait_until(
        lambda: [
            r
            for r in audited(gent, "alerts.watch", olga.user)[watches_before:]
            if json.loads(r.get("details_json") or "{}").get("after_position") == second_position
        ],
        what="the reconnected watch, from the page's cursor, in the audit log",
    )
    assert resumed
    shot(page, "console-alerts-after-reconnect")

    # The keyboard moves the selection; acknowledging is the node's mark, which every
    # page watching shows, and the colleague's claim shows on this page.
    page.keyboard.press("k")
    expect(seize).to_have_attribute("aria-selected", "true")
    page.keyboard.press("a")
    expect(seize.locator("[data-mark]")).to_have_text("✓ acknowledged by me")
    expect(beside.locator(f"#alert-{second} [data-mark]")).to_have_text(
        f"✓ acknowledged by {olga.user}"
    )
    beside.locator(f"#alert-{first} [data-claim]").click()
    expect(row.locator("[data-mark]")).to_have_text(f"☛ claimed by {colleague.user}")
    expect(seize).to_have_attribute("aria-selected", "true")  # the selection stays
    assert [r["object_id"] for r in audited(gent, "alert.acknowledged", olga.user)] == [second]
    assert [r["object_id"] for r in audited(gent, "alert.claimed", colleague.user)] == [first]
    shot(beside, "console-alerts-marks")
    beside.close()
    # Enter opens the alert's own page (its deep link), read back from the alert log.
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{gent.url}/alerts/{second}?at={second_position}")
    detail = page.locator(f"[data-alert='{second}']")
    expect(detail).to_contain_text("1SZE202")
    expect(detail.locator(".badge.sev-critical")).to_contain_text("Seize")
    expect(detail).to_contain_text("Suspected clone")
    shot(page, "console-alert-detail")


def iris_token(port):
    return port.node.home / "iris.token"


def test_an_investigator_answers_a_partners_request_and_the_requester_sees_the_answer(
    ports, cameras, browser
):
    gent, terneuzen = ports["be-gent"], ports["nl-terneuzen"]
    agreement_id = gent.node.json(
        "agreement",
        "propose",
        "--partner",
        "nl-terneuzen",
        "--direction",
        "proposer_to_partner",
        "--categories",
        "stolen_vehicle",
        "--justification",
        "screens test",
    )["agreement_id"]
    terneuzen.node.argos(
        "agreement", "accept", agreement_id, "--justification", "fingerprint compared by phone"
    )
    entry_id = add_entry(gent.node, iris_token(gent), "1-CNF-303", "B")
    wait_until(lambda: entry_id in received(terneuzen.node, agreement_id), what="the entry")
    (hit_id,) = submit_reads(terneuzen.node, cameras["nl-terneuzen"], camera_read("1CNF303"))

    # Terneuzen's investigator asks Gent to confirm the alert.
    asking = browser.new_page()
    tern = _localhost(terneuzen)
    sign_in(asking, tern, terneuzen.people["investigator"], "/hits")
    asking.locator(f"a[href='/hits/{hit_id}']").click()
    asking.get_by_label("Purpose").select_option("criminal_investigation")
    asking.get_by_label("Case reference").fill("PV-TNZ-2026-7")
    asking.get_by_role("button", name="Request confirmation").click()
    expect(asking).to_have_url(re.compile(r"/confirmations/[0-9a-f-]+$"))
    request_id = asking.url.rsplit("/", 1)[1]
    status = asking.locator("[data-status]")
    expect(status).to_have_attribute("data-state", "open")
    expect(asking.locator(".countdown")).to_have_text(re.compile(r"\d+h \d\dm \d\ds"))
    shot(asking, "console-confirmation-asked")

    # Gent's investigator finds it in the inbox, counting down, and answers.
    answering = browser.new_page()
    sign_in(answering, gent.url, gent.people["investigator"], "/confirmations")

    def in_inbox() -> int:
        answering.reload()
        return answering.locator(f"[data-request-row='{request_id}']").count()

    wait_until(in_inbox, timeout=60, what="the request in Gent's inbox")
    expect(answering.locator(f"[data-request-row='{request_id}'] .countdown")).to_have_text(
        re.compile(r"\d+h \d\dm \d\ds")
    )
    shot(answering, "console-confirmation-inbox")
    answering.locator(f"[data-request-row='{request_id}'] a").click()
    answering.get_by_label("Confirmed", exact=True).check()
    answering.get_by_label("Action to take").select_option("seize")
    answering.get_by_label("Note").fill("still stolen: stop and hold")
    answering.get_by_role("button", name="Send answer").click()
    expect(answering.locator("[data-status]")).to_have_attribute("data-state", "answered")

    # The requester's page shows the answer when it arrives, without a reload.
    expect(status).to_have_attribute("data-state", "answered", timeout=60_000)
    answer = asking.locator("[data-answer]")
    expect(answer).to_contain_text("Confirmed")
    expect(answer).to_contain_text("Seize")
    expect(answer).to_contain_text("still stolen: stop and hold")
    assert asking.url.endswith(f"/confirmations/{request_id}")
    shot(asking, "console-confirmation-answered")


def test_an_administrator_compares_fingerprints_and_accepts_after_reauthenticating(ports, browser):
    gent, terneuzen = ports["be-gent"], ports["nl-terneuzen"]
    proposed = terneuzen.node.json(
        "agreement",
        "propose",
        "--partner",
        "be-gent",
        "--direction",
        "proposer_to_partner",
        "--categories",
        "stolen_plate",
        "--justification",
        "screens test",
    )
    agreement_id, theirs = proposed["agreement_id"], proposed["fingerprint"]
    adam = gent.people["admin"]
    page = browser.new_page()
    sign_in(page, gent.url, adam, "/agreements")
    page.locator(f"a[href='/agreements/{agreement_id}']").click()
    ours = page.locator("[data-our-fingerprint]")
    expect(ours).to_have_attribute("data-our-fingerprint", theirs)
    expect(ours.locator(".fp-group")).to_have_count(4)
    page.get_by_label("As nl-terneuzen reads it out").fill(theirs.lower().replace("-", " "))
    expect(page.locator("[data-fp-verdict]")).to_have_attribute("data-result", "same")
    shot(page, "console-agreement-fingerprints")

    # A wrong fingerprint is refused before anything is signed.
    page.get_by_label("As nl-terneuzen reads it out").fill("AAAA-BBBB-CCCC-DDDD")
    expect(page.locator("[data-fp-verdict]")).to_have_attribute("data-result", "differ")
    page.get_by_role("button", name="Accept and countersign").click()
    expect(page.locator("[data-error]")).to_contain_text("not this agreement's")

    # Once the log-in's freshness is over, accepting asks for the password and a code.
    wait_until(
        lambda: session_not_fresh(gent, adam.user), timeout=90, what="the session to go stale"
    )
    page.get_by_label("As nl-terneuzen reads it out").fill(theirs)
    page.get_by_role("button", name="Accept and countersign").click()
    expect(page).to_have_url(re.compile(r"/reauth\?next="))
    shot(page, "console-reauth")
    page.get_by_label("Password").fill(adam.password)
    page.get_by_label("Code").fill(next_code(adam))
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(f"{gent.url}/agreements/{agreement_id}")
    page.get_by_label("As nl-terneuzen reads it out").fill(theirs)
    page.get_by_role("button", name="Accept and countersign").click()
    expect(page.locator("h1 .badge")).to_have_text("active")
    shot(page, "console-agreement-accepted")
    wait_until(
        lambda: terneuzen.node.json("agreement", "show", agreement_id)["state"] == "active",
        what="the proposer to hold the countersigned agreement",
    )
    assert audited(gent, "agreement.countersign", adam.user)


def test_an_auditor_verifies_the_log_and_reads_the_verdict(ports, browser):
    gent = ports["be-gent"]
    aude = gent.people["auditor"]
    page = browser.new_page()
    sign_in(page, gent.url, aude, "/audit")
    expect(page.locator("table.audit tbody tr").first).to_be_visible()
    shot(page, "console-audit")
    page.get_by_role("button", name="Verify the log").click()
    verdict = page.locator("[data-verdict]")
    expect(verdict).to_have_attribute("data-verdict", "ok")
    expect(verdict).to_contain_text(re.compile(r"The audit log is intact: \d+ records checked"))
    shot(page, "console-audit-verified")
    assert audited(gent, "audit.verify", aude.user)
