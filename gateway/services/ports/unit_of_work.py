"""The unit of work: every repository, over one transaction.

A service opens one with `store.write()`, does its reads and writes through the
repositories, and calls `commit()`; leaving the block without `commit()` (a refusal
raised half-way, an early return) rolls everything back. A write opened inside another
write of the same thread is a nested unit: its commit keeps its changes for the outer
one to commit, and leaving it without commit undoes only its own changes.

`store.read()` gives the committed state (inside this thread's own write: that write's
changes) without waiting for a writer; `store.snapshot()` one consistent view for a
long read, such as streaming a feed, that must not see half of a later change.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Protocol

from gateway.services.ports.agreements import AgreementRepository
from gateway.services.ports.alert_log import AlertLogRepository
from gateway.services.ports.audit import AuditRepository
from gateway.services.ports.confirmations import ConfirmationRepository
from gateway.services.ports.feed import FeedRepository
from gateway.services.ports.hits import HitRepository
from gateway.services.ports.hotlist import OwnEntryRepository
from gateway.services.ports.isc import IscRepository
from gateway.services.ports.outbox import OutboxRepository
from gateway.services.ports.partner_changes import PartnerChangeRepository
from gateway.services.ports.read_batches import ReadBatchRepository
from gateway.services.ports.received import ReceivedRepository
from gateway.services.ports.registry import PartnerRepository, UserRepository
from gateway.services.ports.retention import RetentionRepository
from gateway.services.ports.sessions import SessionRepository
from gateway.services.ports.signed import SignedRecordRepository


class UnitOfWork(Protocol):
    @property
    def agreements(self) -> AgreementRepository: ...
    @property
    def partners(self) -> PartnerRepository: ...
    @property
    def signed(self) -> SignedRecordRepository: ...
    @property
    def users(self) -> UserRepository: ...
    @property
    def own_entries(self) -> OwnEntryRepository: ...
    @property
    def received(self) -> ReceivedRepository: ...
    @property
    def feed(self) -> FeedRepository: ...
    @property
    def hits(self) -> HitRepository: ...
    @property
    def outbox(self) -> OutboxRepository: ...
    @property
    def confirmations(self) -> ConfirmationRepository: ...
    @property
    def isc(self) -> IscRepository: ...
    @property
    def audit(self) -> AuditRepository: ...
    @property
    def partner_changes(self) -> PartnerChangeRepository: ...
    @property
    def retention(self) -> RetentionRepository: ...
    @property
    def read_batches(self) -> ReadBatchRepository: ...
    @property
    def alert_log(self) -> AlertLogRepository: ...
    @property
    def sessions(self) -> SessionRepository: ...

    def commit(self) -> None:
        """Keep what this unit wrote (a read unit has nothing to keep and refuses)."""


class Store(Protocol):
    """A node's database, whatever engine holds it."""

    # Why this store cannot copy itself to a file (a PostgreSQL store is backed up with
    # PostgreSQL's own tools), or None: `argos backup` refuses before it records a
    # backup, and copy_to raises InvalidInput with this text.
    copy_refusal: str | None

    def write(self, *, refetchable: bool = False) -> AbstractContextManager[UnitOfWork]:
        """One write transaction. `refetchable`: everything the unit writes can be
        fetched again from a partner if it is lost (a batch of a partner's signed feed,
        with the cursor it moves), so the store may return from commit before the
        commit is on disk: a crash then loses whole recent units, never part of one,
        and the node asks for them again. Never for anything a node could not get back
        (a hit, a confirmation, a queued message)."""
        ...

    def read(self) -> AbstractContextManager[UnitOfWork]: ...

    def snapshot(self) -> AbstractContextManager[UnitOfWork]: ...

    def copy_to(self, target: Path) -> None:
        """Write a consistent copy of the whole database to `target` (a new file) while
        the node keeps writing."""

    def close(self) -> None: ...
