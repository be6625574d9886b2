"""DM1, camera -> node exactly once (issue 17): a real folder-drop adapter process feeds
the observer (Terneuzen) a stream of reads that each hit Gent's entry once, and is
killed with SIGKILL again and again at random moments (seeded; the seed and the delays
are printed) and started again. Once at a chosen moment: after the node committed a
batch and answered, before the adapter forgot the batch's reads - the window in which
a resend used to record every hit twice. The test reaches it deterministically with a
fault injected into the adapter's process (AdapterProcess `before=`: the adapter's
handling of the node's answer prints a line and sleeps instead of forgetting), which
is test-only code; the adapter itself runs unchanged.

Afterwards every read's hit exists exactly once at the observer and exactly once at
the owner, and the node counted the batches it answered from its receipts. Two real
node processes over mutual TLS, a real adapter process, real SQLite everywhere."""

from __future__ import annotations

import json
import os
import random
import sqlite3
import time
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from gateway.federation import free_port
from tests.integration.adapter_process import AdapterProcess, adapter_settings, drop_file
from tests.integration.hits_support import configure, hits
from tests.integration.hotlist_support import add_entry, in_step, received, wait_until

READS = 600
BATCH = 2
KILLS = 6

# Injected into the first adapter process: the node's answer arrives, the batch's
# reads are not forgotten (the process sleeps there until it is killed).
PAUSE_AFTER_ANSWER = """
import time
import adapters.retention as _retention

def _answered_then_paused(self, rows, answer):
    print("TEST: answered, not forgotten: batch " + answer.batch_id, flush=True)
    time.sleep(3600)

_retention.Leftovers.answered = _answered_then_paused
"""


def repeated_batches(port: int) -> float:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as reply:
        text = reply.read().decode()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "argos_read_batches_repeated_total":
                if sample.labels.get("adapter") == "cam":
                    return sample.value
    return 0.0


def spooled(home) -> tuple[int, int]:
    """(reads, batches) still in the adapter's spool file."""
    with sqlite3.connect(home / "read-spool.sqlite") as db:
        (reads,) = db.execute("SELECT count(*) FROM reads").fetchone()
        (batches,) = db.execute("SELECT count(*) FROM batches").fetchone()
    return reads, batches


def kill(adapter: AdapterProcess) -> None:
    adapter.process.kill()  # SIGKILL: no clean stop, nothing flushed
    adapter.process.wait(timeout=20)


@pytest.mark.timeout(900)
def test_an_adapter_killed_at_random_moments_records_each_read_once(pair, tmp_path):
    seed = int(os.environ.get("ARGOS_DM1_SEED", random.randrange(2**32)))
    print(f"DM1 seed {seed} (ARGOS_DM1_SEED={seed} repeats this run)")
    rng = random.Random(seed)

    gent, terneuzen = pair["be-gent"], pair["nl-terneuzen"]
    metrics = free_port()
    terneuzen.stop()
    configure(terneuzen, metrics_port=metrics, outbox_max_backoff_s=1.0)
    terneuzen.start()
    agreement_id = pair.agree(
        "be-gent",
        "nl-terneuzen",
        "--categories",
        "stolen_vehicle",
        "--direction",
        "proposer_to_partner",
        "--granularity",
        "site",
    )  # with hit notification (the default)
    began = datetime.now(UTC)  # the agreement's validity began before this
    ivan = gent.add_user("ivan", "investigator")
    entry_id = add_entry(gent, ivan, "1-ABC-123", "B")
    wait_until(lambda: entry_id in received(terneuzen, agreement_id), what="the entry to sync")
    wait_until(lambda: in_step(gent, terneuzen, agreement_id), what="a verified head")
    ines = terneuzen.add_user("ines", "investigator")

    # One plate, a read a millisecond: each read has exactly one hit, known by its
    # time. All of them after the agreement began (the owner refuses a notification of
    # a sighting outside the agreement's validity) and none in the future.
    # The truncated now below may lie up to a second in the past, the first moment
    # 0.6 s before it: the set-up above can take less (a fast machine), so wait.
    time.sleep(max(0.0, (began + timedelta(seconds=2) - datetime.now(UTC)).total_seconds()))
    now = datetime.now(UTC).replace(microsecond=0)
    moments = [now - timedelta(milliseconds=READS - i) for i in range(READS)]
    lines = [
        json.dumps(
            {
                "plate": "1-ABC-123",
                "country": "BE",
                "time": at.isoformat(timespec="milliseconds"),
                "camera": "cam-7",
                "site": "kennedy-tunnel",
                "direction": "in",
            }
        )
        for at in moments
    ]
    home, drop = tmp_path / "adapter", tmp_path / "drop"
    drop.mkdir()
    config = adapter_settings(
        home,
        terneuzen,
        terneuzen.add_user("cam", "adapter"),
        folder=str(drop),
        poll_interval_s=0.1,
        batch_size=BATCH,
    )

    def observed() -> list[dict]:
        return hits(terneuzen, ines, "--observed", "--limit", "1000")

    # 1. The window, deterministically: the node committed the first batch and
    # answered; the adapter dies before it forgot the batch.
    adapter = AdapterProcess("folder", config, before=PAUSE_AFTER_ANSWER)
    drop_file(drop, "reads.jsonl", "\n".join(lines) + "\n")
    wait_until(lambda: "TEST: answered, not forgotten" in adapter.text(), what="the first answer")
    # The file is spooled whole and moved away before the forwarder sends anything of it
    # (a kill before the move would read it again: the camera leg, not this test's).
    wait_until(lambda: not (drop / "reads.jsonl").exists(), what="the file taken")
    assert len(observed()) == BATCH  # committed at the node
    kill(adapter)
    assert spooled(home) == (READS, 1)  # every read still there, the batch still pending

    # 2. Killed at random moments while it forwards, started again each time.
    delays = [round(rng.uniform(0.0, 0.5), 3) for _ in range(KILLS)]
    print(f"DM1 kill delays (s after each start): {delays}")
    for delay in delays:
        adapter = AdapterProcess("folder", config)
        time.sleep(delay)  # a random moment, not a wait for a condition
        kill(adapter)
        print(f"DM1 killed after {delay}s: spool (reads, batches) = {spooled(home)}")

    # 3. Left to finish.
    adapter = AdapterProcess("folder", config)
    try:
        wait_until(lambda: spooled(home) == (0, 0), timeout=300, what="the spool drained")
    finally:
        adapter.stop()

    at_observer = observed()
    times = sorted(h["observed_at"] for h in at_observer)
    assert len(at_observer) == READS, f"seed {seed}"
    assert len(set(times)) == READS, f"a read recorded twice (seed {seed})"
    assert {datetime.fromisoformat(t.replace("Z", "+00:00")) for t in times} == set(moments)
    at_owner = wait_until(
        lambda: len(h := hits(gent, ivan, "--limit", "1000")) >= READS and h,
        timeout=180,
        what="every hit at the owner",
    )
    assert len(at_owner) == READS, f"seed {seed}"
    assert {h["hit_id"] for h in at_owner} == {h["hit_id"] for h in at_observer}
    # At least the batch of the window was sent again and answered from the receipt.
    assert repeated_batches(metrics) >= 1
