"""The two factors of a console log-in, computed by audited libraries rather than our
own code: passwords hashed with Argon2id (argon2-cffi's PasswordHasher, its RFC 9106
defaults; a hash made under older parameters is re-hashed at the next log-in) and
TOTP codes (pyotp: RFC 6238, 30-second steps, 6 digits, HMAC-SHA-1, what authenticator
apps expect). Which step is accepted, and that a step is used once, is the domain's
rule (gateway.domain.sessions rule 3); here only the arithmetic."""

from __future__ import annotations

import hmac
import threading
from datetime import datetime

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from gateway.domain.sessions import TOTP_DIGITS, TOTP_STEP_S, totp_step

_hasher = PasswordHasher()  # Argon2id, RFC 9106 low-memory profile (t=3, m=64 MiB, p=4)
_dummy_lock = threading.Lock()
_dummy_hash: str | None = None
TOTP_SECRET_BYTES = 20  # 160 bits, RFC 4226's recommended length for HMAC-SHA-1


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether `password` is the one hashed. With no hash (an unknown user, one without
    credentials) a fixed hash is verified all the same, so the answer takes as long
    whether or not the user exists."""
    target = password_hash if password_hash is not None else _dummy()
    try:
        ok = _hasher.verify(target, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    return ok and password_hash is not None


def needs_rehash(password_hash: str) -> bool:
    """The hash was made under other parameters than the hasher's now."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return False


def new_totp_secret() -> str:
    """A fresh TOTP secret, base32 as authenticator apps take it."""
    return pyotp.random_base32(length=32)  # 32 base32 characters: 160 bits


def totp_uri(secret: str, user: str, node_id: str) -> str:
    """The otpauth:// URI of the secret (a QR code of it is what apps scan)."""
    return pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_STEP_S).provisioning_uri(
        name=user, issuer_name=f"Argos {node_id}"
    )


def totp_code_at(secret: str, step: int) -> str:
    """The code of a secret for one RFC 6238 time step."""
    # generate_otp takes the RFC 6238 counter itself: no local-time conversion on the way.
    return pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_STEP_S).generate_otp(step)


def current_totp_code(secret: str, now: datetime) -> str:
    """The code an authenticator app shows at `now` (the demo and tests use it; a
    person reads it off their app)."""
    return totp_code_at(secret, totp_step(now))


def codes_match(expected: str, given: str) -> bool:
    """Constant-time comparison of two codes (a code of the wrong shape never matches)."""
    return hmac.compare_digest(expected.encode(), given.strip().encode())


def _dummy() -> str:
    global _dummy_hash
    with _dummy_lock:
        if _dummy_hash is None:
            _dummy_hash = _hasher.hash("argos: no such console user")
        return _dummy_hash
