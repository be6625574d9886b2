"""An inbound adapter with a real HTTP listener in front of a running node: a camera's
documented payload becomes a hit at the node; a malformed payload gets a 400 with its
reason and waits in quarantine, and the good payload after it still arrives."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from adapters.runtime import Adapter, AdapterConfig, vendor_parser
from tests.integration.hits_support import hits
from tests.integration.hotlist_support import add_entry, wait_until

SAMPLES = Path(__file__).parents[1] / "unit" / "vendor_samples"


def _post(port: int, body: bytes, content_type: str) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/", data=body, headers={"Content-Type": content_type}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture
def gent_with_adapter(pair, tmp_path):
    gent = pair["be-gent"]
    ivan = gent.add_user("ivan", "investigator")
    entry_id = add_entry(gent, ivan, "1-ABC-123", "B")
    config = AdapterConfig(
        kind="hikvision",
        node_socket=gent.home / "admin.sock",
        token_file=gent.add_user("hik", "adapter"),
        site="kennedy-tunnel",
        listen="127.0.0.1:0",
        quarantine_dir=tmp_path / "quarantine",
        images_dir=tmp_path / "images",
    )
    adapter = Adapter(config)
    adapter.start()
    yield gent, ivan, entry_id, adapter
    adapter.stop()


def test_a_hikvision_push_becomes_a_hit_and_a_malformed_one_is_quarantined(
    gent_with_adapter,
):
    gent, ivan, entry_id, adapter = gent_with_adapter
    bad = _post(adapter.port, b"<EventNotificationAlert><oops>", "application/xml")
    assert bad[0] == 400 and "XML" in bad[1]["error"]
    good = _post(adapter.port, (SAMPLES / "hikvision_anpr.xml").read_bytes(), "application/xml")
    assert good == (200, {"accepted": 1, "ignored": 0})
    (hit,) = wait_until(lambda: hits(gent, ivan), what="the hit at the node")
    assert hit["entry_id"] == entry_id and hit["observer"] == "be-gent"
    assert hit["location"]["site"] == "kennedy-tunnel"
    (kept,) = (adapter.config.quarantine_dir).glob("*.json")
    assert "XML" in json.loads(kept.read_text())["reason"]
    assert kept.with_suffix(".body").read_bytes() == b"<EventNotificationAlert><oops>"
    health = adapter.health.as_dict()
    assert health["quarantined"] == 1 and health["forwarded"] == 1 and health["hits"] == 1
    # The node shows the adapter in its status screen.
    status = gent.argos("status").stdout
    assert "adapter         hik: 1 reads in 1 batches, 1 hits, 0 rejected" in status


def test_reads_wait_in_the_adapter_while_the_node_is_away_and_arrive_when_it_returns(
    gent_with_adapter,
):
    gent, ivan, entry_id, adapter = gent_with_adapter
    gent.stop()
    sample = (SAMPLES / "hikvision_anpr.xml").read_bytes()
    assert _post(adapter.port, sample, "application/xml")[0] == 200
    wait_until(lambda: adapter.health.as_dict()["last_error"], what="the node to be missed")
    gent.start()
    (hit,) = wait_until(lambda: hits(gent, ivan), timeout=60, what="the queued read's hit")
    assert hit["entry_id"] == entry_id


@pytest.mark.parametrize(
    ("kind", "sample", "content_type", "invalid"),
    [
        ("axis", "axis_lpv_new.json", "application/json", b'{"packetCounter": '),
        (
            "openalpr",
            "openalpr_group.json",
            "application/json",
            (SAMPLES / "openalpr_published_sample.json").read_bytes(),
        ),
        ("genetec", "genetec_reads.xml", "application/xml", b"<AutoVu><Read>"),
    ],
)
def test_each_vendors_documented_push_becomes_a_hit_and_its_invalid_payload_a_400(
    pair, tmp_path, kind, sample, content_type, invalid
):
    """The node's own list holds the sample's first plate; the vendor's documented push
    through the real listener makes a hit; an invalid payload (for OpenALPR its own
    published sample, which is not valid JSON) is answered 400 and kept."""
    gent = pair["be-gent"]
    ivan = gent.add_user("ivan", "investigator")
    body = (SAMPLES / sample).read_bytes()
    config = AdapterConfig(
        kind=kind,
        node_socket=gent.home / "admin.sock",
        token_file=gent.add_user("cam", "adapter"),
        site="kennedy-tunnel",
        listen="127.0.0.1:0",
        quarantine_dir=tmp_path / "quarantine",
        images_dir=tmp_path / "images",
    )
    first = vendor_parser(config)(body, content_type)[0][0]
    entry_id = add_entry(gent, ivan, first.plate, first.country)
    adapter = Adapter(config)
    adapter.start()
    try:
        status, answer = _post(adapter.port, invalid, content_type)
        assert status == 400 and answer["error"]
        status, answer = _post(adapter.port, body, content_type)
        assert status == 200 and answer["accepted"] >= 1
        found = wait_until(lambda: hits(gent, ivan), what=f"the {kind} hit")
        assert entry_id in {h["entry_id"] for h in found}
        assert len(list(config.quarantine_dir.glob("*.json"))) == 1
    finally:
        adapter.stop()


def test_a_dropped_file_of_reads_makes_its_hit_and_reports_its_bad_lines(pair, tmp_path):
    gent = pair["be-gent"]
    ivan = gent.add_user("ivan", "investigator")
    entry_id = add_entry(gent, ivan, "1-ABC-123", "B")
    drop = tmp_path / "drop"
    drop.mkdir()
    config = AdapterConfig(
        kind="folder",
        node_socket=gent.home / "admin.sock",
        token_file=gent.add_user("cam", "adapter"),
        site="kennedy-tunnel",
        listen="127.0.0.1:0",
        quarantine_dir=tmp_path / "quarantine",
        images_dir=tmp_path / "images",
        folder=drop,
        poll_interval_s=0.2,
    )
    adapter = Adapter(config)
    adapter.start()
    try:
        (drop / "reads.csv").write_text(
            "plate,country,confidence,time,camera,site\n"
            "1-ABC-123,BE,0.9,2026-01-01T10:00:00Z,cam-1,kennedy-tunnel\n"
            "9-XYZ-999,BE,0.9,not a time,cam-1,kennedy-tunnel\n"
        )
        (hit,) = wait_until(lambda: hits(gent, ivan), what="the dropped read's hit")
        assert hit["entry_id"] == entry_id
        wait_until(lambda: (drop / "done" / "reads.csv").exists(), what="the file to be done")
        report = json.loads((config.quarantine_dir / "reads.csv.reason.json").read_text())
        assert [line["line"] for line in report["lines"]] == [3]
        assert "9-XYZ-999" not in json.dumps(report)
    finally:
        adapter.stop()
