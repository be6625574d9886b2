import datetime

from gateway.wire.argos.v1 import envelope_pb2 as _envelope_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SigningKeyRotation(_message.Message):
    __slots__ = ("node_id", "sequence", "public_key", "valid_from", "overlap_end", "previous_hash")
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    VALID_FROM_FIELD_NUMBER: _ClassVar[int]
    OVERLAP_END_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_HASH_FIELD_NUMBER: _ClassVar[int]
    node_id: str
    sequence: int
    public_key: bytes
    valid_from: _timestamp_pb2.Timestamp
    overlap_end: _timestamp_pb2.Timestamp
    previous_hash: str
    def __init__(self, node_id: _Optional[str] = ..., sequence: _Optional[int] = ..., public_key: _Optional[bytes] = ..., valid_from: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., overlap_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., previous_hash: _Optional[str] = ...) -> None: ...

class SigningKeyRevocation(_message.Message):
    __slots__ = ("node_id", "key_id", "since", "replacement")
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    REPLACEMENT_FIELD_NUMBER: _ClassVar[int]
    node_id: str
    key_id: str
    since: _timestamp_pb2.Timestamp
    replacement: _envelope_pb2.Envelope
    def __init__(self, node_id: _Optional[str] = ..., key_id: _Optional[str] = ..., since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., replacement: _Optional[_Union[_envelope_pb2.Envelope, _Mapping]] = ...) -> None: ...
