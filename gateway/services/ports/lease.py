"""The lease: exactly one active node per port. Two `argos serve` processes of one port
share one database; the one holding the lease serves partners and runs the loops that
must happen once, the other waits as the standby and takes the lease when it is lost.

A backend holds the lease with something the database (or the file system) ends by
itself when the holder dies: an advisory lock of the holder's session, a lock on an
open file. Nothing here knows which."""

from __future__ import annotations

from typing import Protocol


class Lease(Protocol):
    def try_acquire(self) -> bool:
        """Take the lease if nobody holds it; True when this process holds it now.
        Never waits for a holder to let go, and an unreachable database is False."""
        ...

    def still_held(self) -> bool:
        """Whether the lease is still this process's: the node checks it every
        lease_check_s and stops being active at once when it is not."""
        ...

    def holder(self) -> str | None:
        """Who holds the lease, where the backend can tell (ids only, never a secret)."""
        ...

    def release(self) -> None:
        """Let go of the lease (a graceful stop); the standby may take it at once."""
        ...
