"""The plate-token master secrets of this node, one owner-only file per epoch in the node
folder: token.key is epoch 0 (made at init), token.key.<n> is epoch n (made by `argos
keys rotate token`). Erasing epoch 0 overwrites token.key with fresh bytes that serve
nothing (the backup format expects the file); erasing a later epoch removes its file."""

from __future__ import annotations

import secrets
import threading
from pathlib import Path

from gateway.node.config import TOKEN_KEY_FILE, NodeConfig, _read_secret, write_private


class FileTokenSecrets:
    def __init__(self, home: Path) -> None:
        self._home = home
        self._cache: dict[int, bytes] = {}
        self._lock = threading.Lock()

    @classmethod
    def of(cls, config: NodeConfig) -> FileTokenSecrets:
        return cls(config.home)

    def path(self, epoch: int) -> Path:
        name = TOKEN_KEY_FILE if epoch == 0 else f"{TOKEN_KEY_FILE}.{epoch}"
        return self._home / name

    def master(self, epoch: int) -> bytes | None:
        with self._lock:
            if epoch not in self._cache:
                path = self.path(epoch)
                if not path.is_file():
                    return None
                self._cache[epoch] = _read_secret(path)
            return self._cache[epoch]

    def create(self, epoch: int) -> None:
        with self._lock:
            path = self.path(epoch)
            path.unlink(missing_ok=True)  # left by a rotation that never committed
            write_private(path, secrets.token_bytes(32).hex().encode() + b"\n")
            self._cache.pop(epoch, None)

    def erase(self, epoch: int) -> None:
        with self._lock:
            self._cache.pop(epoch, None)
            path = self.path(epoch)
            path.unlink(missing_ok=True)
            if epoch == 0:
                write_private(path, secrets.token_bytes(32).hex().encode() + b"\n")
