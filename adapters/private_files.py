"""Files and folders an adapter creates are its owner's alone from the first byte: files
0600, folders 0700, given as the mode to os.open / os.mkdir (never a chmod after, which
leaves a moment in which another local user may open the file and keep it open). They
hold plates, pictures of vehicles and their occupants, or hotlists."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def private_folder(path: Path) -> None:
    """`path` as a folder, each missing part of it created for its owner only. A folder
    that exists is left as it is: it may be the operator's (the settings file's own)."""
    missing: list[Path] = []
    at = path
    while not at.exists() and at.parent != at:
        missing.append(at)
        at = at.parent
    for folder in reversed(missing):
        try:
            os.mkdir(folder, FOLDER_MODE)
        except FileExistsError:
            pass  # made meanwhile by another thread; checked below
    if not path.is_dir():
        raise NotADirectoryError(f"{path} is not a folder")


def write_private(path: Path, data: bytes) -> Path:
    """Write `data` as `path`, owner-only, replacing a file of that name whole: written
    first under a temporary name beside it (created with O_EXCL and O_NOFOLLOW, so
    nothing planted there is written through), then renamed over `path`, so that a
    reader sees the old file or the new one, never half of one."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    fd = os.open(temporary, flags, FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path
