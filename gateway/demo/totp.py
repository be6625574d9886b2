"""The code an authenticator app shows now for a TOTP secret (RFC 6238: HMAC-SHA1, 30 s
steps, 6 digits), for the demo's console users and the console tests, who have no
phone. `python -m gateway.demo.totp FILE` prints the current code of the base32 secret
in FILE. The node checks codes with its own implementation; this one only makes them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import sys
import time
from pathlib import Path

STEP_S = 30
DIGITS = 6


def totp_code(secret: str, at: float | None = None, digits: int = DIGITS) -> str:
    """The code of base32 `secret` at time `at` (now by default)."""
    key = base64.b32decode(secret.strip().upper() + "=" * (-len(secret.strip()) % 8))
    counter = int((time.time() if at is None else at) // STEP_S)
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m gateway.demo.totp SECRET_FILE", file=sys.stderr)
        return 2
    print(totp_code(Path(argv[0]).read_text()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
