"""A unit of work over one SQLite connection: each repository is made the first time a
service asks for it, all on the same connection and so in the same transaction."""

from __future__ import annotations

import sqlite3
from functools import cached_property
from typing import TYPE_CHECKING

from gateway.store.sqlite.agreements import SqliteAgreements
from gateway.store.sqlite.alert_log import SqliteAlertLog
from gateway.store.sqlite.audit import SqliteAudit
from gateway.store.sqlite.confirmations import SqliteConfirmations
from gateway.store.sqlite.feed import SqliteFeed
from gateway.store.sqlite.hits import SqliteHits
from gateway.store.sqlite.hotlist import SqliteOwnEntries
from gateway.store.sqlite.isc import SqliteIsc
from gateway.store.sqlite.outbox import SqliteOutbox
from gateway.store.sqlite.partner_changes import SqlitePartnerChanges
from gateway.store.sqlite.read_batches import SqliteReadBatches
from gateway.store.sqlite.received import SqliteReceived
from gateway.store.sqlite.registry import SqlitePartners, SqliteUsers
from gateway.store.sqlite.retention import SqliteRetention
from gateway.store.sqlite.sessions import SqliteSessions
from gateway.store.sqlite.signed import SqliteSignedRecords

if TYPE_CHECKING:
    from gateway.store.sqlite.database import SqliteStore


class SqliteUnitOfWork:
    def __init__(self, conn: sqlite3.Connection, store: SqliteStore, *, writable: bool) -> None:
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
    def agreements(self) -> SqliteAgreements:
        return SqliteAgreements(self)

    @cached_property
    def partners(self) -> SqlitePartners:
        return SqlitePartners(self)

    @cached_property
    def signed(self) -> SqliteSignedRecords:
        return SqliteSignedRecords(self)

    @cached_property
    def users(self) -> SqliteUsers:
        return SqliteUsers(self)

    @cached_property
    def own_entries(self) -> SqliteOwnEntries:
        return SqliteOwnEntries(self)

    @cached_property
    def received(self) -> SqliteReceived:
        return SqliteReceived(self)

    @cached_property
    def feed(self) -> SqliteFeed:
        return SqliteFeed(self)

    @cached_property
    def hits(self) -> SqliteHits:
        return SqliteHits(self)

    @cached_property
    def outbox(self) -> SqliteOutbox:
        return SqliteOutbox(self)

    @cached_property
    def confirmations(self) -> SqliteConfirmations:
        return SqliteConfirmations(self)

    @cached_property
    def isc(self) -> SqliteIsc:
        return SqliteIsc(self)

    @cached_property
    def audit(self) -> SqliteAudit:
        return SqliteAudit(self)

    @cached_property
    def partner_changes(self) -> SqlitePartnerChanges:
        return SqlitePartnerChanges(self)

    @cached_property
    def retention(self) -> SqliteRetention:
        return SqliteRetention(self)

    @cached_property
    def read_batches(self) -> SqliteReadBatches:
        return SqliteReadBatches(self)

    @cached_property
    def alert_log(self) -> SqliteAlertLog:
        return SqliteAlertLog(self)

    @cached_property
    def sessions(self) -> SqliteSessions:
        return SqliteSessions(self)
