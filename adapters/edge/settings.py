"""The camera edge's part of an inbound adapter's settings file: the listener's TLS, the
cameras that may push and how each proves who it is, and the rates they may push at.

```toml
[tls]                                  # required, unless allow_plain_http = true
cert_file = "adapter.pem"
key_file = "adapter.key"               # owner-only
client_ca_file = "cameras-ca.pem"      # only for cameras with client_cert_name

[cameras.gate-1-north]
user = "gate1north"                    # HTTP Basic (or Digest: http_auth = "digest")
secret_file = "secrets/gate-1-north"   # owner-only file: the password
allow_from = ["10.20.1.0/24"]          # optional: the addresses it pushes from

[cameras.alpr-agent-7]
secret_header = "X-Argos-Camera-Key"   # a shared secret in this request header
secret_file = "secrets/alpr-agent-7"
rate_per_s = 200.0                     # an agent pushing for many cameras

[cameras.axis-kennedy-2]
client_cert_name = "axis-kennedy-2"    # mutual TLS: CN or DNS name of its certificate
```

Secrets never sit in this file: `secret_file` names a file of the process's user that
nobody else may read (credentials.py reads it at start)."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path

import msgspec

from adapters.settings import check_one_of, check_positive
from gateway.settings import Settings

CAMERA_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
HEADER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,63}")
# Headers that carry something else already: a secret in them would be lost or logged.
RESERVED_HEADERS = frozenset(
    {"authorization", "cookie", "host", "content-type", "content-length", "user-agent"}
)
HTTP_AUTH = ("basic", "digest")
DIGEST_ALGORITHMS = ("SHA-256", "MD5")
LOOPBACK = ["127.0.0.0/8", "::1/128"]


class ListenerTls(Settings):
    """[tls]: the listener's certificate, and the CA whose client certificates it
    takes from cameras that authenticate with one."""

    cert_file: Path
    key_file: Path
    client_ca_file: Path | None = None


class CameraSettings(Settings):
    """[cameras.<id>]: one camera, NVR or camera agent allowed to push. At least one way
    to prove who it is; with both a password (or shared secret) and a client
    certificate, it must present both."""

    user: str = ""  # HTTP Basic or Digest user name
    http_auth: str = "basic"  # how `user` authenticates: "basic" or "digest"
    secret_header: str = ""  # or: the name of a header carrying a shared secret
    secret_file: Path | None = None  # the password or shared secret (owner-only file)
    client_cert_name: str = ""  # mutual TLS: CN or DNS name of its client certificate
    allow_from: list[str] = msgspec.field(default_factory=list)  # CIDRs; empty: any
    rate_per_s: float | None = None  # pushes per second; None: camera_rate_per_s
    burst: int | None = None  # pushes at once above the rate; None: camera_burst

    def check(self, key: str, tls: ListenerTls | None) -> None:
        if not CAMERA_ID.fullmatch(key.removeprefix("cameras.")):
            raise ValueError(f"{key}: a camera id is 1-64 of A-Z a-z 0-9 . _ - ")
        if not (self.user or self.secret_header or self.client_cert_name):
            raise ValueError(
                f"{key}: give user, secret_header or client_cert_name: how the camera "
                "proves who it is"
            )
        if self.user and self.secret_header:
            raise ValueError(f"{key}: user or secret_header, not both")
        check_one_of(f"{key}.http_auth", self.http_auth, HTTP_AUTH)
        if (self.user or self.secret_header) and self.secret_file is None:
            raise ValueError(f"{key}.secret_file: required with user or secret_header")
        if self.secret_file is not None and not (self.user or self.secret_header):
            raise ValueError(f"{key}.secret_file: only with user or secret_header")
        if self.user and (":" in self.user or not self.user.isprintable()):
            raise ValueError(f"{key}.user: printable, without ':'")
        if self.secret_header and (
            not HEADER_NAME.fullmatch(self.secret_header)
            or self.secret_header.lower() in RESERVED_HEADERS
        ):
            raise ValueError(f"{key}.secret_header: a header name of your own, e.g. X-Camera-Key")
        if self.client_cert_name and (tls is None or tls.client_ca_file is None):
            raise ValueError(f"{key}.client_cert_name: needs tls.client_ca_file")
        for cidr in self.allow_from:
            check_network(f"{key}.allow_from", cidr)
        if self.rate_per_s is not None:
            check_positive(**{f"{key}.rate_per_s": self.rate_per_s})
        if self.burst is not None:
            check_positive(**{f"{key}.burst": self.burst})


class EdgeSettings(Settings):
    """The keys an inbound adapter's settings file has for its camera edge (the base of
    adapters.runtime.AdapterConfig)."""

    tls: ListenerTls | None = None
    # Plain HTTP on the listener: only for a camera network you accept as trusted;
    # passwords and reads then cross it readable. Off unless said.
    allow_plain_http: bool = False
    cameras: dict[str, CameraSettings] = msgspec.field(default_factory=dict)
    digest_algorithm: str = "SHA-256"  # for cameras with http_auth = "digest"; or "MD5"
    camera_rate_per_s: float = 50.0  # pushes a second per camera, by default
    camera_burst: int = 200
    # A source address whose pushes are refused (wrong secret, unknown camera) this
    # often is answered 429 until it slows down: guessing secrets stays slow.
    refused_rate_per_s: float = 1.0
    refused_burst: int = 20
    # Who may read GET /health (counts only, never a hit count): monitoring, by address.
    health_allow_from: list[str] = msgspec.field(default_factory=lambda: list(LOOPBACK))

    def check_edge(self, takes_pushes: bool) -> None:
        """For a schema's __post_init__: raises ValueError naming the key."""
        if self.tls is None and not self.allow_plain_http:
            raise ValueError(
                "tls: required (cert_file, key_file); or allow_plain_http = true for a "
                "camera network you accept as trusted"
            )
        if self.tls is not None and self.allow_plain_http:
            raise ValueError("allow_plain_http: not with a [tls] table; choose one")
        if takes_pushes and not self.cameras:
            raise ValueError(
                "cameras: none configured, so every push would be refused; add a "
                "[cameras.<id>] table per camera"
            )
        check_one_of("digest_algorithm", self.digest_algorithm, DIGEST_ALGORITHMS)
        check_positive(
            camera_rate_per_s=self.camera_rate_per_s,
            camera_burst=self.camera_burst,
            refused_rate_per_s=self.refused_rate_per_s,
            refused_burst=self.refused_burst,
        )
        for cidr in self.health_allow_from:
            check_network("health_allow_from", cidr)
        users: dict[str, str] = {}
        names: dict[str, str] = {}
        for camera_id, camera in self.cameras.items():
            camera.check(f"cameras.{camera_id}", self.tls)
            for value, seen, what in (
                (camera.user, users, "user"),
                (camera.client_cert_name, names, "client_cert_name"),
            ):
                if value and value in seen:
                    raise ValueError(
                        f"cameras.{camera_id}.{what}: also camera {seen[value]}'s; one per camera"
                    )
                seen[value] = camera_id


def check_network(key: str, cidr: str) -> None:
    try:
        ipaddress.ip_network(cidr)
    except ValueError:
        raise ValueError(
            f"{key}: {cidr!r} is not an address or network (e.g. 10.20.1.0/24)"
        ) from None
