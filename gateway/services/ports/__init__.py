"""The application's storage ports: one repository protocol per aggregate, and the unit
of work that hands them out inside one transaction.

Services see only these protocols and the domain values they take and return; a
backend (gateway/store/sqlite today) implements them, and the repository contract
suite (tests/contract) holds every backend to the same behaviour. Nothing here knows
SQL, a connection or a file.
"""

from gateway.services.ports.agreements import AgreementRepository, StatusDelivery
from gateway.services.ports.alert_log import AlertLogRepository, LoggedAlert
from gateway.services.ports.audit import AuditRepository
from gateway.services.ports.confirmations import ConfirmationRepository, HeldConfirmation
from gateway.services.ports.feed import (
    FeedRepository,
    FeedRow,
    FeedState,
    FeedWrite,
    TokenEpoch,
)
from gateway.services.ports.hits import ExpiredHit, HitFact, HitRepository
from gateway.services.ports.hotlist import OwnEntryRepository, OwnIndexChange, OwnIndexRow
from gateway.services.ports.isc import Candidate, IscRepository, Publication, PullState
from gateway.services.ports.outbox import OutboxMessage, OutboxRepository
from gateway.services.ports.read_batches import BatchReceipt, ReadBatchRepository
from gateway.services.ports.received import (
    AppliedBatch,
    HeldProofs,
    ReceivedIndexRow,
    ReceivedRepository,
    SyncState,
)
from gateway.services.ports.registry import PartnerRepository, UserRepository
from gateway.services.ports.retention import Held, RetentionRepository
from gateway.services.ports.sessions import ConsoleCredentials, SessionRepository
from gateway.services.ports.unit_of_work import Store, UnitOfWork

__all__ = [
    "AgreementRepository",
    "AlertLogRepository",
    "AppliedBatch",
    "AuditRepository",
    "BatchReceipt",
    "Candidate",
    "ConfirmationRepository",
    "ConsoleCredentials",
    "ExpiredHit",
    "FeedRepository",
    "FeedRow",
    "FeedState",
    "FeedWrite",
    "Held",
    "HeldConfirmation",
    "HeldProofs",
    "HitFact",
    "HitRepository",
    "IscRepository",
    "LoggedAlert",
    "OutboxMessage",
    "OutboxRepository",
    "OwnEntryRepository",
    "OwnIndexChange",
    "OwnIndexRow",
    "PartnerRepository",
    "Publication",
    "PullState",
    "ReadBatchRepository",
    "ReceivedIndexRow",
    "ReceivedRepository",
    "RetentionRepository",
    "SessionRepository",
    "StatusDelivery",
    "Store",
    "SyncState",
    "TokenEpoch",
    "UnitOfWork",
    "UserRepository",
]
