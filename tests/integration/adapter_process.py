"""An inbound adapter as its own process (`argos adapter run KIND --config FILE`), for
tests that look at what it leaves on disk and what it writes to its terminal: its
output in a file (or, with `terminal=True`, on a pseudo-terminal, so that the process
logs as it does for a person watching it), pushes over its real HTTP listener."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import struct
import subprocess
import sys
import termios
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from gateway.federation import argos_command
from tests.integration.adapter_support import KEY_HEADER
from tests.integration.hotlist_support import wait_until

# The one camera these adapters take pushes from: a shared secret in a header, over
# plain HTTP on loopback (what is attacked here is not the camera edge: that is
# tests/integration/test_adapter_edge.py).
CAMERA = "cam-test"
CAMERA_SECRET = "cam-test-secret-0123456789"


def adapter_settings(home: Path, node, token: Path, **settings: object) -> Path:
    """An adapter's settings file in `home` (which the adapter's relative defaults
    put everything under), for `node`; TOML tables as dicts."""
    home.mkdir(parents=True, exist_ok=True)
    secret = home / f"{CAMERA}.secret"
    secret.write_text(CAMERA_SECRET + "\n")
    secret.chmod(0o600)
    lines = [
        f"node_socket = {json.dumps(str(node.home / 'admin.sock'))}",
        f"token_file = {json.dumps(str(token))}",
        'site = "kennedy-tunnel"',
        'listen = "127.0.0.1:0"',
        "allow_plain_http = true",
    ]
    settings = {
        **settings,
        "cameras": {CAMERA: {"secret_header": KEY_HEADER, "secret_file": str(secret)}},
    }
    tables = {k: v for k, v in settings.items() if isinstance(v, dict)}
    lines += [f"{k} = {json.dumps(v)}" for k, v in settings.items() if k not in tables]
    for name, table in tables.items():
        if name == "cameras":
            for camera, fields in table.items():
                lines += [
                    f"[cameras.{camera}]",
                    *(f"{k} = {json.dumps(v)}" for k, v in fields.items()),
                ]
            continue
        lines += [f"[{name}]", *(f"{k} = {json.dumps(v)}" for k, v in table.items())]
    path = home / "adapter.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


class AdapterProcess:
    def __init__(
        self,
        kind: str,
        config: Path,
        *,
        umask: int | None = None,
        terminal: bool = False,
        before: str = "",
    ) -> None:
        """`before`: Python run in the adapter's process before the argos command (a
        fault to inject); `terminal`: on a pseudo-terminal 400 columns wide."""
        self.output = config.with_suffix(f".{time.monotonic_ns()}.out")
        arguments = ["adapter", "run", kind, "--config", str(config)]
        command = [*argos_command(), *arguments]
        if before:
            run = "from gateway.cli.main import main; main()"
            command = [sys.executable, "-c", f"{before}\n{run}", *arguments]
        self._copier: threading.Thread | None = None
        umask = -1 if umask is None else umask  # -1: the test process's own
        if terminal:
            leader, follower = pty.openpty()
            # Wide enough that no line is wrapped: a wrapped line could split a plate.
            fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 400, 0, 0))
            self.process = subprocess.Popen(
                command, stdout=follower, stderr=follower, stdin=subprocess.DEVNULL, umask=umask
            )
            os.close(follower)
            self._copier = threading.Thread(target=self._copy, args=(leader,), daemon=True)
            self._copier.start()
        else:
            with self.output.open("w") as out:
                self.process = subprocess.Popen(
                    command, stdout=out, stderr=subprocess.STDOUT, umask=umask
                )
        self.port = wait_until(self._listening, timeout=60, what=f"the {kind} adapter to listen")

    def _copy(self, leader: int) -> None:
        """The terminal's output into the output file, until the process closes it."""
        with self.output.open("wb") as out:
            while True:
                try:
                    data = os.read(leader, 65536)
                except OSError:  # EIO: the process is gone and its terminal with it
                    break
                if not data:
                    break
                out.write(data)
                out.flush()
        os.close(leader)

    def _listening(self) -> int | None:
        text = self.output.read_text(errors="replace") if self.output.exists() else ""
        for line in text.splitlines():
            if "adapter listening on port" in line:
                return int(line.strip().rsplit(" ", 1)[1])
        assert self.process.poll() is None, text
        return None

    def text(self) -> str:
        return self.output.read_text(errors="replace")

    def logged(self) -> list[dict]:
        """The JSON log lines (when not on a terminal)."""
        return [json.loads(line) for line in self.text().splitlines() if line.startswith("{")]

    def post(self, body: bytes, content_type: str) -> tuple[int, dict]:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/",
            data=body,
            headers={"Content-Type": content_type, KEY_HEADER: CAMERA_SECRET},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def stop(self) -> str:
        """Stop it (Ctrl-C: it stops cleanly); everything it wrote."""
        if self.process.poll() is None:
            self.process.send_signal(2)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self._copier is not None:
            self._copier.join(timeout=10)
        return self.text()


def drop_file(folder: Path, name: str, text: str) -> Path:
    """Drop a file of reads as a backend should: written beside the folder, then moved
    in whole, so that the adapter never takes it half written."""
    staged = folder.parent / f".{name}.staged"
    staged.write_text(text)
    return staged.replace(folder / name)
