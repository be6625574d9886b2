"""A unit of work over one pooled PostgreSQL connection: each repository is made the
first time a service asks for it, all on the same connection and so in the same
transaction."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from gateway.store.postgresql.agreements import PgAgreements
from gateway.store.postgresql.alert_log import PgAlertLog
from gateway.store.postgresql.audit import PgAudit
from gateway.store.postgresql.confirmations import PgConfirmations
from gateway.store.postgresql.feed import PgFeed
from gateway.store.postgresql.hits import PgHits
from gateway.store.postgresql.hotlist import PgOwnEntries
from gateway.store.postgresql.isc import PgIsc
from gateway.store.postgresql.outbox import PgOutbox
from gateway.store.postgresql.partner_changes import PgPartnerChanges
from gateway.store.postgresql.read_batches import PgReadBatches
from gateway.store.postgresql.received import PgReceived
from gateway.store.postgresql.registry import PgPartners, PgUsers
from gateway.store.postgresql.retention import PgRetention
from gateway.store.postgresql.sessions import PgSessions
from gateway.store.postgresql.signed import PgSignedRecords

if TYPE_CHECKING:
    from gateway.store.postgresql.connection import PgConnection
    from gateway.store.postgresql.database import PostgresStore


class PgUnitOfWork:
    def __init__(self, conn: PgConnection, store: PostgresStore, *, writable: bool) -> None:
        self.conn = conn
        self.store = store
        self.writable = writable
        self.committed = False

    def commit(self) -> None:
        if not self.writable:
            raise RuntimeError("a read unit of work has nothing to commit")
        self.committed = True

    def now_text(self) -> str:
        """The store's clock, in the stored form."""
        return self.store.now_text()

    @cached_property
    def agreements(self) -> PgAgreements:
        return PgAgreements(self)

    @cached_property
    def partners(self) -> PgPartners:
        return PgPartners(self)

    @cached_property
    def signed(self) -> PgSignedRecords:
        return PgSignedRecords(self)

    @cached_property
    def users(self) -> PgUsers:
        return PgUsers(self)

    @cached_property
    def own_entries(self) -> PgOwnEntries:
        return PgOwnEntries(self)

    @cached_property
    def received(self) -> PgReceived:
        return PgReceived(self)

    @cached_property
    def feed(self) -> PgFeed:
        return PgFeed(self)

    @cached_property
    def hits(self) -> PgHits:
        return PgHits(self)

    @cached_property
    def outbox(self) -> PgOutbox:
        return PgOutbox(self)

    @cached_property
    def confirmations(self) -> PgConfirmations:
        return PgConfirmations(self)

    @cached_property
    def isc(self) -> PgIsc:
        return PgIsc(self)

    @cached_property
    def audit(self) -> PgAudit:
        return PgAudit(self)

    @cached_property
    def partner_changes(self) -> PgPartnerChanges:
        return PgPartnerChanges(self)

    @cached_property
    def retention(self) -> PgRetention:
        return PgRetention(self)

    @cached_property
    def read_batches(self) -> PgReadBatches:
        return PgReadBatches(self)

    @cached_property
    def alert_log(self) -> PgAlertLog:
        return PgAlertLog(self)

    @cached_property
    def sessions(self) -> PgSessions:
        return PgSessions(self)
