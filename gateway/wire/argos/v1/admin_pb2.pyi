import datetime

from gateway.wire.argos.v1 import agreement_pb2 as _agreement_pb2
from gateway.wire.argos.v1 import confirmations_pb2 as _confirmations_pb2
from gateway.wire.argos.v1 import envelope_pb2 as _envelope_pb2
from gateway.wire.argos.v1 import hits_pb2 as _hits_pb2
from gateway.wire.argos.v1 import reads_pb2 as _reads_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Role(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ROLE_UNSPECIFIED: _ClassVar[Role]
    ROLE_ADMIN: _ClassVar[Role]
    ROLE_INVESTIGATOR: _ClassVar[Role]
    ROLE_OPERATOR: _ClassVar[Role]
    ROLE_AUDITOR: _ClassVar[Role]
    ROLE_ADAPTER: _ClassVar[Role]

class AgreementState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AGREEMENT_STATE_UNSPECIFIED: _ClassVar[AgreementState]
    AGREEMENT_STATE_PROPOSED: _ClassVar[AgreementState]
    AGREEMENT_STATE_ACTIVE: _ClassVar[AgreementState]
    AGREEMENT_STATE_SUSPENDED: _ClassVar[AgreementState]
    AGREEMENT_STATE_REVOKED: _ClassVar[AgreementState]
    AGREEMENT_STATE_EXPIRED: _ClassVar[AgreementState]
    AGREEMENT_STATE_SUPERSEDED: _ClassVar[AgreementState]

class UserState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    USER_STATE_UNSPECIFIED: _ClassVar[UserState]
    USER_STATE_ACTIVE: _ClassVar[UserState]
    USER_STATE_DISABLED: _ClassVar[UserState]
    USER_STATE_REMOVED: _ClassVar[UserState]
    USER_STATE_EXPIRED: _ClassVar[UserState]
ROLE_UNSPECIFIED: Role
ROLE_ADMIN: Role
ROLE_INVESTIGATOR: Role
ROLE_OPERATOR: Role
ROLE_AUDITOR: Role
ROLE_ADAPTER: Role
AGREEMENT_STATE_UNSPECIFIED: AgreementState
AGREEMENT_STATE_PROPOSED: AgreementState
AGREEMENT_STATE_ACTIVE: AgreementState
AGREEMENT_STATE_SUSPENDED: AgreementState
AGREEMENT_STATE_REVOKED: AgreementState
AGREEMENT_STATE_EXPIRED: AgreementState
AGREEMENT_STATE_SUPERSEDED: AgreementState
USER_STATE_UNSPECIFIED: UserState
USER_STATE_ACTIVE: UserState
USER_STATE_DISABLED: UserState
USER_STATE_REMOVED: UserState
USER_STATE_EXPIRED: UserState

class GetStatusRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetStatusResponse(_message.Message):
    __slots__ = ("node_id", "key_id", "federation_address", "partners", "active_agreements", "pending_agreements", "audit_records", "user", "role", "hotlist_entries", "entries_due_for_review", "adapters", "outbox_pending", "outbox_refused", "open_confirmations", "partner_status", "entries_expiring", "expiry_warning_days", "confirmations_near_deadline", "confirmation_warning_minutes", "outbox_delivered", "feeds", "stale_feed_after_seconds", "certificates", "certificate_warning_days", "newest_backup_at", "backup_warning_days", "backup_warning")
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    FEDERATION_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    PARTNERS_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_AGREEMENTS_FIELD_NUMBER: _ClassVar[int]
    PENDING_AGREEMENTS_FIELD_NUMBER: _ClassVar[int]
    AUDIT_RECORDS_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    HOTLIST_ENTRIES_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_DUE_FOR_REVIEW_FIELD_NUMBER: _ClassVar[int]
    ADAPTERS_FIELD_NUMBER: _ClassVar[int]
    OUTBOX_PENDING_FIELD_NUMBER: _ClassVar[int]
    OUTBOX_REFUSED_FIELD_NUMBER: _ClassVar[int]
    OPEN_CONFIRMATIONS_FIELD_NUMBER: _ClassVar[int]
    PARTNER_STATUS_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_EXPIRING_FIELD_NUMBER: _ClassVar[int]
    EXPIRY_WARNING_DAYS_FIELD_NUMBER: _ClassVar[int]
    CONFIRMATIONS_NEAR_DEADLINE_FIELD_NUMBER: _ClassVar[int]
    CONFIRMATION_WARNING_MINUTES_FIELD_NUMBER: _ClassVar[int]
    OUTBOX_DELIVERED_FIELD_NUMBER: _ClassVar[int]
    FEEDS_FIELD_NUMBER: _ClassVar[int]
    STALE_FEED_AFTER_SECONDS_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATES_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_WARNING_DAYS_FIELD_NUMBER: _ClassVar[int]
    NEWEST_BACKUP_AT_FIELD_NUMBER: _ClassVar[int]
    BACKUP_WARNING_DAYS_FIELD_NUMBER: _ClassVar[int]
    BACKUP_WARNING_FIELD_NUMBER: _ClassVar[int]
    node_id: str
    key_id: str
    federation_address: str
    partners: int
    active_agreements: int
    pending_agreements: int
    audit_records: int
    user: str
    role: Role
    hotlist_entries: int
    entries_due_for_review: int
    adapters: _containers.RepeatedCompositeFieldContainer[AdapterHealth]
    outbox_pending: int
    outbox_refused: int
    open_confirmations: int
    partner_status: _containers.RepeatedCompositeFieldContainer[PartnerStatus]
    entries_expiring: int
    expiry_warning_days: int
    confirmations_near_deadline: _containers.RepeatedCompositeFieldContainer[ConfirmationDue]
    confirmation_warning_minutes: int
    outbox_delivered: int
    feeds: _containers.RepeatedCompositeFieldContainer[FeedFreshness]
    stale_feed_after_seconds: int
    certificates: _containers.RepeatedCompositeFieldContainer[CertificateStatus]
    certificate_warning_days: int
    newest_backup_at: _timestamp_pb2.Timestamp
    backup_warning_days: int
    backup_warning: bool
    def __init__(self, node_id: _Optional[str] = ..., key_id: _Optional[str] = ..., federation_address: _Optional[str] = ..., partners: _Optional[int] = ..., active_agreements: _Optional[int] = ..., pending_agreements: _Optional[int] = ..., audit_records: _Optional[int] = ..., user: _Optional[str] = ..., role: _Optional[_Union[Role, str]] = ..., hotlist_entries: _Optional[int] = ..., entries_due_for_review: _Optional[int] = ..., adapters: _Optional[_Iterable[_Union[AdapterHealth, _Mapping]]] = ..., outbox_pending: _Optional[int] = ..., outbox_refused: _Optional[int] = ..., open_confirmations: _Optional[int] = ..., partner_status: _Optional[_Iterable[_Union[PartnerStatus, _Mapping]]] = ..., entries_expiring: _Optional[int] = ..., expiry_warning_days: _Optional[int] = ..., confirmations_near_deadline: _Optional[_Iterable[_Union[ConfirmationDue, _Mapping]]] = ..., confirmation_warning_minutes: _Optional[int] = ..., outbox_delivered: _Optional[int] = ..., feeds: _Optional[_Iterable[_Union[FeedFreshness, _Mapping]]] = ..., stale_feed_after_seconds: _Optional[int] = ..., certificates: _Optional[_Iterable[_Union[CertificateStatus, _Mapping]]] = ..., certificate_warning_days: _Optional[int] = ..., newest_backup_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., backup_warning_days: _Optional[int] = ..., backup_warning: _Optional[bool] = ...) -> None: ...

class FeedFreshness(_message.Message):
    __slots__ = ("agreement_id", "partner", "last_head_at", "head_age_seconds", "stale", "matching_stopped")
    AGREEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    PARTNER_FIELD_NUMBER: _ClassVar[int]
    LAST_HEAD_AT_FIELD_NUMBER: _ClassVar[int]
    HEAD_AGE_SECONDS_FIELD_NUMBER: _ClassVar[int]
    STALE_FIELD_NUMBER: _ClassVar[int]
    MATCHING_STOPPED_FIELD_NUMBER: _ClassVar[int]
    agreement_id: str
    partner: str
    last_head_at: _timestamp_pb2.Timestamp
    head_age_seconds: float
    stale: bool
    matching_stopped: bool
    def __init__(self, agreement_id: _Optional[str] = ..., partner: _Optional[str] = ..., last_head_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., head_age_seconds: _Optional[float] = ..., stale: _Optional[bool] = ..., matching_stopped: _Optional[bool] = ...) -> None: ...

class CertificateStatus(_message.Message):
    __slots__ = ("owner", "kind", "not_after", "warning", "problem")
    OWNER_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    NOT_AFTER_FIELD_NUMBER: _ClassVar[int]
    WARNING_FIELD_NUMBER: _ClassVar[int]
    PROBLEM_FIELD_NUMBER: _ClassVar[int]
    owner: str
    kind: str
    not_after: _timestamp_pb2.Timestamp
    warning: bool
    problem: str
    def __init__(self, owner: _Optional[str] = ..., kind: _Optional[str] = ..., not_after: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., warning: _Optional[bool] = ..., problem: _Optional[str] = ...) -> None: ...

class PartnerStatus(_message.Message):
    __slots__ = ("node_id", "reachable", "problem", "sync_lag_changes", "entries_held", "rejected_batches", "outbox_pending")
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    REACHABLE_FIELD_NUMBER: _ClassVar[int]
    PROBLEM_FIELD_NUMBER: _ClassVar[int]
    SYNC_LAG_CHANGES_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_HELD_FIELD_NUMBER: _ClassVar[int]
    REJECTED_BATCHES_FIELD_NUMBER: _ClassVar[int]
    OUTBOX_PENDING_FIELD_NUMBER: _ClassVar[int]
    node_id: str
    reachable: bool
    problem: str
    sync_lag_changes: int
    entries_held: int
    rejected_batches: int
    outbox_pending: int
    def __init__(self, node_id: _Optional[str] = ..., reachable: _Optional[bool] = ..., problem: _Optional[str] = ..., sync_lag_changes: _Optional[int] = ..., entries_held: _Optional[int] = ..., rejected_batches: _Optional[int] = ..., outbox_pending: _Optional[int] = ...) -> None: ...

class ConfirmationDue(_message.Message):
    __slots__ = ("request_id", "partner", "outgoing", "kind", "deadline")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PARTNER_FIELD_NUMBER: _ClassVar[int]
    OUTGOING_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    partner: str
    outgoing: bool
    kind: _confirmations_pb2.ConfirmationKind
    deadline: _timestamp_pb2.Timestamp
    def __init__(self, request_id: _Optional[str] = ..., partner: _Optional[str] = ..., outgoing: _Optional[bool] = ..., kind: _Optional[_Union[_confirmations_pb2.ConfirmationKind, str]] = ..., deadline: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class AdapterHealth(_message.Message):
    __slots__ = ("user", "batches", "reads", "hits", "rejected", "last_batch_at")
    USER_FIELD_NUMBER: _ClassVar[int]
    BATCHES_FIELD_NUMBER: _ClassVar[int]
    READS_FIELD_NUMBER: _ClassVar[int]
    HITS_FIELD_NUMBER: _ClassVar[int]
    REJECTED_FIELD_NUMBER: _ClassVar[int]
    LAST_BATCH_AT_FIELD_NUMBER: _ClassVar[int]
    user: str
    batches: int
    reads: int
    hits: int
    rejected: int
    last_batch_at: _timestamp_pb2.Timestamp
    def __init__(self, user: _Optional[str] = ..., batches: _Optional[int] = ..., reads: _Optional[int] = ..., hits: _Optional[int] = ..., rejected: _Optional[int] = ..., last_batch_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Partner(_message.Message):
    __slots__ = ("node_id", "endpoint", "public_key", "key_id", "tls_ca_pem", "tls_pin_sha256", "added_at")
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    ENDPOINT_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    TLS_CA_PEM_FIELD_NUMBER: _ClassVar[int]
    TLS_PIN_SHA256_FIELD_NUMBER: _ClassVar[int]
    ADDED_AT_FIELD_NUMBER: _ClassVar[int]
    node_id: str
    endpoint: str
    public_key: bytes
    key_id: str
    tls_ca_pem: str
    tls_pin_sha256: str
    added_at: _timestamp_pb2.Timestamp
    def __init__(self, node_id: _Optional[str] = ..., endpoint: _Optional[str] = ..., public_key: _Optional[bytes] = ..., key_id: _Optional[str] = ..., tls_ca_pem: _Optional[str] = ..., tls_pin_sha256: _Optional[str] = ..., added_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class AddPartnerRequest(_message.Message):
    __slots__ = ("partner",)
    PARTNER_FIELD_NUMBER: _ClassVar[int]
    partner: Partner
    def __init__(self, partner: _Optional[_Union[Partner, _Mapping]] = ...) -> None: ...

class AddPartnerResponse(_message.Message):
    __slots__ = ("partner",)
    PARTNER_FIELD_NUMBER: _ClassVar[int]
    partner: Partner
    def __init__(self, partner: _Optional[_Union[Partner, _Mapping]] = ...) -> None: ...

class ListPartnersRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListPartnersResponse(_message.Message):
    __slots__ = ("partners",)
    PARTNERS_FIELD_NUMBER: _ClassVar[int]
    partners: _containers.RepeatedCompositeFieldContainer[Partner]
    def __init__(self, partners: _Optional[_Iterable[_Union[Partner, _Mapping]]] = ...) -> None: ...

class RemovePartnerRequest(_message.Message):
    __slots__ = ("node_id", "justification")
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    JUSTIFICATION_FIELD_NUMBER: _ClassVar[int]
    node_id: str
    justification: str
    def __init__(self, node_id: _Optional[str] = ..., justification: _Optional[str] = ...) -> None: ...

class RemovePartnerResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ChangePartnerTrustRequest(_message.Message):
    __slots__ = ("node_id", "tls_ca_pem", "tls_pin_sha256", "justification", "endpoint")
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    TLS_CA_PEM_FIELD_NUMBER: _ClassVar[int]
    TLS_PIN_SHA256_FIELD_NUMBER: _ClassVar[int]
    JUSTIFICATION_FIELD_NUMBER: _ClassVar[int]
    ENDPOINT_FIELD_NUMBER: _ClassVar[int]
    node_id: str
    tls_ca_pem: str
    tls_pin_sha256: str
    justification: str
    endpoint: str
    def __init__(self, node_id: _Optional[str] = ..., tls_ca_pem: _Optional[str] = ..., tls_pin_sha256: _Optional[str] = ..., justification: _Optional[str] = ..., endpoint: _Optional[str] = ...) -> None: ...

class ChangePartnerTrustResponse(_message.Message):
    __slots__ = ("partner", "previous")
    PARTNER_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_FIELD_NUMBER: _ClassVar[int]
    partner: Partner
    previous: Partner
    def __init__(self, partner: _Optional[_Union[Partner, _Mapping]] = ..., previous: _Optional[_Union[Partner, _Mapping]] = ...) -> None: ...

class Agreement(_message.Message):
    __slots__ = ("document", "envelope", "state", "fingerprint", "status_issuer", "status_reason")
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    ENVELOPE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    STATUS_ISSUER_FIELD_NUMBER: _ClassVar[int]
    STATUS_REASON_FIELD_NUMBER: _ClassVar[int]
    document: _agreement_pb2.AgreementDocument
    envelope: _envelope_pb2.Envelope
    state: AgreementState
    fingerprint: str
    status_issuer: str
    status_reason: str
    def __init__(self, document: _Optional[_Union[_agreement_pb2.AgreementDocument, _Mapping]] = ..., envelope: _Optional[_Union[_envelope_pb2.Envelope, _Mapping]] = ..., state: _Optional[_Union[AgreementState, str]] = ..., fingerprint: _Optional[str] = ..., status_issuer: _Optional[str] = ..., status_reason: _Optional[str] = ...) -> None: ...

class CreateAgreementProposalRequest(_message.Message):
    __slots__ = ("draft", "justification")
    DRAFT_FIELD_NUMBER: _ClassVar[int]
    JUSTIFICATION_FIELD_NUMBER: _ClassVar[int]
    draft: _agreement_pb2.AgreementDocument
    justification: str
    def __init__(self, draft: _Optional[_Union[_agreement_pb2.AgreementDocument, _Mapping]] = ..., justification: _Optional[str] = ...) -> None: ...

class CountersignAgreementRequest(_message.Message):
    __slots__ = ("agreement_id", "version", "justification")
    AGREEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    JUSTIFICATION_FIELD_NUMBER: _ClassVar[int]
    agreement_id: str
    version: int
    justification: str
    def __init__(self, agreement_id: _Optional[str] = ..., version: _Optional[int] = ..., justification: _Optional[str] = ...) -> None: ...

class AmendAgreementRequest(_message.Message):
    __slots__ = ("agreement_id", "draft", "justification")
    AGREEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    DRAFT_FIELD_NUMBER: _ClassVar[int]
    JUSTIFICATION_FIELD_NUMBER: _ClassVar[int]
    agreement_id: str
    draft: _agreement_pb2.AgreementDocument
    justification: str
    def __init__(self, agreement_id: _Optional[str] = ..., draft: _Optional[_Union[_agreement_pb2.AgreementDocument, _Mapping]] = ..., justification: _Optional[str] = ...) -> None: ...

class SetAgreementStatusRequest(_message.Message):
    __slots__ = ("agreement_id", "kind", "reason")
    AGREEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    agreement_id: str
    kind: _agreement_pb2.AgreementStatusChange.Kind
    reason: str
    def __init__(self, agreement_id: _Optional[str] = ..., kind: _Optional[_Union[_agreement_pb2.AgreementStatusChange.Kind, str]] = ..., reason: _Optional[str] = ...) -> None: ...

class CreateAgreementProposalResponse(_message.Message):
    __slots__ = ("agreement",)
    AGREEMENT_FIELD_NUMBER: _ClassVar[int]
    agreement: Agreement
    def __init__(self, agreement: _Optional[_Union[Agreement, _Mapping]] = ...) -> None: ...

class CountersignAgreementResponse(_message.Message):
    __slots__ = ("agreement",)
    AGREEMENT_FIELD_NUMBER: _ClassVar[int]
    agreement: Agreement
    def __init__(self, agreement: _Optional[_Union[Agreement, _Mapping]] = ...) -> None: ...

class AmendAgreementResponse(_message.Message):
    __slots__ = ("agreement",)
    AGREEMENT_FIELD_NUMBER: _ClassVar[int]
    agreement: Agreement
    def __init__(self, agreement: _Optional[_Union[Agreement, _Mapping]] = ...) -> None: ...

class SetAgreementStatusResponse(_message.Message):
    __slots__ = ("agreement",)
    AGREEMENT_FIELD_NUMBER: _ClassVar[int]
    agreement: Agreement
    def __init__(self, agreement: _Optional[_Union[Agreement, _Mapping]] = ...) -> None: ...

class GetAgreementResponse(_message.Message):
    __slots__ = ("agreement",)
    AGREEMENT_FIELD_NUMBER: _ClassVar[int]
    agreement: Agreement
    def __init__(self, agreement: _Optional[_Union[Agreement, _Mapping]] = ...) -> None: ...

class ListAgreementsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListAgreementsResponse(_message.Message):
    __slots__ = ("agreements",)
    AGREEMENTS_FIELD_NUMBER: _ClassVar[int]
    agreements: _containers.RepeatedCompositeFieldContainer[Agreement]
    def __init__(self, agreements: _Optional[_Iterable[_Union[Agreement, _Mapping]]] = ...) -> None: ...

class GetAgreementRequest(_message.Message):
    __slots__ = ("agreement_id", "version")
    AGREEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    agreement_id: str
    version: int
    def __init__(self, agreement_id: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class User(_message.Message):
    __slots__ = ("name", "role", "created_at", "state", "token_expires_at", "last_used_at")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    TOKEN_EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_USED_AT_FIELD_NUMBER: _ClassVar[int]
    name: str
    role: Role
    created_at: _timestamp_pb2.Timestamp
    state: UserState
    token_expires_at: _timestamp_pb2.Timestamp
    last_used_at: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., role: _Optional[_Union[Role, str]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., state: _Optional[_Union[UserState, str]] = ..., token_expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_used_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class AddUserRequest(_message.Message):
    __slots__ = ("name", "role", "token_expires_at", "token_lifetime_s")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    TOKEN_EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    TOKEN_LIFETIME_S_FIELD_NUMBER: _ClassVar[int]
    name: str
    role: Role
    token_expires_at: _timestamp_pb2.Timestamp
    token_lifetime_s: int
    def __init__(self, name: _Optional[str] = ..., role: _Optional[_Union[Role, str]] = ..., token_expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., token_lifetime_s: _Optional[int] = ...) -> None: ...

class AddUserResponse(_message.Message):
    __slots__ = ("user", "token")
    USER_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    user: User
    token: str
    def __init__(self, user: _Optional[_Union[User, _Mapping]] = ..., token: _Optional[str] = ...) -> None: ...

class ListUsersRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListUsersResponse(_message.Message):
    __slots__ = ("users",)
    USERS_FIELD_NUMBER: _ClassVar[int]
    users: _containers.RepeatedCompositeFieldContainer[User]
    def __init__(self, users: _Optional[_Iterable[_Union[User, _Mapping]]] = ...) -> None: ...

class AuditRecord(_message.Message):
    __slots__ = ("seq", "at", "actor_kind", "actor", "action", "object_type", "object_id", "justification", "recipient", "details_json", "prev_hash", "hash")
    SEQ_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    ACTOR_KIND_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    OBJECT_TYPE_FIELD_NUMBER: _ClassVar[int]
    OBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    JUSTIFICATION_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_FIELD_NUMBER: _ClassVar[int]
    DETAILS_JSON_FIELD_NUMBER: _ClassVar[int]
    PREV_HASH_FIELD_NUMBER: _ClassVar[int]
    HASH_FIELD_NUMBER: _ClassVar[int]
    seq: int
    at: str
    actor_kind: str
    actor: str
    action: str
    object_type: str
    object_id: str
    justification: str
    recipient: str
    details_json: str
    prev_hash: str
    hash: str
    def __init__(self, seq: _Optional[int] = ..., at: _Optional[str] = ..., actor_kind: _Optional[str] = ..., actor: _Optional[str] = ..., action: _Optional[str] = ..., object_type: _Optional[str] = ..., object_id: _Optional[str] = ..., justification: _Optional[str] = ..., recipient: _Optional[str] = ..., details_json: _Optional[str] = ..., prev_hash: _Optional[str] = ..., hash: _Optional[str] = ...) -> None: ...

class ListAuditRecordsRequest(_message.Message):
    __slots__ = ("after_seq", "limit", "action", "object_type", "object_id", "actor", "since", "until", "newest_first", "before_seq")
    AFTER_SEQ_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    OBJECT_TYPE_FIELD_NUMBER: _ClassVar[int]
    OBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    UNTIL_FIELD_NUMBER: _ClassVar[int]
    NEWEST_FIRST_FIELD_NUMBER: _ClassVar[int]
    BEFORE_SEQ_FIELD_NUMBER: _ClassVar[int]
    after_seq: int
    limit: int
    action: str
    object_type: str
    object_id: str
    actor: str
    since: str
    until: str
    newest_first: bool
    before_seq: int
    def __init__(self, after_seq: _Optional[int] = ..., limit: _Optional[int] = ..., action: _Optional[str] = ..., object_type: _Optional[str] = ..., object_id: _Optional[str] = ..., actor: _Optional[str] = ..., since: _Optional[str] = ..., until: _Optional[str] = ..., newest_first: _Optional[bool] = ..., before_seq: _Optional[int] = ...) -> None: ...

class ListAuditRecordsResponse(_message.Message):
    __slots__ = ("records",)
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    records: _containers.RepeatedCompositeFieldContainer[AuditRecord]
    def __init__(self, records: _Optional[_Iterable[_Union[AuditRecord, _Mapping]]] = ...) -> None: ...

class GetAuditStatisticsRequest(_message.Message):
    __slots__ = ("since", "until")
    SINCE_FIELD_NUMBER: _ClassVar[int]
    UNTIL_FIELD_NUMBER: _ClassVar[int]
    since: str
    until: str
    def __init__(self, since: _Optional[str] = ..., until: _Optional[str] = ...) -> None: ...

class AuditCount(_message.Message):
    __slots__ = ("key", "count", "actor_kind")
    KEY_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    ACTOR_KIND_FIELD_NUMBER: _ClassVar[int]
    key: str
    count: int
    actor_kind: str
    def __init__(self, key: _Optional[str] = ..., count: _Optional[int] = ..., actor_kind: _Optional[str] = ...) -> None: ...

class GetAuditStatisticsResponse(_message.Message):
    __slots__ = ("total", "by_action", "by_actor")
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    BY_ACTION_FIELD_NUMBER: _ClassVar[int]
    BY_ACTOR_FIELD_NUMBER: _ClassVar[int]
    total: int
    by_action: _containers.RepeatedCompositeFieldContainer[AuditCount]
    by_actor: _containers.RepeatedCompositeFieldContainer[AuditCount]
    def __init__(self, total: _Optional[int] = ..., by_action: _Optional[_Iterable[_Union[AuditCount, _Mapping]]] = ..., by_actor: _Optional[_Iterable[_Union[AuditCount, _Mapping]]] = ...) -> None: ...

class VerifyAuditRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class VerifyAuditResponse(_message.Message):
    __slots__ = ("ok", "records_checked", "first_bad_seq", "reason", "at_anchor")
    OK_FIELD_NUMBER: _ClassVar[int]
    RECORDS_CHECKED_FIELD_NUMBER: _ClassVar[int]
    FIRST_BAD_SEQ_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    AT_ANCHOR_FIELD_NUMBER: _ClassVar[int]
    ok: bool
    records_checked: int
    first_bad_seq: int
    reason: str
    at_anchor: bool
    def __init__(self, ok: _Optional[bool] = ..., records_checked: _Optional[int] = ..., first_bad_seq: _Optional[int] = ..., reason: _Optional[str] = ..., at_anchor: _Optional[bool] = ...) -> None: ...

class HotlistEntry(_message.Message):
    __slots__ = ("entry_id", "plate", "country", "category", "action", "flags", "vehicle_description", "contact", "case_reference", "valid_from", "expires_at", "version", "status", "plate_normalised", "created_by", "updated_at")
    ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    PLATE_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    VEHICLE_DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    CASE_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    VALID_FROM_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PLATE_NORMALISED_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    entry_id: str
    plate: str
    country: str
    category: str
    action: str
    flags: _containers.RepeatedScalarFieldContainer[str]
    vehicle_description: str
    contact: str
    case_reference: str
    valid_from: _timestamp_pb2.Timestamp
    expires_at: _timestamp_pb2.Timestamp
    version: int
    status: str
    plate_normalised: str
    created_by: str
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, entry_id: _Optional[str] = ..., plate: _Optional[str] = ..., country: _Optional[str] = ..., category: _Optional[str] = ..., action: _Optional[str] = ..., flags: _Optional[_Iterable[str]] = ..., vehicle_description: _Optional[str] = ..., contact: _Optional[str] = ..., case_reference: _Optional[str] = ..., valid_from: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., version: _Optional[int] = ..., status: _Optional[str] = ..., plate_normalised: _Optional[str] = ..., created_by: _Optional[str] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class AddEntryRequest(_message.Message):
    __slots__ = ("entry", "justification")
    ENTRY_FIELD_NUMBER: _ClassVar[int]
    JUSTIFICATION_FIELD_NUMBER: _ClassVar[int]
    entry: HotlistEntry
    justification: str
    def __init__(self, entry: _Optional[_Union[HotlistEntry, _Mapping]] = ..., justification: _Optional[str] = ...) -> None: ...

class AddEntryResponse(_message.Message):
    __slots__ = ("entry",)
    ENTRY_FIELD_NUMBER: _ClassVar[int]
    entry: HotlistEntry
    def __init__(self, entry: _Optional[_Union[HotlistEntry, _Mapping]] = ...) -> None: ...

class UpdateEntryRequest(_message.Message):
    __slots__ = ("entry", "justification")
    ENTRY_FIELD_NUMBER: _ClassVar[int]
    JUSTIFICATION_FIELD_NUMBER: _ClassVar[int]
    entry: HotlistEntry
    justification: str
    def __init__(self, entry: _Optional[_Union[HotlistEntry, _Mapping]] = ..., justification: _Optional[str] = ...) -> None: ...

class UpdateEntryResponse(_message.Message):
    __slots__ = ("entry",)
    ENTRY_FIELD_NUMBER: _ClassVar[int]
    entry: HotlistEntry
    def __init__(self, entry: _Optional[_Union[HotlistEntry, _Mapping]] = ...) -> None: ...

class WithdrawEntryRequest(_message.Message):
    __slots__ = ("entry_id", "justification")
    ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    JUSTIFICATION_FIELD_NUMBER: _ClassVar[int]
    entry_id: str
    justification: str
    def __init__(self, entry_id: _Optional[str] = ..., justification: _Optional[str] = ...) -> None: ...

class WithdrawEntryResponse(_message.Message):
    __slots__ = ("entry",)
    ENTRY_FIELD_NUMBER: _ClassVar[int]
    entry: HotlistEntry
    def __init__(self, entry: _Optional[_Union[HotlistEntry, _Mapping]] = ...) -> None: ...

class ListEntriesRequest(_message.Message):
    __slots__ = ("status", "limit", "after_entry_id")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    AFTER_ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    status: str
    limit: int
    after_entry_id: str
    def __init__(self, status: _Optional[str] = ..., limit: _Optional[int] = ..., after_entry_id: _Optional[str] = ...) -> None: ...

class ListEntriesResponse(_message.Message):
    __slots__ = ("entries",)
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[HotlistEntry]
    def __init__(self, entries: _Optional[_Iterable[_Union[HotlistEntry, _Mapping]]] = ...) -> None: ...

class GetEntryRequest(_message.Message):
    __slots__ = ("entry_id",)
    ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    entry_id: str
    def __init__(self, entry_id: _Optional[str] = ...) -> None: ...

class GetEntryResponse(_message.Message):
    __slots__ = ("entry",)
    ENTRY_FIELD_NUMBER: _ClassVar[int]
    entry: HotlistEntry
    def __init__(self, entry: _Optional[_Union[HotlistEntry, _Mapping]] = ...) -> None: ...

class ImportOptions(_message.Message):
    __slots__ = ("keep_good", "source", "justification", "dry_run")
    KEEP_GOOD_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    JUSTIFICATION_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    keep_good: bool
    source: str
    justification: str
    dry_run: bool
    def __init__(self, keep_good: _Optional[bool] = ..., source: _Optional[str] = ..., justification: _Optional[str] = ..., dry_run: _Optional[bool] = ...) -> None: ...

class ImportRow(_message.Message):
    __slots__ = ("line", "entry", "parse_error")
    LINE_FIELD_NUMBER: _ClassVar[int]
    ENTRY_FIELD_NUMBER: _ClassVar[int]
    PARSE_ERROR_FIELD_NUMBER: _ClassVar[int]
    line: int
    entry: HotlistEntry
    parse_error: str
    def __init__(self, line: _Optional[int] = ..., entry: _Optional[_Union[HotlistEntry, _Mapping]] = ..., parse_error: _Optional[str] = ...) -> None: ...

class ImportRows(_message.Message):
    __slots__ = ("rows",)
    ROWS_FIELD_NUMBER: _ClassVar[int]
    rows: _containers.RepeatedCompositeFieldContainer[ImportRow]
    def __init__(self, rows: _Optional[_Iterable[_Union[ImportRow, _Mapping]]] = ...) -> None: ...

class ImportEntriesRequest(_message.Message):
    __slots__ = ("options", "rows")
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    options: ImportOptions
    rows: ImportRows
    def __init__(self, options: _Optional[_Union[ImportOptions, _Mapping]] = ..., rows: _Optional[_Union[ImportRows, _Mapping]] = ...) -> None: ...

class RowError(_message.Message):
    __slots__ = ("line", "reason")
    LINE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    line: int
    reason: str
    def __init__(self, line: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class ImportEntriesResponse(_message.Message):
    __slots__ = ("accepted", "rejected", "errors", "committed")
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    REJECTED_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    COMMITTED_FIELD_NUMBER: _ClassVar[int]
    accepted: int
    rejected: int
    errors: _containers.RepeatedCompositeFieldContainer[RowError]
    committed: bool
    def __init__(self, accepted: _Optional[int] = ..., rejected: _Optional[int] = ..., errors: _Optional[_Iterable[_Union[RowError, _Mapping]]] = ..., committed: _Optional[bool] = ...) -> None: ...

class SyncStatus(_message.Message):
    __slots__ = ("agreement_id", "partner", "role", "agreement_version", "cursor", "lag_changes", "entries", "last_verified_head_seq", "last_verified_at", "rejected_batches", "last_error", "last_applied_at", "last_head_at", "head_age_s", "stale")
    AGREEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    PARTNER_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    AGREEMENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    LAG_CHANGES_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    LAST_VERIFIED_HEAD_SEQ_FIELD_NUMBER: _ClassVar[int]
    LAST_VERIFIED_AT_FIELD_NUMBER: _ClassVar[int]
    REJECTED_BATCHES_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_FIELD_NUMBER: _ClassVar[int]
    LAST_APPLIED_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_HEAD_AT_FIELD_NUMBER: _ClassVar[int]
    HEAD_AGE_S_FIELD_NUMBER: _ClassVar[int]
    STALE_FIELD_NUMBER: _ClassVar[int]
    agreement_id: str
    partner: str
    role: str
    agreement_version: int
    cursor: int
    lag_changes: int
    entries: int
    last_verified_head_seq: int
    last_verified_at: str
    rejected_batches: int
    last_error: str
    last_applied_at: str
    last_head_at: str
    head_age_s: float
    stale: bool
    def __init__(self, agreement_id: _Optional[str] = ..., partner: _Optional[str] = ..., role: _Optional[str] = ..., agreement_version: _Optional[int] = ..., cursor: _Optional[int] = ..., lag_changes: _Optional[int] = ..., entries: _Optional[int] = ..., last_verified_head_seq: _Optional[int] = ..., last_verified_at: _Optional[str] = ..., rejected_batches: _Optional[int] = ..., last_error: _Optional[str] = ..., last_applied_at: _Optional[str] = ..., last_head_at: _Optional[str] = ..., head_age_s: _Optional[float] = ..., stale: _Optional[bool] = ...) -> None: ...

class GetSyncStatusRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetSyncStatusResponse(_message.Message):
    __slots__ = ("agreements",)
    AGREEMENTS_FIELD_NUMBER: _ClassVar[int]
    agreements: _containers.RepeatedCompositeFieldContainer[SyncStatus]
    def __init__(self, agreements: _Optional[_Iterable[_Union[SyncStatus, _Mapping]]] = ...) -> None: ...

class ResyncAgreementRequest(_message.Message):
    __slots__ = ("agreement_id", "justification")
    AGREEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    JUSTIFICATION_FIELD_NUMBER: _ClassVar[int]
    agreement_id: str
    justification: str
    def __init__(self, agreement_id: _Optional[str] = ..., justification: _Optional[str] = ...) -> None: ...

class ResyncAgreementResponse(_message.Message):
    __slots__ = ("purged",)
    PURGED_FIELD_NUMBER: _ClassVar[int]
    purged: int
    def __init__(self, purged: _Optional[int] = ...) -> None: ...

class VerifyReceivedEntriesRequest(_message.Message):
    __slots__ = ("agreement_id",)
    AGREEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    agreement_id: str
    def __init__(self, agreement_id: _Optional[str] = ...) -> None: ...

class VerifyReceivedEntriesResponse(_message.Message):
    __slots__ = ("proven", "problem")
    PROVEN_FIELD_NUMBER: _ClassVar[int]
    PROBLEM_FIELD_NUMBER: _ClassVar[int]
    proven: int
    problem: str
    def __init__(self, proven: _Optional[int] = ..., problem: _Optional[str] = ...) -> None: ...

class Hit(_message.Message):
    __slots__ = ("hit_id", "observer", "owner", "entry_id", "agreement_id", "observed_at", "location", "match", "country_inferred", "category", "direction", "image_ref", "expires_at", "owner_notified")
    HIT_ID_FIELD_NUMBER: _ClassVar[int]
    OBSERVER_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    AGREEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    OBSERVED_AT_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    MATCH_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_INFERRED_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    IMAGE_REF_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    OWNER_NOTIFIED_FIELD_NUMBER: _ClassVar[int]
    hit_id: str
    observer: str
    owner: str
    entry_id: str
    agreement_id: str
    observed_at: _timestamp_pb2.Timestamp
    location: _hits_pb2.NotifiedLocation
    match: _hits_pb2.MatchKind
    country_inferred: bool
    category: str
    direction: _reads_pb2.ReadDirection
    image_ref: str
    expires_at: _timestamp_pb2.Timestamp
    owner_notified: bool
    def __init__(self, hit_id: _Optional[str] = ..., observer: _Optional[str] = ..., owner: _Optional[str] = ..., entry_id: _Optional[str] = ..., agreement_id: _Optional[str] = ..., observed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., location: _Optional[_Union[_hits_pb2.NotifiedLocation, _Mapping]] = ..., match: _Optional[_Union[_hits_pb2.MatchKind, str]] = ..., country_inferred: _Optional[bool] = ..., category: _Optional[str] = ..., direction: _Optional[_Union[_reads_pb2.ReadDirection, str]] = ..., image_ref: _Optional[str] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., owner_notified: _Optional[bool] = ...) -> None: ...

class ListHitsRequest(_message.Message):
    __slots__ = ("observed", "entry_id", "limit")
    OBSERVED_FIELD_NUMBER: _ClassVar[int]
    ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    observed: bool
    entry_id: str
    limit: int
    def __init__(self, observed: _Optional[bool] = ..., entry_id: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class ListHitsResponse(_message.Message):
    __slots__ = ("hits",)
    HITS_FIELD_NUMBER: _ClassVar[int]
    hits: _containers.RepeatedCompositeFieldContainer[Hit]
    def __init__(self, hits: _Optional[_Iterable[_Union[Hit, _Mapping]]] = ...) -> None: ...

class GetHitRequest(_message.Message):
    __slots__ = ("hit_id",)
    HIT_ID_FIELD_NUMBER: _ClassVar[int]
    hit_id: str
    def __init__(self, hit_id: _Optional[str] = ...) -> None: ...

class GetHitResponse(_message.Message):
    __slots__ = ("hit",)
    HIT_FIELD_NUMBER: _ClassVar[int]
    hit: Hit
    def __init__(self, hit: _Optional[_Union[Hit, _Mapping]] = ...) -> None: ...

class Confirmation(_message.Message):
    __slots__ = ("request", "state", "outgoing", "answer", "closed_by", "refusal_reason", "closed_at", "delivered")
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    OUTGOING_FIELD_NUMBER: _ClassVar[int]
    ANSWER_FIELD_NUMBER: _ClassVar[int]
    CLOSED_BY_FIELD_NUMBER: _ClassVar[int]
    REFUSAL_REASON_FIELD_NUMBER: _ClassVar[int]
    CLOSED_AT_FIELD_NUMBER: _ClassVar[int]
    DELIVERED_FIELD_NUMBER: _ClassVar[int]
    request: _confirmations_pb2.ConfirmationRequest
    state: _confirmations_pb2.ConfirmationState
    outgoing: bool
    answer: _confirmations_pb2.ConfirmationAnswer
    closed_by: str
    refusal_reason: str
    closed_at: _timestamp_pb2.Timestamp
    delivered: bool
    def __init__(self, request: _Optional[_Union[_confirmations_pb2.ConfirmationRequest, _Mapping]] = ..., state: _Optional[_Union[_confirmations_pb2.ConfirmationState, str]] = ..., outgoing: _Optional[bool] = ..., answer: _Optional[_Union[_confirmations_pb2.ConfirmationAnswer, _Mapping]] = ..., closed_by: _Optional[str] = ..., refusal_reason: _Optional[str] = ..., closed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., delivered: _Optional[bool] = ...) -> None: ...

class RequestConfirmationRequest(_message.Message):
    __slots__ = ("kind", "hit_id", "agreement_id", "purpose", "case_reference", "urgency", "urgent_reason", "deadline", "plate", "country", "window_start", "window_end", "legal_order", "previous_request_id", "question")
    KIND_FIELD_NUMBER: _ClassVar[int]
    HIT_ID_FIELD_NUMBER: _ClassVar[int]
    AGREEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    CASE_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    URGENCY_FIELD_NUMBER: _ClassVar[int]
    URGENT_REASON_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    PLATE_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    WINDOW_START_FIELD_NUMBER: _ClassVar[int]
    WINDOW_END_FIELD_NUMBER: _ClassVar[int]
    LEGAL_ORDER_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    QUESTION_FIELD_NUMBER: _ClassVar[int]
    kind: _confirmations_pb2.ConfirmationKind
    hit_id: str
    agreement_id: str
    purpose: _agreement_pb2.Purpose
    case_reference: str
    urgency: _confirmations_pb2.Urgency
    urgent_reason: str
    deadline: _timestamp_pb2.Timestamp
    plate: str
    country: str
    window_start: _timestamp_pb2.Timestamp
    window_end: _timestamp_pb2.Timestamp
    legal_order: str
    previous_request_id: str
    question: str
    def __init__(self, kind: _Optional[_Union[_confirmations_pb2.ConfirmationKind, str]] = ..., hit_id: _Optional[str] = ..., agreement_id: _Optional[str] = ..., purpose: _Optional[_Union[_agreement_pb2.Purpose, str]] = ..., case_reference: _Optional[str] = ..., urgency: _Optional[_Union[_confirmations_pb2.Urgency, str]] = ..., urgent_reason: _Optional[str] = ..., deadline: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., plate: _Optional[str] = ..., country: _Optional[str] = ..., window_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., window_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., legal_order: _Optional[str] = ..., previous_request_id: _Optional[str] = ..., question: _Optional[str] = ...) -> None: ...

class RequestConfirmationResponse(_message.Message):
    __slots__ = ("confirmation",)
    CONFIRMATION_FIELD_NUMBER: _ClassVar[int]
    confirmation: Confirmation
    def __init__(self, confirmation: _Optional[_Union[Confirmation, _Mapping]] = ...) -> None: ...

class ListConfirmationsRequest(_message.Message):
    __slots__ = ("open_only", "limit")
    OPEN_ONLY_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    open_only: bool
    limit: int
    def __init__(self, open_only: _Optional[bool] = ..., limit: _Optional[int] = ...) -> None: ...

class ListConfirmationsResponse(_message.Message):
    __slots__ = ("confirmations",)
    CONFIRMATIONS_FIELD_NUMBER: _ClassVar[int]
    confirmations: _containers.RepeatedCompositeFieldContainer[Confirmation]
    def __init__(self, confirmations: _Optional[_Iterable[_Union[Confirmation, _Mapping]]] = ...) -> None: ...

class GetConfirmationRequest(_message.Message):
    __slots__ = ("request_id",)
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    def __init__(self, request_id: _Optional[str] = ...) -> None: ...

class GetConfirmationResponse(_message.Message):
    __slots__ = ("confirmation",)
    CONFIRMATION_FIELD_NUMBER: _ClassVar[int]
    confirmation: Confirmation
    def __init__(self, confirmation: _Optional[_Union[Confirmation, _Mapping]] = ...) -> None: ...

class AnswerConfirmationRequest(_message.Message):
    __slots__ = ("request_id", "outcome", "note", "action", "flags_shared", "flags", "contact")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    FLAGS_SHARED_FIELD_NUMBER: _ClassVar[int]
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    outcome: _confirmations_pb2.Outcome
    note: str
    action: str
    flags_shared: bool
    flags: _containers.RepeatedScalarFieldContainer[str]
    contact: str
    def __init__(self, request_id: _Optional[str] = ..., outcome: _Optional[_Union[_confirmations_pb2.Outcome, str]] = ..., note: _Optional[str] = ..., action: _Optional[str] = ..., flags_shared: _Optional[bool] = ..., flags: _Optional[_Iterable[str]] = ..., contact: _Optional[str] = ...) -> None: ...

class AnswerConfirmationResponse(_message.Message):
    __slots__ = ("confirmation",)
    CONFIRMATION_FIELD_NUMBER: _ClassVar[int]
    confirmation: Confirmation
    def __init__(self, confirmation: _Optional[_Union[Confirmation, _Mapping]] = ...) -> None: ...

class RefuseConfirmationRequest(_message.Message):
    __slots__ = ("request_id", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class RefuseConfirmationResponse(_message.Message):
    __slots__ = ("confirmation",)
    CONFIRMATION_FIELD_NUMBER: _ClassVar[int]
    confirmation: Confirmation
    def __init__(self, confirmation: _Optional[_Union[Confirmation, _Mapping]] = ...) -> None: ...

class WithdrawConfirmationRequest(_message.Message):
    __slots__ = ("request_id", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class WithdrawConfirmationResponse(_message.Message):
    __slots__ = ("confirmation",)
    CONFIRMATION_FIELD_NUMBER: _ClassVar[int]
    confirmation: Confirmation
    def __init__(self, confirmation: _Optional[_Union[Confirmation, _Mapping]] = ...) -> None: ...

class ExportHotlistRequest(_message.Message):
    __slots__ = ("known_version",)
    KNOWN_VERSION_FIELD_NUMBER: _ClassVar[int]
    known_version: str
    def __init__(self, known_version: _Optional[str] = ...) -> None: ...

class ExportedEntry(_message.Message):
    __slots__ = ("entry_id", "plate", "country", "category", "action", "flags", "expires_at", "owner", "description")
    ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    PLATE_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    entry_id: str
    plate: str
    country: str
    category: str
    action: str
    flags: _containers.RepeatedScalarFieldContainer[str]
    expires_at: _timestamp_pb2.Timestamp
    owner: str
    description: str
    def __init__(self, entry_id: _Optional[str] = ..., plate: _Optional[str] = ..., country: _Optional[str] = ..., category: _Optional[str] = ..., action: _Optional[str] = ..., flags: _Optional[_Iterable[str]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., owner: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class ExportHotlistResponse(_message.Message):
    __slots__ = ("version", "unchanged", "entries")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    UNCHANGED_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    version: str
    unchanged: bool
    entries: _containers.RepeatedCompositeFieldContainer[ExportedEntry]
    def __init__(self, version: _Optional[str] = ..., unchanged: _Optional[bool] = ..., entries: _Optional[_Iterable[_Union[ExportedEntry, _Mapping]]] = ...) -> None: ...

class SnapshotDatabaseRequest(_message.Message):
    __slots__ = ("justification",)
    JUSTIFICATION_FIELD_NUMBER: _ClassVar[int]
    justification: str
    def __init__(self, justification: _Optional[str] = ...) -> None: ...

class SnapshotDatabaseResponse(_message.Message):
    __slots__ = ("path", "audit_seq")
    PATH_FIELD_NUMBER: _ClassVar[int]
    AUDIT_SEQ_FIELD_NUMBER: _ClassVar[int]
    path: str
    audit_seq: int
    def __init__(self, path: _Optional[str] = ..., audit_seq: _Optional[int] = ...) -> None: ...

class DisableUserRequest(_message.Message):
    __slots__ = ("name", "justification")
    NAME_FIELD_NUMBER: _ClassVar[int]
    JUSTIFICATION_FIELD_NUMBER: _ClassVar[int]
    name: str
    justification: str
    def __init__(self, name: _Optional[str] = ..., justification: _Optional[str] = ...) -> None: ...

class DisableUserResponse(_message.Message):
    __slots__ = ("user",)
    USER_FIELD_NUMBER: _ClassVar[int]
    user: User
    def __init__(self, user: _Optional[_Union[User, _Mapping]] = ...) -> None: ...

class EnableUserRequest(_message.Message):
    __slots__ = ("name", "justification")
    NAME_FIELD_NUMBER: _ClassVar[int]
    JUSTIFICATION_FIELD_NUMBER: _ClassVar[int]
    name: str
    justification: str
    def __init__(self, name: _Optional[str] = ..., justification: _Optional[str] = ...) -> None: ...

class EnableUserResponse(_message.Message):
    __slots__ = ("user",)
    USER_FIELD_NUMBER: _ClassVar[int]
    user: User
    def __init__(self, user: _Optional[_Union[User, _Mapping]] = ...) -> None: ...

class RotateUserTokenRequest(_message.Message):
    __slots__ = ("name", "justification", "token_expires_at", "token_lifetime_s")
    NAME_FIELD_NUMBER: _ClassVar[int]
    JUSTIFICATION_FIELD_NUMBER: _ClassVar[int]
    TOKEN_EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    TOKEN_LIFETIME_S_FIELD_NUMBER: _ClassVar[int]
    name: str
    justification: str
    token_expires_at: _timestamp_pb2.Timestamp
    token_lifetime_s: int
    def __init__(self, name: _Optional[str] = ..., justification: _Optional[str] = ..., token_expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., token_lifetime_s: _Optional[int] = ...) -> None: ...

class RotateUserTokenResponse(_message.Message):
    __slots__ = ("user", "token")
    USER_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    user: User
    token: str
    def __init__(self, user: _Optional[_Union[User, _Mapping]] = ..., token: _Optional[str] = ...) -> None: ...

class RemoveUserRequest(_message.Message):
    __slots__ = ("name", "justification")
    NAME_FIELD_NUMBER: _ClassVar[int]
    JUSTIFICATION_FIELD_NUMBER: _ClassVar[int]
    name: str
    justification: str
    def __init__(self, name: _Optional[str] = ..., justification: _Optional[str] = ...) -> None: ...

class RemoveUserResponse(_message.Message):
    __slots__ = ("user",)
    USER_FIELD_NUMBER: _ClassVar[int]
    user: User
    def __init__(self, user: _Optional[_Union[User, _Mapping]] = ...) -> None: ...

class AnnounceOwnChangeRequest(_message.Message):
    __slots__ = ("endpoint", "tls_ca_pem", "tls_cert_pem", "justification")
    ENDPOINT_FIELD_NUMBER: _ClassVar[int]
    TLS_CA_PEM_FIELD_NUMBER: _ClassVar[int]
    TLS_CERT_PEM_FIELD_NUMBER: _ClassVar[int]
    JUSTIFICATION_FIELD_NUMBER: _ClassVar[int]
    endpoint: str
    tls_ca_pem: str
    tls_cert_pem: str
    justification: str
    def __init__(self, endpoint: _Optional[str] = ..., tls_ca_pem: _Optional[str] = ..., tls_cert_pem: _Optional[str] = ..., justification: _Optional[str] = ...) -> None: ...

class AnnounceOwnChangeResponse(_message.Message):
    __slots__ = ("sequence", "fingerprint", "partners")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    PARTNERS_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    fingerprint: str
    partners: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, sequence: _Optional[int] = ..., fingerprint: _Optional[str] = ..., partners: _Optional[_Iterable[str]] = ...) -> None: ...

class ListPartnerChangesRequest(_message.Message):
    __slots__ = ("node_id", "all")
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    ALL_FIELD_NUMBER: _ClassVar[int]
    node_id: str
    all: bool
    def __init__(self, node_id: _Optional[str] = ..., all: _Optional[bool] = ...) -> None: ...

class PartnerChangeRecord(_message.Message):
    __slots__ = ("node_id", "sequence", "fingerprint", "issued_at", "received_at", "state", "endpoint", "ca_sha256", "cert_sha256")
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    ISSUED_AT_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_AT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    ENDPOINT_FIELD_NUMBER: _ClassVar[int]
    CA_SHA256_FIELD_NUMBER: _ClassVar[int]
    CERT_SHA256_FIELD_NUMBER: _ClassVar[int]
    node_id: str
    sequence: int
    fingerprint: str
    issued_at: _timestamp_pb2.Timestamp
    received_at: _timestamp_pb2.Timestamp
    state: str
    endpoint: str
    ca_sha256: _containers.RepeatedScalarFieldContainer[str]
    cert_sha256: str
    def __init__(self, node_id: _Optional[str] = ..., sequence: _Optional[int] = ..., fingerprint: _Optional[str] = ..., issued_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., received_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., state: _Optional[str] = ..., endpoint: _Optional[str] = ..., ca_sha256: _Optional[_Iterable[str]] = ..., cert_sha256: _Optional[str] = ...) -> None: ...

class ListPartnerChangesResponse(_message.Message):
    __slots__ = ("changes",)
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    changes: _containers.RepeatedCompositeFieldContainer[PartnerChangeRecord]
    def __init__(self, changes: _Optional[_Iterable[_Union[PartnerChangeRecord, _Mapping]]] = ...) -> None: ...

class DecidePartnerChangeRequest(_message.Message):
    __slots__ = ("node_id", "fingerprint", "accept", "justification")
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    ACCEPT_FIELD_NUMBER: _ClassVar[int]
    JUSTIFICATION_FIELD_NUMBER: _ClassVar[int]
    node_id: str
    fingerprint: str
    accept: bool
    justification: str
    def __init__(self, node_id: _Optional[str] = ..., fingerprint: _Optional[str] = ..., accept: _Optional[bool] = ..., justification: _Optional[str] = ...) -> None: ...

class DecidePartnerChangeResponse(_message.Message):
    __slots__ = ("change", "previous", "partner")
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_FIELD_NUMBER: _ClassVar[int]
    PARTNER_FIELD_NUMBER: _ClassVar[int]
    change: PartnerChangeRecord
    previous: Partner
    partner: Partner
    def __init__(self, change: _Optional[_Union[PartnerChangeRecord, _Mapping]] = ..., previous: _Optional[_Union[Partner, _Mapping]] = ..., partner: _Optional[_Union[Partner, _Mapping]] = ...) -> None: ...

class ChainKey(_message.Message):
    __slots__ = ("key_id", "public_key", "fingerprint", "sequence", "valid_from", "accept_until", "revoked_since", "state")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    VALID_FROM_FIELD_NUMBER: _ClassVar[int]
    ACCEPT_UNTIL_FIELD_NUMBER: _ClassVar[int]
    REVOKED_SINCE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    public_key: bytes
    fingerprint: str
    sequence: int
    valid_from: _timestamp_pb2.Timestamp
    accept_until: _timestamp_pb2.Timestamp
    revoked_since: _timestamp_pb2.Timestamp
    state: str
    def __init__(self, key_id: _Optional[str] = ..., public_key: _Optional[bytes] = ..., fingerprint: _Optional[str] = ..., sequence: _Optional[int] = ..., valid_from: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., accept_until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., revoked_since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., state: _Optional[str] = ...) -> None: ...

class RotateSigningKeyRequest(_message.Message):
    __slots__ = ("overlap_seconds", "justification")
    OVERLAP_SECONDS_FIELD_NUMBER: _ClassVar[int]
    JUSTIFICATION_FIELD_NUMBER: _ClassVar[int]
    overlap_seconds: int
    justification: str
    def __init__(self, overlap_seconds: _Optional[int] = ..., justification: _Optional[str] = ...) -> None: ...

class RotateSigningKeyResponse(_message.Message):
    __slots__ = ("key", "partners")
    KEY_FIELD_NUMBER: _ClassVar[int]
    PARTNERS_FIELD_NUMBER: _ClassVar[int]
    key: ChainKey
    partners: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, key: _Optional[_Union[ChainKey, _Mapping]] = ..., partners: _Optional[_Iterable[str]] = ...) -> None: ...

class RevokeSigningKeyRequest(_message.Message):
    __slots__ = ("key_id", "since", "justification")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    JUSTIFICATION_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    since: _timestamp_pb2.Timestamp
    justification: str
    def __init__(self, key_id: _Optional[str] = ..., since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., justification: _Optional[str] = ...) -> None: ...

class RevokeSigningKeyResponse(_message.Message):
    __slots__ = ("revoked", "current", "partners")
    REVOKED_FIELD_NUMBER: _ClassVar[int]
    CURRENT_FIELD_NUMBER: _ClassVar[int]
    PARTNERS_FIELD_NUMBER: _ClassVar[int]
    revoked: ChainKey
    current: ChainKey
    partners: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, revoked: _Optional[_Union[ChainKey, _Mapping]] = ..., current: _Optional[_Union[ChainKey, _Mapping]] = ..., partners: _Optional[_Iterable[str]] = ...) -> None: ...

class ListSigningKeysRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListSigningKeysResponse(_message.Message):
    __slots__ = ("keys",)
    KEYS_FIELD_NUMBER: _ClassVar[int]
    keys: _containers.RepeatedCompositeFieldContainer[ChainKey]
    def __init__(self, keys: _Optional[_Iterable[_Union[ChainKey, _Mapping]]] = ...) -> None: ...

class ListPartnerKeysRequest(_message.Message):
    __slots__ = ("node_id",)
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    node_id: str
    def __init__(self, node_id: _Optional[str] = ...) -> None: ...

class SignedByRevokedKey(_message.Message):
    __slots__ = ("key_id", "kind", "count", "ids")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    IDS_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    kind: str
    count: int
    ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, key_id: _Optional[str] = ..., kind: _Optional[str] = ..., count: _Optional[int] = ..., ids: _Optional[_Iterable[str]] = ...) -> None: ...

class ListPartnerKeysResponse(_message.Message):
    __slots__ = ("keys", "held")
    KEYS_FIELD_NUMBER: _ClassVar[int]
    HELD_FIELD_NUMBER: _ClassVar[int]
    keys: _containers.RepeatedCompositeFieldContainer[ChainKey]
    held: _containers.RepeatedCompositeFieldContainer[SignedByRevokedKey]
    def __init__(self, keys: _Optional[_Iterable[_Union[ChainKey, _Mapping]]] = ..., held: _Optional[_Iterable[_Union[SignedByRevokedKey, _Mapping]]] = ...) -> None: ...

class AddPartnerKeyRequest(_message.Message):
    __slots__ = ("node_id", "public_key", "justification")
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    JUSTIFICATION_FIELD_NUMBER: _ClassVar[int]
    node_id: str
    public_key: bytes
    justification: str
    def __init__(self, node_id: _Optional[str] = ..., public_key: _Optional[bytes] = ..., justification: _Optional[str] = ...) -> None: ...

class AddPartnerKeyResponse(_message.Message):
    __slots__ = ("key",)
    KEY_FIELD_NUMBER: _ClassVar[int]
    key: ChainKey
    def __init__(self, key: _Optional[_Union[ChainKey, _Mapping]] = ...) -> None: ...

class RetirePartnerKeyRequest(_message.Message):
    __slots__ = ("node_id", "key_id", "justification")
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    JUSTIFICATION_FIELD_NUMBER: _ClassVar[int]
    node_id: str
    key_id: str
    justification: str
    def __init__(self, node_id: _Optional[str] = ..., key_id: _Optional[str] = ..., justification: _Optional[str] = ...) -> None: ...

class RetirePartnerKeyResponse(_message.Message):
    __slots__ = ("key",)
    KEY_FIELD_NUMBER: _ClassVar[int]
    key: ChainKey
    def __init__(self, key: _Optional[_Union[ChainKey, _Mapping]] = ...) -> None: ...

class ConfirmPartnerKeyRequest(_message.Message):
    __slots__ = ("node_id", "fingerprint", "justification")
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    JUSTIFICATION_FIELD_NUMBER: _ClassVar[int]
    node_id: str
    fingerprint: str
    justification: str
    def __init__(self, node_id: _Optional[str] = ..., fingerprint: _Optional[str] = ..., justification: _Optional[str] = ...) -> None: ...

class ConfirmPartnerKeyResponse(_message.Message):
    __slots__ = ("key",)
    KEY_FIELD_NUMBER: _ClassVar[int]
    key: ChainKey
    def __init__(self, key: _Optional[_Union[ChainKey, _Mapping]] = ...) -> None: ...

class RotateTokenSecretRequest(_message.Message):
    __slots__ = ("overlap_s",)
    OVERLAP_S_FIELD_NUMBER: _ClassVar[int]
    overlap_s: int
    def __init__(self, overlap_s: _Optional[int] = ...) -> None: ...

class RotateTokenSecretResponse(_message.Message):
    __slots__ = ("epoch", "overlap_ends_at", "token_feeds")
    EPOCH_FIELD_NUMBER: _ClassVar[int]
    OVERLAP_ENDS_AT_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FEEDS_FIELD_NUMBER: _ClassVar[int]
    epoch: int
    overlap_ends_at: _timestamp_pb2.Timestamp
    token_feeds: int
    def __init__(self, epoch: _Optional[int] = ..., overlap_ends_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., token_feeds: _Optional[int] = ...) -> None: ...

class EndTokenSecretOverlapRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class EndTokenSecretOverlapResponse(_message.Message):
    __slots__ = ("retired_epochs",)
    RETIRED_EPOCHS_FIELD_NUMBER: _ClassVar[int]
    retired_epochs: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, retired_epochs: _Optional[_Iterable[int]] = ...) -> None: ...

class GetTokenSecretStatusRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class TokenEpochStatus(_message.Message):
    __slots__ = ("epoch", "created_at", "overlap_ends_at", "retired_at")
    EPOCH_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    OVERLAP_ENDS_AT_FIELD_NUMBER: _ClassVar[int]
    RETIRED_AT_FIELD_NUMBER: _ClassVar[int]
    epoch: int
    created_at: _timestamp_pb2.Timestamp
    overlap_ends_at: _timestamp_pb2.Timestamp
    retired_at: _timestamp_pb2.Timestamp
    def __init__(self, epoch: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., overlap_ends_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., retired_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ReceivedTokenKeys(_message.Message):
    __slots__ = ("agreement_id", "keys_in_index", "epochs_held")
    AGREEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    KEYS_IN_INDEX_FIELD_NUMBER: _ClassVar[int]
    EPOCHS_HELD_FIELD_NUMBER: _ClassVar[int]
    agreement_id: str
    keys_in_index: int
    epochs_held: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, agreement_id: _Optional[str] = ..., keys_in_index: _Optional[int] = ..., epochs_held: _Optional[_Iterable[int]] = ...) -> None: ...

class GetTokenSecretStatusResponse(_message.Message):
    __slots__ = ("current_epoch", "epochs", "feeds_pending", "received")
    CURRENT_EPOCH_FIELD_NUMBER: _ClassVar[int]
    EPOCHS_FIELD_NUMBER: _ClassVar[int]
    FEEDS_PENDING_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_FIELD_NUMBER: _ClassVar[int]
    current_epoch: int
    epochs: _containers.RepeatedCompositeFieldContainer[TokenEpochStatus]
    feeds_pending: int
    received: _containers.RepeatedCompositeFieldContainer[ReceivedTokenKeys]
    def __init__(self, current_epoch: _Optional[int] = ..., epochs: _Optional[_Iterable[_Union[TokenEpochStatus, _Mapping]]] = ..., feeds_pending: _Optional[int] = ..., received: _Optional[_Iterable[_Union[ReceivedTokenKeys, _Mapping]]] = ...) -> None: ...

class ReloadTlsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ReloadTlsResponse(_message.Message):
    __slots__ = ("fingerprint_sha256", "serial", "not_after", "changed")
    FINGERPRINT_SHA256_FIELD_NUMBER: _ClassVar[int]
    SERIAL_FIELD_NUMBER: _ClassVar[int]
    NOT_AFTER_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELD_NUMBER: _ClassVar[int]
    fingerprint_sha256: str
    serial: str
    not_after: _timestamp_pb2.Timestamp
    changed: bool
    def __init__(self, fingerprint_sha256: _Optional[str] = ..., serial: _Optional[str] = ..., not_after: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., changed: _Optional[bool] = ...) -> None: ...

class GetRetentionReportRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RetentionKind(_message.Message):
    __slots__ = ("kind", "clock", "limit", "setting", "legal_basis", "enforced_by", "held_here", "held", "oldest", "next_erasure_due", "past_limit", "warning")
    KIND_FIELD_NUMBER: _ClassVar[int]
    CLOCK_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    SETTING_FIELD_NUMBER: _ClassVar[int]
    LEGAL_BASIS_FIELD_NUMBER: _ClassVar[int]
    ENFORCED_BY_FIELD_NUMBER: _ClassVar[int]
    HELD_HERE_FIELD_NUMBER: _ClassVar[int]
    HELD_FIELD_NUMBER: _ClassVar[int]
    OLDEST_FIELD_NUMBER: _ClassVar[int]
    NEXT_ERASURE_DUE_FIELD_NUMBER: _ClassVar[int]
    PAST_LIMIT_FIELD_NUMBER: _ClassVar[int]
    WARNING_FIELD_NUMBER: _ClassVar[int]
    kind: str
    clock: str
    limit: str
    setting: str
    legal_basis: str
    enforced_by: str
    held_here: bool
    held: int
    oldest: _timestamp_pb2.Timestamp
    next_erasure_due: _timestamp_pb2.Timestamp
    past_limit: int
    warning: str
    def __init__(self, kind: _Optional[str] = ..., clock: _Optional[str] = ..., limit: _Optional[str] = ..., setting: _Optional[str] = ..., legal_basis: _Optional[str] = ..., enforced_by: _Optional[str] = ..., held_here: _Optional[bool] = ..., held: _Optional[int] = ..., oldest: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., next_erasure_due: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., past_limit: _Optional[int] = ..., warning: _Optional[str] = ...) -> None: ...

class GetRetentionReportResponse(_message.Message):
    __slots__ = ("kinds", "generated_at")
    KINDS_FIELD_NUMBER: _ClassVar[int]
    GENERATED_AT_FIELD_NUMBER: _ClassVar[int]
    kinds: _containers.RepeatedCompositeFieldContainer[RetentionKind]
    generated_at: _timestamp_pb2.Timestamp
    def __init__(self, kinds: _Optional[_Iterable[_Union[RetentionKind, _Mapping]]] = ..., generated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ExportAuditRequest(_message.Message):
    __slots__ = ("period_start", "period_end", "recipient")
    PERIOD_START_FIELD_NUMBER: _ClassVar[int]
    PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_FIELD_NUMBER: _ClassVar[int]
    period_start: _timestamp_pb2.Timestamp
    period_end: _timestamp_pb2.Timestamp
    recipient: str
    def __init__(self, period_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., period_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., recipient: _Optional[str] = ...) -> None: ...

class ExportAuditResponse(_message.Message):
    __slots__ = ("lines",)
    LINES_FIELD_NUMBER: _ClassVar[int]
    lines: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, lines: _Optional[_Iterable[str]] = ...) -> None: ...
