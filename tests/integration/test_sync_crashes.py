"""Sync survives SIGKILL on either side: after a recipient killed at random points of a
100,000-entry sync (ten times), and after the provider killed mid-stream, the recipient
holds exactly the provider's set, proven by equal signed heads."""

from __future__ import annotations

import json
import random
import time

import pytest

from gateway.synthetic import write_hotlist_csv
from tests.integration.hotlist_support import in_step, sync_row, wait_until

ENTRIES = 100_000


@pytest.fixture
def loaded(pair, tmp_path):
    gent, terneuzen = pair["be-gent"], pair["nl-terneuzen"]
    agreement_id = pair.agree("be-gent", "nl-terneuzen", "--direction", "proposer_to_partner")
    ivan = gent.add_user("ivan", "investigator")
    csv_path = write_hotlist_csv(tmp_path / "hotlist.csv", ENTRIES)
    result = gent.argos(
        "hotlist", "import", str(csv_path), "--justification", "load", "--json", token_file=ivan
    )
    assert json.loads(result.stdout)["accepted"] == str(ENTRIES)
    wait_until(
        lambda: int(sync_row(gent, agreement_id, "provider")["entries"]) == ENTRIES,
        timeout=120,
        what="the provider's feed to hold every entry",
    )
    wait_until(lambda: in_step(gent, terneuzen, agreement_id), timeout=120, what="first sync")
    return gent, terneuzen, agreement_id


def _restart_sync_from_zero(node, agreement_id):
    node.argos("sync", "resync", agreement_id, "--justification", "crash drill")


def _cursor(node, agreement_id) -> int:
    return int(sync_row(node, agreement_id, "recipient")["cursor"])


@pytest.mark.slow  # `make test-slow`: named in the README
def test_recipient_killed_at_random_points_ends_with_the_providers_exact_set(loaded):
    gent, terneuzen, agreement_id = loaded
    rng = random.Random(6962)
    interrupted = 0
    for _ in range(10):
        _restart_sync_from_zero(terneuzen, agreement_id)
        time.sleep(rng.uniform(0.05, 0.8))
        cursor_at_kill = _cursor(terneuzen, agreement_id)
        terneuzen.kill()
        interrupted += 0 < cursor_at_kill < ENTRIES
        terneuzen.start()
        wait_until(
            lambda: in_step(gent, terneuzen, agreement_id),
            timeout=120,
            what="recipient back in step after SIGKILL",
        )
    assert interrupted >= 3, "most kills must land mid-sync for this test to mean anything"
    assert "audit log intact" in terneuzen.argos("audit", "verify").stdout


def test_provider_killed_mid_stream_ends_with_the_providers_exact_set(loaded):
    gent, terneuzen, agreement_id = loaded
    for delay in (0.3, 0.8):
        _restart_sync_from_zero(terneuzen, agreement_id)
        time.sleep(delay)
        gent.kill()
        time.sleep(1.0)
        gent.start()
        wait_until(
            lambda: in_step(gent, terneuzen, agreement_id),
            timeout=120,
            what="recipient back in step after provider SIGKILL",
        )
    assert "audit log intact" in gent.argos("audit", "verify").stdout
