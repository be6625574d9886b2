"""Numbered SQL migrations, as each store keeps them in a folder of its own."""

from __future__ import annotations

from importlib.resources.abc import Traversable


def numbered_scripts(folder: Traversable) -> list[tuple[int, str, str]]:
    """(number, name, sql) of every NNNN_name.sql in `folder`, in order; numbered
    1..n without gaps, or a RuntimeError saying which numbers are there."""
    scripts = []
    for entry in folder.iterdir():
        name = entry.name
        if name.endswith(".sql"):
            scripts.append((int(name.split("_", 1)[0]), name, entry.read_text()))
    numbers = [n for n, _, _ in sorted(scripts)]
    if numbers != list(range(1, len(numbers) + 1)):
        raise RuntimeError(f"migrations are not numbered 1..n without gaps: {numbers}")
    return sorted(scripts)
