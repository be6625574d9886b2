import datetime

from gateway.wire.argos.v1 import confirmations_pb2 as _confirmations_pb2
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

class AlertMarkKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ALERT_MARK_KIND_UNSPECIFIED: _ClassVar[AlertMarkKind]
    ALERT_MARK_KIND_CLAIMED: _ClassVar[AlertMarkKind]
    ALERT_MARK_KIND_ACKNOWLEDGED: _ClassVar[AlertMarkKind]
ALERT_MARK_KIND_UNSPECIFIED: AlertMarkKind
ALERT_MARK_KIND_CLAIMED: AlertMarkKind
ALERT_MARK_KIND_ACKNOWLEDGED: AlertMarkKind

class MarkAlertRequest(_message.Message):
    __slots__ = ("position", "mark")
    POSITION_FIELD_NUMBER: _ClassVar[int]
    MARK_FIELD_NUMBER: _ClassVar[int]
    position: int
    mark: AlertMarkKind
    def __init__(self, position: _Optional[int] = ..., mark: _Optional[_Union[AlertMarkKind, str]] = ...) -> None: ...

class MarkAlertResponse(_message.Message):
    __slots__ = ("position",)
    POSITION_FIELD_NUMBER: _ClassVar[int]
    position: int
    def __init__(self, position: _Optional[int] = ...) -> None: ...

class AlertMark(_message.Message):
    __slots__ = ("alert_position", "hit_id", "mark", "by", "at")
    ALERT_POSITION_FIELD_NUMBER: _ClassVar[int]
    HIT_ID_FIELD_NUMBER: _ClassVar[int]
    MARK_FIELD_NUMBER: _ClassVar[int]
    BY_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    alert_position: int
    hit_id: str
    mark: AlertMarkKind
    by: str
    at: _timestamp_pb2.Timestamp
    def __init__(self, alert_position: _Optional[int] = ..., hit_id: _Optional[str] = ..., mark: _Optional[_Union[AlertMarkKind, str]] = ..., by: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SubmitReadsRequest(_message.Message):
    __slots__ = ("batch_id", "reads")
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    READS_FIELD_NUMBER: _ClassVar[int]
    batch_id: str
    reads: _containers.RepeatedCompositeFieldContainer[_reads_pb2.PlateRead]
    def __init__(self, batch_id: _Optional[str] = ..., reads: _Optional[_Iterable[_Union[_reads_pb2.PlateRead, _Mapping]]] = ...) -> None: ...

class ReadRejection(_message.Message):
    __slots__ = ("index", "reason")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    index: int
    reason: str
    def __init__(self, index: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class SubmitReadsResponse(_message.Message):
    __slots__ = ("batch_id", "accepted", "hits", "rejected", "batch_hits", "repeated")
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    HITS_FIELD_NUMBER: _ClassVar[int]
    REJECTED_FIELD_NUMBER: _ClassVar[int]
    BATCH_HITS_FIELD_NUMBER: _ClassVar[int]
    REPEATED_FIELD_NUMBER: _ClassVar[int]
    batch_id: str
    accepted: int
    hits: int
    rejected: _containers.RepeatedCompositeFieldContainer[ReadRejection]
    batch_hits: _containers.RepeatedCompositeFieldContainer[BatchHit]
    repeated: bool
    def __init__(self, batch_id: _Optional[str] = ..., accepted: _Optional[int] = ..., hits: _Optional[int] = ..., rejected: _Optional[_Iterable[_Union[ReadRejection, _Mapping]]] = ..., batch_hits: _Optional[_Iterable[_Union[BatchHit, _Mapping]]] = ..., repeated: _Optional[bool] = ...) -> None: ...

class BatchHit(_message.Message):
    __slots__ = ("index", "hit_id", "expires_at")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    HIT_ID_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    index: int
    hit_id: str
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, index: _Optional[int] = ..., hit_id: _Optional[str] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class WatchAlertsRequest(_message.Message):
    __slots__ = ("after_position",)
    AFTER_POSITION_FIELD_NUMBER: _ClassVar[int]
    after_position: int
    def __init__(self, after_position: _Optional[int] = ...) -> None: ...

class Alert(_message.Message):
    __slots__ = ("hit_id", "observed_at", "camera", "site", "zone", "direction", "image_ref", "plate", "country", "country_inferred", "match", "matched", "entry_owner", "entry_id", "agreement_id", "category", "action", "flags", "advisories", "owner_notified")
    HIT_ID_FIELD_NUMBER: _ClassVar[int]
    OBSERVED_AT_FIELD_NUMBER: _ClassVar[int]
    CAMERA_FIELD_NUMBER: _ClassVar[int]
    SITE_FIELD_NUMBER: _ClassVar[int]
    ZONE_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    IMAGE_REF_FIELD_NUMBER: _ClassVar[int]
    PLATE_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_INFERRED_FIELD_NUMBER: _ClassVar[int]
    MATCH_FIELD_NUMBER: _ClassVar[int]
    MATCHED_FIELD_NUMBER: _ClassVar[int]
    ENTRY_OWNER_FIELD_NUMBER: _ClassVar[int]
    ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    AGREEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    ADVISORIES_FIELD_NUMBER: _ClassVar[int]
    OWNER_NOTIFIED_FIELD_NUMBER: _ClassVar[int]
    hit_id: str
    observed_at: _timestamp_pb2.Timestamp
    camera: str
    site: str
    zone: str
    direction: _reads_pb2.ReadDirection
    image_ref: str
    plate: str
    country: str
    country_inferred: bool
    match: _hits_pb2.MatchKind
    matched: str
    entry_owner: str
    entry_id: str
    agreement_id: str
    category: str
    action: str
    flags: _containers.RepeatedScalarFieldContainer[str]
    advisories: _containers.RepeatedScalarFieldContainer[str]
    owner_notified: bool
    def __init__(self, hit_id: _Optional[str] = ..., observed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., camera: _Optional[str] = ..., site: _Optional[str] = ..., zone: _Optional[str] = ..., direction: _Optional[_Union[_reads_pb2.ReadDirection, str]] = ..., image_ref: _Optional[str] = ..., plate: _Optional[str] = ..., country: _Optional[str] = ..., country_inferred: _Optional[bool] = ..., match: _Optional[_Union[_hits_pb2.MatchKind, str]] = ..., matched: _Optional[str] = ..., entry_owner: _Optional[str] = ..., entry_id: _Optional[str] = ..., agreement_id: _Optional[str] = ..., category: _Optional[str] = ..., action: _Optional[str] = ..., flags: _Optional[_Iterable[str]] = ..., advisories: _Optional[_Iterable[str]] = ..., owner_notified: _Optional[bool] = ...) -> None: ...

class ConfirmationNotice(_message.Message):
    __slots__ = ("request_id", "kind", "what", "partner", "deadline", "urgency")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    WHAT_FIELD_NUMBER: _ClassVar[int]
    PARTNER_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    URGENCY_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    kind: _confirmations_pb2.ConfirmationKind
    what: str
    partner: str
    deadline: _timestamp_pb2.Timestamp
    urgency: _confirmations_pb2.Urgency
    def __init__(self, request_id: _Optional[str] = ..., kind: _Optional[_Union[_confirmations_pb2.ConfirmationKind, str]] = ..., what: _Optional[str] = ..., partner: _Optional[str] = ..., deadline: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., urgency: _Optional[_Union[_confirmations_pb2.Urgency, str]] = ...) -> None: ...

class FeedNotice(_message.Message):
    __slots__ = ("agreement_id", "partner", "what", "last_head_at", "matching_stopped")
    AGREEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    PARTNER_FIELD_NUMBER: _ClassVar[int]
    WHAT_FIELD_NUMBER: _ClassVar[int]
    LAST_HEAD_AT_FIELD_NUMBER: _ClassVar[int]
    MATCHING_STOPPED_FIELD_NUMBER: _ClassVar[int]
    agreement_id: str
    partner: str
    what: str
    last_head_at: _timestamp_pb2.Timestamp
    matching_stopped: bool
    def __init__(self, agreement_id: _Optional[str] = ..., partner: _Optional[str] = ..., what: _Optional[str] = ..., last_head_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., matching_stopped: _Optional[bool] = ...) -> None: ...

class WatchAlertsResponse(_message.Message):
    __slots__ = ("alert", "confirmation", "feed", "position", "behind", "mark")
    ALERT_FIELD_NUMBER: _ClassVar[int]
    CONFIRMATION_FIELD_NUMBER: _ClassVar[int]
    FEED_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    BEHIND_FIELD_NUMBER: _ClassVar[int]
    MARK_FIELD_NUMBER: _ClassVar[int]
    alert: Alert
    confirmation: ConfirmationNotice
    feed: FeedNotice
    position: int
    behind: BehindNotice
    mark: AlertMark
    def __init__(self, alert: _Optional[_Union[Alert, _Mapping]] = ..., confirmation: _Optional[_Union[ConfirmationNotice, _Mapping]] = ..., feed: _Optional[_Union[FeedNotice, _Mapping]] = ..., position: _Optional[int] = ..., behind: _Optional[_Union[BehindNotice, _Mapping]] = ..., mark: _Optional[_Union[AlertMark, _Mapping]] = ...) -> None: ...

class BehindNotice(_message.Message):
    __slots__ = ("resumes_after", "newest")
    RESUMES_AFTER_FIELD_NUMBER: _ClassVar[int]
    NEWEST_FIELD_NUMBER: _ClassVar[int]
    resumes_after: int
    newest: int
    def __init__(self, resumes_after: _Optional[int] = ..., newest: _Optional[int] = ...) -> None: ...
