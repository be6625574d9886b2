import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PartnerChange(_message.Message):
    __slots__ = ("node_id", "sequence", "issued_at", "endpoint", "tls_ca_pem", "tls_cert_pem")
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    ISSUED_AT_FIELD_NUMBER: _ClassVar[int]
    ENDPOINT_FIELD_NUMBER: _ClassVar[int]
    TLS_CA_PEM_FIELD_NUMBER: _ClassVar[int]
    TLS_CERT_PEM_FIELD_NUMBER: _ClassVar[int]
    node_id: str
    sequence: int
    issued_at: _timestamp_pb2.Timestamp
    endpoint: str
    tls_ca_pem: str
    tls_cert_pem: str
    def __init__(self, node_id: _Optional[str] = ..., sequence: _Optional[int] = ..., issued_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., endpoint: _Optional[str] = ..., tls_ca_pem: _Optional[str] = ..., tls_cert_pem: _Optional[str] = ...) -> None: ...
