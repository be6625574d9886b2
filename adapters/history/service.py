"""`argos adapter run read-history --config FILE`: the read-history listener the node
asks (`read_history_url`), answered from the backend named in the file: a Hikvision
camera's or NVR's ISAPI search, an OpenALPR / Rekor agent's plate search, or the
generic read store of JSON-lines files.

```toml
backend = "hikvision"            # or "openalpr", "store"
listen = "127.0.0.1:8470"
site = "kennedy-tunnel"          # what sightings name as their site
secret_file = "node.secret"      # shared with the node (read_history_secret_file), 0600

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
Relative paths are relative to the file's folder; secrets are read from files. Only the
node is answered: a search without its secret is refused (401) before the query is read
(adapters/read_store.py)."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import msgspec

from adapters.history.hikvision import HikvisionPlateSearch, HikvisionSearchConfig
from adapters.history.openalpr import OpenAlprPlateSearch, OpenAlprSearchConfig
from adapters.process import run_until_interrupted, start_process
from adapters.read_store import ReadHistorySource, ReadStore, serve
from adapters.settings import (
    check_http_url,
    check_listen,
    check_one_of,
    check_positive,
    check_time_zone,
    load_adapter_settings,
)
from gateway.node.secret_files import read_secret
from gateway.settings import Settings

BACKENDS = ("hikvision", "openalpr", "store")


class HikvisionSection(Settings):
    url: str
    username: str
    password_file: Path
    tracks: dict[str, str] = msgspec.field(default_factory=dict)
    camera_timezone: str = "UTC"
    timeout_s: float = 10.0

    def __post_init__(self) -> None:
        check_http_url("url", self.url)
        check_positive(timeout_s=self.timeout_s)
        check_time_zone("camera_timezone", self.camera_timezone)


class OpenAlprSection(Settings):
    url: str
    api_key_file: Path
    site: str | None = None  # the server's site id; the file's site when not given
    camera: str = ""
    cameras: dict[str, str] = msgspec.field(default_factory=dict)
    timeout_s: float = 10.0

    def __post_init__(self) -> None:
        check_http_url("url", self.url)
        check_positive(timeout_s=self.timeout_s)


class StoreSection(Settings):
    reads: list[Path] = msgspec.field(default_factory=list)


class ReadHistorySettings(Settings):
    backend: str
    secret_file: Path  # the secret the node sends; owner-only
    listen: str = "127.0.0.1:8470"
    site: str = ""  # what sightings name as their site
    hikvision: HikvisionSection | None = None
    openalpr: OpenAlprSection | None = None
    store: StoreSection = msgspec.field(default_factory=StoreSection)

    def __post_init__(self) -> None:
        check_one_of("backend", self.backend, BACKENDS)
        check_listen("listen", self.listen)
        if getattr(self, self.backend) is None:
            raise ValueError(f"{self.backend}: the [{self.backend}] table is missing")


def load(path: Path) -> tuple[ReadHistorySource, str, bytes]:
    """(the configured source, listen address, the node's secret) from the TOML file."""
    settings = load_adapter_settings(path, ReadHistorySettings)
    secret = read_secret(settings.secret_file, f"{path.name}: secret_file")
    return source_of(settings), settings.listen, secret


def source_of(settings: ReadHistorySettings) -> ReadHistorySource:
    if settings.hikvision is not None and settings.backend == "hikvision":
        hikvision = settings.hikvision
        return HikvisionPlateSearch(
            HikvisionSearchConfig(
                url=hikvision.url,
                username=hikvision.username,
                password=hikvision.password_file.read_text().strip(),
                tracks=hikvision.tracks,
                site=settings.site,
                camera_timezone=ZoneInfo(hikvision.camera_timezone),
                timeout_s=hikvision.timeout_s,
            )
        )
    if settings.openalpr is not None and settings.backend == "openalpr":
        openalpr = settings.openalpr
        return OpenAlprPlateSearch(
            OpenAlprSearchConfig(
                url=openalpr.url,
                api_key=openalpr.api_key_file.read_text().strip(),
                site=settings.site if openalpr.site is None else openalpr.site,
                camera=openalpr.camera,
                cameras=openalpr.cameras,
                timeout_s=openalpr.timeout_s,
            )
        )
    return ReadStore.of_files(settings.store.reads)


def run(config_path: Path) -> None:
    """Serve until interrupted (argos adapter run read-history)."""
    source, listen, secret = start_process(lambda: load(config_path))
    host, port = listen.rsplit(":", 1)
    server = serve(source, host, int(port), secret=secret)
    print(f"read history on http://{host}:{server.server_address[1]}/search", flush=True)
    run_until_interrupted(server.shutdown)
