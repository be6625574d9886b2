"""The investigator's own hotlist, its CSV import and the ISC candidates, as people meet
them: a real `argos serve` (Gent, alone: nothing here needs a partner) with a real
`argos console` over HTTPS, real sessions, Debian's Chromium for the import. What the
node stored is read back through its CLI; what it recorded, through its audit log."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from gateway.domain.isc.tlp import Tlp
from tests.console.conftest import shot
from tests.console.investigator_support import (
    csv_of,
    entries_of,
    put_candidate,
    review_day,
    upload,
)
from tests.console.screens_support import audited, sign_in

CONSOLE_NODES = ("be-gent",)
GENT = "be-gent"


def _token(port, person):
    return port.node.home / f"{person.user}.token"


def _plates(port, person) -> dict[str, dict]:
    return {e["plate"]: e for e in entries_of(port.node, _token(port, person))}


def test_an_investigator_imports_a_csv_after_seeing_the_refused_row_then_withdraws_one(
    ports, browser, tmp_path
):
    port = ports[GENT]
    iris = port.new_person("investigator")
    day = review_day()
    path = tmp_path / "monthly.csv"
    path.write_text(
        csv_of(
            f"1-IMP-101,B,stolen_vehicle,discreet_check,{day},PV-2026-7001",
            f"1-IMP-102,B,no_such_category,seize,{day},PV-2026-7002",
            f"1-IMP-103,B,wanted_person,seize,{day},PV-2026-7003",
        )
    )
    page = browser.new_page()
    sign_in(page, port.url, iris, "/entries/import")
    page.get_by_label("CSV file").set_input_files(str(path))
    page.get_by_role("button", name="Check the file").click()

    # The preview: the bad row with its line and the node's reason; nothing stored yet.
    expect(page).to_have_url(re.compile(r"/entries/import/preview$"))
    expect(page.locator("[data-preview-summary]")).to_contain_text(
        "monthly.csv: 3 rows; the node would take 2 and refuse 1."
    )
    refused = page.locator("[data-refused-line]")
    expect(refused).to_have_count(1)
    expect(refused).to_have_attribute("data-refused-line", "3")
    expect(refused).to_contain_text("1-IMP-102")
    expect(refused).to_contain_text("unknown category 'no_such_category'")
    shot(page, "investigator-import-preview")
    assert not {"1-IMP-101", "1-IMP-103"} & _plates(port, iris).keys()
    (check,) = audited(port, "hotlist.import_check", iris.user)
    assert check["object_id"] == "monthly.csv"
    assert "IMP" not in str(check)

    page.get_by_label("Justification (recorded in the audit log)").fill("monthly list, PV 7000")
    page.get_by_role("button", name="Import the 2 good rows").click()
    expect(page).to_have_url(re.compile(r"/entries\?imported=2&refused=1$"))
    expect(page.locator("[data-imported]")).to_have_text("2 entries imported; 1 rows refused.")
    for plate in ("1-IMP-101", "1-IMP-103"):
        expect(page.get_by_role("link", name=plate)).to_be_visible()
    expect(page.get_by_role("link", name="1-IMP-102")).to_have_count(0)
    shot(page, "investigator-entries")
    stored = _plates(port, iris)
    assert stored["1-IMP-101"]["status"] == "active" and "1-IMP-102" not in stored
    (imported,) = audited(port, "hotlist.import", iris.user)
    assert imported["justification"] == "monthly list, PV 7000"

    # Withdraw one: the node asks a reason, and partners get a tombstone.
    page.get_by_role("link", name="1-IMP-103").click()
    expect(page).to_have_url(re.compile(r"/entries/[0-9a-f-]{36}$"))
    page.get_by_label("Reason for the withdrawal (mandatory)").fill("vehicle found")
    page.get_by_role("button", name="Withdraw this entry").click()
    expect(page.locator("[data-entry-status]")).to_have_text("withdrawn")
    expect(page.locator("[data-withdraw-form]")).to_have_count(0)
    stored = _plates(port, iris)
    assert stored["1-IMP-103"]["status"] == "withdrawn"
    assert stored["1-IMP-101"]["status"] == "active"
    (withdrawn,) = audited(port, "hotlist.withdraw", iris.user)
    assert withdrawn["object_id"] == stored["1-IMP-103"]["entry_id"]
    assert withdrawn["justification"] == "vehicle found"


def test_a_file_over_the_limit_or_not_utf8_is_refused_with_a_page_and_nothing_is_checked(
    ports, client_of
):
    port = ports[GENT]
    ivo = port.new_person("investigator")
    client = client_of(GENT)
    assert client.sign_in(ivo).status == 303
    big = csv_of(f"1-BIG-001,B,stolen_vehicle,seize,{review_day()},PV-1").encode()
    big += b"# padding\n" * (600 * 1024 // 10)
    page = upload(client, "/entries/import/preview", big)
    assert page.status == 413
    assert "larger than 512 KiB" in page.text
    page = upload(client, "/entries/import/preview", "plate\nÉ\n".encode("latin-1"))
    assert page.status == 400 and "not UTF-8" in page.text
    page = upload(client, "/entries/import/preview", b"", name="")
    assert page.status == 400
    assert audited(port, "hotlist.import_check", ivo.user) == []
    assert "1-BIG-001" not in _plates(port, ivo)
    # Without its CSRF token, an upload never reaches the page.
    csv = csv_of(f"1-BIG-002,B,stolen_vehicle,seize,{review_day()},PV-2").encode()
    assert upload(client, "/entries/import/preview", csv, csrf="").status == 403
    assert audited(port, "hotlist.import_check", ivo.user) == []


def test_an_entry_is_added_changed_and_its_withdrawal_needs_a_reason(ports, client_of):
    port = ports[GENT]
    ida = port.new_person("investigator")
    client = client_of(GENT)
    assert client.sign_in(ida).status == 303
    form = {
        "plate": "1-ADD-201",
        "country": "B",
        "category": "no_such_category",
        "action": "inquiry_check",
        "case_reference": "PV-2026-8001",
        "expires_at": review_day(),
        "justification": "reported stolen today",
    }
    # The node refuses: the form comes back with its reason and what was typed.
    refused = client.post("/entries", form)
    assert refused.status == 400
    assert "unknown category" in refused.text and 'value="1-ADD-201"' in refused.text
    assert "1-ADD-201" not in _plates(port, ida)

    added = client.post("/entries", {**form, "category": "stolen_vehicle"})
    assert added.status == 303, added.text
    entry_id = added.location.rsplit("/", 1)[1]
    shown = client.get(f"/entries/{entry_id}")
    assert shown.status == 200 and "1-ADD-201" in shown.text and "PV-2026-8001" in shown.text

    edit = client.get(f"/entries/{entry_id}/edit")
    assert edit.status == 200 and 'value="PV-2026-8001"' in edit.text
    changed = client.post(
        f"/entries/{entry_id}",
        {**form, "category": "stolen_vehicle", "action": "seize", "justification": "armed"},
    )
    assert changed.status == 303
    stored = _plates(port, ida)["1-ADD-201"]
    assert (stored["action"], stored["version"]) == ("seize", 2)
    (update,) = audited(port, "hotlist.update", ida.user)
    assert update["justification"] == "armed"

    no_reason = client.post(f"/entries/{entry_id}/withdraw", {"justification": " "})
    assert no_reason.status == 400 and "a withdrawal needs a stated reason" in no_reason.text
    assert _plates(port, ida)["1-ADD-201"]["status"] == "active"

    # An auditor reads the list and the entry, and may change nothing.
    aude = port.new_person("auditor")
    auditor = client_of(GENT)
    assert auditor.sign_in(aude).status == 303
    listed = auditor.get("/entries?status=active&category=stolen_vehicle")
    assert listed.status == 200 and "1-ADD-201" in listed.text
    assert auditor.post(f"/entries/{entry_id}/withdraw", {"justification": "x"}).status == 403
    assert _plates(port, ida)["1-ADD-201"]["status"] == "active"


def test_a_candidate_is_promoted_to_an_entry_and_another_dismissed_once(ports, client_of):
    port = ports[GENT]
    ines = port.new_person("investigator")
    client = client_of(GENT)
    assert client.sign_in(ines).status == 303
    van = put_candidate(port.node, "1-ISC-301", "BE")
    other = put_candidate(port.node, "1-ISC-302", "BE")
    red = put_candidate(port.node, "1-ISC-303", "BE", Tlp.RED)

    listed = client.get("/isc/candidates")
    assert listed.status == 200
    for candidate_id in (van, other, red):
        assert f'data-candidate-row="{candidate_id}"' in listed.text
    assert client.get(f"/isc/candidates/{van}").status == 200

    promote = {
        "category": "stolen_vehicle",
        "action": "specific_check",
        "purpose": "criminal_investigation",
        "case_reference": "PV-2026-9001",
        "expires_at": review_day(),
        "justification": "matches our theft report",
    }
    promoted = client.post(f"/isc/candidates/{van}/promote", promote)
    assert promoted.status == 303 and promoted.location.startswith("/entries/")
    entry = _plates(port, ines)["1-ISC-301"]
    assert promoted.location == f"/entries/{entry['entry_id']}"
    assert entry["category"] == "stolen_vehicle" and entry["case_reference"] == "PV-2026-9001"
    again = client.post(f"/isc/candidates/{van}/promote", promote)
    assert again.status == 409 and "already promoted" in again.text

    # TLP:RED may not reach partners, and a hotlist entry does: the node refuses.
    refused = client.post(f"/isc/candidates/{red}/promote", promote)
    assert refused.status == 403 and "cannot be promoted" in refused.text
    assert "1-ISC-303" not in _plates(port, ines)

    assert client.post(f"/isc/candidates/{other}/dismiss", {"reason": ""}).status == 400
    dismissed = client.post(f"/isc/candidates/{other}/dismiss", {"reason": "not ours"})
    assert dismissed.status == 303
    page = client.get(f"/isc/candidates/{other}")
    assert "dismissed" in page.text and "not ours" in page.text
    assert "data-promote-form" not in page.text
    open_now = client.get("/isc/candidates?state=open").text
    assert f'data-candidate-row="{red}"' in open_now
    assert f'data-candidate-row="{other}"' not in open_now
