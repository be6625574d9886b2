from gateway.wire.argos.v1 import envelope_pb2 as _envelope_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetNodeInfoRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetNodeInfoResponse(_message.Message):
    __slots__ = ("node_id", "key_id")
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    node_id: str
    key_id: str
    def __init__(self, node_id: _Optional[str] = ..., key_id: _Optional[str] = ...) -> None: ...

class ProposeAgreementRequest(_message.Message):
    __slots__ = ("agreement",)
    AGREEMENT_FIELD_NUMBER: _ClassVar[int]
    agreement: _envelope_pb2.Envelope
    def __init__(self, agreement: _Optional[_Union[_envelope_pb2.Envelope, _Mapping]] = ...) -> None: ...

class ProposeAgreementResponse(_message.Message):
    __slots__ = ("fingerprint",)
    FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    fingerprint: str
    def __init__(self, fingerprint: _Optional[str] = ...) -> None: ...

class AcceptAgreementRequest(_message.Message):
    __slots__ = ("agreement",)
    AGREEMENT_FIELD_NUMBER: _ClassVar[int]
    agreement: _envelope_pb2.Envelope
    def __init__(self, agreement: _Optional[_Union[_envelope_pb2.Envelope, _Mapping]] = ...) -> None: ...

class AcceptAgreementResponse(_message.Message):
    __slots__ = ("fingerprint",)
    FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    fingerprint: str
    def __init__(self, fingerprint: _Optional[str] = ...) -> None: ...

class ChangeAgreementStatusRequest(_message.Message):
    __slots__ = ("change",)
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    change: _envelope_pb2.Envelope
    def __init__(self, change: _Optional[_Union[_envelope_pb2.Envelope, _Mapping]] = ...) -> None: ...

class ChangeAgreementStatusResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...
