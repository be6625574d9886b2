"""Daily operation of a node: the Prometheus endpoint carries the sync, outbox, ingest
and hit figures (and no personal data), and `argos status` gives one screen with
partners reachable, sync lag, outbox, expiring entries and confirmations near their
deadline. Two real node processes over mutual TLS; /metrics scraped over real HTTP."""

from __future__ import annotations

import sqlite3
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from gateway.federation import free_port
from tests.integration.hits_support import configure, hits, read, reads_file
from tests.integration.hotlist_support import add_entry, in_step, received, wait_until


def scrape(port: int) -> tuple[str, dict[tuple[str, frozenset], float]]:
    """The raw /metrics text and every sample as (name, labels) -> value."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as reply:
        text = reply.read().decode()
    samples = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            samples[(s.name, frozenset(s.labels.items()))] = s.value
    return text, samples


def value(samples, name: str, **labels: str) -> float:
    return samples[(name, frozenset(labels.items()))]


@pytest.fixture
def shared(pair, tmp_path):
    """Gent shares stolen vehicles with Terneuzen (tokens, site granularity); both nodes
    expose metrics; Gent's investigator has two entries, both held at Terneuzen."""
    gent, terneuzen = pair["be-gent"], pair["nl-terneuzen"]
    ports = {}
    for node in (gent, terneuzen):
        node.stop()
        ports[node.node_id] = free_port()
        configure(node, metrics_port=ports[node.node_id])
        node.start()
    agreement_id = pair.agree(
        "be-gent",
        "nl-terneuzen",
        "--categories",
        "stolen_vehicle",
        "--direction",
        "proposer_to_partner",
        "--granularity",
        "site",
    )
    ivan = gent.add_user("ivan", "investigator")
    entries = [add_entry(gent, ivan, "1-ABC-123", "B"), add_entry(gent, ivan, "2-DEF-456", "B")]
    wait_until(lambda: len(received(terneuzen, agreement_id)) == 2, what="both entries")
    wait_until(lambda: in_step(gent, terneuzen, agreement_id), what="a verified head")
    return {
        "pair": pair,
        "agreement_id": agreement_id,
        "entries": entries,
        "ivan": ivan,
        "ports": ports,
        "tmp": tmp_path,
    }


def test_metrics_carry_sync_outbox_ingest_and_hit_figures_and_no_plate(shared):
    pair, agreement_id, ports = shared["pair"], shared["agreement_id"], shared["ports"]
    gent, terneuzen = pair["be-gent"], pair["nl-terneuzen"]
    camera = terneuzen.add_user("cam", "adapter")
    reads = reads_file(
        shared["tmp"] / "reads.jsonl",
        [read("1ABC123"), read("7QXZ991"), read("8KLM204", camera="cam-9", site="dock-4")],
    )
    terneuzen.argos("reads", "replay", str(reads), token_file=camera)
    wait_until(lambda: len(hits(gent, shared["ivan"])) == 1, what="the hit at Gent")

    def delivered():
        _, samples = scrape(ports["nl-terneuzen"])
        done = frozenset({"partner": "be-gent", "state": "delivered"}.items())
        return samples.get(("argos_outbox_messages", done)) == 1 and samples

    at_observer = wait_until(delivered, what="the notification marked delivered")
    text_owner, at_owner = scrape(ports["be-gent"])
    text_observer, _ = scrape(ports["nl-terneuzen"])

    # Sync, both ends of the same agreement.
    provider = {"partner": "nl-terneuzen", "agreement": agreement_id, "role": "provider"}
    recipient = {"partner": "be-gent", "agreement": agreement_id, "role": "recipient"}
    assert value(at_owner, "argos_sync_entries", **provider) == 2
    assert value(at_observer, "argos_sync_entries", **recipient) == 2
    assert value(at_observer, "argos_sync_cursor", **recipient) == value(
        at_owner, "argos_sync_cursor", **provider
    )
    theirs = {"partner": "be-gent", "agreement": agreement_id}
    assert value(at_observer, "argos_sync_lag_changes", **theirs) == 0
    assert value(at_observer, "argos_sync_rejected_batches", **theirs) == 0
    assert value(at_observer, "argos_sync_verified_head_seq", **theirs) == value(
        at_owner, "argos_sync_cursor", **provider
    )
    assert value(at_observer, "argos_matching_list_entries", list=agreement_id) == 2

    # Outbox: the one notification, delivered; nothing waiting.
    assert value(at_observer, "argos_outbox_messages", partner="be-gent", state="delivered") == 1
    waiting = frozenset({"partner": "be-gent", "state": "pending"}.items())
    assert ("argos_outbox_messages", waiting) not in at_observer
    notified = {"kind": "hit_notification", "state": "delivered"}
    assert value(at_observer, "argos_outbox_messages_by_kind", **notified) == 1

    # Ingest at the observer: three reads taken, all matched, one hit.
    assert value(at_observer, "argos_ingest_reads_total", adapter="cam") == 3
    assert value(at_observer, "argos_ingest_reads_matched_total", adapter="cam") == 3
    assert value(at_observer, "argos_ingest_hits_total", adapter="cam") == 1
    assert value(at_observer, "argos_ingest_reads_rejected_total", adapter="cam") == 0
    assert value(at_observer, "argos_ingest_batches_total", adapter="cam") == 1

    # Hits: observed on Gent's list at Terneuzen, received from Terneuzen at Gent.
    assert value(at_observer, "argos_hits_held", kind="observed", partner="be-gent") == 1
    assert value(at_observer, "argos_hits_held", kind="own", partner="") == 0
    assert value(at_owner, "argos_hits_held", kind="received", partner="nl-terneuzen") == 1
    assert value(at_owner, "argos_own_entries", status="all") == 2
    assert value(at_owner, "argos_agreements", state="active") == 1
    assert value(at_owner, "argos_confirmations_open") == 0

    # No personal data: no plate in any form, no token, no camera, no site.
    with sqlite3.connect(terneuzen.home / "node.sqlite") as db:
        tokens = [r[0] for r in db.execute("SELECT plate_token FROM received_entries")]
    needles = ["1ABC123", "1-ABC-123", "2DEF456", "7QXZ991", "8KLM204", "cam-7", "cam-9"]
    needles += ["kennedy-tunnel", "dock-4", *(t.hex() for t in tokens if t)]
    for text in (text_owner, text_observer):
        assert "argos_sync_entries" in text
        for needle in needles:
            assert needle.lower() not in text.lower()


def test_status_shows_reachability_lag_expiring_entries_and_deadlines_on_one_screen(shared):
    pair = shared["pair"]
    gent, terneuzen = pair["be-gent"], pair["nl-terneuzen"]
    ivan = shared["ivan"]
    in_three_days = (datetime.now(UTC) + timedelta(days=3)).isoformat(timespec="seconds")
    add_entry(gent, ivan, "3-GHI-789", "B", "stolen_vehicle", "--expires-at", in_three_days)
    wait_until(lambda: len(received(terneuzen, shared["agreement_id"])) == 3, what="third entry")
    camera = terneuzen.add_user("cam", "adapter")
    terneuzen.argos(
        "reads",
        "replay",
        str(reads_file(shared["tmp"] / "r.jsonl", [read("1ABC123")])),
        token_file=camera,
    )
    inga = terneuzen.add_user("inga", "investigator")
    hit_id = wait_until(lambda: hits(terneuzen, inga, "--observed"), what="the hit")[0]["hit_id"]
    soon = (datetime.now(UTC) + timedelta(minutes=30)).isoformat(timespec="seconds")
    asked = terneuzen.json(
        "confirm",
        "request",
        "--kind",
        "alert",
        "--hit",
        hit_id,
        "--purpose",
        "criminal_investigation",
        "--case-reference",
        "PV-NL-77",
        "--deadline",
        soon,
        token_file=inga,
    )
    request_id = asked["request"]["request_id"]

    out = gent.argos("status").stdout
    assert "nl-terneuzen  reachable" in out
    assert "3 entries, 1 expiring within 7 days" in out

    def asked_at_gent() -> str:
        text = gent.argos("status").stdout
        return text if "1 open" in text else ""

    out = wait_until(asked_at_gent, what="the request at Gent")
    assert "1 open, 1 due within 60 min" in out
    assert f"{request_id}  alert_confirmation asked by nl-terneuzen" in out

    out = terneuzen.argos("status").stdout
    assert "be-gent       reachable; sync lag 0 changes, 3 entries held, 0 batches rejected" in out
    assert f"{request_id}  alert_confirmation asked of be-gent" in out
    assert "adapter         cam: 1 reads in 1 batches, 1 hits, 0 rejected" in out
    for needle in ("1ABC123", "1-ABC-123", "PV-NL-77", "cam-7", "kennedy-tunnel"):
        assert needle not in out

    gent.stop()
    out = terneuzen.argos("status").stdout
    assert "be-gent       UNREACHABLE (unavailable" in out
