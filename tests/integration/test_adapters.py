"""An inbound adapter with a real HTTPS listener in front of a running node: a configured
camera's documented payload becomes a hit at the node; a malformed payload gets a 400
with its reason and waits in quarantine, and the good payload after it still arrives.
(What the listener refuses before reading a payload: tests/integration/test_adapter_edge.py.)"""

from __future__ import annotations

import http.client
import json
import signal
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.listener import MAX_BODY
from adapters.model import PayloadError
from adapters.runtime import Adapter, AdapterConfig, vendor_parser
from gateway.domain.errors import InvalidInput
from gateway.federation import argos_command
from tests.integration.adapter_support import (
    Answer,
    KeyCamera,
    client_tls,
    health,
    key_camera,
    listener_tls,
    push,
    run_adapter,
)
from tests.integration.hits_support import hits
from tests.integration.hotlist_support import add_entry, wait_until

SAMPLES = Path(__file__).parents[1] / "unit" / "vendor_samples"
_JSON = {"Content-Type": "application/json"}


class Camera:
    """A configured camera pushing to one adapter over HTTPS."""

    def __init__(self, adapter: Adapter, camera: KeyCamera, certs: Path) -> None:
        self.port, self.camera, self.tls = adapter.port, camera, client_tls(certs)

    def post(self, body: bytes, content_type: str) -> Answer:
        return push(self.port, body, content_type, tls=self.tls, headers=self.camera.headers)

    def connect(self) -> http.client.HTTPSConnection:
        return http.client.HTTPSConnection("127.0.0.1", self.port, timeout=10, context=self.tls)


def _config(tmp_path: Path, certs: Path, camera: KeyCamera, **settings) -> AdapterConfig:
    return AdapterConfig(
        **{
            "site": "kennedy-tunnel",
            "listen": "127.0.0.1:0",
            "quarantine_dir": tmp_path / "quarantine",
            "images_dir": tmp_path / "images",
            "spool_path": tmp_path / "read-spool.sqlite",
            "tls": listener_tls(certs),
            "cameras": {camera.camera_id: camera.settings},
            **settings,
        }
    )


@pytest.fixture
def gent_with_adapter(pair, tmp_path, certs):
    gent = pair["be-gent"]
    ivan = gent.add_user("ivan", "investigator")
    entry_id = add_entry(gent, ivan, "1-ABC-123", "B")
    camera = key_camera(tmp_path / "secrets", "kennedy-1")
    config = _config(
        tmp_path,
        certs,
        camera,
        kind="hikvision",
        node_socket=gent.home / "admin.sock",
        token_file=gent.add_user("hik", "adapter"),
    )
    adapter = Adapter(config)
    adapter.start()
    yield gent, ivan, entry_id, adapter, Camera(adapter, camera, certs)
    adapter.stop()


def test_a_hikvision_push_becomes_a_hit_and_a_malformed_one_is_quarantined(
    gent_with_adapter,
):
    gent, ivan, entry_id, adapter, camera = gent_with_adapter
    bad = camera.post(b"<EventNotificationAlert><oops>", "application/xml")
    assert bad.status == 400 and "XML" in bad.body["error"]
    good = camera.post((SAMPLES / "hikvision_anpr.xml").read_bytes(), "application/xml")
    assert (good.status, good.body) == (200, {"accepted": 1, "ignored": 0})
    (hit,) = wait_until(lambda: hits(gent, ivan), what="the hit at the node")
    assert hit["entry_id"] == entry_id and hit["observer"] == "be-gent"
    assert hit["location"]["site"] == "kennedy-tunnel"
    (kept,) = (adapter.config.quarantine_dir).glob("*.json")
    assert "XML" in json.loads(kept.read_text())["reason"]
    assert kept.with_suffix(".body").read_bytes() == b"<EventNotificationAlert><oops>"
    health = adapter.health.as_dict()
    assert health["quarantined"] == 1 and health["forwarded"] == 1
    # The node shows the adapter in its status screen.
    status = gent.argos("status").stdout
    assert "adapter         hik: 1 reads in 1 batches, 1 hits, 0 rejected" in status


def test_reads_wait_in_the_adapter_while_the_node_is_away_and_arrive_when_it_returns(
    gent_with_adapter,
):
    gent, ivan, entry_id, adapter, camera = gent_with_adapter
    gent.stop()
    sample = (SAMPLES / "hikvision_anpr.xml").read_bytes()
    assert camera.post(sample, "application/xml").status == 200
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
    pair, tmp_path, certs, kind, sample, content_type, invalid
):
    """The node's own list holds the sample's first plate; the vendor's documented push
    through the real listener makes a hit; an invalid payload (for OpenALPR its own
    published sample, which is not valid JSON) is answered 400 and kept."""
    gent = pair["be-gent"]
    ivan = gent.add_user("ivan", "investigator")
    body = (SAMPLES / sample).read_bytes()
    key = key_camera(tmp_path / "secrets", "gate-1")
    config = _config(
        tmp_path,
        certs,
        key,
        kind=kind,
        node_socket=gent.home / "admin.sock",
        token_file=gent.add_user("cam", "adapter"),
    )
    first = vendor_parser(config)(body, content_type)[0][0]
    entry_id = add_entry(gent, ivan, first.plate, first.country)
    adapter = Adapter(config)
    adapter.start()
    camera = Camera(adapter, key, certs)
    try:
        status, answer = camera.post(invalid, content_type)
        assert status == 400 and answer["error"]
        status, answer = camera.post(body, content_type)
        assert status == 200 and answer["accepted"] >= 1
        found = wait_until(lambda: hits(gent, ivan), what=f"the {kind} hit")
        assert entry_id in {h["entry_id"] for h in found}
        assert len(list(config.quarantine_dir.glob("*.json"))) == 1
    finally:
        adapter.stop()


# The least a settings file for pushes needs besides its own keys: a camera, and plain
# HTTP said out loud (these tests only read the file).
_MINIMAL = (
    'node_socket = "a.sock"\ntoken_file = "t"\nsite = "s"\nallow_plain_http = true\n'
    '[cameras.c]\nsecret_header = "X-Key"\nsecret_file = "c.secret"\n'
)


def test_a_camera_sending_local_time_is_read_in_the_zone_configured_for_it(tmp_path):
    body = (SAMPLES / "hikvision_anpr.xml").read_bytes().replace(b"16:04:36+02:00", b"16:04:36")
    path = tmp_path / "adapter.toml"
    path.write_text(_MINIMAL)
    with pytest.raises(PayloadError, match="dateTime carries no time zone"):
        vendor_parser(AdapterConfig.load(path, "hikvision"))(body, "application/xml")
    path.write_text('camera_timezone = "Europe/Brussels"\n' + path.read_text())
    (read,), _, _ = vendor_parser(AdapterConfig.load(path, "hikvision"))(body, "application/xml")
    assert read.observed_at == datetime(2024, 6, 14, 14, 4, 36, tzinfo=UTC)
    path.write_text(path.read_text().replace("Europe/Brussels", "Europe/Gent"))
    with pytest.raises(InvalidInput, match="camera_timezone: not a known time zone"):
        AdapterConfig.load(path, "hikvision")


def test_the_settings_file_names_paths_relative_to_its_folder_with_the_kind_given(tmp_path):
    path = tmp_path / "adapter.toml"
    path.write_text(_MINIMAL.replace('"a.sock"', '"node/admin.sock"').replace('"t"', '"cam.token"'))
    config = AdapterConfig.load(path, "axis")
    assert config.kind == "axis" and config.node_socket == tmp_path / "node" / "admin.sock"
    assert config.spool_path == tmp_path / "read-spool.sqlite"  # a default, relative too
    assert config.quarantine_dir == tmp_path / "quarantine" and config.batch_size == 500
    assert config.cameras["c"].secret_file == tmp_path / "c.secret"  # in a table, too
    with pytest.raises(InvalidInput, match=r"^adapter\.toml: kind: must be one of hikvision"):
        AdapterConfig.load(path, "nedap")
    with pytest.raises(InvalidInput, match=r"^adapter\.toml: folder: required"):
        AdapterConfig.load(path, "folder")


@pytest.mark.parametrize(
    ("line", "refusal"),
    [
        ('spool_synk = "full"', "spool_synk: unknown setting"),
        ('batch_size = "500"', "batch_size: expected int, got str"),
        ("batch_size = 0", "batch_size: must be more than 0"),
        ('spool_sync = "sometimes"', "spool_sync: must be one of normal, full"),
        ('listen = "8480"', "listen: must be host:port"),
        ('directions = { forward = "north" }', "directions: each must map to"),
        ("directions = { forward = 1 }", "directions: expected str, got int"),
    ],
)
def test_the_settings_file_refuses_unknown_keys_and_bad_values_naming_the_key(
    tmp_path, line, refusal
):
    path = tmp_path / "adapter.toml"
    path.write_text(f"{line}\n{_MINIMAL}")
    with pytest.raises(InvalidInput, match=f"^adapter\\.toml: {refusal}"):
        AdapterConfig.load(path, "hikvision")


def test_a_dropped_file_of_reads_makes_its_hit_and_reports_its_bad_lines(pair, tmp_path, certs):
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
        spool_path=tmp_path / "read-spool.sqlite",
        folder=drop,
        poll_interval_s=0.2,
        tls=listener_tls(certs),  # its listener serves GET /health only: no cameras
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


def _group(plate: str, epoch_ms: int) -> bytes:
    """The documented OpenALPR group sample, for one plate at one moment."""
    group = json.loads((SAMPLES / "openalpr_group.json").read_text())
    uuid = f"{group['agent_uid']}-{group['camera_id']}-{epoch_ms}"
    group.update(
        best_plate_number=plate, epoch_start=epoch_ms, epoch_end=epoch_ms + 900, best_uuid=uuid
    )
    group["uuids"] = [uuid]
    group["best_plate"] = {**group["best_plate"], "plate": plate, "candidates": []}
    return json.dumps(group).encode()


def _edge_toml(certs: Path, camera: KeyCamera) -> str:
    """The [tls] and camera tables of a process's settings file."""
    return (
        f'[tls]\ncert_file = "{certs / "be-gent" / "cert.pem"}"\n'
        f'key_file = "{certs / "be-gent" / "key.pem"}"\n' + camera.toml()
    )


def test_an_adapter_process_logs_json_lines_and_refuses_a_bad_settings_file_in_one_line(
    tmp_path, certs
):
    (tmp_path / "alpr.token").write_text("not-checked-before-the-first-read\n")
    camera = key_camera(tmp_path, "agent-1")
    config = tmp_path / "openalpr.toml"
    config.write_text(
        'node_socket = "nowhere.sock"\ntoken_file = "alpr.token"\nsite = "s"\n'
        'listen = "127.0.0.1:0"\n' + _edge_toml(certs, camera)
    )
    tls = client_tls(certs)
    adapter, port = run_adapter("openalpr", config, tls)
    try:
        assert health(port, tls)["received"] == 0
    finally:
        adapter.terminate()
        adapter.wait(timeout=10)
    logged = [
        json.loads(line)
        for out in tmp_path.glob("openalpr.*.out")
        for line in out.read_text().splitlines()
        if line.startswith("{")
    ]
    assert {"event": "adapter.started", "kind": "openalpr", "level": "info"}.items() <= (
        logged[0].items()
    )
    config.write_text('spool_synk = "full"\n' + config.read_text())
    refused = subprocess.run(
        [*argos_command(), "adapter", "run", "openalpr", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode != 0 and "Traceback" not in refused.stderr
    assert refused.stderr.strip() == "error: openalpr.toml: spool_synk: unknown setting"


def test_reads_accepted_before_an_adapter_crash_reach_the_node_once_after_restart(
    pair, tmp_path, certs
):
    """The adapter answers 200 only once a read is in its spool on disk: SIGKILLed with
    every read still waiting for the node, and restarted with the node, it delivers each
    of them, and none twice (one hit per read at the node)."""
    gent = pair["be-gent"]
    ivan = gent.add_user("ivan", "investigator")
    entry_id = add_entry(gent, ivan, "GHX-123-K", "NL")
    camera = key_camera(tmp_path / "secrets", "agent-1")
    config = tmp_path / "openalpr.toml"
    config.write_text(
        f'node_socket = "{gent.home / "admin.sock"}"\n'
        f'token_file = "{gent.add_user("alpr", "adapter")}"\n'
        'site = "kennedy-tunnel"\nlisten = "127.0.0.1:0"\n'
        f'quarantine_dir = "{tmp_path / "quarantine"}"\nimages_dir = "{tmp_path / "images"}"\n'
        f'spool_path = "{tmp_path / "read-spool.sqlite"}"\n' + _edge_toml(certs, camera)
    )
    tls = client_tls(certs)
    gent.stop()
    adapter, port = run_adapter("openalpr", config, tls)
    first_ms = int(time.time() * 1000) - 60_000
    moments = [first_ms + i * 1000 for i in range(25)]
    try:
        connection = http.client.HTTPSConnection("127.0.0.1", port, timeout=10, context=tls)
        for epoch_ms in moments:  # one kept-alive connection, as an agent holds it
            connection.request("POST", "/", _group("GHX123K", epoch_ms), _JSON | camera.headers)
            response = connection.getresponse()
            assert (response.status, json.loads(response.read())["accepted"]) == (200, 1)
        connection.close()
        assert health(port, tls)["spooled"] == len(moments)
        assert health(port, tls)["forwarded"] == 0
    finally:
        adapter.send_signal(signal.SIGKILL)
        adapter.wait(timeout=10)

    gent.start()
    adapter, port = run_adapter("openalpr", config, tls)
    try:
        wait_until(lambda: health(port, tls)["spooled"] == 0, timeout=60, what="the spool to empty")
        assert health(port, tls)["forwarded"] == len(moments)
    finally:
        adapter.terminate()
        adapter.wait(timeout=10)
    found = hits(gent, ivan, "--limit", "1000")
    assert {h["entry_id"] for h in found} == {entry_id}
    seen = sorted(datetime.fromisoformat(h["observed_at"].replace("Z", "+00:00")) for h in found)
    assert seen == [datetime.fromtimestamp(ms / 1000, UTC) for ms in moments]


def test_the_listener_keeps_the_connection_refuses_what_it_cannot_use_and_shows_its_health(
    gent_with_adapter,
):
    """Good, bad and oversized pushes on one kept-alive connection: the bad one gets a
    400 with its reason and is quarantined, the good ones around it are kept; a push
    larger than the limit is refused unread with 413 and counted."""
    gent, ivan, entry_id, adapter, camera = gent_with_adapter
    good = (SAMPLES / "hikvision_anpr.xml").read_bytes()
    connection = camera.connect()
    answers = []
    for body in (good, b"<EventNotificationAlert><oops>", good):
        answer = push(
            0,
            body,
            "application/xml",
            tls=camera.tls,
            headers=camera.camera.headers,
            connection=connection,
        )
        answers.append((answer.status, answer.body))
    assert [status for status, _ in answers] == [200, 400, 200]
    assert "XML" in answers[1][1]["error"]
    connection.request("GET", "/health")
    shown = json.loads(connection.getresponse().read())
    assert (shown["received"], shown["reads"], shown["quarantined"]) == (3, 2, 1)
    connection.close()

    oversized = camera.connect()
    oversized.putrequest("POST", "/")
    oversized.putheader("Content-Type", "application/xml")
    oversized.putheader(*next(iter(camera.camera.headers.items())))
    oversized.putheader("Content-Length", str(MAX_BODY + 1))
    oversized.endheaders()  # the body is never sent: the answer comes first
    response = oversized.getresponse()
    assert response.status == 413 and "payload over" in json.loads(response.read())["error"]
    oversized.close()
    assert health(adapter.port, camera.tls)["quarantined"] == 2
    found = wait_until(lambda: len(hits(gent, ivan)) == 2 and hits(gent, ivan), what="2 hits")
    assert {h["entry_id"] for h in found} == {entry_id}
    assert camera.post(b"", "application/xml").status == 400
    elsewhere = camera.connect()
    elsewhere.request("GET", "/other")
    assert elsewhere.getresponse().status == 404
    elsewhere.close()
