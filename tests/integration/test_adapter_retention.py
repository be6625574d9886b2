"""What an adapter keeps on its disk, with a real node and real adapter processes: the
node tells the adapter which reads of a batch hit and until when; the adapter then
keeps only the images of reads that hit, deletes everything else a read left behind
on its short schedule, and creates every file and folder owner-only (run here under
umask 0, so that any mode not given by the code itself would show)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import stat
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gateway.federation import LocalFederation, argos_command
from gateway.wire.argos.v1 import ingest_pb2, reads_pb2
from gateway.wire.local_api import LocalApi
from tests.integration.adapter_process import AdapterProcess, adapter_settings, drop_file
from tests.integration.hits_support import hits
from tests.integration.hotlist_support import add_entry, wait_until

SAMPLES = Path(__file__).parents[1] / "unit" / "vendor_samples"
MULTIPART = 'multipart/form-data; boundary="boundary"'
FAST = {"keep_no_hit_s": 0.5, "keep_quarantined_s": 0.5, "sweep_interval_s": 0.1}
SLOW = {"keep_no_hit_s": 3600, "keep_quarantined_s": 3600, "sweep_interval_s": 0.1}


@pytest.fixture
def gent(tmp_path, certs):
    """One node, holding a stolen-vehicle entry for 1-ABC-123 (the Belgian sample's
    plate); the Dutch sample's plate is on no list."""
    federation = LocalFederation(tmp_path / "nodes", certs, ("be-gent",))
    try:
        federation.start()
        node = federation["be-gent"]
        ivan = node.add_user("ivan", "investigator")
        add_entry(node, ivan, "1-ABC-123", "B")
        yield node, ivan
    finally:
        federation.stop()


def _jpeg(tag: bytes) -> bytes:
    return b"\xff\xd8\xff\xe0" + tag + b"\xff\xd9"


def _event(sample: str, images: dict[str, bytes]) -> bytes:
    """A Hikvision multipart push of the sample, seen now, with its two pictures."""
    xml = (SAMPLES / sample).read_bytes()
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    for seen in (b"2024-06-14T16:04:36+02:00", b"2024-06-14T09:15:02.250-05:00"):
        xml = xml.replace(seen, now.encode())
    parts = [({"Content-Type": 'text/xml; charset="UTF-8"'}, xml)]
    parts += [
        (
            {
                "Content-Disposition": f'form-data; name="{name}"; filename="{name}"',
                "Content-Type": "image/jpeg",
            },
            data,
        )
        for name, data in images.items()
    ]
    out = b""
    for headers, content in parts:
        out += b"--boundary\r\n"
        out += b"".join(f"{k}: {v}\r\n".encode() for k, v in headers.items())
        out += f"Content-Length: {len(content)}\r\n\r\n".encode() + content + b"\r\n"
    return out + b"--boundary--\r\n"


HIT = _jpeg(b"hit-scene"), _jpeg(b"hit-plate")
MISS = _jpeg(b"miss-scene"), _jpeg(b"miss-plate")


def _push_hit_and_miss(adapter: AdapterProcess) -> None:
    hit = _event(
        "hikvision_anpr.xml",
        {"detectionPicture.jpg": HIT[0], "licensePlatePicture.jpg": HIT[1]},
    )
    miss = _event(
        "hikvision_anpr_nl.xml",
        {"20240614141502250TNZ2VEHIC0002BB": MISS[0], "20240614141502250TNZ2PLATE0002BB": MISS[1]},
    )
    assert adapter.post(hit, MULTIPART) == (200, {"accepted": 1, "ignored": 0})
    assert adapter.post(miss, MULTIPART) == (200, {"accepted": 1, "ignored": 0})
    assert adapter.post(b"<EventNotificationAlert><oops>", "application/xml")[0] == 400


def _contents(folder: Path) -> set[bytes]:
    return {p.read_bytes() for p in folder.iterdir()} if folder.exists() else set()


def _answered(home: Path) -> bool:
    """The adapter's spool holds no read still waiting for the node."""
    with sqlite3.connect(home / "read-spool.sqlite") as db:
        return db.execute("SELECT COUNT(*) FROM reads").fetchone() == (0,)


def test_only_the_images_of_reads_that_hit_remain_each_until_its_hit_ends(gent, tmp_path):
    node, ivan = gent
    home = tmp_path / "adapter"
    config = adapter_settings(home, node, node.add_user("hik", "adapter"), retention=FAST)
    adapter = AdapterProcess("hikvision", config)
    try:
        _push_hit_and_miss(adapter)
        (hit,) = wait_until(lambda: hits(node, ivan), what="the hit at the node")
        wait_until(lambda: _answered(home), what="the node's answer on both reads")
        # The no-hit read's pictures and the unusable payload go on their schedule; the
        # hit read's pictures stay.
        wait_until(lambda: _contents(home / "images") == set(HIT), what="the no-hit images gone")
        wait_until(lambda: not any((home / "quarantine").iterdir()), what="the quarantine empty")
        assert "adapter.leftovers_deleted" in {line["event"] for line in adapter.logged()}
    finally:
        adapter.stop()
    # ... until the node erases the hit: the time the node gave for it.
    with sqlite3.connect(node.home / "node.sqlite") as db:
        (expires_at,) = db.execute(
            "SELECT expires_at FROM hits WHERE hit_id = ?", (hit["hit_id"],)
        ).fetchone()
    with sqlite3.connect(home / "read-spool.sqlite") as db:
        kept = db.execute("SELECT path, read_id, delete_at FROM leftovers").fetchall()
    ends = datetime.fromisoformat(expires_at.replace("Z", "+00:00"))
    observed = datetime.fromisoformat(hit["observed_at"].replace("Z", "+00:00"))
    assert ends == observed + timedelta(days=28)  # the node's own-list hit retention
    assert {Path(path).read_bytes() for path, _, _ in kept} == set(HIT)
    assert {(read_id, at) for _, read_id, at in kept} == {(None, ends.timestamp())}


def test_the_node_answers_which_reads_of_a_batch_hit_and_until_when(gent):
    node, _ = gent
    token = node.add_user("cam", "adapter")
    now = datetime.now(UTC).replace(microsecond=0)
    request = ingest_pb2.SubmitReadsRequest(batch_id="b-1")
    for plate in ("9ZZZ999", "1ABC123", "8YYY888", "1-ABC-123"):
        read = request.reads.add(plate=plate, country="BE", camera="cam-1", site="s")
        read.direction = reads_pb2.READ_DIRECTION_IN
        read.observed_at.seconds = int(now.timestamp())
    with LocalApi.with_token_file(node.home / "admin.sock", token) as api:
        (answer,) = api.ingest.SubmitReads(iter([request]), metadata=api.metadata, timeout=30)
    assert (answer.accepted, answer.hits) == (4, 2)
    assert [h.index for h in answer.batch_hits] == [1, 3]
    assert len({h.hit_id for h in answer.batch_hits}) == 2
    for h in answer.batch_hits:
        assert h.expires_at.ToDatetime(tzinfo=UTC) == now + timedelta(days=28)


def _created(home: Path, written_by_test: set[Path]) -> list[Path]:
    found = []
    for folder, folders, files in os.walk(home):
        found += [Path(folder) / name for name in folders + files]
    return [p for p in found if p not in written_by_test]


def test_every_file_and_folder_an_adapter_creates_is_owner_only(gent, tmp_path):
    node, ivan = gent
    home = tmp_path / "adapter"
    config = adapter_settings(home, node, node.add_user("hik", "adapter"), retention=SLOW)
    adapter = AdapterProcess("hikvision", config, umask=0)
    try:
        _push_hit_and_miss(adapter)
        wait_until(lambda: hits(node, ivan), what="the hit at the node")
        wait_until(lambda: _answered(home), what="the node's answer")
    finally:
        adapter.stop()
    created = _created(home, {config, *home.glob("adapter.*.out")})
    names = {p.name for p in created}
    assert {"images", "quarantine", "read-spool.sqlite"} <= names
    assert len(list((home / "images").iterdir())) == 4  # kept an hour: all still there
    assert {p.suffix for p in (home / "quarantine").iterdir()} == {".body", ".json"}
    for path in created:
        mode = stat.S_IMODE(os.lstat(path).st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), f"{path}: {mode:o}"


def test_a_processed_dropped_file_and_its_report_go_on_their_schedules(gent, tmp_path):
    node, ivan = gent
    home, drop = tmp_path / "adapter", tmp_path / "drop"
    drop.mkdir()
    config = adapter_settings(
        home,
        node,
        node.add_user("cam", "adapter"),
        folder=str(drop),
        poll_interval_s=0.1,
        retention={"keep_no_hit_s": 0.5, "keep_quarantined_s": 3600, "sweep_interval_s": 0.1},
    )
    adapter = AdapterProcess("folder", config, umask=0)
    try:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        drop_file(
            drop,
            "reads.csv",
            "plate,country,confidence,time,camera,site\n"
            f"1-ABC-123,BE,0.9,{now},cam-1,kennedy-tunnel\n"
            f"9-XYZ-999,BE,0.9,{now},cam-1,kennedy-tunnel\n"
            "8-XYZ-888,BE,0.9,not a time,cam-1,kennedy-tunnel\n",
        )
        wait_until(lambda: hits(node, ivan), what="the dropped read's hit")
        report = home / "quarantine" / "reads.csv.reason.json"
        wait_until(report.exists, what="the report of the bad line")
        # Processed, then deleted on the no-hit schedule: its reads are at the node.
        wait_until(lambda: not any((drop / "done").iterdir()), what="the processed file gone")
    finally:
        adapter.stop()
    assert not (drop / "reads.csv").exists()
    assert stat.S_IMODE(os.stat(drop / "done").st_mode) == 0o700
    assert stat.S_IMODE(os.stat(report).st_mode) == 0o600  # an hour: still there
    assert "8-XYZ-888" not in report.read_text()


def test_an_exported_hotlist_is_owner_only_and_replaces_a_file_others_could_read(gent, tmp_path):
    node, _ = gent
    home = tmp_path / "export"
    home.mkdir()
    output = home / "hotlist.csv"
    output.write_text("an older list, readable by anyone\n")
    output.chmod(0o644)
    config = home / "export.toml"
    config.write_text(
        f"node_socket = {json.dumps(str(node.home / 'admin.sock'))}\n"
        f"token_file = {json.dumps(str(node.add_user('export', 'adapter')))}\n"
        f'format = "genetec"\noutput = "hotlist.csv"\ninterval_s = 0.2\n'
    )
    exporter = subprocess.Popen(
        [*argos_command(), "adapter", "run", "hotlist-export", "--config", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        umask=0,
    )
    try:
        wait_until(lambda: b"1ABC123" in output.read_bytes(), what="the exported list")
    finally:
        exporter.send_signal(signal.SIGINT)
        exporter.wait(timeout=20)
    assert stat.S_IMODE(os.stat(output).st_mode) == 0o600
    assert sorted(p.name for p in home.iterdir()) == ["export.toml", "hotlist.csv"]
