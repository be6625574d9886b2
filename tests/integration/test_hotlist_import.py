"""Bulk import: every bad row reported with its line number and reason (never the
plate), all or nothing by default, the good rows kept only when asked."""

from __future__ import annotations

import json

from gateway.synthetic import write_hotlist_csv

BAD_CSV = """plate,country,category,action,expires_at
1-ABC-123,B,stolen_vehicle,discreet_check,2027-01-31
2-DEF-456,B,no_such_category,discreet_check,2027-01-31
3-GHI-789,B,stolen_vehicle,discreet_check,not-a-date
4-J@K-000,B,stolen_vehicle,discreet_check,2027-01-31
5-LMN-111,XX,stolen_vehicle,discreet_check,2027-01-31
6-OPQ-222,B,stolen_vehicle,discreet_check,2027-01-31,extra
7-RST-333,B,wanted_person,seize,2027-01-31
"""


def _import(node, token, path, *extra):
    return node.argos(
        "hotlist",
        "import",
        str(path),
        "--justification",
        "bulk load",
        *extra,
        token_file=token,
        check=False,
    )


def test_import_with_bad_rows_reports_each_and_stores_nothing(pair, tmp_path):
    gent = pair["be-gent"]
    ivan = gent.add_user("ivan", "investigator")
    path = tmp_path / "list.csv"
    path.write_text(BAD_CSV)
    result = _import(gent, ivan, path)
    assert result.returncode == 5
    for line, reason in (
        (3, "unknown category"),
        (4, "not an ISO 8601"),
        (5, "not allowed on a licence plate"),
        (6, "XX"),
        (7, "more fields than the header"),
    ):
        assert f"line {line}: " in result.stderr and reason in result.stderr, (line, reason)
    assert "line 2:" not in result.stderr and "line 8:" not in result.stderr
    assert "4-J@K-000" not in result.stderr + result.stdout
    assert "NOT imported" in result.stdout
    assert gent.json("hotlist", "list", token_file=ivan) == []


def test_import_keep_good_commits_the_valid_rows(pair, tmp_path):
    gent = pair["be-gent"]
    ivan = gent.add_user("ivan", "investigator")
    path = tmp_path / "list.csv"
    path.write_text(BAD_CSV)
    result = _import(gent, ivan, path, "--keep-good", "--json")
    summary = json.loads(result.stdout)
    assert summary["committed"] and summary["accepted"] == "2" and summary["rejected"] == "5"
    plates = sorted(e["plate_normalised"] for e in gent.json("hotlist", "list", token_file=ivan))
    assert plates == ["1ABC123", "7RST333"]


def test_json_lines_import_reports_broken_lines(pair, tmp_path):
    gent = pair["be-gent"]
    ivan = gent.add_user("ivan", "investigator")
    path = tmp_path / "list.jsonl"
    path.write_text(
        '{"plate": "AB-123-C", "country": "NLD", "category": "stolen_plate", '
        '"action": "report_only", "expires_at": "2027-01-31T00:00:00Z"}\n'
        "{not json\n"
        '["a list"]\n'
    )
    result = _import(gent, ivan, path)
    assert result.returncode == 5
    assert "line 2: not valid JSON" in result.stderr
    assert "line 3: a line must be a JSON object" in result.stderr


def test_large_import_is_all_there(pair, tmp_path):
    gent = pair["be-gent"]
    ivan = gent.add_user("ivan", "investigator")
    path = write_hotlist_csv(tmp_path / "big.csv", 20_000)
    result = _import(gent, ivan, path, "--json")
    assert json.loads(result.stdout)["accepted"] == "20000"
    import sqlite3

    with sqlite3.connect(gent.home / "node.sqlite") as db:
        assert db.execute("SELECT count(*) FROM entries").fetchone()[0] == 20_000
