import datetime

from gateway.wire.argos.v1 import envelope_pb2 as _envelope_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TombstoneReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TOMBSTONE_REASON_UNSPECIFIED: _ClassVar[TombstoneReason]
    TOMBSTONE_REASON_WITHDRAWN: _ClassVar[TombstoneReason]
    TOMBSTONE_REASON_EXPIRED: _ClassVar[TombstoneReason]
    TOMBSTONE_REASON_OUT_OF_SCOPE: _ClassVar[TombstoneReason]
TOMBSTONE_REASON_UNSPECIFIED: TombstoneReason
TOMBSTONE_REASON_WITHDRAWN: TombstoneReason
TOMBSTONE_REASON_EXPIRED: TombstoneReason
TOMBSTONE_REASON_OUT_OF_SCOPE: TombstoneReason

class PlaintextPlate(_message.Message):
    __slots__ = ("plate", "country")
    PLATE_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    plate: str
    country: str
    def __init__(self, plate: _Optional[str] = ..., country: _Optional[str] = ...) -> None: ...

class SharedEntry(_message.Message):
    __slots__ = ("entry_id", "owner", "version", "category", "plate_token", "plaintext", "action", "flags", "vehicle_description", "contact", "valid_from", "expires_at", "country_unknown")
    ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    PLATE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    PLAINTEXT_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    VEHICLE_DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    VALID_FROM_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_UNKNOWN_FIELD_NUMBER: _ClassVar[int]
    entry_id: str
    owner: str
    version: int
    category: str
    plate_token: bytes
    plaintext: PlaintextPlate
    action: str
    flags: _containers.RepeatedScalarFieldContainer[str]
    vehicle_description: str
    contact: str
    valid_from: _timestamp_pb2.Timestamp
    expires_at: _timestamp_pb2.Timestamp
    country_unknown: bool
    def __init__(self, entry_id: _Optional[str] = ..., owner: _Optional[str] = ..., version: _Optional[int] = ..., category: _Optional[str] = ..., plate_token: _Optional[bytes] = ..., plaintext: _Optional[_Union[PlaintextPlate, _Mapping]] = ..., action: _Optional[str] = ..., flags: _Optional[_Iterable[str]] = ..., vehicle_description: _Optional[str] = ..., contact: _Optional[str] = ..., valid_from: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., country_unknown: _Optional[bool] = ...) -> None: ...

class Tombstone(_message.Message):
    __slots__ = ("entry_id", "owner", "reason")
    ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    entry_id: str
    owner: str
    reason: TombstoneReason
    def __init__(self, entry_id: _Optional[str] = ..., owner: _Optional[str] = ..., reason: _Optional[_Union[TombstoneReason, str]] = ...) -> None: ...

class SharedChange(_message.Message):
    __slots__ = ("seq", "agreement_version", "upsert", "tombstone")
    SEQ_FIELD_NUMBER: _ClassVar[int]
    AGREEMENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    UPSERT_FIELD_NUMBER: _ClassVar[int]
    TOMBSTONE_FIELD_NUMBER: _ClassVar[int]
    seq: int
    agreement_version: int
    upsert: SharedEntry
    tombstone: Tombstone
    def __init__(self, seq: _Optional[int] = ..., agreement_version: _Optional[int] = ..., upsert: _Optional[_Union[SharedEntry, _Mapping]] = ..., tombstone: _Optional[_Union[Tombstone, _Mapping]] = ...) -> None: ...

class Checkpoint(_message.Message):
    __slots__ = ("agreement_id", "agreement_version", "provider", "recipient", "from_seq", "to_seq", "leaf_count", "merkle_root", "token_epoch")
    AGREEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    AGREEMENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_FIELD_NUMBER: _ClassVar[int]
    FROM_SEQ_FIELD_NUMBER: _ClassVar[int]
    TO_SEQ_FIELD_NUMBER: _ClassVar[int]
    LEAF_COUNT_FIELD_NUMBER: _ClassVar[int]
    MERKLE_ROOT_FIELD_NUMBER: _ClassVar[int]
    TOKEN_EPOCH_FIELD_NUMBER: _ClassVar[int]
    agreement_id: str
    agreement_version: int
    provider: str
    recipient: str
    from_seq: int
    to_seq: int
    leaf_count: int
    merkle_root: bytes
    token_epoch: int
    def __init__(self, agreement_id: _Optional[str] = ..., agreement_version: _Optional[int] = ..., provider: _Optional[str] = ..., recipient: _Optional[str] = ..., from_seq: _Optional[int] = ..., to_seq: _Optional[int] = ..., leaf_count: _Optional[int] = ..., merkle_root: _Optional[bytes] = ..., token_epoch: _Optional[int] = ...) -> None: ...

class SyncHead(_message.Message):
    __slots__ = ("agreement_id", "agreement_version", "provider", "recipient", "seq", "count", "set_digest", "issued_at", "token_epoch_floor")
    AGREEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    AGREEMENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    SET_DIGEST_FIELD_NUMBER: _ClassVar[int]
    ISSUED_AT_FIELD_NUMBER: _ClassVar[int]
    TOKEN_EPOCH_FLOOR_FIELD_NUMBER: _ClassVar[int]
    agreement_id: str
    agreement_version: int
    provider: str
    recipient: str
    seq: int
    count: int
    set_digest: bytes
    issued_at: _timestamp_pb2.Timestamp
    token_epoch_floor: int
    def __init__(self, agreement_id: _Optional[str] = ..., agreement_version: _Optional[int] = ..., provider: _Optional[str] = ..., recipient: _Optional[str] = ..., seq: _Optional[int] = ..., count: _Optional[int] = ..., set_digest: _Optional[bytes] = ..., issued_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., token_epoch_floor: _Optional[int] = ...) -> None: ...

class ChangeBatch(_message.Message):
    __slots__ = ("leaves", "checkpoint")
    LEAVES_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    leaves: _containers.RepeatedScalarFieldContainer[bytes]
    checkpoint: _envelope_pb2.Envelope
    def __init__(self, leaves: _Optional[_Iterable[bytes]] = ..., checkpoint: _Optional[_Union[_envelope_pb2.Envelope, _Mapping]] = ...) -> None: ...
