"""The node's side of the read-history interface (ReadHistory in
gateway.services.confirmations): ask the port's ANPR backend, through its adapter over
HTTP, where a plate was seen in a window. The gateway keeps no reads; it asks only when
a person approved a retrospective query, and keeps only the answer. The adapter answers
only the node: each search carries the secret they share (read_history_secret_file,
owner-only), which is never logged nor put in an error."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime
from pathlib import Path

from gateway.domain.addresses import is_loopback
from gateway.domain.errors import BackendUnavailable, InvalidInput
from gateway.domain.hits import Sighting
from gateway.domain.times import parse_time
from gateway.node.secret_files import read_secret

MAX_SIGHTINGS = 100


def read_history_secret(path: Path | None) -> bytes:
    """The secret shared with the read-history adapter, from its owner-only file."""
    if path is None:
        raise InvalidInput(
            "read_history_secret_file: required with read_history_url (the secret the "
            "read-history adapter answers only to)"
        )
    secret = read_secret(path, "read_history_secret_file")
    if not (secret.isascii() and secret.decode().isprintable()):
        raise InvalidInput(f"{path} must hold printable ASCII (it travels in a header)")
    return secret


def check_read_history_url(url: str) -> None:
    """Each search carries a plate and the shared secret: https, or plain http only to
    an adapter on this machine's loopback (the read-history listener itself speaks
    plain HTTP; put a TLS-terminating proxy before one on another machine)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise InvalidInput("read_history_url must be an https:// URL (or http:// to loopback)")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise InvalidInput(
            "read_history_url: plain http:// would carry plates and the shared secret in "
            "clear: use https://, or http:// only to 127.0.0.1, ::1 or localhost"
        )


class HttpReadHistory:
    def __init__(
        self,
        url: str,
        zone_of: dict[str, str],
        default_zone: str,
        timeout_s: float = 10.0,
        *,
        secret_file: Path | None = None,
    ) -> None:
        check_read_history_url(url)
        self._authorization = "Bearer " + read_history_secret(secret_file).decode()
        self._url = url.rstrip("/") + "/search"
        self._zone_of = zone_of
        self._default_zone = default_zone
        self._timeout = timeout_s

    def search(self, plate: str, country: str, start: datetime, end: datetime) -> list[Sighting]:
        body = json.dumps(
            {
                "plate": plate,
                "country": country,
                "from": start.isoformat(),
                "to": end.isoformat(),
                "limit": MAX_SIGHTINGS,
            }
        ).encode()
        headers = {"Content-Type": "application/json", "Authorization": self._authorization}
        request = urllib.request.Request(  # noqa: S310 - scheme checked in __init__
            self._url, data=body, headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:  # noqa: S310
                answer = json.loads(response.read(1_000_000))
        except urllib.error.HTTPError as exc:
            raise BackendUnavailable(f"read history refused the query (HTTP {exc.code})") from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise BackendUnavailable(f"read history could not be reached: {exc}") from None
        except ValueError:
            raise BackendUnavailable("read history answered something that is not JSON") from None
        try:
            return [self._sighting(s) for s in answer["sightings"][:MAX_SIGHTINGS]]
        except (KeyError, TypeError, ValueError, InvalidInput):
            raise BackendUnavailable("read history answered without usable sightings") from None

    def _sighting(self, s: dict) -> Sighting:
        when = parse_time(str(s["time"]), what="sighting time")
        site = str(s.get("site", ""))
        return Sighting(
            observed_at=when,
            camera=str(s.get("camera", "")),
            site=site,
            zone=self._zone_of.get(site, self._default_zone),
            direction=str(s.get("direction", "")),
            image_ref=str(s.get("image_ref", "")),
        )
