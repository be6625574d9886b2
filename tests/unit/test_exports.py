"""Specification of adapters.exports: hotlist entries to each vendor's hotlist file.

Every format is read back with its module's own parse() (a strict reader: a row with a
field too many or too few, or an unterminated line, is an ExportError) and compared
with an oracle written here from the format's rules, not from the exporter's code.

Formats and their sources are cited at the top of each module: Genetec Security Center
hotlist source files (TechDoc Hub, Administrator Guide 5.8-5.13), Hikvision ISAPI
licensePlateAuditData (LicensePlateInfoList XML), AXIS License Plate Verifier list
import (.csv, VAPIX "License plate verifier API"), Nedap ANPR check lists (Installation
Guide 5279330, section 5.2.5).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.exports import axis, genetec, hikvision, nedap
from adapters.exports.model import ExportEntry, ExportError, merge_by_plate

NOW = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)
LIST = "argos-hotlist"
SECRET_PLATE = "ZQ987XW"  # must never appear in a message or repr
RANK = {
    a: i
    for i, a in enumerate(
        ("report_only", "discreet_check", "inquiry_check", "specific_check", "seize")
    )
}
ALPHA3 = {"BE": "BEL", "NL": "NLD", "FR": "FRA", "DE": "DEU", "LU": "LUX", "IT": "ITA", "": ""}

# What a structure could be broken with: every delimiter used here, quotes, XML's
# special characters and a CDATA end, line breaks of all kinds, control characters,
# a byte order mark, non-characters, and text outside the Basic Multilingual Plane.
HOSTILE_PIECES = list(";,:\t\"'<>&\r\n\r\n\x00\x0b\x1f\x7f\x85\u2028\u2029\ufeff\ufffe aZé€𝄞")
HOSTILE_PIECES += ["]]>", "<!DOCTYPE x>", "&amp;", "\\;", '";"']


def entry(
    entry_id: str = "e1",
    plate: str = "1ABC123",
    *,
    country: str = "BE",
    category: str = "stolen_vehicle",
    action: str = "seize",
    flags: tuple[str, ...] = (),
    expires_at: datetime = NOW + timedelta(days=30),
    owner: str = "be-gent",
    description: str = "",
) -> ExportEntry:
    return ExportEntry(
        entry_id, plate, country, category, action, flags, expires_at, owner, description
    )


# -- Strategies ------------------------------------------------------------------------

plates = st.one_of(
    st.sampled_from(["1ABC123", "AB1234", "GZ123K"]),  # collide often: merging matters
    st.from_regex(r"[A-Z0-9ÄÖÜ]{1,10}", fullmatch=True),
)
hostile_text = st.lists(st.sampled_from(HOSTILE_PIECES), max_size=80).map(
    lambda parts: "".join(parts)[:200]
)
descriptions = st.one_of(st.just(""), st.text(max_size=200), hostile_text)
zones = st.sampled_from([UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-11))])
# 0 is the edge: an entry expiring exactly at generation time is expired.
offsets = st.one_of(st.just(0), st.integers(-(10**6), 3 * 10**7))


@st.composite
def export_entries(draw: st.DrawFn, max_size: int = 12) -> list[ExportEntry]:
    ids = draw(
        st.lists(
            st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,20}", fullmatch=True),
            unique=True,
            max_size=max_size,
        )
    )
    return [
        ExportEntry(
            entry_id=entry_id,
            plate=draw(plates),
            country=draw(st.sampled_from(sorted(ALPHA3))),
            category=draw(st.sampled_from(["stolen_vehicle", "drug_trafficking", "public_order"])),
            action=draw(st.sampled_from(sorted(RANK))),
            flags=tuple(
                draw(
                    st.lists(
                        st.sampled_from(["suspected_clone", "do_not_alert_subject"]),
                        unique=True,
                    )
                )
            ),
            expires_at=(NOW + timedelta(seconds=draw(offsets))).astimezone(draw(zones)),
            owner=draw(st.sampled_from(["be-gent", "nl-terneuzen", "nl-rotterdam"])),
            description=draw(descriptions),
        )
        for entry_id in ids
    ]


# -- Oracles: the formats' rules, restated ----------------------------------------------


def live(entries: Sequence[ExportEntry]) -> list[ExportEntry]:
    return sorted((e for e in entries if e.expires_at > NOW), key=lambda e: (e.plate, e.entry_id))


def flattened(text: str, stand_ins: dict[str, str]) -> str:
    """Free text on one line: non-printables to spaces, structural characters to their
    stand-in, whitespace runs to one space, ends trimmed."""
    chars = (" " if not c.isprintable() else stand_ins.get(c, c) for c in text)
    return " ".join("".join(chars).split())


def expected_summary(e: ExportEntry, stand_ins: dict[str, str]) -> str:
    head = " ".join([e.action, *sorted(e.flags), e.category])
    description = flattened(e.description, {})
    return flattened(f"{head}: {description}" if description else head, stand_ins)


@dataclass(frozen=True)
class Merged:
    lead: ExportEntry
    flags: tuple[str, ...]
    expires_at: datetime

    def summary(self, stand_ins: dict[str, str]) -> str:
        return expected_summary(
            entry(
                action=self.lead.action,
                category=self.lead.category,
                flags=self.flags,
                description=self.lead.description,
            ),
            stand_ins,
        )


def merged(entries: Sequence[ExportEntry], *, by_country: bool = False) -> list[Merged]:
    """Per plate (and country): the most demanding action, smallest id among equals;
    every flag; the latest expiry."""
    groups: dict[tuple[str, str], list[ExportEntry]] = {}
    for e in live(entries):
        groups.setdefault((e.plate, e.country if by_country else ""), []).append(e)
    out = []
    for group in groups.values():
        best = max(RANK[e.action] for e in group)
        lead = min((e for e in group if RANK[e.action] == best), key=lambda e: e.entry_id)
        flags = tuple(sorted({f for e in group for f in e.flags}))
        out.append(Merged(lead, flags, max(e.expires_at for e in group)))
    return sorted(out, key=lambda m: (m.lead.plate, m.lead.entry_id))


# -- The four formats, side by side ------------------------------------------------------


@dataclass(frozen=True)
class Format:
    name: str
    export: Callable[..., bytes]
    parse: Callable[[bytes], list[dict[str, str]]]
    plate_key: str
    structural: str  # characters that would split a field or a row (XML: escaped instead)

    def plates(self, data: bytes) -> list[str]:
        return [row[self.plate_key] for row in self.parse(data)]


FORMATS = [
    Format("genetec", genetec.export, genetec.parse, "PlateNumber", ";\r\n"),
    Format("hikvision", hikvision.export, hikvision.parse, "LicensePlate", ""),
    Format("axis", axis.export, axis.parse, "plate", ",\r\n"),
    Format("nedap", nedap.export, nedap.parse, "plate", ";\r\n"),
]
by_format = pytest.mark.parametrize("fmt", FORMATS, ids=[f.name for f in FORMATS])
quick = settings(max_examples=25, deadline=None)


def export(fmt: Format, entries: Sequence[ExportEntry], **options: object) -> bytes:
    return fmt.export(entries, list_name=LIST, generated_at=NOW, **options)


# -- Genetec -------------------------------------------------------------------------------


def genetec_row(e: ExportEntry, delimiter: str = ";") -> dict[str, str]:
    return {
        "Category": e.category,
        "PlateState": e.country,
        "PlateNumber": e.plate,
        "EffectiveDate": "",
        "ExpiryDate": e.expires_at.astimezone(UTC).date().isoformat(),
        "Action": e.action,
        "Flags": " ".join(sorted(e.flags)),
        "Description": flattened(e.description, {delimiter: genetec.STAND_INS[delimiter]}),
        "EntryId": e.entry_id,
        "Owner": e.owner,
    }


@quick
@given(export_entries())
def test_genetec_file_reads_back_as_one_row_per_live_entry_with_every_attribute(entries):
    data = export(FORMATS[0], entries)
    assert genetec.parse(data) == [genetec_row(e) for e in live(entries)]


@quick
@given(
    export_entries(max_size=6),
    st.sampled_from(sorted(genetec.STAND_INS)),
    st.permutations(genetec.DEFAULT_FIELDS),
)
def test_genetec_delimiter_and_attribute_order_are_parameters(entries, delimiter, fields):
    data = export(FORMATS[0], entries, fields=fields, delimiter=delimiter)
    rows = genetec.parse(data, fields=fields, delimiter=delimiter)
    assert rows == [genetec_row(e, delimiter) for e in live(entries)]
    assert data.count(b"\r\n") == len(rows)
    assert all(delimiter not in value for row in rows for value in row.values())


def test_genetec_default_layout_is_the_documented_default_attributes_then_ours():
    assert genetec.DEFAULT_FIELDS[:5] == (
        "Category",
        "PlateState",
        "PlateNumber",
        "EffectiveDate",
        "ExpiryDate",
    )
    e = entry(
        flags=("suspected_clone", "do_not_alert_subject"),
        expires_at=datetime(2026, 6, 30, 23, 30, tzinfo=UTC),
        description="grey VW Golf; dented\nrear door",
    )
    assert export(FORMATS[0], [e]) == (
        b"stolen_vehicle;BE;1ABC123;;2026-06-30;seize;do_not_alert_subject suspected_clone;"
        b"grey VW Golf, dented rear door;e1;be-gent\r\n"
    )


def test_genetec_expiry_date_is_the_date_in_the_zone_security_center_reads_dates_in():
    late = entry(expires_at=datetime(2026, 6, 30, 23, 30, tzinfo=UTC))
    brussels_summer = timezone(timedelta(hours=2))
    (row,) = genetec.parse(export(FORMATS[0], [late], zone=brussels_summer))
    assert row["ExpiryDate"] == "2026-07-01"  # never a day that ends before the expiry


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        ({"fields": ("Category", "PlateState")}, "PlateNumber is missing"),
        ({"fields": ("PlateNumber",)}, "Category is missing"),
        ({"fields": ("Category", "PlateNumber", "CaseReference")}, "unknown attribute"),
        ({"fields": ("Category", "PlateNumber", "Category")}, "given twice"),
        ({"delimiter": "|"}, "delimiter must be"),
    ],
)
def test_genetec_refuses_a_layout_security_center_cannot_read(options, reason):
    with pytest.raises(ExportError, match=reason):
        export(FORMATS[0], [entry()], **options)


# -- Hikvision -----------------------------------------------------------------------------


@quick
@given(export_entries())
def test_hikvision_document_reads_back_as_one_block_list_record_per_live_plate(entries):
    rows = hikvision.parse(export(FORMATS[1], entries))
    assert rows == [
        {
            "LicensePlate": m.lead.plate,
            "listType": "blackList",
            "createTime": "2026-05-01T10:00:00+00:00",
            "effectiveStartDate": "2026-05-01",
            "effectiveTime": m.expires_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00"),
            "plateDescription": m.summary({}),
        }
        for m in merged(entries)
    ]


def test_hikvision_document_is_an_isapi_license_plate_info_list():
    data = export(FORMATS[1], [entry(description="a < b & c")])
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n')
    assert (
        b'<LicensePlateInfoList version="2.0" xmlns="http://www.isapi.org/ver20/XMLSchema">' in data
    )
    assert b"<plateDescription>seize stolen_vehicle: a &lt; b &amp; c</plateDescription>" in data
    assert export(FORMATS[1], [entry()], list_type="blockList").count(b"blockList") == 1


def test_hikvision_empty_list_is_an_empty_document():
    assert hikvision.parse(export(FORMATS[1], [])) == []


@pytest.mark.parametrize("list_type", ["whiteList", "allowList", ""])
def test_hikvision_never_writes_a_hotlist_as_an_allow_list(list_type):
    with pytest.raises(ExportError, match="blackList or blockList"):
        export(FORMATS[1], [entry()], list_type=list_type)


def test_hikvision_reader_refuses_a_dtd():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa">]>'
        b"<LicensePlateInfoList><LicensePlateInfo><LicensePlate>&a;</LicensePlate>"
        b"</LicensePlateInfo></LicensePlateInfoList>"
    )
    with pytest.raises(ExportError, match="DTD"):
        hikvision.parse(bomb)


# -- Axis ----------------------------------------------------------------------------------


@quick
@given(export_entries())
def test_axis_list_reads_back_as_one_line_per_live_plate(entries):
    rows = axis.parse(export(FORMATS[2], entries))
    assert rows == [
        {
            "plate": m.lead.plate,
            "date": m.expires_at.astimezone(UTC).strftime("%m-%d-%Y"),
            "description": m.summary({",": ";"}),
        }
        for m in merged(entries)
    ]


def test_axis_line_is_plate_date_description_as_alpv_exports_its_lists():
    e = entry(expires_at=datetime(2026, 9, 29, 12, tzinfo=UTC), description="Most wanted, car")
    assert export(FORMATS[2], [e]) == b"1ABC123,09-29-2026,seize stolen_vehicle: Most wanted; car\n"
    assert axis.LIST == "block"


# -- Nedap ---------------------------------------------------------------------------------


def cut(text: str, limit: int) -> str:
    while len(text.encode()) > limit:
        text = text[:-1]
    return text.strip()


@quick
@given(export_entries())
def test_nedap_check_list_reads_back_as_one_line_per_live_plate_and_country(entries):
    rows = nedap.parse(export(FORMATS[3], entries))
    assert rows == [
        {
            "plate": m.lead.plate,
            "country": ALPHA3[m.lead.country],
            "comment": cut(m.summary({";": ","}), 64),
        }
        for m in merged(entries, by_country=True)
    ]


def test_nedap_line_follows_the_documented_check_list_syntax():
    e = entry("e1", "46HVR9", country="NL", action="report_only", description="Ferrari 599 GTO")
    unknown = entry("e2", "AB123HK", country="", action="report_only", category="public_order")
    assert export(FORMATS[3], [e, unknown]) == (
        b"46HVR9;NLD;report_only stolen_vehicle: Ferrari 599 GTO\r\n"
        b"AB123HK;;report_only public_order\r\n"
    )


def test_nedap_comment_is_cut_to_64_bytes_on_a_character_boundary():
    e = entry(action="report_only", description="€" * 60)  # 3 bytes each in UTF-8
    (row,) = nedap.parse(export(FORMATS[3], [e]))
    assert len(row["comment"].encode()) <= 64
    assert row["comment"] == "report_only stolen_vehicle: " + "€" * 12


def test_nedap_list_over_the_camera_file_limit_is_refused_not_cut():
    many = [entry(f"e{i}", f"X{i:07d}", description="d" * 200) for i in range(3000)]
    with pytest.raises(ExportError, match="split the entries over check lists A and B"):
        export(FORMATS[3], many)


# -- Every format --------------------------------------------------------------------------


@by_format
@quick
@given(entries=export_entries())
def test_expired_entries_never_appear(fmt, entries):
    data = export(fmt, entries)
    assert data == export(fmt, live(entries))  # not a trace of them, byte for byte
    assert set(fmt.plates(data)) == {e.plate for e in live(entries)}


@by_format
def test_an_entry_expiring_at_generation_time_is_expired(fmt):
    gone = entry("e1", "1ABC123", expires_at=NOW)
    kept = entry("e2", "AB1234", expires_at=NOW + timedelta(microseconds=1))
    assert fmt.plates(export(fmt, [gone, kept])) == ["AB1234"]


@by_format
@quick
@given(data=st.data())
def test_output_is_byte_identical_for_the_same_entries_in_any_order(fmt, data):
    entries = data.draw(export_entries())
    shuffled = data.draw(st.permutations(entries))
    assert export(fmt, shuffled) == export(fmt, entries)


@by_format
@quick
@given(
    entries=st.lists(
        st.tuples(plates, hostile_text, st.sampled_from(sorted(RANK))), max_size=10
    ).map(
        lambda rows: [
            entry(f"e{i}", plate, action=action, description=text)
            for i, (plate, text, action) in enumerate(rows)
        ]
    )
)
def test_hostile_description_cannot_break_the_file_structure(fmt, entries):
    data = export(fmt, entries)
    rows = fmt.parse(data)  # strict: a split row or field would not parse
    assert fmt.plates(data) == sorted(
        {e.plate for e in entries} if fmt.name != "genetec" else [e.plate for e in entries]
    )
    for row in rows:
        for value in row.values():
            assert value.isprintable()
            assert not set(value) & set(fmt.structural)


@by_format
@quick
@given(entries=export_entries())
def test_size_is_bounded_by_the_live_entries(fmt, entries):
    # 200 description characters of at most 4 bytes (5 when escaped as &amp;), plus ids,
    # names, dates and markup: well under 2 KiB a row.
    assert len(export(fmt, entries)) <= 256 + 2048 * len(live(entries))


@by_format
def test_empty_hotlist_exports_without_a_row(fmt):
    assert fmt.parse(export(fmt, [])) == []


@by_format
def test_two_entries_with_one_id_are_refused(fmt):
    with pytest.raises(ExportError, match="appears twice"):
        export(fmt, [entry("e1", "1ABC123"), entry("e1", "AB1234")])


@by_format
@pytest.mark.parametrize(
    ("options", "reason"),
    [
        ({"list_name": LIST, "generated_at": datetime(2026, 5, 1)}, "time zone"),
        ({"list_name": "", "generated_at": NOW}, "list name"),
        ({"list_name": "a\nb", "generated_at": NOW}, "list name"),
    ],
)
def test_options_without_a_zone_or_a_list_name_are_refused(fmt, options, reason):
    with pytest.raises(ExportError, match=reason):
        fmt.export([entry()], **options)


@by_format
def test_reader_refuses_a_truncated_file(fmt):
    data = export(fmt, [entry("e1", "1ABC123"), entry("e2", "AB1234")])
    with pytest.raises(ExportError):
        fmt.parse(data[: len(data) - 3])


# -- The entry ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"plate": "1-abc-123"}, "normalised form"),
        ({"plate": "1ABC 123!"}, "not allowed on a licence plate"),
        ({"entry_id": "e1;drop"}, "entry id must be"),
        ({"entry_id": ""}, "entry id must be"),
        ({"country": "BEL"}, "alpha-2"),
        ({"category": "anything;else"}, "unknown category"),
        ({"action": "shoot"}, "unknown action"),
        ({"flags": ("suspected_clone", "suspected_clone")}, "given twice"),
        ({"flags": ("vip",)}, "unknown flag"),
        ({"expires_at": datetime(2026, 6, 1)}, "time zone"),
        ({"owner": "Gent;x"}, "node id"),
        ({"description": "x" * 201}, "at most 200"),
    ],
)
def test_an_entry_that_a_file_could_not_hold_is_refused_when_made(changes, reason):
    with pytest.raises(ExportError, match=reason):
        entry(**changes)


def test_messages_and_reprs_never_name_a_plate():
    e = entry(plate=SECRET_PLATE)
    assert SECRET_PLATE not in repr(e) and SECRET_PLATE not in str(e)
    for bad in (SECRET_PLATE.lower(), SECRET_PLATE + "!", SECRET_PLATE * 2):
        with pytest.raises(ExportError) as caught:
            entry(plate=bad)
        assert SECRET_PLATE.lower() not in str(caught.value).lower()


def test_several_entries_of_one_plate_merge_into_the_most_demanding_with_every_flag():
    weak_long = entry(
        "e1",
        action="report_only",
        flags=("do_not_alert_subject",),
        expires_at=NOW + timedelta(days=90),
    )
    strong_short = entry("e2", action="seize", expires_at=NOW + timedelta(days=1))
    (row,) = merge_by_plate([weak_long, strong_short])
    assert row.entry_id == "e2" and row.action == "seize"
    assert row.flags == ("do_not_alert_subject",)
    assert row.expires_at == NOW + timedelta(days=90)
