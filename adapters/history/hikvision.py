"""Read history from a Hikvision ANPR camera or NVR: its own stored vehicle-detection
pictures, searched with ISAPI's content search (`POST /ISAPI/ContentMgmt/search`).

The request is a `CMSearchDescription`: a search id, the picture tracks to search
(track 103 is channel 1's pictures; one per camera in the configuration), the time
window in UTC, content type `metadata`, the page (`maxResults`, `searchResultPostion`,
the vendor's spelling) and the metadata descriptor
`//recordType.meta.std-cgi.com/vehicleDetection` with the plate as `plateSearchMask`
under `SearchProperity` (also the vendor's spelling). The answer is a `CMSearchResult`:
`responseStatusStrg` `OK`, `MORE` (another page) or `NO MATCHES`, and per match a
`searchMatchItem` with its `trackID`, `timeSpan/startTime` and
`mediaSegmentDescriptor/playbackURI`, whose `name` parameter is the picture's name and
ends with `_<plate>`.

Rules, in order:
1. The mask is the camera's own (often partial) match: a match counts only when the
   plate in its picture name normalises to the plate asked.
2. The camera does not say which country a plate is from: the answer is by plate only.
3. A time without an offset is the camera's local time (`camera_timezone`).
4. A malformed answer is BackendUnavailable with the kind of fault, never its text."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from xml.etree.ElementTree import Element
from xml.sax.saxutils import escape

from adapters.model import PayloadError
from adapters.read_store import SearchQuery
from adapters.vendors.xml_safe import parse_xml
from gateway.domain.errors import BackendUnavailable, InvalidInput
from gateway.domain.plates import PlateError, normalise_plate
from gateway.domain.times import parse_time

DESCRIPTOR = "//recordType.meta.std-cgi.com/vehicleDetection"
PAGE = 50
MAX_PAGES = 40
MAX_ANSWER = 4 * 1024 * 1024


@dataclass(frozen=True)
class HikvisionSearchConfig:
    url: str  # the camera or NVR, e.g. http://10.0.0.7
    username: str
    password: str = field(repr=False)
    tracks: dict[str, str] = field(default_factory=dict)  # track id -> camera name
    site: str = ""
    camera_timezone: tzinfo = UTC
    timeout_s: float = 10.0


def search_description(search_id: str, tracks: list[str], query: SearchQuery, at: int) -> bytes:
    """The CMSearchDescription for one page of the query."""
    track_list = "".join(f"<trackID>{escape(t)}</trackID>" for t in tracks)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<CMSearchDescription version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">'
        f"<searchID>{escape(search_id)}</searchID>"
        f"<trackList>{track_list}</trackList>"
        "<timeSpanList><timeSpan>"
        # Whole seconds: the end is rounded up, and matches are filtered to the window.
        f"<startTime>{_utc(query.start)}</startTime>"
        f"<endTime>{_utc(query.end + timedelta(seconds=1))}</endTime>"
        "</timeSpan></timeSpanList>"
        "<contentTypeList><contentType>metadata</contentType></contentTypeList>"
        f"<maxResults>{PAGE}</maxResults><searchResultPostion>{at}</searchResultPostion>"
        f"<metadataList><metadataDescriptor>{DESCRIPTOR}</metadataDescriptor>"
        f"<SearchProperity><plateSearchMask>{escape(query.plate)}</plateSearchMask>"
        "</SearchProperity></metadataList>"
        "</CMSearchDescription>"
    ).encode()


@dataclass(frozen=True)
class Match:
    track: str
    time: datetime
    plate: str  # as in the picture name
    picture: str  # the picture's playback URI: the image stays on the camera


def parse_result(data: bytes, camera_timezone: tzinfo = UTC) -> tuple[list[Match], bool]:
    """(matches, more pages) of a CMSearchResult."""
    try:
        root = parse_xml(data)
    except PayloadError as exc:
        raise BackendUnavailable(f"camera search answered {exc}") from None
    if root.tag != "CMSearchResult":
        raise BackendUnavailable("camera search answered something other than CMSearchResult")
    status = _text(root, "responseStatusStrg").upper()
    if status not in ("OK", "MORE", "NO MATCHES"):
        raise BackendUnavailable("camera search answered an unknown responseStatusStrg")
    matches = []
    for item in root.iter("searchMatchItem"):
        span = item.find("timeSpan")
        media = item.find("mediaSegmentDescriptor")
        uri = _text(media, "playbackURI")
        try:
            name = urllib.parse.parse_qs(urllib.parse.urlsplit(uri).query).get("name", [""])[0]
        except ValueError:  # e.g. a broken IPv6 host: a picture whose plate is unknown
            name = ""
        matches.append(
            Match(
                track=_text(item, "trackID"),
                time=_time(_text(span, "startTime"), camera_timezone),
                plate=name.rpartition("_")[2],
                picture=uri,
            )
        )
    return matches, status == "MORE"


class HikvisionPlateSearch:
    """A ReadHistorySource over one camera's or NVR's ISAPI content search."""

    def __init__(self, config: HikvisionSearchConfig) -> None:
        if not config.tracks:
            raise ValueError("a Hikvision read history needs at least one track")
        self._config = config
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        passwords.add_password(None, config.url, config.username, config.password)
        # Cameras ask for Digest by default; Basic where an installer chose it.
        self._opener = urllib.request.build_opener(
            urllib.request.HTTPDigestAuthHandler(passwords),
            urllib.request.HTTPBasicAuthHandler(passwords),
        )
        self._url = config.url.rstrip("/") + "/ISAPI/ContentMgmt/search"

    def search(self, query: SearchQuery) -> list[dict]:
        search_id = str(uuid.uuid4()).upper()
        found: list[Match] = []
        for page in range(MAX_PAGES):
            body = search_description(search_id, list(self._config.tracks), query, page * PAGE)
            matches, more = parse_result(self._post(body), self._config.camera_timezone)
            found += [m for m in matches if _same_plate(m.plate, query.plate)]
            if not more or not matches:
                break
        found = sorted((m for m in found if query.start <= m.time < query.end), key=_when)
        return [
            {
                "time": m.time.isoformat(),
                "camera": self._config.tracks.get(m.track, f"track-{m.track}"),
                "site": self._config.site,
                "direction": "",  # the search answer does not carry it
                "image_ref": m.picture,
            }
            for m in found[: query.limit]
        ]

    def _post(self, body: bytes) -> bytes:
        request = urllib.request.Request(  # noqa: S310 - scheme checked at load
            self._url, data=body, method="POST", headers={"Content-Type": "application/xml"}
        )
        try:
            with self._opener.open(request, timeout=self._config.timeout_s) as response:
                return response.read(MAX_ANSWER)
        except urllib.error.HTTPError as exc:
            raise BackendUnavailable(f"camera search refused (HTTP {exc.code})") from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise BackendUnavailable(f"camera search unreachable: {reason}") from None


def _same_plate(named: str, plate: str) -> bool:
    try:
        return normalise_plate(named) == plate
    except PlateError:
        return False  # "unknown", or a name this firmware writes differently


def _text(parent: Element | None, name: str) -> str:
    found = parent.find(name) if parent is not None else None
    return (found.text or "").strip() if found is not None else ""


def _time(text: str, camera_timezone: tzinfo) -> datetime:
    try:
        return parse_time(text, naive_zone=camera_timezone, what="startTime")  # rule 3
    except (InvalidInput, OverflowError):
        raise BackendUnavailable("camera search answered a match without a usable time") from None


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _when(m: Match) -> datetime:
    return m.time
