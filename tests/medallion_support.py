"""The OASIS reference TAXII 2.1 server (medallion, in-memory backend) as the ISC's
stand-in: started as its own process on loopback, with one API root and one collection
that members read and write. Used by the ISC integration tests and the ISC benchmark."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from gateway.federation import free_port

API_ROOT = "isc"
COLLECTION_ID = "91a7b528-80eb-42ed-a74d-c6fbd5a26116"
USER = "argos-member"
PASSWORD = "not-a-real-secret"
TAXII = "application/taxii+json;version=2.1"


def _manifest_entry(obj: dict, date_added: str) -> dict:
    return {
        "id": obj["id"],
        "date_added": date_added,
        "version": obj.get("modified", obj.get("created", date_added)),
        "media_type": "application/stix+json;version=2.1",
    }


def data_file_content(
    port: int, preload: Iterable[tuple[dict, str]] = (), max_page_size: int = 100
) -> dict:
    """medallion's memory-backend data: discovery, one API root, one collection, and
    `preload` objects with the date_added each is to carry."""
    objects, manifest = [], []
    for obj, date_added in preload:
        objects.append(obj)
        manifest.append(_manifest_entry(obj, date_added))
    base = f"http://127.0.0.1:{port}"
    return {
        "/discovery": {
            "title": "ISC stand-in",
            "default": f"{base}/{API_ROOT}/",
            "api_roots": [f"{base}/{API_ROOT}/"],
        },
        API_ROOT: {
            "information": {
                "title": "Information Sharing Center (stand-in)",
                "versions": ["application/taxii+json;version=2.1"],
                "max_content_length": 50 * 1024 * 1024,
            },
            "status": [],
            "collections": [
                {
                    "id": COLLECTION_ID,
                    "title": "ISC shared signals",
                    "can_read": True,
                    "can_write": True,
                    "media_types": ["application/stix+json;version=2.1"],
                    "objects": objects,
                    "manifest": manifest,
                }
            ],
        },
    }


@dataclass
class Medallion:
    """A running medallion process."""

    process: subprocess.Popen
    port: int
    folder: Path

    @property
    def api_root_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/{API_ROOT}/"

    @property
    def collection_url(self) -> str:
        return f"{self.api_root_url}collections/{COLLECTION_ID}/"

    def _request(self, method: str, url: str, body: bytes | None = None) -> tuple[dict, dict]:
        auth = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        headers = {"Accept": TAXII, "Authorization": f"Basic {auth}"}
        if body is not None:
            headers["Content-Type"] = TAXII
        req = urllib.request.Request(url, data=body, method=method, headers=headers)  # noqa: S310
        with urllib.request.urlopen(req, timeout=600) as resp:  # noqa: S310 (http on loopback only)
            return json.loads(resp.read() or b"{}"), dict(resp.headers)

    def add(self, objects: list[dict]) -> dict:
        """POST objects as a member: medallion dates every object of one POST alike."""
        body = json.dumps({"objects": objects}).encode()
        status, _ = self._request("POST", self.collection_url + "objects/", body)
        return status

    def objects(self, **params: str) -> tuple[dict, dict]:
        """One GET of the collection's objects (envelope, headers), as a member sees it."""
        query = "&".join(f"{k}={v}" for k, v in params.items())
        return self._request(
            "GET", self.collection_url + "objects/" + ("?" + query if query else "")
        )

    def all_objects(self) -> list[dict]:
        """Every object in the collection, paged with `next`, as any member reads it."""
        found: list[dict] = []
        # medallion needs limit on every page of a `next` session.
        envelope, _ = self.objects(limit="100")
        found += envelope.get("objects", [])
        while envelope.get("more"):
            envelope, _ = self.objects(limit="100", next=envelope["next"])
            found += envelope.get("objects", [])
        return found

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def node_isc_table(collection_url: str, *settings: str) -> str:
    """The [isc] table of a node whose ISC is this stand-in, with `settings` (TOML lines)
    added: medallion serves plain http on loopback, which a node allows only when its
    settings say so."""
    lines = [
        f"collection_url = {json.dumps(collection_url)}",
        "allow_plain_http_loopback = true",
        *settings,
    ]
    return "\n[isc]\n" + "".join(f"{line}\n" for line in lines)


def start_medallion(
    folder: Path, preload: Iterable[tuple[dict, str]] = (), max_page_size: int = 100
) -> Medallion:
    """Start medallion on a free loopback port with its in-memory backend."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    data = folder / "isc-data.json"
    data.write_text(json.dumps(data_file_content(port, preload)))
    config = folder / "medallion.json"
    config.write_text(
        json.dumps(
            {
                "backend": {
                    "module": "medallion.backends.memory_backend",
                    "module_class": "MemoryBackend",
                    "filename": str(data),
                    # `next` sessions live this long (seconds) after their first page.
                    "session_timeout": 600,
                },
                "users": {USER: PASSWORD},
                "taxii": {"max_page_size": max_page_size},
            }
        )
    )
    log = (folder / "medallion.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "medallion.scripts.run",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            str(config),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    server = Medallion(process, port, folder)
    deadline = time.monotonic() + 30
    while True:
        try:
            server._request("GET", server.api_root_url)
            return server
        except (urllib.error.URLError, ConnectionError):
            if process.poll() is not None or time.monotonic() > deadline:
                server.stop()
                raise RuntimeError(
                    "medallion did not start: " + (folder / "medallion.log").read_text()[-2000:]
                ) from None
            time.sleep(0.1)
