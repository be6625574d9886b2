"""Specification of the folder-drop adapter for CSV and JSON-lines files of reads
(adapters.vendors.folder_drop). The format is the gateway's own, documented in that
module; vendor_samples/reads.csv and reads.jsonl follow it and cite it in a comment.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from adapters.model import PayloadError
from adapters.vendors import folder_drop
from adapters.vendors.folder_drop import parse_file

SAMPLES = Path(__file__).parent / "vendor_samples"
SITE = "be-gent"
SECRET_PLATE = "ZQ987XW"  # must never appear in a message or repr
HEADER = "plate,country,confidence,time,camera,site,direction,image_ref,candidates\n"


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return path


def csv_line(plate: str = "1ABC123", **fields: str) -> str:
    row = {
        "country": "BE",
        "confidence": "0.9",
        "time": "2024-06-14T14:04:36Z",
        "camera": "cam-1",
        "site": "",
        "direction": "",
        "image_ref": "",
        "candidates": "",
        **fields,
    }
    return ",".join([plate, *row.values()]) + "\n"


# -- The samples -----------------------------------------------------------------------


def test_csv_sample_yields_its_good_reads_and_the_line_and_reason_of_the_bad():
    reads, errors = parse_file(SAMPLES / "reads.csv", default_site=SITE)
    assert [read.plate for read in reads] == ["1-ABC-123", "GHX-123-K", "AB-123-CD"]
    assert errors == [
        (7, "time carries no time zone (add Z or an offset such as +01:00)"),
        (8, "direction must be in, out or empty"),
    ]
    first, second, third = reads
    assert first.observed_at == datetime(2024, 6, 14, 14, 4, 36, tzinfo=UTC)
    assert (first.country, first.confidence, first.camera) == ("BE", 0.93, "cam-gent-01")
    assert (first.site, first.direction, first.image_ref) == (SITE, "in", "img/0001.jpg")
    assert first.candidates == (("1ABC128", 0.61), ("1A8C123", 0.0))
    assert (second.country, second.site, second.direction) == ("NL", "gent-kennedylaan", "out")
    assert third.country == "FR"
    assert third.observed_at == datetime(2024, 6, 14, 14, 5, 12, 250000, tzinfo=UTC)


def test_json_lines_sample_yields_its_good_reads_and_the_line_and_reason_of_the_bad():
    reads, errors = parse_file(SAMPLES / "reads.jsonl", default_site=SITE)
    assert [read.plate for read in reads] == ["1-ABC-123", "GHX-123-K"]
    assert reads[0].candidates == (("1ABC128", 0.61), ("1A8C123", 0.0))
    assert reads[1].observed_at == datetime(2024, 6, 14, 14, 5, 1, tzinfo=UTC)
    assert errors == [
        (4, "time carries no time zone (add Z or an offset such as +01:00)"),
        (5, "confidence must be within 0..1 (not a percentage)"),
        (6, "not valid JSON at column 1 (Expecting value)"),
    ]


# -- Fields ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        ("2024-06-14T16:04:36+02:00", datetime(2024, 6, 14, 14, 4, 36, tzinfo=UTC)),
        ("2024-06-14T09:04:36-05:00", datetime(2024, 6, 14, 14, 4, 36, tzinfo=UTC)),
        ("2024-06-14T14:04:36Z", datetime(2024, 6, 14, 14, 4, 36, tzinfo=UTC)),
        ("2024-06-14 14:04:36.5+00:00", datetime(2024, 6, 14, 14, 4, 36, 500000, tzinfo=UTC)),
    ],
)
def test_times_with_a_zone_are_converted_to_utc(tmp_path, stamp, expected):
    path = write(tmp_path, "r.csv", HEADER + csv_line(time=stamp))
    (read,), errors = parse_file(path, default_site=SITE)
    assert errors == []
    assert read.observed_at == expected and read.observed_at.tzinfo is UTC


@pytest.mark.parametrize(
    ("stamp", "reason"),
    [
        ("2024-06-14T16:04:36", "carries no time zone"),
        ("2024-06-14", "carries no time zone"),
        ("14/06/2024 16:04", "is not an ISO 8601 time"),
        ("", "no time"),
        ("1999-12-31T23:59:59Z", "outside the years"),
    ],
)
def test_naive_missing_or_malformed_times_are_refused(tmp_path, stamp, reason):
    path = write(tmp_path, "r.csv", HEADER + csv_line(time=stamp))
    reads, errors = parse_file(path, default_site=SITE)
    assert reads == [] and len(errors) == 1 and reason in errors[0][1]


def test_times_without_a_zone_are_in_the_zone_the_adapter_is_configured_for(tmp_path):
    path = write(tmp_path, "r.csv", HEADER + csv_line(time="2024-06-14T16:04:36"))
    (read,), errors = parse_file(path, default_site=SITE, naive_zone=ZoneInfo("Europe/Brussels"))
    assert errors == [] and read.observed_at == datetime(2024, 6, 14, 14, 4, 36, tzinfo=UTC)


@pytest.mark.parametrize(
    ("code", "alpha2"), [("BE", "BE"), ("bel", "BE"), ("B", "BE"), ("NLD", "NL"), ("", "")]
)
def test_country_codes_are_normalised_to_alpha2(tmp_path, code, alpha2):
    path = write(tmp_path, "r.csv", HEADER + csv_line(country=code))
    (read,), _ = parse_file(path, default_site=SITE)
    assert read.country == alpha2


def test_an_unknown_country_code_refuses_the_line_naming_the_code(tmp_path):
    path = write(tmp_path, "r.csv", HEADER + csv_line(country="XQ") + csv_line())
    reads, errors = parse_file(path, default_site=SITE)
    assert len(reads) == 1
    assert errors[0][0] == 2 and "unknown country code 'XQ'" in errors[0][1]


@pytest.mark.parametrize(
    ("confidence", "reason"),
    [("93", "not a percentage"), ("-0.1", "0..1"), ("high", "number"), ("nan", "number")],
)
def test_confidence_must_be_a_fraction(tmp_path, confidence, reason):
    path = write(tmp_path, "r.csv", HEADER + csv_line(confidence=confidence))
    _, errors = parse_file(path, default_site=SITE)
    assert reason in errors[0][1]


def test_semicolon_delimited_csv_with_quoted_candidates(tmp_path):
    text = (
        "plate;time;candidates;site\n"
        '1ABC123;2024-06-14T14:04:36Z;"1ABC128:0.5;1A8C123";be-antwerpen\n'
    )
    (read,), errors = parse_file(write(tmp_path, "r.csv", text), default_site=SITE)
    assert errors == []
    assert read.candidates == (("1ABC128", 0.5), ("1A8C123", 0.0))
    assert (read.site, read.confidence, read.country) == ("be-antwerpen", 0.0, "")


def test_json_candidates_may_be_plates_or_plate_and_confidence(tmp_path):
    line = (
        '{"plate": "1ABC123", "time": "2024-06-14T14:04:36Z", '
        '"candidates": ["1ABC128", {"plate": "1A8C123", "confidence": 0.4}]}\n'
    )
    (read,), errors = parse_file(write(tmp_path, "r.jsonl", line), default_site=SITE)
    assert errors == [] and read.candidates == (("1ABC128", 0.0), ("1A8C123", 0.4))


@pytest.mark.parametrize(
    ("candidates", "reason"),
    [
        ('"1ABC128"', "candidates must be a list"),
        ('[{"confidence": 0.4}]', "a candidate must be"),
        ('["1ABC$28"]', "candidate: "),
        ('[{"plate": "1ABC128", "confidence": 40}]', "candidate confidence"),
    ],
)
def test_bad_json_candidates_refuse_the_line(tmp_path, candidates, reason):
    line = f'{{"plate": "1ABC123", "time": "2024-06-14T14:04:36Z", "candidates": {candidates}}}'
    reads, errors = parse_file(write(tmp_path, "r.jsonl", line), default_site=SITE)
    assert reads == [] and reason in errors[0][1]


def test_observed_at_is_accepted_as_the_time_as_in_the_nodes_replay_format(tmp_path):
    line = '{"plate": "1ABC123", "observed_at": "2024-06-14T14:04:36Z"}\n'
    (read,), _ = parse_file(write(tmp_path, "r.ndjson", line), default_site=SITE)
    assert read.observed_at == datetime(2024, 6, 14, 14, 4, 36, tzinfo=UTC)


# -- One bad line never drops its neighbours -------------------------------------------


def test_an_unclosed_quote_refuses_only_its_own_line(tmp_path):
    text = HEADER + csv_line() + '"1ABC124,BE,0.9,2024-06-14T14:04:36Z,,,,,\n' + csv_line()
    reads, errors = parse_file(write(tmp_path, "r.csv", text), default_site=SITE)
    assert len(reads) == 2
    assert errors == [(3, "not valid CSV (a quote left open?)")]


def test_a_line_with_the_wrong_number_of_fields_is_refused(tmp_path):
    text = HEADER + "1ABC123,BE,0.9\n" + csv_line()
    reads, errors = parse_file(write(tmp_path, "r.csv", text), default_site=SITE)
    assert len(reads) == 1 and errors == [(2, "3 fields, the header has 9")]


def test_an_over_long_line_is_refused_and_the_next_one_read(tmp_path, monkeypatch):
    monkeypatch.setattr(folder_drop, "MAX_LINE_BYTES", 200)
    long_line = '{"plate": "1ABC123", "pad": "' + "x" * 500 + '"}\n'
    good = '{"plate": "1ABC123", "time": "2024-06-14T14:04:36Z"}\n'
    path = write(tmp_path, "r.jsonl", good + long_line + good)
    reads, errors = parse_file(path, default_site=SITE)
    assert len(reads) == 2 and errors == [(2, "line longer than 200 bytes")]


def test_a_line_that_is_not_utf8_is_refused_and_the_next_one_read(tmp_path):
    bad = b"1ABC\xff23,BE,0.9,2024-06-14T14:04:36Z,,,,,\n"
    path = write(tmp_path, "r.csv", (HEADER + csv_line()).encode() + bad + csv_line().encode())
    reads, errors = parse_file(path, default_site=SITE)
    assert len(reads) == 2 and errors == [(3, "line is not UTF-8 text")]


def test_a_byte_order_mark_before_the_header_is_ignored(tmp_path):
    path = write(tmp_path, "r.csv", b"\xef\xbb\xbf" + (HEADER + csv_line()).encode())
    reads, errors = parse_file(path, default_site=SITE)
    assert len(reads) == 1 and errors == []


def test_a_header_without_a_required_column_reads_nothing_and_says_why(tmp_path):
    text = "plate,when\n1ABC123,2024-06-14T14:04:36Z\n2ABC123,2024-06-14T14:04:37Z\n"
    reads, errors = parse_file(write(tmp_path, "r.csv", text), default_site=SITE)
    assert reads == []
    assert errors == [(1, "header: no column time; 2 lines not read")]


def test_a_header_naming_a_column_twice_reads_nothing(tmp_path):
    text = "plate,time,plate\n1ABC123,2024-06-14T14:04:36Z,2ABC123\n"
    reads, errors = parse_file(write(tmp_path, "r.csv", text), default_site=SITE)
    assert reads == [] and errors == [(1, "header: column plate given twice; 1 lines not read")]


def test_reported_errors_are_capped_with_a_count_of_the_rest(tmp_path, monkeypatch):
    monkeypatch.setattr(folder_drop, "MAX_REPORTED_ERRORS", 3)
    path = write(tmp_path, "r.jsonl", "junk\n" * 10)
    reads, errors = parse_file(path, default_site=SITE)
    assert reads == []
    assert [line for line, _ in errors] == [1, 2, 3, 10]
    assert errors[-1] == (10, "7 more lines refused")


def test_blank_and_comment_lines_are_skipped(tmp_path):
    text = "# exported by backend X\n\n" + HEADER + "\n# a note\n" + csv_line()
    reads, errors = parse_file(write(tmp_path, "r.csv", text), default_site=SITE)
    assert len(reads) == 1 and errors == []


def test_an_empty_file_yields_nothing(tmp_path):
    assert parse_file(write(tmp_path, "r.csv", ""), default_site=SITE) == ([], [])


# -- Whole-file refusals ---------------------------------------------------------------


def test_a_file_above_the_size_limit_is_refused_unread(tmp_path, monkeypatch):
    monkeypatch.setattr(folder_drop, "MAX_FILE_BYTES", 100)
    path = write(tmp_path, "r.csv", HEADER + csv_line() * 5)
    with pytest.raises(PayloadError, match="larger than 100 bytes"):
        parse_file(path, default_site=SITE)


@pytest.mark.parametrize("name", ["reads.xlsx", "reads", "reads.txt"])
def test_an_unknown_file_type_is_refused(tmp_path, name):
    with pytest.raises(PayloadError, match="unknown file type"):
        parse_file(write(tmp_path, name, HEADER), default_site=SITE)


def test_a_missing_file_is_refused_with_a_reason(tmp_path):
    with pytest.raises(PayloadError, match="cannot read the file"):
        parse_file(tmp_path / "gone.csv", default_site=SITE)


# -- No plate in messages or reprs -----------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"country": SECRET_PLATE},
        {"confidence": SECRET_PLATE},
        {"time": SECRET_PLATE},
        {"direction": SECRET_PLATE},
        {"candidates": SECRET_PLATE + "$"},
        {"camera": SECRET_PLATE * 40},
    ],
)
def test_line_reasons_never_contain_the_plate(tmp_path, fields):
    path = write(tmp_path, "r.csv", HEADER + csv_line(SECRET_PLATE, **fields))
    reads, errors = parse_file(path, default_site=SITE)
    assert reads == [] and errors
    assert all(SECRET_PLATE not in reason for _, reason in errors)


@pytest.mark.parametrize("plate", [SECRET_PLATE + "$", SECRET_PLATE * 2])
def test_a_refused_plate_is_never_echoed(tmp_path, plate):
    path = write(tmp_path, "r.csv", HEADER + csv_line(plate))
    _, errors = parse_file(path, default_site=SITE)
    assert errors and SECRET_PLATE not in errors[0][1]


def test_read_reprs_never_contain_the_plate(tmp_path):
    path = write(tmp_path, "r.csv", HEADER + csv_line(SECRET_PLATE))
    reads, _ = parse_file(path, default_site=SITE)
    assert SECRET_PLATE not in repr(reads)
