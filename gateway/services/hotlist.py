"""This node's own hotlist: investigators add, change, withdraw and import entries.
Every change is audited by entry id (never by plate) and reaches partner feeds through
the projector (gateway.services.feed)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import structlog

from gateway.domain.errors import ArgosError, IllegalTransition, InvalidInput, NotFound
from gateway.domain.hotlist import HotlistEntry, check_entry, parse_action
from gateway.domain.ids import new_entry_id
from gateway.domain.plates import Plate
from gateway.domain.roles import Action
from gateway.domain.times import whole_ms
from gateway.services.access import requires
from gateway.services.context import Caller, NodeContext
from gateway.services.ports import UnitOfWork

log = structlog.get_logger(__name__)

MAX_REPORTED_ERRORS = 1000
# Entries read per store page while looking for entries of one status (see _page_of).
STATUS_SCAN_PAGE = 500


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


@dataclass(frozen=True)
class EntryView:
    """An own entry as the people who manage it see it."""

    entry: HotlistEntry
    created_by: str


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
    def __init__(self, ctx: NodeContext, on_changed: Callable[[], None] = lambda: None) -> None:
        self._ctx = ctx
        # Wakes the feed projector: own entries changed (it also polls; this is speed).
        self._on_changed = on_changed

    def build(
        self,
        draft: EntryDraft,
        *,
        previous: HotlistEntry | None = None,
        now: datetime | None = None,
    ) -> HotlistEntry:
        """A checked entry from a draft; raises InvalidInput naming the problem. `now`:
        the clock as the caller read it (an import reads it once per chunk of rows)."""
        now = now or self._ctx.now()
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

    @requires(Action.HOTLIST_MANAGE)
    def add(self, caller: Caller, draft: EntryDraft, justification: str) -> EntryView:
        entry = self.build(draft)
        with self._ctx.store.write() as uow:
            if uow.own_entries.get(entry.entry_id) is not None:
                raise InvalidInput(f"entry {entry.entry_id} already exists; update it instead")
            uow.own_entries.save([entry], caller.name)
            self._audit(uow, caller, "hotlist.add", entry, justification)
            uow.commit()
        self._on_changed()
        return EntryView(entry, caller.name)

    @requires(Action.HOTLIST_MANAGE)
    def update(
        self, caller: Caller, entry_id: str, draft: EntryDraft, justification: str
    ) -> EntryView:
        with self._ctx.store.write() as uow:
            previous = self._existing(uow, entry_id)
            if previous.withdrawn:
                raise IllegalTransition(f"entry {entry_id} is withdrawn; add a new entry instead")
            entry = self.build(draft, previous=previous)
            uow.own_entries.save([entry], caller.name)
            self._audit(uow, caller, "hotlist.update", entry, justification)
            created_by = uow.own_entries.created_by(entry_id) or ""
            uow.commit()
        self._on_changed()
        return EntryView(entry, created_by)

    @requires(Action.HOTLIST_MANAGE)
    def withdraw(self, caller: Caller, entry_id: str, justification: str) -> EntryView:
        if not justification.strip():
            raise InvalidInput("a withdrawal needs a stated reason")
        with self._ctx.store.write() as uow:
            entry = self._existing(uow, entry_id).withdraw()
            uow.own_entries.save([entry], caller.name)
            self._audit(uow, caller, "hotlist.withdraw", entry, justification)
            created_by = uow.own_entries.created_by(entry_id) or ""
            uow.commit()
        self._on_changed()
        return EntryView(entry, created_by)

    @requires(Action.HOTLIST_READ)
    def get(self, caller: Caller, entry_id: str) -> EntryView:
        with self._ctx.store.write() as uow:
            entry = self._existing(uow, entry_id)
            self._audit(uow, caller, "hotlist.consult", entry, "")
            created_by = uow.own_entries.created_by(entry_id) or ""
            uow.commit()
        return EntryView(entry, created_by)

    @requires(Action.HOTLIST_READ)
    def page(self, caller: Caller, after: str, limit: int, status: str = "") -> list[EntryView]:
        now = self._ctx.now()
        limit = limit or 100
        with self._ctx.store.write() as uow:
            entries = self._page_of(uow, after, limit, status, now)
            views = [EntryView(e, uow.own_entries.created_by(e.entry_id) or "") for e in entries]
            self._ctx.record(
                caller,
                "hotlist.list",
                "hotlist",
                self._ctx.node_id,
                uow=uow,
                details={"count": len(entries)},
            )
            uow.commit()
        return views

    @staticmethod
    def _page_of(
        uow: UnitOfWork, after: str, limit: int, status: str, now: datetime
    ) -> list[HotlistEntry]:
        """Up to `limit` entries after `after` in entry id order, of `status` if one is
        asked for. A status depends on the time (an entry expires by itself), so the
        store cannot select by it: the store's pages are read on until `limit` entries
        of that status are found or the list ends (a filter applied to one page alone
        would return short or empty pages while later entries match)."""
        if not status:
            return uow.own_entries.page(after, limit)
        found: list[HotlistEntry] = []
        step = max(limit, STATUS_SCAN_PAGE)
        while len(found) < limit:
            batch = uow.own_entries.page(after, step)
            found += [e for e in batch if e.status(now).value == status]
            if len(batch) < step:
                break
            after = batch[-1].entry_id
        return found[:limit]

    @requires(Action.HOTLIST_MANAGE)
    def import_rows(
        self,
        caller: Caller,
        chunks: Iterable[list[tuple[int, EntryDraft | str]]],
        *,
        keep_good: bool,
        source: str,
        justification: str,
        dry_run: bool = False,
    ) -> ImportResult:
        """Check and store rows (line, draft or parse error) in one transaction: all or
        nothing, unless keep_good asks to keep the valid rows. A dry run checks every
        row the same way and stores none (accepted: the rows that would be); the check
        itself is audited, by counts."""
        result = ImportResult()
        with self._ctx.store.write() as uow:
            for chunk in chunks:
                good = list(self._checked(chunk, result))
                if not dry_run:
                    uow.own_entries.save(good, caller.name)
                result.accepted += len(good)
            if dry_run:
                self._ctx.record(
                    caller,
                    "hotlist.import_check",
                    "hotlist",
                    source or "import",
                    uow=uow,
                    details={"accepted": result.accepted, "rejected": result.rejected},
                )
                uow.commit()
            elif result.rejected and not keep_good:
                result.accepted = 0  # all or nothing: leaving without commit undoes it
            else:
                self._ctx.record(
                    caller,
                    "hotlist.import",
                    "hotlist",
                    source or "import",
                    uow=uow,
                    justification=justification,
                    details={"accepted": result.accepted, "rejected": result.rejected},
                )
                uow.commit()
                result.committed = True
        if result.committed:
            self._on_changed()
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
        now = self._ctx.now()  # once per chunk, not per row: a million rows per import
        for line, row in chunk:
            if isinstance(row, str):
                result.reject(line, row)
                continue
            try:
                yield self.build(row, now=now)
            except ArgosError as exc:
                result.reject(line, str(exc))

    @staticmethod
    def _existing(uow: UnitOfWork, entry_id: str) -> HotlistEntry:
        entry = uow.own_entries.get(entry_id)
        if entry is None:
            raise NotFound(f"no entry {entry_id} in this node's hotlist")
        return entry

    def _audit(
        self,
        uow: UnitOfWork,
        caller: Caller,
        action: str,
        entry: HotlistEntry,
        justification: str,
    ) -> None:
        self._ctx.record(
            caller,
            action,
            "entry",
            entry.entry_id,
            uow=uow,
            justification=justification,
            details={"version": entry.version, "category": entry.category},
        )


def _utc(value: datetime | None) -> datetime | None:
    # Stored times are UTC, to the millisecond (gateway.domain.times).
    if value is None:
        return None
    if value.tzinfo is None:
        raise InvalidInput("times must carry a time zone (e.g. 2026-12-31T00:00:00Z)")
    return whole_ms(value.astimezone(UTC))
