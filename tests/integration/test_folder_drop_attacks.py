"""Attacks on the folder-drop adapter, with a real node and a real adapter process: a
symbolic link dropped into the folder (to /etc/passwd, and to a file of reads the
attacker wants read from elsewhere), a FIFO (which would hang a reader that opened it
blocking), and a file that grows after its size was looked at. Each is refused with its
reason beside it in the quarantine, nothing of it reaches the node, what it pointed at
is untouched, and a good file dropped after them is still taken.

The growing file is the one deliberate stand-in: the race (the file grows between the
size check and the read) is made to happen exactly there by wrapping os.fstat in the
parser's process, since no real writer can be timed into that gap."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.model import PayloadError
from adapters.vendors import folder_drop
from gateway.federation import LocalFederation
from tests.integration.adapter_process import AdapterProcess, adapter_settings, drop_file
from tests.integration.hits_support import hits
from tests.integration.hotlist_support import add_entry, wait_until

HEADER = "plate,country,confidence,time,camera,site\n"


def _line(plate: str) -> str:
    return f"{plate},BE,0.9,{datetime.now(UTC).isoformat(timespec='seconds')},cam-1,gate\n"


@pytest.fixture
def gent(tmp_path, certs):
    federation = LocalFederation(tmp_path / "nodes", certs, ("be-gent",))
    try:
        federation.start()
        yield federation["be-gent"]
    finally:
        federation.stop()


def test_links_and_fifos_dropped_into_the_folder_are_refused_and_never_followed(gent, tmp_path):
    ivan = gent.add_user("ivan", "investigator")
    good_entry = add_entry(gent, ivan, "1-ABC-123", "B")
    add_entry(gent, ivan, "2-LNK-222", "B")  # only in the file the link points at
    elsewhere = tmp_path / "elsewhere" / "reads.csv"
    elsewhere.parent.mkdir()
    elsewhere.write_text(HEADER + _line("2-LNK-222"))
    elsewhere_before = elsewhere.read_bytes()
    passwd = Path("/etc/passwd")
    passwd_before = hashlib.sha256(passwd.read_bytes()).hexdigest()

    home, drop = tmp_path / "adapter", tmp_path / "drop"
    drop.mkdir()
    config = adapter_settings(
        home, gent, gent.add_user("cam", "adapter"), folder=str(drop), poll_interval_s=0.1
    )
    (drop / "a-passwd.csv").symlink_to(passwd)
    (drop / "b-reads.csv").symlink_to(elsewhere)
    os.mkfifo(drop / "c-fifo.csv")
    adapter = AdapterProcess("folder", config)
    try:
        # Taken in name order: the good file comes last, after the three attacks.
        drop_file(drop, "d-good.csv", HEADER + _line("1-ABC-123"))
        (hit,) = wait_until(lambda: hits(gent, ivan), what="the good file's hit")
        assert hit["entry_id"] == good_entry
        wait_until(lambda: not any(drop.glob("*.csv")), what="every dropped name handled")
    finally:
        output = adapter.stop()

    quarantine = home / "quarantine"
    reasons = {
        name: json.loads((quarantine / f"{name}.reason.json").read_text())["reason"]
        for name in ("a-passwd.csv", "b-reads.csv", "c-fifo.csv")
    }
    assert reasons == {
        "a-passwd.csv": "a symbolic link, not a file: refused",
        "b-reads.csv": "a symbolic link, not a file: refused",
        "c-fifo.csv": "a FIFO, not a regular file: refused",
    }
    # The links were moved as links, never followed, and what they point at is as it was.
    assert (quarantine / "a-passwd.csv").is_symlink() and (quarantine / "b-reads.csv").is_symlink()
    assert hashlib.sha256(passwd.read_bytes()).hexdigest() == passwd_before
    assert elsewhere.read_bytes() == elsewhere_before
    # Nothing of them reached the node: one batch of one read, the good file's.
    assert [h["entry_id"] for h in hits(gent, ivan)] == [good_entry]
    assert (
        "adapter         cam: 1 reads in 1 batches, 1 hits, 0 rejected"
        in gent.argos("status").stdout
    )
    logged = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    refused = [line for line in logged if line["event"] == "adapter.quarantined"]
    assert sorted(line["reason"] for line in refused) == sorted(reasons.values())
    assert "2LNK222" not in output and "2-LNK-222" not in output


def test_a_file_that_grows_after_its_size_was_checked_is_refused_at_the_limit(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(folder_drop, "MAX_FILE_BYTES", 4096)
    path = tmp_path / "reads.csv"
    path.write_text(HEADER + _line("1-ABC-123"))  # well under the limit when checked
    real_fstat = os.fstat

    def fstat_then_grow(fd: int) -> os.stat_result:
        checked = real_fstat(fd)
        with path.open("a") as writer:  # the backend goes on writing after the check
            writer.write(_line("9-XYZ-999") * 200)
        return checked

    monkeypatch.setattr(folder_drop.os, "fstat", fstat_then_grow)
    with pytest.raises(PayloadError, match="file larger than 4096 bytes"):
        folder_drop.parse_file(path, default_site="gate")
    assert path.stat().st_size > 4096  # it did grow: the limit held on what was read
