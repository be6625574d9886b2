"""Retrospective queries between two real node processes, answered from a vendor's own
read search through `argos adapter run read-history` (its own process).

STAND-INS: no Hikvision camera and no OpenALPR / Rekor agent can run here, so the
vendor side is a real HTTP listener written for this test (`HikvisionStandIn`,
`OpenAlprStandIn` below) that answers in the vendor's documented format: ISAPI
`POST /ISAPI/ContentMgmt/search` (CMSearchDescription in, CMSearchResult out, Digest
authentication, pages with `MORE`, local times without an offset, a plate mask that
also matches longer plates) and the agent's `GET /api/search/plate` (api_key, a list of
stored records, a looser plate match). Everything else is real: the adapter process,
both nodes over mutual TLS, the CLI."""

from __future__ import annotations

import hashlib
import json
import secrets
import subprocess
import threading
import urllib.parse
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from adapters.vendors.xml_safe import parse_xml
from gateway.federation import argos_command
from tests.integration.hotlist_support import wait_until

BRUSSELS = ZoneInfo("Europe/Brussels")


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


class HikvisionStandIn:
    """A camera's ISAPI content search over its stored vehicle-detection pictures."""

    REALM = "IP Camera(C1234)"
    PAGE = 1  # smaller than the adapter's page, so the camera's own paging is used

    def __init__(self, username: str, password: str, pictures: list[tuple[str, datetime, str]]):
        self.username, self.password = username, password
        self.pictures = pictures  # (track, local time without offset, plate)
        self.searches: list[dict] = []
        self.nonce = secrets.token_hex(16)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def _authorised(self, header: str, method: str) -> bool:
        if not header.startswith("Digest "):
            return False
        fields = dict(
            (k.strip(), v.strip().strip('"'))
            for k, _, v in (p.partition("=") for p in header[7:].split(","))
        )
        ha1 = _md5(f"{self.username}:{self.REALM}:{self.password}")
        ha2 = _md5(f"{method}:{fields.get('uri', '')}")
        expected = _md5(
            f"{ha1}:{fields.get('nonce')}:{fields.get('nc')}:{fields.get('cnonce')}:"
            f"{fields.get('qop')}:{ha2}"
        )
        return fields.get("username") == self.username and fields.get("response") == expected

    def _answer(self, root_tag: str, inner: str) -> bytes:
        return (
            f'<?xml version="1.0" encoding="UTF-8"?><{root_tag} version="2.0" '
            f'xmlns="http://www.hikvision.com/ver20/XMLSchema">{inner}</{root_tag}>'
        ).encode()

    def search(self, body: bytes) -> bytes:
        root = parse_xml(body)
        assert root.tag == "CMSearchDescription"
        tracks = [t.text for t in root.iter("trackID")]
        start = datetime.fromisoformat(root.find("timeSpanList/timeSpan/startTime").text)
        end = datetime.fromisoformat(root.find("timeSpanList/timeSpan/endTime").text)
        mask = root.find("metadataList/SearchProperity/plateSearchMask").text or ""
        descriptor = root.find("metadataList/metadataDescriptor").text
        at = int(root.find("searchResultPostion").text)
        self.searches.append({"tracks": tracks, "mask": mask, "descriptor": descriptor})
        found = [
            (track, local, plate)
            for track, local, plate in sorted(self.pictures, key=lambda p: p[1])
            if track in tracks
            and mask in plate  # a mask, not equality: the adapter must filter
            and start <= local.replace(tzinfo=BRUSSELS) <= end
        ]
        page = found[at : at + self.PAGE]
        more = at + self.PAGE < len(found)
        items = "".join(
            "<searchMatchItem>"
            f"<sourceID>{{0000-{track}}}</sourceID><trackID>{track}</trackID>"
            f"<timeSpan><startTime>{local:%Y-%m-%dT%H:%M:%S}</startTime>"
            f"<endTime>{local:%Y-%m-%dT%H:%M:%S}</endTime></timeSpan>"
            "<mediaSegmentDescriptor><contentType>picture</contentType>"
            "<codecType>jpeg</codecType><playbackURI>"
            f"http://{self.url[7:]}/picture/Streaming/tracks/{track}/?name=ch01_{n:010d}_{plate}"
            "&amp;size=123456</playbackURI></mediaSegmentDescriptor>"
            "<metadataMatches><metadataDescriptor>recordType.meta.hikvision.com/"
            "vehicleDetection</metadataDescriptor></metadataMatches>"
            "</searchMatchItem>"
            for n, (track, local, plate) in enumerate(page, start=at)
        )
        status = "MORE" if more else ("OK" if found else "NO MATCHES")
        return self._answer(
            "CMSearchResult",
            f"<searchID>{root.find('searchID').text}</searchID>"
            f"<responseStatus>true</responseStatus><responseStatusStrg>{status}"
            f"</responseStatusStrg><numOfMatches>{len(page)}</numOfMatches>"
            f"<matchList>{items}</matchList>",
        )

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        camera = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path != "/ISAPI/ContentMgmt/search":
                    return self._send(404, b"")
                if not camera._authorised(self.headers.get("Authorization", ""), "POST"):
                    self.send_response(401)
                    self.send_header(
                        "WWW-Authenticate",
                        f'Digest realm="{camera.REALM}", qop="auth", '
                        f'nonce="{camera.nonce}", algorithm="MD5"',
                    )
                    self.send_header("Content-Length", "0")
                    return self.end_headers()
                self._send(200, camera.search(body))

            def _send(self, status: int, data: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        return Handler


class OpenAlprStandIn:
    """An agent's web search over its stored plate reads."""

    def __init__(self, api_key: str, records: list[dict]):
        self.api_key = api_key
        self.records = records
        self.queries: list[dict] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def search(self, query: dict) -> tuple[int, list]:
        if query.get("api_key") != self.api_key:
            return 401, []
        self.queries.append(query)
        start = datetime.fromisoformat(query["start"])
        end = datetime.fromisoformat(query["end"])
        found = [
            {"pk": n, "model": "openalpr.plateread", "fields": fields}
            for n, fields in enumerate(self.records, start=1)
            if query["plate"] in fields["best_plate"]  # looser than equality
            and start <= datetime.fromisoformat(fields["epoch_time_start"]) <= end
        ]
        return 200, found[: int(query.get("topn", 100))]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        agent = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urllib.parse.urlsplit(self.path)
                if url.path != "/api/search/plate":
                    status, answer = 404, []
                else:
                    query = dict(urllib.parse.parse_qsl(url.query))
                    status, answer = agent.search(query)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        return Handler


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()  # noqa: S324 - HTTP Digest's own hash


def _run_history(config: Path) -> tuple[subprocess.Popen, int]:
    output = config.with_suffix(".out")
    with output.open("w") as out:
        process = subprocess.Popen(
            [*argos_command(), "adapter", "run", "read-history", "--config", str(config)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )

    def listening() -> int | None:
        for line in output.read_text().splitlines():
            if line.startswith("read history on http://"):
                return int(line.rsplit(":", 1)[1].split("/")[0])
        assert process.poll() is None, output.read_text()
        return None

    return process, wait_until(listening, what="the read-history adapter to listen")


@pytest.fixture(params=["hikvision", "openalpr"])
def vendor_history(request, pair, tmp_path):
    """Terneuzen's read history is the vendor's own search, through the adapter. Each
    vendor holds one passage of 1-ABC-123 two hours ago, plus a longer plate that
    contains it (which its own search also returns) and the plate outside the window."""
    seen_at = (datetime.now(UTC) - timedelta(hours=2)).replace(microsecond=0)
    config = tmp_path / "read-history.toml"
    terneuzen = pair["nl-terneuzen"]
    for secret in (tmp_path / "node.secret", terneuzen.home / "read-history.secret"):
        secret.write_text("shared by the node and its read history\n")
        secret.chmod(0o600)
    if request.param == "hikvision":
        (tmp_path / "hik.password").write_text("s3cret-camera\n")
        local = seen_at.astimezone(BRUSSELS).replace(tzinfo=None)
        vendor = HikvisionStandIn(
            "argos",
            "s3cret-camera",
            [
                ("103", local, "1ABC123"),
                ("103", local + timedelta(minutes=5), "91ABC1234"),
                ("103", local - timedelta(days=3), "1ABC123"),
                ("203", local, "1ABC123"),  # a track not configured: never asked
            ],
        )
        config.write_text(
            'backend = "hikvision"\nlisten = "127.0.0.1:0"\nsite = "kennedy-tunnel"\n'
            'secret_file = "node.secret"\n'
            f'[hikvision]\nurl = "{vendor.url}"\nusername = "argos"\n'
            'password_file = "hik.password"\ncamera_timezone = "Europe/Brussels"\n'
            'tracks = { "103" = "gate-1-in" }\n'
        )
        camera, image_prefix = "gate-1-in", f"{vendor.url}/picture/Streaming/tracks/103/"
    else:
        (tmp_path / "alpr.key").write_text("k-7f3a\n")
        record = {
            "agent_uid": "A7C3E1F0D2B4968A7C3E1F0D2B4968A7C3E1F0D2",
            "best_confidence": 91.5,
            "best_plate": "1ABC123",
            "best_uuid": "A7C3E1F0D2B4968A7C3E1F0D2B4968A7C3E1F0D2-2090267338-1",
            "epoch_time_start": seen_at.isoformat(),
            "epoch_time_end": (seen_at + timedelta(seconds=2)).isoformat(),
            "camera": 1,
            "camera_id": 2090267338,
            "site": "kennedy-tunnel",
            "site_id": 7,
        }
        vendor = OpenAlprStandIn(
            "k-7f3a",
            [
                record,
                {**record, "best_plate": "1ABC1234", "best_uuid": "other"},
                {**record, "epoch_time_start": (seen_at - timedelta(days=3)).isoformat()},
            ],
        )
        config.write_text(
            'backend = "openalpr"\nlisten = "127.0.0.1:0"\nsite = "kennedy-tunnel"\n'
            'secret_file = "node.secret"\n'
            f'[openalpr]\nurl = "{vendor.url}"\napi_key_file = "alpr.key"\n'
            'cameras = { "2090267338" = "gate-1-in" }\n'
        )
        camera, image_prefix = "gate-1-in", record["best_uuid"]
    adapter, port = _run_history(config)
    terneuzen.stop()
    with (terneuzen.home / "node.toml").open("a") as f:
        f.write(f'read_history_url = "http://127.0.0.1:{port}"\n')
        f.write('read_history_secret_file = "read-history.secret"\n')
    terneuzen.start()
    yield {
        "vendor": vendor,
        "seen_at": seen_at,
        "camera": camera,
        "image_prefix": image_prefix,
    }
    adapter.terminate()
    adapter.wait(timeout=10)
    vendor.server.shutdown()


def _ask(node, token, *args: str, check: bool = True):
    result = node.argos("confirm", "request", *args, "--json", token_file=token, check=check)
    return json.loads(result.stdout)["request"]["request_id"] if check else result


def _show(node, token, request_id: str) -> dict | None:
    result = node.argos("confirm", "show", request_id, "--json", token_file=token, check=False)
    return json.loads(result.stdout) if result.returncode == 0 else None


def _answered(node, token, request_id: str) -> dict:
    def answered() -> dict | None:
        shown = _show(node, token, request_id)
        return shown if shown and shown["state"] == "CONFIRMATION_STATE_ANSWERED" else None

    return wait_until(answered, what="the answer")["answer"]


def test_a_retrospective_query_is_answered_from_the_vendors_own_read_search(pair, vendor_history):
    gent, terneuzen = pair["be-gent"], pair["nl-terneuzen"]
    agreement_id = pair.agree(
        "be-gent", "nl-terneuzen", "--direction", "proposer_to_partner", "--granularity", "site"
    )
    ivan = gent.add_user("ivan", "investigator")
    ines = terneuzen.add_user("ines", "investigator")
    seen_at = vendor_history["seen_at"]
    retro = (
        "--agreement",
        agreement_id,
        "--purpose",
        "criminal_investigation",
        "--case-reference",
        "PV-GNT-9",
        "--from",
        _iso(seen_at - timedelta(hours=1)),
        "--to",
        _iso(seen_at + timedelta(hours=1)),
        "--legal-order",
        "OM-2026-0042",
        "--country",
        "B",
    )
    seen = _ask(gent, ivan, "--kind", "retro", *retro, "--plate", "1-ABC-123")
    unseen = _ask(gent, ivan, "--kind", "retro", *retro, "--plate", "9-ZZZ-999")
    for request_id in (seen, unseen):
        wait_until(lambda r=request_id: _show(terneuzen, ines, r), what="the request")
        terneuzen.argos("confirm", "answer", request_id, token_file=ines)
    assert _answered(gent, ivan, seen)["outcome"] == "OUTCOME_CONFIRMED"
    assert _answered(gent, ivan, unseen)["outcome"] == "OUTCOME_NOT_CONFIRMED"

    details = _ask(
        gent, ivan, "--kind", "retro-details", *retro, "--plate", "1-ABC-123", "--after", seen
    )
    wait_until(lambda: _show(terneuzen, ines, details), what="the details request")
    terneuzen.argos("confirm", "answer", details, token_file=ines)
    # One sighting: not the longer plate the vendor's own match also gave, nor the
    # passage outside the window, nor the track the adapter was not told about.
    (sighting,) = _answered(gent, ivan, details)["sightings"]
    assert sighting["location"] == {"site": "kennedy-tunnel", "zone": "nl-terneuzen"}
    observed = datetime.fromisoformat(sighting["observed_at"].replace("Z", "+00:00"))
    assert observed == seen_at
    assert sighting["image_ref"].startswith(vendor_history["image_prefix"])
    vendor = vendor_history["vendor"]
    if isinstance(vendor, HikvisionStandIn):
        assert {tuple(s["tracks"]) for s in vendor.searches} == {("103",)}
        assert {s["mask"] for s in vendor.searches} == {"1ABC123", "9ZZZ999"}
        assert {s["descriptor"] for s in vendor.searches} == {
            "//recordType.meta.std-cgi.com/vehicleDetection"
        }
    else:
        assert {q["plate"] for q in vendor.queries} == {"1ABC123", "9ZZZ999"}
