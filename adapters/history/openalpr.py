"""Read history from an OpenALPR / Rekor Scout installation: the agent's (or its web
server's) own plate search, `GET /api/search/plate`.

The query string carries `api_key`, `plate`, `start` and `end` (ISO 8601), `topn` (at
most that many results), `order` (`asc`) and, where configured, `site` and `camera`.
The answer is a JSON list of records as the web server stores them,
`{"pk": …, "model": …, "fields": {…}}`, whose fields include `best_plate`,
`best_uuid`, `epoch_time_start`, `camera_id` (or `camera`) and `site`.

Rules, in order:
1. A record counts only when its `best_plate` normalises to the plate asked (the
   server's own plate match may be looser).
2. The answer carries no country: it is by plate only.
3. `epoch_time_start` is taken as ISO 8601 text (with an offset, or UTC when it has
   none, as the server stores UTC) or as milliseconds since the epoch.
4. The image stays with the agent: the reference is the read's uuid (`/img/<uuid>.jpg`
   on the agent), as the inbound OpenALPR adapter gives it.
5. A malformed answer is BackendUnavailable with the kind of fault, never its text."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime

from adapters.read_store import SearchQuery
from gateway.domain.errors import BackendUnavailable, InvalidInput
from gateway.domain.plates import PlateError, normalise_plate
from gateway.domain.times import parse_time

MAX_ANSWER = 4 * 1024 * 1024


@dataclass(frozen=True)
class OpenAlprSearchConfig:
    url: str  # the agent's or web server's base URL, e.g. http://10.0.0.9:8355
    api_key: str = field(repr=False)
    site: str = ""  # the server's site id to restrict to; also what sightings name
    camera: str = ""  # the server's camera number to restrict to, if any
    cameras: dict[str, str] = field(default_factory=dict)  # camera id -> camera name
    timeout_s: float = 10.0


def search_url(config: OpenAlprSearchConfig, query: SearchQuery) -> str:
    params = {
        "api_key": config.api_key,
        "plate": query.plate,
        "start": query.start.astimezone(UTC).isoformat(),
        "end": query.end.astimezone(UTC).isoformat(),
        "topn": str(query.limit),
        "order": "asc",
    }
    if config.site:
        params["site"] = config.site
    if config.camera:
        params["camera"] = config.camera
    return config.url.rstrip("/") + "/api/search/plate?" + urllib.parse.urlencode(params)


def parse_answer(data: bytes, config: OpenAlprSearchConfig, query: SearchQuery) -> list[dict]:
    """Sightings of the plate asked, oldest first, from the server's JSON answer."""
    try:
        records = json.loads(data)
    except ValueError:
        raise BackendUnavailable("plate search answered something that is not JSON") from None
    if not isinstance(records, list):
        raise BackendUnavailable("plate search answered something other than a list")
    found = []
    for record in records:
        fields = record.get("fields") if isinstance(record, dict) else None
        if not isinstance(fields, dict):
            raise BackendUnavailable("plate search answered a record without fields")
        if not _same_plate(fields.get("best_plate"), query.plate):
            continue
        when = _time(fields.get("epoch_time_start"))
        if not query.start <= when < query.end:
            continue
        camera = str(fields.get("camera_id", fields.get("camera", "")))
        found.append(
            {
                "time": when.isoformat(),
                "camera": config.cameras.get(camera, camera),
                "site": str(fields.get("site") or config.site),
                "direction": "",  # the search answer carries no direction we can map
                "image_ref": str(fields.get("best_uuid", "")),
            }
        )
    found.sort(key=lambda s: s["time"])
    return found[: query.limit]


class OpenAlprPlateSearch:
    """A ReadHistorySource over the agent's or web server's plate search."""

    def __init__(self, config: OpenAlprSearchConfig) -> None:
        self._config = config

    def search(self, query: SearchQuery) -> list[dict]:
        request = urllib.request.Request(  # noqa: S310 - scheme checked at load
            search_url(self._config, query), headers={"Accept": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self._config.timeout_s) as response:  # noqa: S310
                data = response.read(MAX_ANSWER)
        except urllib.error.HTTPError as exc:
            raise BackendUnavailable(f"plate search refused (HTTP {exc.code})") from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise BackendUnavailable(f"plate search unreachable: {reason}") from None
        return parse_answer(data, self._config, query)


def _same_plate(value: object, plate: str) -> bool:
    try:
        return isinstance(value, str) and normalise_plate(value) == plate
    except PlateError:
        return False


def _time(value: object) -> datetime:
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value / 1000, UTC)
        except (OverflowError, OSError, ValueError):
            pass
    elif isinstance(value, str):
        try:  # rule 3: the server stores UTC, and says so or not
            return parse_time(value, naive_zone=UTC, what="epoch_time_start")
        except (InvalidInput, OverflowError):
            pass
    raise BackendUnavailable("plate search answered a record without a usable time")
