"""What a port's own ANPR backend may be given: its own active entries, and a
partner's entries only under an agreement that allows plaintext plates, with only the
fields that agreement shares. Two real nodes; the export is audited."""

from __future__ import annotations

import grpc
import pytest

from gateway.cli.client import AdminClient
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
