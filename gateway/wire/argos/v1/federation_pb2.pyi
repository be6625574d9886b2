from gateway.wire.argos.v1 import agreement_pb2 as _agreement_pb2
from gateway.wire.argos.v1 import envelope_pb2 as _envelope_pb2
from gateway.wire.argos.v1 import hotlist_pb2 as _hotlist_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
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

class GetMatchingKeyRequest(_message.Message):
    __slots__ = ("agreement_id", "agreement_version", "token_epoch")
    AGREEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    AGREEMENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    TOKEN_EPOCH_FIELD_NUMBER: _ClassVar[int]
    agreement_id: str
    agreement_version: int
    token_epoch: int
    def __init__(self, agreement_id: _Optional[str] = ..., agreement_version: _Optional[int] = ..., token_epoch: _Optional[int] = ...) -> None: ...

class GetMatchingKeyResponse(_message.Message):
    __slots__ = ("matching_mode", "token_key", "key_commitment")
    MATCHING_MODE_FIELD_NUMBER: _ClassVar[int]
    TOKEN_KEY_FIELD_NUMBER: _ClassVar[int]
    KEY_COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    matching_mode: _agreement_pb2.MatchingMode
    token_key: bytes
    key_commitment: _envelope_pb2.Envelope
    def __init__(self, matching_mode: _Optional[_Union[_agreement_pb2.MatchingMode, str]] = ..., token_key: _Optional[bytes] = ..., key_commitment: _Optional[_Union[_envelope_pb2.Envelope, _Mapping]] = ...) -> None: ...

class ObliviousKeyCommitment(_message.Message):
    __slots__ = ("agreement_id", "agreement_version", "token_epoch", "provider", "recipient", "public_key")
    AGREEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    AGREEMENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    TOKEN_EPOCH_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    agreement_id: str
    agreement_version: int
    token_epoch: int
    provider: str
    recipient: str
    public_key: bytes
    def __init__(self, agreement_id: _Optional[str] = ..., agreement_version: _Optional[int] = ..., token_epoch: _Optional[int] = ..., provider: _Optional[str] = ..., recipient: _Optional[str] = ..., public_key: _Optional[bytes] = ...) -> None: ...

class EvaluatePlatesRequest(_message.Message):
    __slots__ = ("agreement_id", "agreement_version", "token_epoch", "blinded")
    AGREEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    AGREEMENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    TOKEN_EPOCH_FIELD_NUMBER: _ClassVar[int]
    BLINDED_FIELD_NUMBER: _ClassVar[int]
    agreement_id: str
    agreement_version: int
    token_epoch: int
    blinded: _containers.RepeatedScalarFieldContainer[bytes]
    def __init__(self, agreement_id: _Optional[str] = ..., agreement_version: _Optional[int] = ..., token_epoch: _Optional[int] = ..., blinded: _Optional[_Iterable[bytes]] = ...) -> None: ...

class EvaluatePlatesResponse(_message.Message):
    __slots__ = ("evaluated", "proof")
    EVALUATED_FIELD_NUMBER: _ClassVar[int]
    PROOF_FIELD_NUMBER: _ClassVar[int]
    evaluated: _containers.RepeatedScalarFieldContainer[bytes]
    proof: bytes
    def __init__(self, evaluated: _Optional[_Iterable[bytes]] = ..., proof: _Optional[bytes] = ...) -> None: ...

class PullHotlistChangesRequest(_message.Message):
    __slots__ = ("agreement_id", "after_seq", "follow", "max_batch")
    AGREEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    AFTER_SEQ_FIELD_NUMBER: _ClassVar[int]
    FOLLOW_FIELD_NUMBER: _ClassVar[int]
    MAX_BATCH_FIELD_NUMBER: _ClassVar[int]
    agreement_id: str
    after_seq: int
    follow: bool
    max_batch: int
    def __init__(self, agreement_id: _Optional[str] = ..., after_seq: _Optional[int] = ..., follow: _Optional[bool] = ..., max_batch: _Optional[int] = ...) -> None: ...

class PullHotlistChangesResponse(_message.Message):
    __slots__ = ("batch", "head")
    BATCH_FIELD_NUMBER: _ClassVar[int]
    HEAD_FIELD_NUMBER: _ClassVar[int]
    batch: _hotlist_pb2.ChangeBatch
    head: _envelope_pb2.Envelope
    def __init__(self, batch: _Optional[_Union[_hotlist_pb2.ChangeBatch, _Mapping]] = ..., head: _Optional[_Union[_envelope_pb2.Envelope, _Mapping]] = ...) -> None: ...

class NotifyHitRequest(_message.Message):
    __slots__ = ("notification",)
    NOTIFICATION_FIELD_NUMBER: _ClassVar[int]
    notification: _envelope_pb2.Envelope
    def __init__(self, notification: _Optional[_Union[_envelope_pb2.Envelope, _Mapping]] = ...) -> None: ...

class NotifyHitResponse(_message.Message):
    __slots__ = ("duplicate",)
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    duplicate: bool
    def __init__(self, duplicate: _Optional[bool] = ...) -> None: ...

class DeliverConfirmationRequest(_message.Message):
    __slots__ = ("message",)
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    message: _envelope_pb2.Envelope
    def __init__(self, message: _Optional[_Union[_envelope_pb2.Envelope, _Mapping]] = ...) -> None: ...

class DeliverConfirmationResponse(_message.Message):
    __slots__ = ("duplicate",)
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    duplicate: bool
    def __init__(self, duplicate: _Optional[bool] = ...) -> None: ...

class AnnouncePartnerChangeRequest(_message.Message):
    __slots__ = ("announcement",)
    ANNOUNCEMENT_FIELD_NUMBER: _ClassVar[int]
    announcement: _envelope_pb2.Envelope
    def __init__(self, announcement: _Optional[_Union[_envelope_pb2.Envelope, _Mapping]] = ...) -> None: ...

class AnnouncePartnerChangeResponse(_message.Message):
    __slots__ = ("fingerprint", "duplicate")
    FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    fingerprint: str
    duplicate: bool
    def __init__(self, fingerprint: _Optional[str] = ..., duplicate: _Optional[bool] = ...) -> None: ...

class AnnounceSigningKeyRequest(_message.Message):
    __slots__ = ("statement",)
    STATEMENT_FIELD_NUMBER: _ClassVar[int]
    statement: _envelope_pb2.Envelope
    def __init__(self, statement: _Optional[_Union[_envelope_pb2.Envelope, _Mapping]] = ...) -> None: ...

class AnnounceSigningKeyResponse(_message.Message):
    __slots__ = ("outcome",)
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    outcome: str
    def __init__(self, outcome: _Optional[str] = ...) -> None: ...
