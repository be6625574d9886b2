import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ReadDirection(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    READ_DIRECTION_UNSPECIFIED: _ClassVar[ReadDirection]
    READ_DIRECTION_IN: _ClassVar[ReadDirection]
    READ_DIRECTION_OUT: _ClassVar[ReadDirection]
READ_DIRECTION_UNSPECIFIED: ReadDirection
READ_DIRECTION_IN: ReadDirection
READ_DIRECTION_OUT: ReadDirection

class OcrCandidate(_message.Message):
    __slots__ = ("plate", "confidence")
    PLATE_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    plate: str
    confidence: float
    def __init__(self, plate: _Optional[str] = ..., confidence: _Optional[float] = ...) -> None: ...

class PlateRead(_message.Message):
    __slots__ = ("plate", "country", "confidence", "candidates", "camera", "site", "observed_at", "direction", "image_ref")
    PLATE_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    CANDIDATES_FIELD_NUMBER: _ClassVar[int]
    CAMERA_FIELD_NUMBER: _ClassVar[int]
    SITE_FIELD_NUMBER: _ClassVar[int]
    OBSERVED_AT_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    IMAGE_REF_FIELD_NUMBER: _ClassVar[int]
    plate: str
    country: str
    confidence: float
    candidates: _containers.RepeatedCompositeFieldContainer[OcrCandidate]
    camera: str
    site: str
    observed_at: _timestamp_pb2.Timestamp
    direction: ReadDirection
    image_ref: str
    def __init__(self, plate: _Optional[str] = ..., country: _Optional[str] = ..., confidence: _Optional[float] = ..., candidates: _Optional[_Iterable[_Union[OcrCandidate, _Mapping]]] = ..., camera: _Optional[str] = ..., site: _Optional[str] = ..., observed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., direction: _Optional[_Union[ReadDirection, str]] = ..., image_ref: _Optional[str] = ...) -> None: ...
