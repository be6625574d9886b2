import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Purpose(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PURPOSE_UNSPECIFIED: _ClassVar[Purpose]
    PURPOSE_CRIMINAL_INVESTIGATION: _ClassVar[Purpose]
    PURPOSE_MISSING_PERSONS: _ClassVar[Purpose]
    PURPOSE_PUBLIC_ORDER: _ClassVar[Purpose]
    PURPOSE_TRAFFIC_SAFETY: _ClassVar[Purpose]

class MatchingMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MATCHING_MODE_UNSPECIFIED: _ClassVar[MatchingMode]
    MATCHING_MODE_TOKEN: _ClassVar[MatchingMode]
    MATCHING_MODE_PLAINTEXT: _ClassVar[MatchingMode]
    MATCHING_MODE_OBLIVIOUS: _ClassVar[MatchingMode]

class LocationGranularity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LOCATION_GRANULARITY_UNSPECIFIED: _ClassVar[LocationGranularity]
    LOCATION_GRANULARITY_NONE: _ClassVar[LocationGranularity]
    LOCATION_GRANULARITY_ZONE: _ClassVar[LocationGranularity]
    LOCATION_GRANULARITY_SITE: _ClassVar[LocationGranularity]
    LOCATION_GRANULARITY_CAMERA: _ClassVar[LocationGranularity]

class SharingDirection(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SHARING_DIRECTION_UNSPECIFIED: _ClassVar[SharingDirection]
    SHARING_DIRECTION_BOTH: _ClassVar[SharingDirection]
    SHARING_DIRECTION_PROPOSER_TO_PARTNER: _ClassVar[SharingDirection]
    SHARING_DIRECTION_PARTNER_TO_PROPOSER: _ClassVar[SharingDirection]
PURPOSE_UNSPECIFIED: Purpose
PURPOSE_CRIMINAL_INVESTIGATION: Purpose
PURPOSE_MISSING_PERSONS: Purpose
PURPOSE_PUBLIC_ORDER: Purpose
PURPOSE_TRAFFIC_SAFETY: Purpose
MATCHING_MODE_UNSPECIFIED: MatchingMode
MATCHING_MODE_TOKEN: MatchingMode
MATCHING_MODE_PLAINTEXT: MatchingMode
MATCHING_MODE_OBLIVIOUS: MatchingMode
LOCATION_GRANULARITY_UNSPECIFIED: LocationGranularity
LOCATION_GRANULARITY_NONE: LocationGranularity
LOCATION_GRANULARITY_ZONE: LocationGranularity
LOCATION_GRANULARITY_SITE: LocationGranularity
LOCATION_GRANULARITY_CAMERA: LocationGranularity
SHARING_DIRECTION_UNSPECIFIED: SharingDirection
SHARING_DIRECTION_BOTH: SharingDirection
SHARING_DIRECTION_PROPOSER_TO_PARTNER: SharingDirection
SHARING_DIRECTION_PARTNER_TO_PROPOSER: SharingDirection

class AgreementFields(_message.Message):
    __slots__ = ("action", "flags", "vehicle_description", "contact")
    ACTION_FIELD_NUMBER: _ClassVar[int]
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    VEHICLE_DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    action: bool
    flags: bool
    vehicle_description: bool
    contact: bool
    def __init__(self, action: _Optional[bool] = ..., flags: _Optional[bool] = ..., vehicle_description: _Optional[bool] = ..., contact: _Optional[bool] = ...) -> None: ...

class AgreementDocument(_message.Message):
    __slots__ = ("agreement_id", "version", "proposer", "partner", "valid_from", "valid_until", "direction", "categories", "purposes", "matching_mode", "fields", "hit_notification", "location_granularity", "confirmations_allowed", "confirmation_deadline_hours", "entry_retention_days", "hit_retention_days", "onward_sharing", "handling_code", "created_at", "oblivious_evaluations_per_s", "oblivious_evaluations_per_day")
    AGREEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    PROPOSER_FIELD_NUMBER: _ClassVar[int]
    PARTNER_FIELD_NUMBER: _ClassVar[int]
    VALID_FROM_FIELD_NUMBER: _ClassVar[int]
    VALID_UNTIL_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    PURPOSES_FIELD_NUMBER: _ClassVar[int]
    MATCHING_MODE_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    HIT_NOTIFICATION_FIELD_NUMBER: _ClassVar[int]
    LOCATION_GRANULARITY_FIELD_NUMBER: _ClassVar[int]
    CONFIRMATIONS_ALLOWED_FIELD_NUMBER: _ClassVar[int]
    CONFIRMATION_DEADLINE_HOURS_FIELD_NUMBER: _ClassVar[int]
    ENTRY_RETENTION_DAYS_FIELD_NUMBER: _ClassVar[int]
    HIT_RETENTION_DAYS_FIELD_NUMBER: _ClassVar[int]
    ONWARD_SHARING_FIELD_NUMBER: _ClassVar[int]
    HANDLING_CODE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    OBLIVIOUS_EVALUATIONS_PER_S_FIELD_NUMBER: _ClassVar[int]
    OBLIVIOUS_EVALUATIONS_PER_DAY_FIELD_NUMBER: _ClassVar[int]
    agreement_id: str
    version: int
    proposer: str
    partner: str
    valid_from: _timestamp_pb2.Timestamp
    valid_until: _timestamp_pb2.Timestamp
    direction: SharingDirection
    categories: _containers.RepeatedScalarFieldContainer[str]
    purposes: _containers.RepeatedScalarFieldContainer[Purpose]
    matching_mode: MatchingMode
    fields: AgreementFields
    hit_notification: bool
    location_granularity: LocationGranularity
    confirmations_allowed: bool
    confirmation_deadline_hours: int
    entry_retention_days: int
    hit_retention_days: int
    onward_sharing: bool
    handling_code: str
    created_at: _timestamp_pb2.Timestamp
    oblivious_evaluations_per_s: int
    oblivious_evaluations_per_day: int
    def __init__(self, agreement_id: _Optional[str] = ..., version: _Optional[int] = ..., proposer: _Optional[str] = ..., partner: _Optional[str] = ..., valid_from: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., valid_until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., direction: _Optional[_Union[SharingDirection, str]] = ..., categories: _Optional[_Iterable[str]] = ..., purposes: _Optional[_Iterable[_Union[Purpose, str]]] = ..., matching_mode: _Optional[_Union[MatchingMode, str]] = ..., fields: _Optional[_Union[AgreementFields, _Mapping]] = ..., hit_notification: _Optional[bool] = ..., location_granularity: _Optional[_Union[LocationGranularity, str]] = ..., confirmations_allowed: _Optional[bool] = ..., confirmation_deadline_hours: _Optional[int] = ..., entry_retention_days: _Optional[int] = ..., hit_retention_days: _Optional[int] = ..., onward_sharing: _Optional[bool] = ..., handling_code: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., oblivious_evaluations_per_s: _Optional[int] = ..., oblivious_evaluations_per_day: _Optional[int] = ...) -> None: ...

class AgreementStatusChange(_message.Message):
    __slots__ = ("agreement_id", "version", "kind", "issuer", "reason", "issued_at")
    class Kind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        KIND_UNSPECIFIED: _ClassVar[AgreementStatusChange.Kind]
        KIND_SUSPEND: _ClassVar[AgreementStatusChange.Kind]
        KIND_RESUME: _ClassVar[AgreementStatusChange.Kind]
        KIND_REVOKE: _ClassVar[AgreementStatusChange.Kind]
    KIND_UNSPECIFIED: AgreementStatusChange.Kind
    KIND_SUSPEND: AgreementStatusChange.Kind
    KIND_RESUME: AgreementStatusChange.Kind
    KIND_REVOKE: AgreementStatusChange.Kind
    AGREEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    ISSUER_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ISSUED_AT_FIELD_NUMBER: _ClassVar[int]
    agreement_id: str
    version: int
    kind: AgreementStatusChange.Kind
    issuer: str
    reason: str
    issued_at: _timestamp_pb2.Timestamp
    def __init__(self, agreement_id: _Optional[str] = ..., version: _Optional[int] = ..., kind: _Optional[_Union[AgreementStatusChange.Kind, str]] = ..., issuer: _Optional[str] = ..., reason: _Optional[str] = ..., issued_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
