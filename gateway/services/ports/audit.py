"""The audit log: records appended in the caller's unit of work, read back in the
order they were appended, the signed head that pins the end of the log, and the signed
anchors that stand in for prefixes erased when their retention ended."""

from __future__ import annotations

from typing import Protocol

from gateway.domain.audit import AuditHead, AuditRecord
from gateway.domain.audit_anchor import AuditAnchor
from gateway.domain.audit_query import AuditQuery


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

    def oldest(self, before: str, limit: int) -> list[AuditRecord]:
        """The longest prefix, at most `limit` records, whose every record is older than
        `before` (stored time form)."""

    def erase_first(self, count: int) -> int:
        """Erase the first `count` records (the prefix `oldest` read in this unit)."""

    def add_anchor(self, anchor: AuditAnchor, signature: bytes) -> None: ...

    def anchors(self) -> list[tuple[AuditAnchor, bytes]]:
        """Every anchor and its signature, oldest first."""

    def between(self, start: str, end: str) -> list[AuditRecord]:
        """The contiguous run of records from the first at or after `start` to the last
        before `end`. Raises ValueError when a stored record cannot be read back."""

    def find(
        self,
        query: AuditQuery,
        *,
        after_seq: int = 0,
        before_seq: int = 0,
        newest_first: bool = False,
        limit: int = 1000,
    ) -> list[AuditRecord]:
        """The records `query` asks for (gateway.domain.audit_query), after `after_seq`
        and before `before_seq` (0: unbounded), in the order appended or newest first."""

    def counts(
        self, query: AuditQuery
    ) -> tuple[int, list[tuple[str, int]], list[tuple[str, str, int]]]:
        """Records `query` matches: the total, per action, per (actor kind, actor)."""
