"""What a port's own ANPR backend may be given: its own active entries, and a
partner's entries only under an agreement that allows plaintext plates, with only the
fields that agreement shares. Two real nodes; the export is audited."""

from __future__ import annotations

import importlib

import grpc
import pytest

from adapters.hotlist_export import FORMATS, ExportConfig, HotlistExporter
from gateway.cli.client import AdminClient
from gateway.domain.errors import InvalidInput
from gateway.wire.argos.v1 import admin_pb2 as pb
from tests.integration.hotlist_support import add_entry, received, wait_until


def _export(node, token_file, known: str = "") -> tuple[str, bool, list]:
    client = AdminClient(node.home, token_file.read_text().strip())
    answers = list(
        client.stub.ExportHotlist(
            pb.ExportHotlistRequest(known_version=known), metadata=client.metadata
        )
    )
    entries = [e for a in answers for e in a.entries]
    return answers[0].version, answers[0].unchanged, entries


def test_the_local_backend_gets_own_entries_and_plaintext_partner_entries_only(pair):
    gent, terneuzen = pair["be-gent"], pair["nl-terneuzen"]
    plaintext = pair.agree(
        "be-gent",
        "nl-terneuzen",
        "--direction",
        "proposer_to_partner",
        "--matching",
        "plaintext",
        "--fields",
        "action",
    )
    tokens = pair.agree("nl-terneuzen", "be-gent", "--direction", "proposer_to_partner")
    ivan, ines = gent.add_user("ivan", "investigator"), terneuzen.add_user("ines", "investigator")
    shared = add_entry(gent, ivan, "1-ABC-123", "B")
    theirs = add_entry(terneuzen, ines, "AB-123-C", "NL")
    withdrawn = add_entry(terneuzen, ines, "XY-987-Z", "NL")
    terneuzen.argos("hotlist", "withdraw", withdrawn, "--justification", "found", token_file=ines)
    wait_until(lambda: shared in received(terneuzen, plaintext), what="Gent's entry")
    wait_until(lambda: theirs in received(gent, tokens), what="Terneuzen's entry")

    exporter = terneuzen.add_user("export", "adapter")
    version, unchanged, entries = _export(terneuzen, exporter)
    assert not unchanged
    by_id = {e.entry_id: e for e in entries}
    assert set(by_id) == {shared, theirs}
    assert (by_id[shared].plate, by_id[shared].owner) == ("1ABC123", "be-gent")
    assert by_id[shared].action == "discreet_check" and list(by_id[shared].flags) == []
    # Gent shares with Terneuzen in plaintext; Terneuzen shares with Gent as tokens only:
    # Gent's backend gets nothing of Terneuzen's.
    _, _, at_gent = _export(gent, gent.add_user("export", "adapter"))
    assert {e.entry_id for e in at_gent} == {shared}
    # Asking again with the version held gives nothing new, and needs the adapter role.
    assert _export(terneuzen, exporter, version)[1] is True
    records = terneuzen.json("audit", "list", "--limit", "1000")
    assert any(r["action"] == "hotlist.exported" for r in records)
    with pytest.raises(grpc.RpcError) as denied:
        _export(terneuzen, ines)
    assert denied.value.code() is grpc.StatusCode.PERMISSION_DENIED


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_the_export_adapter_writes_the_vendor_file_and_rewrites_it_on_change(pair, tmp_path, fmt):
    gent = pair["be-gent"]
    ivan = gent.add_user("ivan", "investigator")
    first = add_entry(gent, ivan, "1-ABC-123", "B")
    config = ExportConfig(
        node_socket=gent.home / "admin.sock",
        token_file=gent.add_user("export", "adapter"),
        format=fmt,
        output=tmp_path / f"hotlist.{fmt}",
    )
    exporter = HotlistExporter(config)
    assert exporter.refresh() is True
    module = importlib.import_module(f"adapters.exports.{fmt}")
    plates = _plates(module, config)
    assert "1ABC123" in plates
    assert exporter.refresh() is False  # unchanged: not rewritten
    add_entry(gent, ivan, "2-DEF-456", "B")
    gent.argos("hotlist", "withdraw", first, "--justification", "found", token_file=ivan)
    assert exporter.refresh() is True
    plates = _plates(module, config)
    assert "2DEF456" in plates and "1ABC123" not in plates


def test_the_export_settings_file_is_read_typed_and_refuses_unknown_formats(tmp_path):
    path = tmp_path / "export.toml"
    text = 'node_socket = "admin.sock"\ntoken_file = "t"\noutput = "out/list.csv"\n'
    path.write_text(text + 'format = "axis"\n')
    config = ExportConfig.load(path)
    assert config.output == tmp_path / "out" / "list.csv" and config.interval_s == 10.0
    for line, refusal in [
        ('format = "excel"', "format: must be one of genetec, hikvision, axis, nedap"),
        ('format = "axis"\nintervall_s = 5', "intervall_s: unknown setting"),
        ('format = "axis"\ninterval_s = "5"', "interval_s: expected float, got str"),
    ]:
        path.write_text(text + line + "\n")
        with pytest.raises(InvalidInput, match=f"^export\\.toml: {refusal}"):
            ExportConfig.load(path)


def _plates(module, config) -> set[str]:
    """The plates of the file as the vendor's own format names its plate column."""
    rows = module.parse(config.output.read_bytes())
    return {r.get("plate") or r.get("LicensePlate") or r.get("PlateNumber") for r in rows}


def test_every_exported_file_holds_plaintext_partner_plates_and_no_token_only_plate(pair, tmp_path):
    """Terneuzen shares its stolen vehicles with Gent in plaintext and its wanted
    persons as plate tokens only. Each vendor file Gent's export adapter writes, parsed
    back, holds Gent's own plate and Terneuzen's plaintext plates; the token-only
    plates are in no file, in any spelling, and neither are those entries' ids."""
    gent, terneuzen = pair["be-gent"], pair["nl-terneuzen"]
    plaintext = pair.agree(
        "nl-terneuzen",
        "be-gent",
        "--direction",
        "proposer_to_partner",
        "--matching",
        "plaintext",
        "--categories",
        "stolen_vehicle",
    )
    tokens = pair.agree(
        "nl-terneuzen",
        "be-gent",
        "--direction",
        "proposer_to_partner",
        "--matching",
        "token",
        "--categories",
        "wanted_person",
    )
    ivan, ines = gent.add_user("ivan", "investigator"), terneuzen.add_user("ines", "investigator")
    own = {add_entry(gent, ivan, "1-ABC-123", "B"): "1ABC123"}
    shared = {
        add_entry(terneuzen, ines, "AB-123-C", "NL"): "AB123C",
        add_entry(terneuzen, ines, "GH-456-K", "NL"): "GH456K",
    }
    token_only = {
        add_entry(terneuzen, ines, "XY-987-Z", "NL", "wanted_person"): "XY987Z",
        add_entry(terneuzen, ines, "KL-321-M", "NL", "wanted_person"): "KL321M",
    }
    wait_until(lambda: set(shared) <= set(received(gent, plaintext)), what="plaintext entries")
    wait_until(lambda: set(token_only) <= set(received(gent, tokens)), what="token entries")
    # Gent holds the token-only entries (it matches reads against them), as tokens.
    assert all(not r["plate"] for r in received(gent, tokens).values())

    exporter = gent.add_user("export", "adapter")
    for fmt in sorted(FORMATS):
        config = ExportConfig(
            node_socket=gent.home / "admin.sock",
            token_file=exporter,
            format=fmt,
            output=tmp_path / f"hotlist.{fmt}",
        )
        assert HotlistExporter(config).refresh() is True
        module = importlib.import_module(f"adapters.exports.{fmt}")
        plates = _plates(module, config)
        assert plates >= set(own.values()) | set(shared.values()), fmt
        assert not plates & set(token_only.values()), fmt
        raw = config.output.read_bytes()
        for entry_id, plate in token_only.items():
            spellings = {plate, plate[:2] + "-" + plate[2:5] + "-" + plate[5:]}
            for text in (*spellings, *(s.lower() for s in spellings), entry_id):
                assert text.encode() not in raw, (fmt, "a token-only entry is in the file")
                assert text.encode("utf-16-le") not in raw, fmt
