"""A stale feed is noticed: when the provider stops sending signed heads (here: the
provider node is stopped), the recipient shows the feed stale in `argos status` and on
/metrics once its last verified head is older than stale_feed_after_s, tells the
operators on their alert stream, logs and audits it without personal data, and with
stale_feed_action = "stop_matching" no longer acts on that partner's entries until
fresh heads arrive. Two real node processes over mutual TLS; /metrics over real HTTP."""

from __future__ import annotations

import json

import pytest

from gateway.federation import free_port
from tests.integration.hits_support import configure, read, reads_file, wait_watching, watch
from tests.integration.hotlist_support import add_entry, in_step, received, wait_until
from tests.integration.test_daily_operation import scrape

STALE_AFTER_S = 4


def _setup(pair, tmp_path, action: str) -> dict:
    """Gent shares stolen vehicles with Terneuzen, repeating its head every half second;
    Terneuzen calls a feed stale after 4 s without a verified head."""
    gent, terneuzen = pair["be-gent"], pair["nl-terneuzen"]
    port = free_port()
    for node in (gent, terneuzen):
        node.stop()
    configure(gent, feed_heartbeat_s=0.5)
    configure(
        terneuzen,
        stale_feed_after_s=STALE_AFTER_S,
        stale_feed_action=action,
        metrics_port=port,
        outbox_max_backoff_s=1.0,
    )
    for node in (gent, terneuzen):
        node.start()
    agreement_id = pair.agree(
        "be-gent",
        "nl-terneuzen",
        "--categories",
        "stolen_vehicle",
        "--direction",
        "proposer_to_partner",
    )
    ivan = gent.add_user("ivan", "investigator")
    entry_id = add_entry(gent, ivan, "1-ABC-123", "B")
    wait_until(lambda: entry_id in received(terneuzen, agreement_id), what="the entry")
    wait_until(lambda: in_step(gent, terneuzen, agreement_id), what="a verified head")
    return {
        "agreement_id": agreement_id,
        "port": port,
        "cam": terneuzen.add_user("cam", "adapter"),
        "olga": terneuzen.add_user("olga", "operator"),
        "reads": reads_file(tmp_path / "reads.jsonl", [read("1ABC123")]),
    }


def _hits_of_a_read(node, s: dict) -> int:
    out = node.argos("reads", "replay", str(s["reads"]), "--json", token_file=s["cam"])
    answer = json.loads(out.stdout)
    assert answer["accepted"] == 1
    return answer["hits"]


def _feed_metrics(s: dict) -> dict[str, float]:
    _, samples = scrape(s["port"])
    return {
        name: v
        for (name, labels), v in samples.items()
        if name.startswith("argos_feed_") and ("agreement", s["agreement_id"]) in labels
    }


def _stale(s: dict, *, stopped: bool) -> dict[str, float] | None:
    """The feed's metrics once it shows stale and (the node looks each second) its list
    is set aside or not, as the action says."""
    metrics = _feed_metrics(s)
    if metrics.get("argos_feed_stale") != 1:
        return None
    return metrics if metrics.get("argos_feed_matching_stopped") == int(stopped) else None


@pytest.mark.slow  # `make test-slow`: named in the README
def test_a_silent_provider_makes_the_feed_stale_and_matching_stops_until_fresh_heads(
    pair, tmp_path
):
    s = _setup(pair, tmp_path, "stop_matching")
    gent, terneuzen = pair["be-gent"], pair["nl-terneuzen"]
    assert _hits_of_a_read(terneuzen, s) == 1  # fresh: the read hits
    assert _feed_metrics(s)["argos_feed_stale"] == 0

    watcher = watch(terneuzen, s["olga"], 1)
    try:
        wait_watching(terneuzen)
        gent.stop()  # the provider falls silent: no more signed heads
        metrics = wait_until(
            lambda: _stale(s, stopped=True), timeout=60, what="the feed to go stale"
        )
        notice, _ = watcher.communicate(timeout=30)
    finally:
        watcher.kill()

    # /metrics: the age of the last verified head, past the bound; matching stopped.
    assert metrics["argos_feed_last_verified_head_age_seconds"] > STALE_AFTER_S
    # The operators were told, on their alert stream.
    told = json.loads(notice)["feed"]
    assert told["agreement_id"] == s["agreement_id"]
    assert (told["partner"], told["what"], told["matching_stopped"]) == ("be-gent", "stale", True)
    # argos status says so.
    status = terneuzen.argos("status").stdout
    assert "feeds           1 received, 1 STALE (signed head older than 4 s)" in status
    line = next(x for x in status.splitlines() if s["agreement_id"] in x)
    assert "from be-gent: STALE: last signed head" in line and "matching stopped" in line

    # While stale, the partner's entry produces no hit: a withdrawal may be missing.
    assert _hits_of_a_read(terneuzen, s) == 0

    gent.start()  # fresh heads again
    wait_until(
        lambda: (
            _feed_metrics(s).get("argos_feed_stale") == 0
            and _feed_metrics(s).get("argos_feed_matching_stopped") == 0
        ),
        timeout=90,
        what="fresh heads, and the list acted on again",
    )
    assert _hits_of_a_read(terneuzen, s) == 1

    actions = [r["action"] for r in terneuzen.json("audit", "list", "--limit", "1000")]
    assert actions.count("hotlist.feed_stale") == 1
    assert actions.count("hotlist.feed_fresh") == 1
    terneuzen.stop()
    log = terneuzen.log_path.read_text()
    assert "sync.feed_stale" in log and "sync.feed_fresh" in log
    for needle in ("1ABC123", "1-ABC-123"):
        assert needle not in log


def test_with_the_default_action_a_stale_feed_is_shown_but_still_matched(pair, tmp_path):
    s = _setup(pair, tmp_path, "alert")
    gent, terneuzen = pair["be-gent"], pair["nl-terneuzen"]
    gent.stop()
    metrics = wait_until(lambda: _stale(s, stopped=False), timeout=60, what="a stale feed")
    assert metrics["argos_feed_last_verified_head_age_seconds"] > STALE_AFTER_S
    status = terneuzen.argos("status").stdout
    assert "1 STALE" in status and "matching stopped" not in status
    assert _hits_of_a_read(terneuzen, s) == 1


@pytest.mark.parametrize("action", ["ignore"])
def test_an_unknown_stale_feed_action_keeps_the_node_from_starting(pair, action):
    terneuzen = pair["nl-terneuzen"]
    terneuzen.stop()
    configure(terneuzen, stale_feed_action=action)
    with pytest.raises(RuntimeError, match="stale_feed_action must be one of alert, stop_matching"):
        terneuzen.start()
