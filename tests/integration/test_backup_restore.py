"""Backup of a running node and restore into a working node. The backup is taken at
Terneuzen while Gent keeps adding entries (sync running into Terneuzen) and while
Terneuzen's adapter keeps handing in reads that hit (hits and their notifications
being written); the restored node passes `argos audit verify` and resumes sync with
Gent without loss. Real node processes over mutual TLS, real SQLite files."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import threading

import pytest

from gateway.federation import LocalNode, argos_command
from tests.integration.hits_support import hits, read
from tests.integration.hotlist_support import add_entry, in_step, received, sync_row, wait_until

PASSPHRASE = b"correct horse battery staple 2026"


class Traffic:
    """Gent's investigator adding entries one after another, and Terneuzen's adapter
    streaming reads of a listed plate through a FIFO, until stopped."""

    def __init__(self, gent, terneuzen, ivan, camera, fifo) -> None:
        self.added: list[str] = []
        self._stop = threading.Event()
        self._gent, self._ivan, self._fifo = gent, ivan, fifo
        os.mkfifo(fifo)
        self._output = open(fifo.with_suffix(".out"), "wb")  # closed in stop()
        self.replay = subprocess.Popen(
            [*argos_command(), "reads", "replay", str(fifo), "--batch", "5", "--json"],
            env={**os.environ, "ARGOS_HOME": str(terneuzen.home), "ARGOS_TOKEN_FILE": str(camera)},
            # A file, not a pipe nobody reads until the end: a full pipe would stop the
            # replay (and so the hits) once its answers filled the pipe's buffer.
            stdout=self._output,
            stderr=subprocess.STDOUT,
        )
        self._threads = [
            threading.Thread(target=self._entries, daemon=True),
            threading.Thread(target=self._reads, daemon=True),
        ]
        for t in self._threads:
            t.start()

    def _entries(self) -> None:
        n = 0
        while not self._stop.is_set():
            n += 1
            self.added.append(add_entry(self._gent, self._ivan, f"5-TRF-{n:03d}", "B"))

    def _reads(self) -> None:
        import json

        with open(self._fifo, "w") as pipe:
            while not self._stop.wait(0.05):
                pipe.write("".join(json.dumps(read("1ABC123")) + "\n" for _ in range(5)))
                pipe.flush()

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=60)
        self.replay.communicate(timeout=60)
        self._output.close()


def _argos(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*argos_command(), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=300,
    )


@pytest.fixture
def passphrase(tmp_path):
    path = tmp_path / "backup.passphrase"
    path.write_bytes(PASSPHRASE + b"\n")
    path.chmod(0o600)
    return path


@pytest.mark.slow  # `make test-slow`: named in the README
def test_backup_during_traffic_restores_into_a_node_that_verifies_and_resumes_sync(
    pair, certs, tmp_path, passphrase
):
    gent, terneuzen = pair["be-gent"], pair["nl-terneuzen"]
    agreement_id = pair.agree(
        "be-gent",
        "nl-terneuzen",
        "--categories",
        "stolen_vehicle",
        "--direction",
        "proposer_to_partner",
    )
    ivan = gent.add_user("ivan", "investigator")
    listed = add_entry(gent, ivan, "1-ABC-123", "B")
    wait_until(lambda: listed in received(terneuzen, agreement_id), what="the listed entry")
    camera = terneuzen.add_user("cam", "adapter")
    inga = terneuzen.add_user("inga", "investigator")

    traffic = Traffic(gent, terneuzen, ivan, camera, tmp_path / "reads.fifo")
    try:
        # Traffic is flowing both ways before the backup starts ...
        wait_until(
            lambda: len(hits(terneuzen, inga, "--observed", "--limit", "100000")) >= 5, what="hits"
        )
        wait_until(lambda: len(traffic.added) >= 2, what="entries being added")
        hits_before = len(hits(terneuzen, inga, "--observed", "--limit", "100000"))
        archive = tmp_path / "terneuzen.argosbak"
        result = terneuzen.argos(
            "backup",
            "--out",
            str(archive),
            "--passphrase-file",
            str(passphrase),
            "--justification",
            "nightly backup",
        )
        assert "backup of nl-terneuzen written to" in result.stdout
        # ... and after it ends.
        added_at_backup = len(traffic.added)
        hits_at_backup = len(hits(terneuzen, inga, "--observed", "--limit", "100000"))
        wait_until(lambda: len(traffic.added) > added_at_backup, what="more entries")
        wait_until(
            lambda: len(hits(terneuzen, inga, "--observed", "--limit", "100000")) > hits_at_backup,
            what="more hits",
        )
    finally:
        traffic.stop()
    assert not list((terneuzen.home / "backups").iterdir())  # the plaintext copy is gone

    # Nothing in the archive is readable: no plate, no case reference, no key.
    data = archive.read_bytes()
    secrets = [
        (terneuzen.home / "node.key").read_text().strip(),
        (terneuzen.home / "token.key").read_text().strip(),
    ]
    for needle in ("1ABC123", "1-ABC-123", "PV-2026-0042", "kennedy-tunnel", *secrets):
        assert needle.encode() not in data
    assert b"SQLite format 3" not in data and b"PRIVATE KEY" not in data

    # The machine is lost; the node comes back from its backup on the same address.
    terneuzen.stop()
    restored = LocalNode("nl-terneuzen", tmp_path / "restored", certs, port=terneuzen.port)
    out = _argos(
        "restore",
        str(archive),
        "--home",
        str(restored.home),
        "--passphrase-file",
        str(passphrase),
        "--admin-user",
        "admin-restored",
    )
    assert out.returncode == 0, out.stderr
    assert "audit log intact" in out.stdout
    assert (restored.home / "admin.token").stat().st_mode & 0o777 == 0o600
    with sqlite3.connect(restored.home / "node.sqlite") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        held_hits = {r[0] for r in db.execute("SELECT hit_id FROM hits")}
    # The copy is one state taken between the two counts, whole.
    assert hits_before <= len(held_hits) <= hits_at_backup
    restored.start()
    try:
        assert "audit log intact" in restored.argos("audit", "verify").stdout
        # Gent goes on adding; the restored node catches up from the cursor it had.
        after = add_entry(gent, ivan, "6-AFT-001", "B")
        wait_until(lambda: in_step(gent, restored, agreement_id), what="sync to resume")
        own = {
            e["entry_id"] for e in gent.json("hotlist", "list", "--limit", "1000", token_file=ivan)
        }
        assert {listed, after, *traffic.added} <= own
        assert set(received(restored, agreement_id)) == own
        row = sync_row(restored, agreement_id, "recipient")
        assert int(row["rejected_batches"]) == 0
        proven = restored.argos("sync", "verify", agreement_id).stdout
        assert f"{len(own)} entries proven" in proven

        # Every hit the backup holds reaches Gent (again, at most): none is lost.
        # (Read from Gent's file: a busy run notifies more hits than one listing shows.)
        def at_gent() -> set[str]:
            with sqlite3.connect(gent.home / "node.sqlite") as db:
                return {r[0] for r in db.execute("SELECT hit_id FROM received_hits")}

        wait_until(lambda: held_hits <= at_gent(), what="the backed-up hits at Gent")
        status = restored.argos("status").stdout
        assert "be-gent       reachable; sync lag 0 changes" in status
    finally:
        restored.stop()


def test_restore_refuses_a_wrong_passphrase_and_leaves_no_node_behind(pair, tmp_path, passphrase):
    gent = pair["be-gent"]
    archive = tmp_path / "gent.argosbak"
    gent.argos(
        "backup",
        "--out",
        str(archive),
        "--passphrase-file",
        str(passphrase),
        "--justification",
        "test",
    )
    wrong = tmp_path / "wrong.passphrase"
    wrong.write_bytes(b"not the passphrase at all, sorry")
    out = _argos(
        "restore", str(archive), "--home", str(tmp_path / "x"), "--passphrase-file", str(wrong)
    )
    assert out.returncode == 2
    assert "wrong passphrase" in out.stderr
    assert not (tmp_path / "x" / "node.toml").exists()
    assert not (tmp_path / "x" / "node.sqlite").exists()
    # Cut short, the archive is refused too, never half restored.
    cut = tmp_path / "cut.argosbak"
    cut.write_bytes(archive.read_bytes()[:-100])
    out = _argos(
        "restore", str(cut), "--home", str(tmp_path / "y"), "--passphrase-file", str(passphrase)
    )
    assert out.returncode == 2 and not (tmp_path / "y" / "node.sqlite").exists()
    # Only an admin may take a backup.
    auditor = gent.add_user("audrey", "auditor")
    denied = gent.argos(
        "backup",
        "--out",
        str(tmp_path / "denied.argosbak"),
        "--passphrase-file",
        str(passphrase),
        "--justification",
        "test",
        token_file=auditor,
        check=False,
    )
    assert denied.returncode == 3
