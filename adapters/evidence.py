"""Images a camera pushed with its reads, kept in the adapter's images folder under names
the adapter makes, never under a name taken from the payload: a picture id is whatever
the sender wrote, so a second push reusing one (by mistake or to replace the picture
behind a hit) must land beside the first, not over it.

A name is the SHA-256 of the camera that pushed (as authenticated at the listener), the
picture id and the image bytes. The same camera resending the same event (a retry after
a lost answer) finds its image already there; anything else gets a name of its own. A
file is created once, owner-only, and never opened for writing again."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from pathlib import Path

IMAGE_NAME = re.compile(r"img-[0-9a-f]{40}\.jpg")


def image_name(camera: str, picture_id: str, data: bytes) -> str:
    digest = hashlib.sha256()
    for part in (camera.encode(), picture_id.encode("utf-8", "replace"), data):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return f"img-{digest.hexdigest()[:40]}.jpg"


def keep_images(
    folder: Path,
    camera: str,
    images: Mapping[str, bytes],
    created: list[Path] | None = None,
) -> dict[str, str]:
    """Write each image (picture id -> bytes) under its own name; the name each picture
    id was kept under. The files this call made are added to `created`: only those may
    be taken back if the reads are not kept (a retry finds its image already there, and
    that one belongs to the reads that were)."""
    kept: dict[str, str] = {}
    for picture_id, data in images.items():
        name = image_name(camera, picture_id, data)
        if not (folder / name).exists() and _create(folder, name, data) and created is not None:
            created.append(folder / name)
        kept[picture_id] = name
    return kept


def _create(folder: Path, name: str, data: bytes) -> bool:
    """Write a new file whole, then link it under its name: a reader (or a crash)
    never sees half an image under it, and an existing file is never replaced. True if
    this call made it."""
    partial = folder / f".{name}.{os.urandom(6).hex()}.part"
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.link(partial, folder / name)
        return True
    except FileExistsError:
        return False  # the same camera, picture id and bytes, kept meanwhile
    finally:
        partial.unlink(missing_ok=True)


def image_ref(ref: str, kept: Mapping[str, str]) -> str:
    """A read's image_ref as the node gets it: the adapter's own name for an image it
    kept; a vendor's reference to its own storage (an agent's image uuid, a share path)
    as sent, unless it poses as one of the adapter's names."""
    if ref in kept:
        return kept[ref]
    return "" if IMAGE_NAME.fullmatch(ref) else ref
