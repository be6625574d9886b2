"""Alerts with a cursor (issue 17) on a real node process: every alert of the node's
cameras reaches the operator's screen (`argos alerts watch --from`) and the webhook
adapter (to a real HTTP receiver on loopback) exactly once and in order, across the
receiver being down, the watcher being away, the adapter and the node restarting; a
watcher that reads nothing is told it fell behind and then given everything it missed,
except what retention erased in the meantime."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from datetime import UTC, datetime, timedelta

import pytest

from adapters.webhook import AlertWebhook
from gateway.federation import LocalFederation
from gateway.wire.argos.v1 import ingest_pb2
from gateway.wire.local_api import LocalApi
from tests.integration.hits_support import hits, read, reads_file, watch
from tests.integration.hotlist_support import add_entry, wait_until
from tests.integration.test_webhook import Receiver, _config

PLATE = "1ABC123"
AGED = "2000-01-01T00:00:00.000Z"
STREAM_TIMEOUT_S = 300  # a hung stream fails the test instead of hanging it


@pytest.fixture
def gent(tmp_path, certs):
    federation = LocalFederation(tmp_path / "nodes", certs, ("be-gent",))
    try:
        federation.start()
        node = federation["be-gent"]
        ivan = node.add_user("ivan", "investigator")
        add_entry(node, ivan, "1-ABC-123", "B")
        yield {
            "node": node,
            "ivan": ivan,
            "camera": node.add_user("cam", "adapter"),
            "olga": node.add_user("olga", "operator"),
            "control-room": node.add_user("control-room", "operator"),
            "tmp": tmp_path,
            "sent": 0,
            # Sightings of the last hour: well within the hits' retention.
            "t0": datetime.now(UTC) - timedelta(hours=1),
        }
    finally:
        federation.stop()


def submit(gent, count: int) -> None:
    """`count` reads of the watched plate through the ingest API, by the adapter user;
    each read a millisecond after the one before, so time order is submission order."""
    start = gent["t0"] + timedelta(milliseconds=gent["sent"])
    reads = [
        read(PLATE, time=(start + timedelta(milliseconds=i)).isoformat(timespec="milliseconds"))
        for i in range(count)
    ]
    gent["sent"] += count
    path = reads_file(gent["tmp"] / f"reads-{gent['sent']}.jsonl", reads)
    out = gent["node"].argos("reads", "replay", str(path), "--json", token_file=gent["camera"])
    assert json.loads(out.stdout)["hits"] == count


def hits_in_time_order(gent) -> list[str]:
    held = hits(gent["node"], gent["ivan"], "--limit", "1000")
    # Parsed, not compared as text: a time on a whole second is written without ".000".
    return [h["hit_id"] for h in sorted(held, key=lambda h: _time(h["observed_at"]))]


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def watch_records(node) -> list[dict]:
    records = node.json("audit", "list", "--limit", "1000")
    return [r for r in records if r["action"] == "alerts.watch"]


def screen_lines(process: subprocess.Popen) -> list[dict]:
    out, err = process.communicate(timeout=STREAM_TIMEOUT_S)
    assert process.returncode == 0, err
    return [json.loads(line) for line in out.splitlines()]


def test_the_screen_and_the_webhook_get_every_alert_once_in_order_across_outages_and_a_restart(
    gent,
):
    node = gent["node"]
    receiver = Receiver()
    config = _config(
        gent["tmp"],
        receiver.url,
        node_socket=node.home / "admin.sock",
        token_file=gent["control-room"],
    )
    webhook = AlertWebhook(config)
    webhook.start()
    first_screen = watch(node, gent["olga"], 100)
    try:
        wait_until(lambda: len(watch_records(node)) >= 2, what="the screen and the webhook")
        submit(gent, 100)
        seen_first = screen_lines(first_screen)  # --count 100: then it hangs up
        wait_until(lambda: len(receiver.accepted()) == 100, what="the first hundred POSTs")

        receiver.fail_first = 10**9  # the control room goes down, the screen is away
        submit(gent, 150)
        node.stop()  # the node restarts in the middle, the webhook's stream breaks
        node.start()
        submit(gent, 150)
        webhook.stop()  # the adapter restarts too, while alerts keep coming
        submit(gent, 100)
        assert len(receiver.accepted()) == 100

        receiver.fail_first = 0  # the control room is back
        webhook = AlertWebhook(config)
        webhook.start()
        last_seen = seen_first[-1]["position"]
        second_screen = watch(node, gent["olga"], 400, "--from", str(last_seen))
        seen_second = screen_lines(second_screen)
        wait_until(lambda: len(receiver.accepted()) >= 500, what="every alert POSTed")
    finally:
        webhook.stop()
        receiver.close()
        for process in (first_screen,):
            if process.poll() is None:
                process.kill()

    expected = hits_in_time_order(gent)
    assert len(expected) == 500
    on_screen = seen_first + seen_second
    assert [a["hit_id"] for a in on_screen] == expected
    positions = [a["position"] for a in on_screen]
    assert positions == sorted(positions) and len(set(positions)) == 500

    posted = [json.loads(r["body"]) for r in receiver.accepted()]
    assert [p["id"] for p in posted] == expected  # each once, in the order raised
    assert [p["position"] for p in posted] == positions
    assert all(r["verified"] for r in receiver.requests)

    # The screen's return with a cursor is a consultation in the audit log: counts only.
    opened = [(r["actor"], json.loads(r.get("details_json") or "{}")) for r in watch_records(node)]
    assert ("olga", {"after_position": last_seen, "replayed": 400}) in opened


def test_a_watcher_that_reads_nothing_is_told_it_fell_behind_and_then_misses_nothing(gent):
    node = gent["node"]
    node.stop()
    with (node.home / "node.toml").open("a") as f:
        f.write("[limits]\nalert_watcher_queue = 4\n")
    node.start()
    api = LocalApi.with_token_file(node.home / "admin.sock", gent["olga"])
    try:
        call = api.ingest.WatchAlerts(
            ingest_pb2.WatchAlertsRequest(), metadata=api.metadata, timeout=STREAM_TIMEOUT_S
        )
        wait_until(lambda: watch_records(node), what="the watcher to connect")
        # It reads nothing while 300 alerts are raised in one batch: four fit its queue.
        submit(gent, 300)
        items: list[ingest_pb2.WatchAlertsResponse] = []
        alerts = 0
        for item in call:
            items.append(item)
            alerts += item.HasField("alert")
            if alerts == 300:
                break
        call.cancel()
    finally:
        api.close()

    behind = [i for i in items if i.HasField("behind")]
    assert behind, "the watcher was not told it fell behind"
    given = [i for i in items if i.HasField("alert")]
    assert [i.alert.hit_id for i in given] == hits_in_time_order(gent)
    positions = [i.position for i in given]
    assert positions == sorted(positions) and len(set(positions)) == 300
    notice = behind[0].behind
    assert notice.resumes_after in (0, *positions) and notice.newest == positions[-1]

    # Retention erases one hit (aged in the node's file with the node stopped): a
    # watcher replaying from the start is never given its alert.
    node.stop()
    db = sqlite3.connect(node.home / "node.sqlite")
    with db:
        db.execute("UPDATE hits SET expires_at = ? WHERE hit_id = ?", (AGED, given[9].alert.hit_id))
    db.close()
    with (node.home / "node.toml").open("r+") as f:
        text = f.read()
        f.seek(0)
        f.write("purge_interval_s = 0.2\n" + text)
    node.start()
    wait_until(lambda: given[9].alert.hit_id not in hits_in_time_order(gent), what="the hit erased")
    replayed = screen_lines(watch(node, gent["olga"], 299, "--from", "0"))
    kept = hits_in_time_order(gent)
    assert len(kept) == 299
    assert [a["hit_id"] for a in replayed] == kept
    assert given[9].alert.hit_id not in {a["hit_id"] for a in replayed}


def test_a_cursor_the_node_never_gave_is_refused_clearly_and_opens_no_watch(gent):
    node = gent["node"]
    before = len(watch_records(node))
    refused = node.argos(
        "alerts", "watch", "--from", "99", "--count", "1", token_file=gent["olga"], check=False
    )
    assert refused.returncode != 0
    assert "after_position 99 is past the newest position 0" in refused.stderr
    assert len(watch_records(node)) == before


def test_an_operator_claims_an_alert_and_every_screen_is_told_who(gent):
    node = gent["node"]
    submit(gent, 1)
    (alert,) = screen_lines(watch(node, gent["olga"], 1, "--from", "0"))
    position = alert["position"]
    claimed = node.json("alerts", "mark", str(position), "--as", "claimed", token_file=gent["olga"])
    assert claimed["alert_position"] == position and claimed["position"] > position
    # Another operator's screen, from before the alert: the alert, then the claim.
    shown = screen_lines(watch(node, gent["control-room"], 2, "--from", str(position - 1)))
    assert [line.get("hit_id") for line in shown] == [alert["hit_id"], None]
    mark = shown[1]
    assert mark["position"] == claimed["position"]
    assert mark["mark"]["by"] == "olga" and mark["mark"]["hit_id"] == alert["hit_id"]
    # A position that holds no hit alert (the claim itself) is refused, saying so.
    refused = node.argos(
        "alerts",
        "mark",
        str(claimed["position"]),
        "--as",
        "acknowledged",
        token_file=gent["olga"],
        check=False,
    )
    assert refused.returncode != 0
    assert f"no hit alert is kept at position {claimed['position']}" in refused.stderr
    marks = [
        r for r in node.json("audit", "list", "--limit", "1000") if r["action"] == "alert.claimed"
    ]
    assert [(r["actor"], r["object_id"]) for r in marks] == [("olga", alert["hit_id"])]
