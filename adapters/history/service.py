"""`argos adapter run read-history --config FILE`: the read-history listener the node
asks (`read_history_url`), answered from the backend named in the file: a Hikvision
camera's or NVR's ISAPI search, an OpenALPR / Rekor agent's plate search, or the
generic read store of JSON-lines files.

```toml
backend = "hikvision"            # or "openalpr", "store"
listen = "127.0.0.1:8470"
site = "kennedy-tunnel"          # what sightings name as their site

[hikvision]
url = "http://10.0.0.7"
username = "argos"
password_file = "hikvision.password"
camera_timezone = "Europe/Brussels"   # for answers whose times carry no offset
tracks = { "103" = "gate-1-in", "203" = "gate-1-out" }

[openalpr]
url = "http://10.0.0.9:8355"
api_key_file = "openalpr.key"
site = "kennedy-tunnel"          # the server's site id (optional)
cameras = { "2090267338" = "gate-1-in" }

[store]
reads = ["reads.jsonl"]
```
Relative paths are relative to the file's folder; secrets are read from files."""

from __future__ import annotations

import threading
import tomllib
import urllib.parse
from pathlib import Path
from zoneinfo import ZoneInfo

from adapters.history.hikvision import HikvisionPlateSearch, HikvisionSearchConfig
from adapters.history.openalpr import OpenAlprPlateSearch, OpenAlprSearchConfig
from adapters.read_store import ReadHistorySource, ReadStore, serve

BACKENDS = ("hikvision", "openalpr", "store")


def load(path: Path) -> tuple[ReadHistorySource, str]:
    """(the configured source, listen address) from the TOML file."""
    raw = tomllib.loads(path.read_text())
    base = path.parent
    backend = raw.get("backend")
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}")
    site = str(raw.get("site", ""))
    listen = str(raw.get("listen", "127.0.0.1:8470"))
    section = raw.get(backend, {})
    if backend == "store":
        store = ReadStore()
        for name in section.get("reads", []):
            store.load(base / name)
        return store, listen
    url = str(section["url"])
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"[{backend}] url must be an http:// or https:// address")
    if backend == "hikvision":
        source: ReadHistorySource = HikvisionPlateSearch(
            HikvisionSearchConfig(
                url=url,
                username=str(section["username"]),
                password=(base / section["password_file"]).read_text().strip(),
                tracks={str(k): str(v) for k, v in section.get("tracks", {}).items()},
                site=site,
                camera_timezone=ZoneInfo(str(section.get("camera_timezone", "UTC"))),
                timeout_s=float(section.get("timeout_s", 10.0)),
            )
        )
        return source, listen
    return OpenAlprPlateSearch(
        OpenAlprSearchConfig(
            url=url,
            api_key=(base / section["api_key_file"]).read_text().strip(),
            site=str(section.get("site", site)),
            camera=str(section.get("camera", "")),
            cameras={str(k): str(v) for k, v in section.get("cameras", {}).items()},
            timeout_s=float(section.get("timeout_s", 10.0)),
        )
    ), listen


def run(config_path: Path) -> None:
    """Serve until interrupted."""
    source, listen = load(config_path)
    host, port = listen.rsplit(":", 1)
    server = serve(source, host, int(port))
    print(f"read history on http://{host}:{server.server_address[1]}/search", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
