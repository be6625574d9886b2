"""Console credentials and sessions (issue 18): what the node keeps of a user's console
log-in (a password hash, a TOTP secret, the last TOTP step used) and of each session
it holds (by the hash of its token; a public id for lists). Nothing here holds a
password, a TOTP code or a session token in the clear."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple, Protocol

from gateway.domain.sessions import ConsoleSession
from gateway.services.ports.retention import Held


class ConsoleCredentials(NamedTuple):
    user: str
    password_hash: str  # Argon2id, PHC string form
    totp_secret: str  # base32
    last_totp_step: int | None
    set_at: datetime


class SessionRepository(Protocol):
    # -- credentials --------------------------------------------------------------------

    def credentials(self, user: str) -> ConsoleCredentials | None: ...

    def set_credentials(self, credentials: ConsoleCredentials) -> None:
        """Keep them, replacing the user's earlier ones."""

    def set_password_hash(self, user: str, password_hash: str) -> None:
        """The same password hashed again (its parameters changed)."""

    def use_totp_step(self, user: str, step: int) -> bool:
        """Mark `step` used: True if it is newer than the last one used (and is now the
        last); False, changing nothing, if it is not (a replay), in one statement, so
        two log-ins racing with one code cannot both have it."""

    def remove_credentials(self, user: str) -> bool: ...

    # -- sessions -----------------------------------------------------------------------

    def add(self, session: ConsoleSession, token_sha256: str) -> None: ...

    def by_token_hash(self, token_sha256: str) -> ConsoleSession | None: ...

    def get(self, session_id: str) -> ConsoleSession | None: ...

    def open_sessions(self, user: str | None = None) -> list[ConsoleSession]:
        """Sessions not ended (of `user`, or everyone's), oldest first."""

    def touch(self, session_id: str, at: datetime) -> None:
        """Note a use of an open session (its idle clock starts again)."""

    def set_fresh_until(self, session_id: str, until: datetime, seen_at: datetime) -> None: ...

    def end(self, session_id: str, at: datetime, reason: str) -> bool:
        """End an open session: True once; False (and nothing changed) if it had ended."""

    # -- retention ----------------------------------------------------------------------

    def ended_due(self, cutoff: datetime, limit: int = 1000) -> list[str]:
        """Ids of sessions ended at or before `cutoff`, oldest first."""

    def erase(self, session_ids: Sequence[str]) -> int: ...

    def held(self, now: datetime, days: int) -> Held:
        """Ended sessions held (open ones have no retention clock yet: counted, not
        due); past limit: ended `days` or more before `now`."""
