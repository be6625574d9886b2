"""HTTP Digest authentication (RFC 7616) for cameras that push with it (Hikvision's
"MD5digest" HTTP host, Axis recipients), server side.

The rules it enforces, in the order `DigestVerifier.verify` checks them:

1. The scheme's parameters are well formed and complete (username, realm, nonce, uri,
   response, qop, nc, cnonce); `qop` is "auth" (RFC 7616 §3.4: the RFC 2069 form
   without qop has no client nonce and no count, so a captured answer could be replayed).
2. `realm` is ours and `algorithm` the one configured (absent means MD5, §3.3): no
   downgrade from SHA-256 to MD5 by a client's say-so.
3. `uri` is the request's own target (§3.4.6): an answer for one request cannot be
   moved to another.
4. The nonce is one this process made (an HMAC under a key drawn at start over its
   time of issue) and younger than NONCE_LIFETIME_S; an older one gets a fresh
   challenge with stale=true (§3.3), which a client answers without asking anew.
5. `response` is H(H(user:realm:password):nonce:nc:cnonce:qop:H(method:uri)), compared
   with hmac.compare_digest; an unknown user costs the same as a known one.
6. The pair (nonce, nc) has not been accepted before (§3.4.5 leaves replay protection
   to the server): a sliding window per nonce, as IPsec's anti-replay does, so requests
   sent concurrently on one nonce may arrive out of order.

No per-request state is kept before a request is proven; after, one small window per
nonce, forgotten when the nonce expires."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from adapters.edge.credentials import MIN_SECRET, Camera

REALM = "argos-adapter"
NONCE_LIFETIME_S = 300
REPLAY_WINDOW = 256  # how far out of order one nonce's counts may arrive
_WINDOW_MASK = (1 << REPLAY_WINDOW) - 1
_PARAM = re.compile(r'\s*([A-Za-z-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s,]*)\s*(?:,|$)')
_HASHES: dict[str, Callable[[bytes], str]] = {
    # MD5 only because cameras offer nothing else; over TLS a captured exchange (the
    # one thing an MD5 digest makes cheaper to attack) is not in the attacker's hands.
    "MD5": lambda data: hashlib.md5(data).hexdigest(),  # noqa: S324 - the vendors' digest
    "SHA-256": lambda data: hashlib.sha256(data).hexdigest(),
}


class Outcome(Enum):
    ADMITTED = "admitted"
    STALE = "stale"  # a good answer on an expired nonce: challenge again, stale=true
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class DigestAnswer:
    outcome: Outcome
    camera: Camera | None = None
    reason: str = ""


class DigestVerifier:
    def __init__(self, algorithm: str, clock: Callable[[], float] = time.time) -> None:
        if algorithm not in _HASHES:
            raise ValueError(f"digest algorithm {algorithm!r}: MD5 or SHA-256")
        self.algorithm = algorithm
        self._hash = _HASHES[algorithm]
        self._key = os.urandom(32)
        self._opaque = base64.urlsafe_b64encode(os.urandom(12)).decode()
        self._clock = clock
        self._windows: dict[str, tuple[int, int]] = {}  # nonce -> (highest nc, bitmask)
        self._next_prune = clock() + NONCE_LIFETIME_S / 5
        self._lock = threading.Lock()

    def challenge(self, stale: bool = False) -> str:
        """A WWW-Authenticate value with a fresh nonce."""
        return (
            f'Digest realm="{REALM}", qop="auth", algorithm={self.algorithm}, '
            f'nonce="{self._nonce()}", opaque="{self._opaque}"' + (", stale=true" if stale else "")
        )

    def verify(
        self, credentials: str, method: str, target: str, find: Callable[[str], Camera | None]
    ) -> DigestAnswer:
        """`credentials`: what follows "Digest " in the Authorization header; `target`:
        the request-target as sent; `find`: the camera configured for Digest with a user
        name, or None."""
        params = parse_params(credentials)
        if params is None:
            return _refused("malformed Digest credentials")
        need = ("username", "realm", "nonce", "uri", "response", "qop", "nc", "cnonce")
        if any(not params.get(name) for name in need):  # rule 1
            return _refused("Digest credentials without " + ", ".join(need))
        if params["qop"] != "auth":
            return _refused('Digest needs qop="auth"')
        if params["realm"] != REALM or params.get("algorithm", "MD5") != self.algorithm:
            return _refused(f"Digest with another realm or algorithm than {self.algorithm}")
        if params["uri"] != target:  # rule 3
            return _refused("Digest uri is not this request's")
        nc_text = params["nc"]
        if not re.fullmatch(r"[0-9a-fA-F]{8}", nc_text) or int(nc_text, 16) == 0:
            return _refused("Digest nc must be 8 hex digits, from 00000001")
        age = self._nonce_age(params["nonce"])  # rule 4
        if age is None:
            return _refused("not a nonce of this adapter")
        camera = find(params["username"])
        password = camera.secret if camera is not None else b"\0" * MIN_SECRET
        expected = self._response(params, method, password)  # rule 5
        if not hmac.compare_digest(expected, params["response"].lower()) or camera is None:
            return _refused("unknown camera or wrong secret")
        if age > NONCE_LIFETIME_S:
            return DigestAnswer(Outcome.STALE)
        if not self._first_use(params["nonce"], int(nc_text, 16)):  # rule 6
            return _refused("a Digest answer already used (replayed)")
        return DigestAnswer(Outcome.ADMITTED, camera)

    def _response(self, params: dict[str, str], method: str, password: bytes) -> str:
        h = self._hash
        a1 = h(params["username"].encode() + f":{REALM}:".encode() + password)
        a2 = h(f"{method}:{params['uri']}".encode())
        parts = (a1, params["nonce"], params["nc"], params["cnonce"], params["qop"], a2)
        return h(":".join(parts).encode())

    def _nonce(self) -> str:
        issued = struct.pack(">Q", int(self._clock() * 1000))
        mac = hmac.new(self._key, issued, hashlib.sha256).digest()[:16]
        return base64.urlsafe_b64encode(issued + mac).decode()

    def _nonce_age(self, nonce: str) -> float | None:
        """Seconds since this process issued `nonce`; None if it did not."""
        try:
            raw = base64.urlsafe_b64decode(nonce.encode())
        except (ValueError, TypeError):
            return None
        if len(raw) != 24:
            return None
        issued, mac = raw[:8], raw[8:]
        if not hmac.compare_digest(mac, hmac.new(self._key, issued, hashlib.sha256).digest()[:16]):
            return None
        return self._clock() - struct.unpack(">Q", issued)[0] / 1000

    def _first_use(self, nonce: str, nc: int) -> bool:
        with self._lock:
            if self._clock() >= self._next_prune:
                self._forget_expired()
                self._next_prune = self._clock() + NONCE_LIFETIME_S / 5
            highest, seen = self._windows.get(nonce, (0, 0))
            if nc > highest:
                shift = nc - highest
                seen = 1 if shift >= REPLAY_WINDOW else (seen << shift | 1) & _WINDOW_MASK
                self._windows[nonce] = (nc, seen)
                return True
            back = highest - nc
            if back >= REPLAY_WINDOW or seen >> back & 1:
                return False
            self._windows[nonce] = (highest, seen | 1 << back)
            return True

    def _forget_expired(self) -> None:
        for nonce in list(self._windows):
            age = self._nonce_age(nonce)
            if age is None or age > NONCE_LIFETIME_S:
                del self._windows[nonce]


def parse_params(text: str) -> dict[str, str] | None:
    """The auth-params of a Digest header (RFC 7616 §3.4), names in lower case; None
    when it does not parse or names one twice."""
    params: dict[str, str] = {}
    position = 0
    text = text.strip()
    while position < len(text):
        match = _PARAM.match(text, position)
        if match is None:
            return None
        name, value = match.group(1).lower(), match.group(2)
        if value.startswith('"'):
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        if name in params:
            return None
        params[name] = value
        position = match.end()
    return params


def _refused(reason: str) -> DigestAnswer:
    return DigestAnswer(Outcome.REFUSED, reason=reason)
