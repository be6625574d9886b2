"""A small TAXII 2.1 client for one collection: add objects, and get one page of
objects with the paging headers. One persistent HTTPS connection (plain HTTP only to a
loopback address, when the node's settings say so); responses are bounded in size.
Decisions about the objects belong to gateway.domain.isc."""

from __future__ import annotations

import base64
import http.client
import json
import ssl
import urllib.parse
from collections.abc import Callable
from typing import Any

from gateway.domain.addresses import is_loopback
from gateway.domain.errors import InvalidInput, PartnerUnreachable
from gateway.domain.isc import parse_tlp
from gateway.node.config import NodeConfig, load_isc_credentials
from gateway.services.isc import (
    IscCollectionPort,
    IscSettings,
    ManifestPage,
    ManifestRecord,
    NextExpired,
    Page,
)

TAXII = "application/taxii+json;version=2.1"
MAX_RESPONSE_BYTES = 64 * 1024 * 1024


class TaxiiCollection:
    def __init__(
        self,
        collection_url: str,
        user: str,
        password: str,
        timeout_s: float = 60.0,
        ca_file: str | None = None,
        *,
        allow_plain_http_loopback: bool = False,
    ) -> None:
        self._url = check_collection_url(collection_url, allow_plain_http_loopback)
        self._auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        self._timeout = timeout_s
        self._ca_file = ca_file
        self._conn: http.client.HTTPConnection | None = None

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            host, port = self._url.hostname or "", self._url.port
            if self._url.scheme == "https":
                context = ssl.create_default_context(cafile=self._ca_file)
                self._conn = http.client.HTTPSConnection(
                    host, port, timeout=self._timeout, context=context
                )
            else:
                self._conn = http.client.HTTPConnection(host, port, timeout=self._timeout)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _request(
        self, method: str, path: str, body: bytes | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        headers = {"Accept": TAXII, "Authorization": self._auth}
        if body is not None:
            headers["Content-Type"] = TAXII
        for attempt in (1, 2):  # a kept-alive connection the server closed is retried once
            conn = self._connection()
            try:
                conn.request(method, path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read(MAX_RESPONSE_BYTES + 1)
                if len(data) > MAX_RESPONSE_BYTES:
                    self.close()
                    raise InvalidInput(f"the ISC answered more than {MAX_RESPONSE_BYTES} bytes")
                return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
            except (http.client.HTTPException, OSError) as exc:
                self.close()
                if attempt == 2:
                    raise PartnerUnreachable(f"ISC unreachable: {type(exc).__name__}") from None
        raise AssertionError("unreachable")

    def add_objects(self, objects: list[dict[str, Any]]) -> dict[str, Any]:
        body = json.dumps({"objects": objects}).encode()
        status, _, data = self._request("POST", self._url.path + "objects/", body)
        if status not in (200, 202):
            raise PartnerUnreachable(f"the ISC refused the bundle (HTTP {status})")
        try:
            result = json.loads(data)
        except ValueError:
            raise PartnerUnreachable(
                "the ISC answered a bundle with a status that is not JSON"
            ) from None
        return result if isinstance(result, dict) else {}

    def _get_envelope(
        self, resource: str, params: dict[str, str], next_token: str
    ) -> tuple[dict[str, Any], dict[str, str]]:
        if next_token:
            params = {**params, "next": next_token}
        path = self._url.path + resource + "?" + urllib.parse.urlencode(params)
        status, headers, data = self._request("GET", path)
        if status == 400 and next_token:
            raise NextExpired()
        if status != 200:
            raise PartnerUnreachable(f"the ISC answered HTTP {status} to a page request")
        try:
            envelope = json.loads(data) if data else {}
        except (ValueError, RecursionError):
            raise InvalidInput("the ISC served a page that is not JSON") from None
        if not isinstance(envelope, dict):
            raise InvalidInput("the ISC served a page that is not a TAXII envelope")
        return envelope, headers

    def get_page(
        self,
        *,
        limit: int,
        added_after: str = "",
        next_token: str = "",
        spec_version: str = "2.1",
    ) -> Page:
        # The same filters on every page of one paging session (servers compare them).
        # match[spec_version] is always sent: without it medallion compares every object
        # with every other to find each one's latest spec version.
        params = {"limit": str(limit), "match[spec_version]": spec_version}
        if added_after:
            params["added_after"] = added_after
        envelope, headers = self._get_envelope("objects/", params, next_token)
        return _objects_page(envelope, headers)

    def get_manifest_page(
        self, *, limit: int, added_after: str = "", next_token: str = "", spec_version: str = "2.1"
    ) -> ManifestPage:
        params = {"limit": str(limit), "match[spec_version]": spec_version}
        if added_after:
            params["added_after"] = added_after
        envelope, headers = self._get_envelope("manifest/", params, next_token)
        records = envelope.get("objects") or []
        if not isinstance(records, list):
            raise InvalidInput("the ISC served a manifest whose objects are not a list")
        listed = []
        for record in records:
            if not isinstance(record, dict):
                raise InvalidInput("the ISC served a manifest record that is not an object")
            listed.append(
                ManifestRecord(
                    object_id=str(record.get("id", "")),
                    version=str(record.get("version", "")),
                    date_added=str(record.get("date_added", "")),
                )
            )
        last = headers.get("x-taxii-date-added-last", "")
        return ManifestPage(
            records=listed,
            more=bool(envelope.get("more", False)),
            next=str(envelope.get("next") or ""),
            date_added_last=last or max((r.date_added for r in listed), default=""),
        )

    def get_listed(
        self, records: list[ManifestRecord], *, limit: int, spec_version: str = "2.1"
    ) -> Page:
        """The objects a manifest listed, asked for by id and version in requests whose
        query stays under MAX_QUERY_CHARS (proxies refuse long URLs), each followed
        through its own `next` pages. A batch whose `next` expired is asked again; a
        repeated object is recognised by its (id, version) when it is taken in."""
        objects: list[Any] = []
        sizes: list[int] = []
        for ids, versions in _batches(records):
            params = {
                "limit": str(limit),
                "match[spec_version]": spec_version,
                "match[id]": ",".join(ids),
                "match[version]": ",".join(versions),
            }
            next_token, restarted = "", False
            while True:
                try:
                    envelope, headers = self._get_envelope("objects/", params, next_token)
                except NextExpired:
                    if restarted:
                        raise PartnerUnreachable(
                            "the ISC keeps forgetting its `next` tokens"
                        ) from None
                    next_token, restarted = "", True
                    continue
                page = _objects_page(envelope, headers)
                objects += page.objects
                sizes += page.sizes
                if not (page.more and page.next):
                    break
                next_token = page.next
        return Page(objects, sizes, more=False, next="", date_added_first="", date_added_last="")


MAX_QUERY_CHARS = 4000


def check_collection_url(
    collection_url: str, allow_plain_http_loopback: bool
) -> urllib.parse.SplitResult:
    """The ISC collection URL, if this node may use it. Basic credentials and everything
    shared with the ISC travel in every request, so the URL must be https; plain http
    only to a loopback address (a TAXII server on this machine), and only when
    `[isc] allow_plain_http_loopback` says so. Refused before any connection is made."""
    url = urllib.parse.urlsplit(collection_url.rstrip("/") + "/")
    if url.scheme not in {"http", "https"} or not url.hostname:
        raise InvalidInput("the ISC collection URL must be https://host/.../collections/ID/")
    if url.scheme == "http":
        if not is_loopback(url.hostname):
            raise InvalidInput(
                "the ISC collection URL must be https: plain http would carry the ISC "
                "credentials and what is shared in clear (plain http is allowed only to "
                "a loopback address, with [isc] allow_plain_http_loopback = true)"
            )
        if not allow_plain_http_loopback:
            raise InvalidInput(
                "the ISC collection URL is plain http: set [isc] "
                "allow_plain_http_loopback = true to allow it to this loopback address, "
                "or use https"
            )
    return url


def _batches(records: list[ManifestRecord]) -> list[tuple[list[str], list[str]]]:
    out: list[tuple[list[str], list[str]]] = []
    ids: list[str] = []
    versions: list[str] = []
    chars = 0
    for record in records:
        # Versions without a timestamp (objects with neither modified nor created)
        # are named by "all". Each value costs its encoded length and a comma (%2C).
        version = record.version or "all"
        cost = len(urllib.parse.quote_plus(record.object_id)) + 3
        if version not in versions:
            cost += len(urllib.parse.quote_plus(version)) + 3
        if ids and chars + cost > MAX_QUERY_CHARS:
            out.append((ids, versions))
            ids, versions, chars = [], [], 0
            cost = len(urllib.parse.quote_plus(record.object_id)) + 3
            cost += len(urllib.parse.quote_plus(version)) + 3
        ids.append(record.object_id)
        if version not in versions:
            versions.append(version)
        chars += cost
    if ids:
        out.append((ids, versions))
    return out


def _objects_page(envelope: dict[str, Any], headers: dict[str, str]) -> Page:
    objects = envelope.get("objects") or []
    if not isinstance(objects, list):
        raise InvalidInput("the ISC served a page whose objects are not a list")
    sizes = []
    for obj in objects:
        try:
            sizes.append(len(json.dumps(obj, ensure_ascii=False).encode()))
        except (ValueError, RecursionError):
            sizes.append(MAX_RESPONSE_BYTES)
    return Page(
        objects=objects,
        sizes=sizes,
        more=bool(envelope.get("more", False)),
        next=str(envelope.get("next") or ""),
        date_added_first=headers.get("x-taxii-date-added-first", ""),
        date_added_last=headers.get("x-taxii-date-added-last", ""),
    )


def isc_settings(config: NodeConfig) -> IscSettings:
    isc = config.isc
    if isc.suppression_threshold < 1:
        raise InvalidInput("[isc] suppression_threshold must be at least 1")
    return IscSettings(
        suppression_threshold=isc.suppression_threshold,
        statistics_tlp=parse_tlp(isc.statistics_tlp),
        page_size=isc.page_size,
    )


def isc_collection_factory(config: NodeConfig) -> Callable[[], IscCollectionPort] | None:
    """A new client per use; None when no ISC is configured. Credentials are read when
    used, so a rotated file needs no restart."""
    isc = config.isc
    url = isc.collection_url
    if not url:
        return None
    plain_http_loopback = isc.allow_plain_http_loopback
    check_collection_url(url, plain_http_loopback)  # a node never starts with a bad one
    credentials = isc.credentials_file  # resolved against the node folder when read
    timeout = isc.timeout_s
    ca_file = isc.ca_file or None

    def open_collection() -> IscCollectionPort:
        user, password = load_isc_credentials(credentials)
        return TaxiiCollection(
            url, user, password, timeout, ca_file, allow_plain_http_loopback=plain_http_loopback
        )

    return open_collection
