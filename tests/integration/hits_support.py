"""Helpers for hit tests: camera reads as files, the alert stream, hits as listed."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from gateway.federation import argos_command
from tests.integration.hotlist_support import wait_until


def reads_file(path: Path, reads: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in reads))
    return path


def read(plate: str, country: str = "BE", **extra) -> dict:
    return {
        "plate": plate,
        "country": country,
        "confidence": 0.9,
        "camera": "cam-7",
        "site": "kennedy-tunnel",
        "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "direction": "in",
        "image_ref": "img://cam-7/0001.jpg",
        **extra,
    }


def configure(node, **settings) -> None:
    with (node.home / "node.toml").open("a") as f:
        for key, value in settings.items():
            f.write(f"{key} = {json.dumps(value)}\n")


def watch(node, operator: Path, count: int, *after: str) -> subprocess.Popen:
    """`argos alerts watch --json --count N [--from P]`: an operator's screen."""
    return subprocess.Popen(
        [
            *argos_command(),
            "alerts",
            "watch",
            "--home",
            str(node.home),
            "--token-file",
            str(operator),
            "--count",
            str(count),
            "--json",
            *after,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_watching(node) -> None:
    # The watcher is in once the node has audited its watch.
    def watching() -> bool:
        records = node.json("audit", "list", "--limit", "1000")
        return any(r["action"] == "alerts.watch" for r in records)

    wait_until(watching, what="the alert watcher to connect")


def hits(node, token: Path, *extra: str) -> list[dict]:
    return json.loads(node.argos("hits", "list", "--json", *extra, token_file=token).stdout)
