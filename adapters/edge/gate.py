"""Who may push: the one place a request to an inbound adapter's listener is admitted as
coming from a configured camera, or refused with a status and a reason a person can act
on. It runs before the body is read, so nothing of a refused push is parsed, spooled,
quarantined or forwarded.

The rules, in the order `CameraGate.admit` applies them:

1. A source address that has had `refused_burst` pushes refused, faster than
   `refused_rate_per_s`, is answered 429 until it slows down, whatever it presents:
   guessing a secret stays slow. Pushes that present nothing (a client waiting for the
   challenge, as Digest clients do) are refused 401 but do not count against it.
2. The request names one camera by what it presents: HTTP Basic or Digest credentials
   (by user name), a shared secret in a configured header (by the secret), a verified
   client certificate (by CN or DNS name). Anything presented must prove a camera, and
   everything presented must name the same one; else 401, the same reason for an
   unknown camera as for a wrong secret.
3. That camera presents everything it is configured for: its password (or shared
   secret) and, if it has client_cert_name, its certificate; else 401.
4. It pushes from an address in its allow_from (when it has one); else 403.
5. It is within its own rate; else 429 with Retry-After.

Every refusal is counted by kind (`counts`, shown on GET /health); none is logged with
what the request carried."""

from __future__ import annotations

import base64
import binascii
import ipaddress
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from adapters.edge.credentials import Camera, CameraRegistry, password_matches
from adapters.edge.digest import REALM, DigestVerifier, Outcome
from adapters.edge.rate_limit import RateLimits, retry_after
from adapters.edge.settings import EdgeSettings
from adapters.edge.tls import certificate_names

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

UNAUTHENTICATED = "refused_unauthenticated"
FORBIDDEN = "refused_forbidden"
RATE_LIMITED = "refused_rate_limited"


@dataclass(frozen=True, slots=True)
class Refusal:
    status: int
    reason: str
    counted_as: str
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Knock:
    """What the gate sees of one request: never its body."""

    method: str
    target: str  # the request-target as sent (path and query)
    headers: Mapping[str, str]  # case-insensitive (aiohttp's CIMultiDictProxy)
    peer: str  # the source address
    peer_certificate: dict | None  # ssl getpeercert() of a verified client certificate


class _Failed(Exception):
    """Something presented that proves no camera (rule 2); charged to the source."""


class CameraGate:
    def __init__(
        self,
        settings: EdgeSettings,
        registry: CameraRegistry,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._registry = registry
        self._pushes = RateLimits(settings.camera_rate_per_s, settings.camera_burst, clock=clock)
        self._refused = RateLimits(settings.refused_rate_per_s, settings.refused_burst, clock=clock)
        self._allowed = {
            camera_id: [ipaddress.ip_network(c) for c in camera.settings.allow_from]
            for camera_id, camera in registry.cameras.items()
        }
        self._health_from = [ipaddress.ip_network(c) for c in settings.health_allow_from]
        schemes = {c.settings.http_auth for c in registry.by_user.values()}
        self._digest = DigestVerifier(settings.digest_algorithm) if "digest" in schemes else None
        self._basic = "basic" in schemes
        self._header_names = tuple(registry.by_header_secret)
        self.counts = {UNAUTHENTICATED: 0, FORBIDDEN: 0, RATE_LIMITED: 0}

    def admit(self, knock: Knock) -> str | Refusal:
        """The id of the camera pushing, or why it may not."""
        source = _address(knock.peer)
        wait = self._refused.empty_for(source)  # rule 1
        if wait:
            return self._refuse(
                429,
                "too many refused pushes from this address; retry later",
                RATE_LIMITED,
                (("Retry-After", retry_after(wait)),),
            )
        try:
            camera = self._identify(knock)  # rules 2 and 3
        except _Failed as failed:
            self._refused.take(source)
            return self._refuse(401, str(failed), UNAUTHENTICATED, self._challenges())
        if isinstance(camera, Refusal):
            return camera
        networks = self._allowed[camera.camera_id]
        if networks and not _within(source, networks):  # rule 4
            self._refused.take(source)
            return self._refuse(
                403, f"camera {camera.camera_id} may not push from this address", FORBIDDEN
            )
        wait = self._pushes.take(  # rule 5
            camera.camera_id, camera.settings.rate_per_s, camera.settings.burst
        )
        if wait:
            return self._refuse(
                429,
                f"camera {camera.camera_id} pushes faster than it may; retry later",
                RATE_LIMITED,
                (("Retry-After", retry_after(wait)),),
            )
        return camera.camera_id

    def may_see_health(self, peer: str) -> bool:
        return _within(_address(peer), self._health_from)

    # -- rule 2 and 3 ------------------------------------------------------------------

    def _identify(self, knock: Knock) -> Camera | Refusal:
        by_password = self._by_password(knock)
        if isinstance(by_password, Refusal):
            return by_password
        by_certificate = self._by_certificate(knock.peer_certificate)
        if by_password is None and by_certificate is None:
            if knock.peer_certificate:
                raise _Failed("the client certificate names no camera of this adapter")
            return self._refuse(
                401,
                "no camera credentials: HTTP Basic or Digest, the camera's secret header, "
                "or a client certificate",
                UNAUTHENTICATED,
                self._challenges(),
            )
        if by_password and by_certificate and by_password is not by_certificate:
            raise _Failed("the credentials and the client certificate are not one camera's")
        camera = by_password or by_certificate
        assert camera is not None
        if camera.needs_password and by_password is None:
            raise _Failed(f"camera {camera.camera_id} must present its password or secret too")
        if camera.needs_certificate and by_certificate is None:
            raise _Failed(f"camera {camera.camera_id} must present its client certificate")
        return camera

    def _by_password(self, knock: Knock) -> Camera | Refusal | None:
        authorization = knock.headers.get("Authorization", "")
        if authorization:
            scheme, _, credentials = authorization.partition(" ")
            scheme = scheme.lower()
            if scheme == "basic" and self._basic:
                return self._basic_camera(credentials)
            if scheme == "digest" and self._digest is not None:
                return self._digest_camera(knock, credentials)
            raise _Failed(f"authorization scheme {scheme[:20]!r} is not taken here")
        for name in self._header_names:
            presented = knock.headers.get(name)
            if presented is not None:
                camera = self._registry.by_header(name, presented.encode("utf-8", "replace"))
                if camera is None:
                    raise _Failed("unknown camera or wrong secret")
                return camera
        return None

    def _basic_camera(self, credentials: str) -> Camera:
        try:
            decoded = base64.b64decode(credentials.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise _Failed("malformed Basic credentials") from None
        user, colon, password = decoded.partition(b":")
        camera = self._registry.by_user.get(user.decode("utf-8", "replace"))
        if camera is not None and camera.settings.http_auth != "basic":
            camera = None
        if not colon or not password_matches(camera, password):
            raise _Failed("unknown camera or wrong secret")
        assert camera is not None
        return camera

    def _digest_camera(self, knock: Knock, credentials: str) -> Camera | Refusal:
        assert self._digest is not None

        def find(user: str) -> Camera | None:
            camera = self._registry.by_user.get(user)
            return camera if camera and camera.settings.http_auth == "digest" else None

        answer = self._digest.verify(credentials, knock.method, knock.target, find)
        if answer.outcome is Outcome.STALE:  # proven, but on an old nonce: not a failure
            return self._refuse(
                401,
                "Digest nonce expired; answer the new challenge",
                UNAUTHENTICATED,
                (("WWW-Authenticate", self._digest.challenge(stale=True)),),
            )
        if answer.camera is None:
            raise _Failed(answer.reason)
        return answer.camera

    def _by_certificate(self, peer_certificate: dict | None) -> Camera | None:
        found = {
            id(camera): camera
            for name in certificate_names(peer_certificate)
            if (camera := self._registry.by_certificate_name.get(name)) is not None
        }
        if len(found) > 1:
            raise _Failed("the client certificate names more than one camera")
        return next(iter(found.values()), None)

    # -- answers -----------------------------------------------------------------------

    def _challenges(self) -> tuple[tuple[str, str], ...]:
        offered = []
        if self._digest is not None:
            offered.append(("WWW-Authenticate", self._digest.challenge()))
        if self._basic:
            offered.append(("WWW-Authenticate", f'Basic realm="{REALM}", charset="UTF-8"'))
        return tuple(offered)

    def _refuse(self, status: int, reason: str, counted_as: str, headers: tuple = ()) -> Refusal:
        self.counts[counted_as] += 1
        return Refusal(status, reason, counted_as, headers)


def _address(peer: str) -> str:
    """The source address as the allowlists and the refusal buckets see it: an IPv4
    client of a dual-stack socket arrives as ::ffff:a.b.c.d. (Parsed only where an
    allowlist needs it: this runs for every push.)"""
    if peer.startswith("::ffff:") and "." in peer:
        return peer.removeprefix("::ffff:")
    return peer


def _within(address: str, networks: list[Network]) -> bool:
    try:
        parsed = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        parsed = parsed.ipv4_mapped
    return any(parsed in network for network in networks)
