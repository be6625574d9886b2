"""Shared secrets in owner-only files (a node's read-history secret, an adapter's
camera and node secrets): one reading rule for the node and the adapters."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from gateway.domain.errors import InvalidInput

MIN_SECRET_BYTES = 16


def read_secret(path: Path, what: str) -> bytes:
    """A shared secret from an owner-only file (surrounding whitespace stripped); never
    logged. InvalidInput names the file when it is missing, open to others or short."""
    try:
        info = os.stat(path)
        data = path.read_bytes().strip()
    except OSError as exc:
        raise InvalidInput(f"{what} {path}: {exc.strerror}") from None
    if info.st_mode & 0o077:
        mode = stat.S_IMODE(info.st_mode)
        raise InvalidInput(
            f"{what} {path} is readable by others (mode {mode:o}); run chmod 600 on it"
        )
    if len(data) < MIN_SECRET_BYTES:
        raise InvalidInput(f"{what} {path} holds less than {MIN_SECRET_BYTES} characters")
    return data
