"""What an adapter leaves on disk (adapters/retention.py) on a real spool file and real
files, with the clock in the test's hand: an image waits for the node's answer however
long that takes, then lives as long as its read's hit, or a few minutes without one;
everything is created owner-only whatever the process's umask."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest

from adapters.retention import Leftovers, RetentionSettings, tie_images
from adapters.spool import Push, ReadSpool
from gateway.wire.argos.v1 import ingest_pb2

NOW = 1_800_000_000.0
KEEP = RetentionSettings(keep_no_hit_s=300, keep_quarantined_s=3600, sweep_interval_s=3600)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def kept(tmp_path):
    clock = Clock()
    spool = ReadSpool(tmp_path / "spool.sqlite", max_reads=100)
    images, quarantine = tmp_path / "images", tmp_path / "quarantine"
    leftovers = Leftovers(spool, KEEP, {images: 300, quarantine: 3600}, clock=clock)
    leftovers.start()  # sweeps every hour of real time: here only when the test says
    yield leftovers, spool, clock, images, quarantine
    leftovers.stop()
    spool.close()


def _answer(*hits: tuple[int, float]) -> ingest_pb2.SubmitReadsResponse:
    answer = ingest_pb2.SubmitReadsResponse(accepted=3, hits=len(hits))
    for index, ends in hits:
        hit = answer.batch_hits.add(index=index, hit_id=f"hit-{index}")
        hit.expires_at.seconds = int(ends)
    return answer


def _names(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def test_an_image_waits_for_the_nodes_answer_then_lives_as_long_as_its_hit(kept):
    leftovers, spool, clock, images, _ = kept
    stored = {
        name: leftovers.write(images / f"{name}.jpg", name.encode())
        for name in ("hit-scene", "hit-plate", "miss-scene", "miss-2-scene")
    }
    # The first request: one read naming its overview; its plate crop is named by no
    # read and goes with the request. The second: two reads, one picture each.
    hit_images = {k: v for k, v in stored.items() if k.startswith("hit")}
    miss_images = {k: v for k, v in stored.items() if k.startswith("miss")}
    assert spool.append(
        [
            Push([b"read-0"], tie_images(["hit-scene"], hit_images)),
            Push([b"read-1", b"read-2"], tie_images(["miss-scene", "miss-2-scene"], miss_images)),
        ]
    ) == [True, True]
    # The node is away for a year: nothing is deleted while a read waits for it.
    clock.now += 365 * 86400
    assert leftovers.sweep() == 0
    assert _names(images) == {f"{name}.jpg" for name in stored}

    rows = spool.oldest(10)
    hit_ends = clock.now + 28 * 86400
    leftovers.answered(rows, _answer((0, hit_ends)))
    assert spool.pending == 0
    clock.now += 299
    assert leftovers.sweep() == 0
    clock.now += 2  # the no-hit schedule has run: only the hit read's images remain
    assert leftovers.sweep() == 2
    assert _names(images) == {"hit-scene.jpg", "hit-plate.jpg"}
    clock.now = hit_ends - 1
    assert leftovers.sweep() == 0
    clock.now = hit_ends  # and they go when the hit goes
    assert leftovers.sweep() == 2
    assert _names(images) == set()
    assert spool.leftovers() == {"files_waiting": 0, "files_scheduled": 0}


def test_an_image_two_reads_share_is_kept_while_either_needs_it(kept):
    leftovers, spool, clock, images, _ = kept
    shared = leftovers.write(images / "shared.jpg", b"jpeg")
    # Two events in one request, and a picture neither names: it belongs to both.
    spool.append([Push([b"a", b"b"], tie_images(["x", "y"], {"shared": shared}))])
    (first, second) = spool.oldest(10)
    leftovers.answered([first], _answer())
    clock.now += 10_000
    assert leftovers.sweep() == 0  # the second read has no answer yet
    hit_ends = clock.now + 1000
    leftovers.answered([second], _answer((0, hit_ends)))
    clock.now += 301
    assert leftovers.sweep() == 0  # the second read hit: kept until its hit ends
    clock.now = hit_ends
    assert leftovers.sweep() == 1 and not shared.exists()


def test_a_quarantined_payload_goes_after_its_own_schedule(kept):
    leftovers, _, clock, _, quarantine = kept
    body = leftovers.quarantined(quarantine / "payload.body", b"<EventNotificationAlert>")
    clock.now += 3599
    assert leftovers.sweep() == 0 and body.exists()
    clock.now += 1
    assert leftovers.sweep() == 1 and not body.exists()


def test_files_the_ledger_does_not_name_are_adopted_at_start_on_their_folders_schedule(tmp_path):
    """A crash between writing an image and spooling its read leaves a file nobody
    waits for: the next start gives it the no-hit schedule."""
    images = tmp_path / "images"
    images.mkdir()
    stray = images / "left-by-a-crash.jpg"
    stray.write_bytes(b"jpeg")
    clock = Clock()
    spool = ReadSpool(tmp_path / "spool.sqlite", max_reads=10)
    leftovers = Leftovers(spool, KEEP, {images: 300}, clock=clock)
    leftovers.start()
    try:
        assert leftovers.sweep() == 0 and stray.exists()
        clock.now += 300
        assert leftovers.sweep() == 1 and not stray.exists()
    finally:
        leftovers.stop()
        spool.close()


def test_files_and_folders_are_created_owner_only_whatever_the_umask(tmp_path):
    old = os.umask(0)  # the most open umask: modes come from the code, not from it
    try:
        spool = ReadSpool(tmp_path / "spool" / "read-spool.sqlite", max_reads=10)
        images, quarantine = tmp_path / "a" / "images", tmp_path / "quarantine"
        leftovers = Leftovers(spool, KEEP, {images: 300, quarantine: 3600}, clock=time.time)
        leftovers.start()
        image = leftovers.write(images / "x.jpg", b"jpeg")
        body = leftovers.quarantined(quarantine / "y.body", b"payload")
        spool.append([[b"read"]])
        leftovers.stop()
        spool.close()
    finally:
        os.umask(old)
    created = [
        tmp_path / "spool",
        tmp_path / "a",
        images,
        quarantine,
        image,
        body,
        *(tmp_path / "spool").iterdir(),
    ]
    assert {p.name for p in (tmp_path / "spool").iterdir()} >= {"read-spool.sqlite"}
    for path in created:
        mode = stat.S_IMODE(os.stat(path).st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), f"{path}: {mode:o}"
