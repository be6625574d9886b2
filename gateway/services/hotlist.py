"""This node's own hotlist: investigators add, change, withdraw and import entries.
Every change is audited by entry id (never by plate) and reaches partner feeds through
the projector (gateway.services.feed)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import structlog

from gateway.domain.errors import ArgosError, IllegalTransition, InvalidInput, NotFound
from gateway.domain.hotlist import HotlistEntry, check_entry, parse_action
from gateway.domain.ids import new_entry_id
from gateway.domain.plates import Plate
from gateway.services.context import Caller, NodeContext

log = structlog.get_logger(__name__)

MAX_REPORTED_ERRORS = 1000


@dataclass(frozen=True)
class EntryDraft:
    """An entry as a person or a file gives it, before any checking."""

    plate: str
    country: str
    category: str
    action: str
    expires_at: datetime | None
    flags: tuple[str, ...] = ()
    valid_from: datetime | None = None
    vehicle_description: str = ""
    contact: str = ""
    case_reference: str = ""
    entry_id: str = ""


@dataclass
class ImportResult:
    accepted: int = 0
    rejected: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    committed: bool = False

    def reject(self, line: int, reason: str) -> None:
        self.rejected += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append((line, reason))


class HotlistService:
    def __init__(self, ctx: NodeContext) -> None:
        self._ctx = ctx

    def build(self, draft: EntryDraft, *, previous: HotlistEntry | None = None) -> HotlistEntry:
        """A checked entry from a draft; raises InvalidInput naming the problem."""
        now = self._ctx.clock()
        if draft.expires_at is None:
            raise InvalidInput("every entry needs an expiry (its review date)")
        if draft.entry_id and previous is None:
            try:
                uuid.UUID(draft.entry_id)
            except ValueError:
                raise InvalidInput("entry id must be a UUID") from None
        entry = HotlistEntry(
            entry_id=previous.entry_id if previous else (draft.entry_id or new_entry_id()),
            owner=self._ctx.node_id,
            plate=Plate.parse(draft.plate, draft.country or None),
            category=draft.category.strip().lower(),
            action=parse_action(draft.action),
            flags=tuple(f.strip().lower() for f in draft.flags if f.strip()) if draft.flags else (),
            valid_from=_utc(draft.valid_from) or (previous.valid_from if previous else now),
            expires_at=_utc(draft.expires_at),
            vehicle_description=draft.vehicle_description,
            contact=draft.contact,
            case_reference=draft.case_reference,
            version=previous.version + 1 if previous else 1,
        )
        return check_entry(entry, now=now, max_review_days=self._ctx.max_review_days)

    def add(self, caller: Caller, draft: EntryDraft, justification: str) -> HotlistEntry:
        entry = self.build(draft)
        with self._ctx.database.transaction():
            if self._ctx.own_entries.get(entry.entry_id) is not None:
                raise InvalidInput(f"entry {entry.entry_id} already exists; update it instead")
            self._ctx.own_entries.save([entry], caller.name)
            self._audit(caller, "hotlist.add", entry, justification)
        return entry

    def update(
        self, caller: Caller, entry_id: str, draft: EntryDraft, justification: str
    ) -> HotlistEntry:
        with self._ctx.database.transaction():
            previous = self._existing(entry_id)
            if previous.withdrawn:
                raise IllegalTransition(f"entry {entry_id} is withdrawn; add a new entry instead")
            entry = self.build(draft, previous=previous)
            self._ctx.own_entries.save([entry], caller.name)
            self._audit(caller, "hotlist.update", entry, justification)
        return entry

    def withdraw(self, caller: Caller, entry_id: str, justification: str) -> HotlistEntry:
        if not justification.strip():
            raise InvalidInput("a withdrawal needs a stated reason")
        with self._ctx.database.transaction():
            entry = self._existing(entry_id).withdraw()
            self._ctx.own_entries.save([entry], caller.name)
            self._audit(caller, "hotlist.withdraw", entry, justification)
        return entry

    def get(self, caller: Caller, entry_id: str) -> HotlistEntry:
        entry = self._existing(entry_id)
        self._audit(caller, "hotlist.consult", entry, "")
        return entry

    def page(self, caller: Caller, after: str, limit: int, status: str = "") -> list[HotlistEntry]:
        now = self._ctx.clock()
        entries = self._ctx.own_entries.page(after, limit or 100)
        if status:
            entries = [e for e in entries if e.status(now).value == status]
        self._ctx.record(
            caller, "hotlist.list", "hotlist", self._ctx.node_id, details={"count": len(entries)}
        )
        return entries

    def import_rows(
        self,
        caller: Caller,
        chunks: Iterable[list[tuple[int, EntryDraft | str]]],
        *,
        keep_good: bool,
        source: str,
        justification: str,
    ) -> ImportResult:
        """Check and store rows (line, draft or parse error) in one transaction: all or
        nothing, unless keep_good asks to keep the valid rows."""
        result = ImportResult()
        try:
            with self._ctx.database.transaction():
                for chunk in chunks:
                    good = list(self._checked(chunk, result))
                    self._ctx.own_entries.save(good, caller.name)
                    result.accepted += len(good)
                if result.rejected and not keep_good:
                    raise _Abandon()
                self._ctx.record(
                    caller,
                    "hotlist.import",
                    "hotlist",
                    source or "import",
                    justification=justification,
                    details={"accepted": result.accepted, "rejected": result.rejected},
                )
            result.committed = True
        except _Abandon:
            result.accepted = 0
        log.info(
            "hotlist.import",
            accepted=result.accepted,
            rejected=result.rejected,
            committed=result.committed,
        )
        return result

    def _checked(
        self, chunk: list[tuple[int, EntryDraft | str]], result: ImportResult
    ) -> Iterator[HotlistEntry]:
        for line, row in chunk:
            if isinstance(row, str):
                result.reject(line, row)
                continue
            try:
                yield self.build(row)
            except ArgosError as exc:
                result.reject(line, str(exc))

    def _existing(self, entry_id: str) -> HotlistEntry:
        entry = self._ctx.own_entries.get(entry_id)
        if entry is None:
            raise NotFound(f"no entry {entry_id} in this node's hotlist")
        return entry

    def _audit(self, caller: Caller, action: str, entry: HotlistEntry, justification: str) -> None:
        self._ctx.record(
            caller,
            action,
            "entry",
            entry.entry_id,
            justification=justification,
            details={"version": entry.version, "category": entry.category},
        )


def _utc(value: datetime | None) -> datetime | None:
    # Stored times are UTC so that they order correctly as text.
    if value is None:
        return None
    if value.tzinfo is None:
        raise InvalidInput("times must carry a time zone (e.g. 2026-12-31T00:00:00Z)")
    return value.astimezone(UTC)


class _Abandon(Exception):
    """Roll the import back: some rows were bad and the user wants all or nothing."""
