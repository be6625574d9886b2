import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class MatchKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MATCH_KIND_UNSPECIFIED: _ClassVar[MatchKind]
    MATCH_KIND_EXACT: _ClassVar[MatchKind]
    MATCH_KIND_FUZZY: _ClassVar[MatchKind]
MATCH_KIND_UNSPECIFIED: MatchKind
MATCH_KIND_EXACT: MatchKind
MATCH_KIND_FUZZY: MatchKind

class NotifiedLocation(_message.Message):
    __slots__ = ("camera", "site", "zone")
    CAMERA_FIELD_NUMBER: _ClassVar[int]
    SITE_FIELD_NUMBER: _ClassVar[int]
    ZONE_FIELD_NUMBER: _ClassVar[int]
    camera: str
    site: str
    zone: str
    def __init__(self, camera: _Optional[str] = ..., site: _Optional[str] = ..., zone: _Optional[str] = ...) -> None: ...

class HitNotification(_message.Message):
    __slots__ = ("hit_id", "agreement_id", "agreement_version", "observer", "owner", "entry_id", "entry_version", "observed_at", "location", "match", "country_inferred")
    HIT_ID_FIELD_NUMBER: _ClassVar[int]
    AGREEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    AGREEMENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    OBSERVER_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    ENTRY_VERSION_FIELD_NUMBER: _ClassVar[int]
    OBSERVED_AT_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    MATCH_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_INFERRED_FIELD_NUMBER: _ClassVar[int]
    hit_id: str
    agreement_id: str
    agreement_version: int
    observer: str
    owner: str
    entry_id: str
    entry_version: int
    observed_at: _timestamp_pb2.Timestamp
    location: NotifiedLocation
    match: MatchKind
    country_inferred: bool
    def __init__(self, hit_id: _Optional[str] = ..., agreement_id: _Optional[str] = ..., agreement_version: _Optional[int] = ..., observer: _Optional[str] = ..., owner: _Optional[str] = ..., entry_id: _Optional[str] = ..., entry_version: _Optional[int] = ..., observed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., location: _Optional[_Union[NotifiedLocation, _Mapping]] = ..., match: _Optional[_Union[MatchKind, str]] = ..., country_inferred: _Optional[bool] = ...) -> None: ...
