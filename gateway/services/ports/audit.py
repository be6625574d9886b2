"""The audit log: records appended in the caller's unit of work, read back in the
order they were appended, and the signed head that pins the end of the log."""

from __future__ import annotations

from typing import Protocol

from gateway.domain.audit import AuditHead, AuditRecord


class AuditRepository(Protocol):
    def last(self) -> AuditRecord | None:
        """The newest record (the one the next record chains to)."""

    def append(self, record: AuditRecord, head_signature: bytes) -> None:
        """Append `record` and make it the signed head."""

    def records(self, after_seq: int = 0, limit: int | None = None) -> list[AuditRecord]:
        """Records after `after_seq`, in the order they were appended. Raises ValueError
        when a stored record cannot be read back."""

    def head(self) -> tuple[AuditHead, bytes] | None:
        """The signed head and its signature; None when there is none."""

    def count(self) -> int: ...
