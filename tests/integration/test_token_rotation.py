"""Rotation of a provider's plate-token secret while a recipient follows its feed (issue
15): the feed re-sends each in-scope entry once under the new epoch (no resync), the
recipient matches under both keys during the overlap and erases the old one when the
provider's head says the overlap is over, without a restart. Two real node processes
over mutual TLS; the recipient's view is read through `argos keys status`."""

from __future__ import annotations

import json
import sqlite3
import subprocess

import pytest

from gateway.federation import LocalNode, argos_command
from tests.integration.hits_support import read, reads_file
from tests.integration.hotlist_support import add_entry, in_step, received, sync_row, wait_until

PLATES = ("1-ABC-123", "1-DEF-456", "1-GHI-789", "2-JKL-012", "2-MNO-345")


@pytest.fixture
def shared(pair, tmp_path):
    """Gent shares five stolen vehicles with Terneuzen as tokens, and, under a second
    agreement, its wanted persons as plaintext; Terneuzen has a camera adapter."""
    gent, terneuzen = pair["be-gent"], pair["nl-terneuzen"]
    tokens = pair.agree(
        "be-gent",
        "nl-terneuzen",
        "--categories",
        "stolen_vehicle",
        "--direction",
        "proposer_to_partner",
    )
    plain = pair.agree(
        "be-gent",
        "nl-terneuzen",
        "--categories",
        "wanted_person",
        "--direction",
        "proposer_to_partner",
        "--matching",
        "plaintext",
    )
    ivan = gent.add_user("ivan", "investigator")
    ids = [add_entry(gent, ivan, plate, "B") for plate in PLATES]
    plain_id = add_entry(gent, ivan, "9-XYZ-999", "B", "wanted_person")
    wait_until(lambda: set(ids) <= set(received(terneuzen, tokens)), what="the token entries")
    wait_until(lambda: plain_id in received(terneuzen, plain), what="the plaintext entry")
    wait_until(lambda: in_step(gent, terneuzen, tokens), what="a verified head")
    wait_until(lambda: in_step(gent, terneuzen, plain), what="a verified plaintext head")
    return {
        "pair": pair,
        "tokens": tokens,
        "plain": plain,
        "ids": ids,
        "adapter": terneuzen.add_user("cam", "adapter"),
        "tmp": tmp_path,
    }


def keys_held(node, agreement_id: str) -> dict:
    for row in node.json("keys", "token-status")["received"]:
        if row["agreement_id"] == agreement_id:
            return row
    raise AssertionError(f"{node.node_id} holds no key under {agreement_id}")


def hit_count(shared, plate: str, n: int) -> int:
    terneuzen = shared["pair"]["nl-terneuzen"]
    path = reads_file(shared["tmp"] / f"reads-{n}.jsonl", [read(plate)])
    out = terneuzen.argos("reads", "replay", str(path), "--json", token_file=shared["adapter"])
    return json.loads(out.stdout)["hits"]


def audit_actions(node) -> list[str]:
    return [r["action"] for r in node.json("audit", "list", "--limit", "1000")]


def test_token_rotation_resends_each_entry_once_and_retires_the_old_key_without_restart(shared):
    pair, tokens, plain = shared["pair"], shared["tokens"], shared["plain"]
    gent, terneuzen = pair["be-gent"], pair["nl-terneuzen"]

    # Before: one key (epoch 0) in the index, and a listed plate hits.
    assert keys_held(terneuzen, tokens) == {
        "agreement_id": tokens,
        "keys_in_index": 1,
        "epochs_held": [0],
    }
    assert hit_count(shared, "1DEF456", 1) == 1
    before = sync_row(gent, tokens, "provider")
    plain_before = sync_row(gent, plain, "provider")
    recipient_before = sync_row(terneuzen, tokens, "recipient")

    rotated = gent.json("keys", "rotate", "token", "--overlap", "24h")
    assert rotated["epoch"] == 1 and rotated["token_feeds"] == 1
    assert (gent.home / "token.key.1").stat().st_mode & 0o077 == 0

    # During the overlap: the recipient fetched the epoch-1 key when a checkpoint first
    # named it, holds both, and its index hashes reads under both.
    wait_until(lambda: gent.json("keys", "token-status")["feeds_pending"] == 0, what="the re-send")
    wait_until(lambda: in_step(gent, terneuzen, tokens), what="the re-sent entries")
    assert keys_held(terneuzen, tokens) == {
        "agreement_id": tokens,
        "keys_in_index": 2,
        "epochs_held": [0, 1],
    }
    after_resend = sync_row(gent, tokens, "provider")
    # The cost: one leaf per in-scope entry, appended after the cursor (no resync).
    assert int(after_resend["cursor"]) - int(before["cursor"]) == len(PLATES)
    assert int(after_resend["entries"]) == int(before["entries"]) == len(PLATES)
    recipient_after = sync_row(terneuzen, tokens, "recipient")
    assert int(recipient_after["cursor"]) == int(recipient_before["cursor"]) + len(PLATES)
    assert "hotlist.resync" not in audit_actions(terneuzen)
    assert hit_count(shared, "1DEF456", 2) == 1
    # The plaintext feed carries no token: the rotation sent nothing on it.
    assert sync_row(gent, plain, "provider")["cursor"] == plain_before["cursor"]
    assert hit_count(shared, "9XYZ999", 3) == 1

    # The provider ends the overlap: its next head raises the epoch floor, and the
    # recipient erases the epoch-0 key and re-indexes without it, while running.
    ended = gent.argos("keys", "end-overlap", "token").stdout
    assert "erased: 0" in ended
    wait_until(lambda: keys_held(terneuzen, tokens)["epochs_held"] == [1], what="the old key to go")
    assert keys_held(terneuzen, tokens)["keys_in_index"] == 1
    with sqlite3.connect(terneuzen.home / "node.sqlite") as db:
        held = db.execute(
            "SELECT token_epoch FROM matching_keys WHERE agreement_id = ?", (tokens,)
        ).fetchall()
    assert held == [(1,)]
    assert hit_count(shared, "1DEF456", 4) == 1
    assert hit_count(shared, "2MNO345", 5) == 1

    for node in (gent, terneuzen):
        for agreement_id in (tokens, plain):
            node.argos("sync", "verify", agreement_id)
    terneuzen.argos("sync", "verify", tokens)
    assert "token_secret.rotated" in audit_actions(gent)
    assert "token_secret.retired" in audit_actions(gent)
    assert "token_key.erased" in audit_actions(terneuzen)
    status = gent.json("keys", "token-status")
    assert status["current_epoch"] == 1
    assert [e["epoch"] for e in status["epochs"] if e.get("retired_at")] == [0]


def test_only_an_administrator_may_rotate_the_token_secret(shared):
    pair = shared["pair"]
    gent, terneuzen = pair["be-gent"], pair["nl-terneuzen"]
    ivan = gent.home / "ivan.token"
    key_before = (gent.home / "token.key").read_bytes()
    cursor_before = sync_row(gent, shared["tokens"], "provider")["cursor"]

    refused = gent.argos("keys", "rotate", "token", token_file=ivan, check=False)

    assert refused.returncode != 0
    assert "token_secret.rotate needs admin" in refused.stderr
    assert (gent.home / "token.key").read_bytes() == key_before
    assert not (gent.home / "token.key.1").exists()
    assert gent.json("keys", "token-status")["current_epoch"] == 0
    assert sync_row(gent, shared["tokens"], "provider")["cursor"] == cursor_before
    denied = [
        r for r in gent.json("audit", "list", "--limit", "1000") if r["action"] == "access.denied"
    ]
    assert denied and denied[-1]["object_id"] == "token_secret.rotate"
    assert keys_held(terneuzen, shared["tokens"])["epochs_held"] == [0]


def test_a_backup_after_rotation_restores_a_provider_that_still_shares_under_its_epoch(
    shared, tmp_path
):
    """The backup carries token.key.<epoch>: without it a restored provider could
    derive no key of its current epoch, and its feeds would stop."""
    pair = shared["pair"]
    gent, terneuzen = pair["be-gent"], pair["nl-terneuzen"]
    gent.json("keys", "rotate", "token", "--overlap", "24h")
    wait_until(lambda: gent.json("keys", "token-status")["feeds_pending"] == 0, what="re-send")
    passphrase = tmp_path / "backup.passphrase"
    passphrase.write_bytes(b"correct horse battery staple 2026\n")
    passphrase.chmod(0o600)
    archive = tmp_path / "gent.argosbak"
    gent.argos(
        "backup",
        "--out",
        str(archive),
        "--passphrase-file",
        str(passphrase),
        "--justification",
        "after rotation",
    )
    secret = (gent.home / "token.key.1").read_bytes()
    assert secret.strip() not in archive.read_bytes()
    gent.stop()

    restored = LocalNode("be-gent", tmp_path / "restored", gent.certs, port=gent.port)
    out = subprocess.run(
        [
            *argos_command(),
            "restore",
            str(archive),
            "--home",
            str(restored.home),
            "--passphrase-file",
            str(passphrase),
            "--admin-user",
            "admin-restored",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert (restored.home / "token.key.1").read_bytes() == secret
    assert (restored.home / "token.key.1").stat().st_mode & 0o077 == 0
    restored.start()
    try:
        assert restored.json("keys", "token-status")["current_epoch"] == 1
        entry = add_entry(restored, gent.home / "ivan.token", "3-PQR-678", "B")
        wait_until(lambda: entry in received(terneuzen, shared["tokens"]), what="a new entry")
        assert hit_count(shared, "3PQR678", 6) == 1
    finally:
        restored.stop()
