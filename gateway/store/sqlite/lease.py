"""The lease of a node on SQLite: an exclusive lock (flock) on a file beside the
database, held for as long as the node runs. The kernel drops it when the process dies,
however it dies, so a second `argos serve` on the same database waits as the standby
instead of writing beside the first."""

from __future__ import annotations

import fcntl
import os
import socket
from pathlib import Path

LEASE_SUFFIX = ".lease"


def lease_path(db_path: Path) -> Path:
    """The lock file beside the database (symbolic links resolved, so two names of one
    database share one lease)."""
    db = Path(db_path).resolve()
    return db.with_name(db.name + LEASE_SUFFIX)


class SqliteLease:
    """The Lease port over flock(2) (see gateway.services.ports.lease)."""

    def __init__(self, db_path: Path, node_id: str) -> None:
        self.path = lease_path(db_path)
        self.node_id = node_id
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        if self._fd is not None:
            return self.still_held()
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except BaseException:
            os.close(fd)
            raise
        # Who holds it, for the standby's log line and `argos status`.
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{self.node_id} pid {os.getpid()} on {socket.gethostname()}\n".encode(), 0)
        self._fd = fd
        return True

    def still_held(self) -> bool:
        """The lock is ours while our descriptor is open AND it is still the file at the
        lease's path: a removed or replaced lock file would let a second node lock a
        new one beside us."""
        if self._fd is None:
            return False
        try:
            ours, there = os.fstat(self._fd), os.stat(self.path)
        except OSError:
            return False
        return (ours.st_dev, ours.st_ino) == (there.st_dev, there.st_ino)

    def holder(self) -> str | None:
        try:
            text = self.path.read_text(errors="replace").strip()
        except OSError:
            return None
        return text[:200] or None

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
        except OSError:
            pass
        os.close(fd)  # closing the descriptor drops the lock
