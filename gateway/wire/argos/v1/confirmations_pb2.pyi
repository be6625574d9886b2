import datetime

from gateway.wire.argos.v1 import agreement_pb2 as _agreement_pb2
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

class ConfirmationKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONFIRMATION_KIND_UNSPECIFIED: _ClassVar[ConfirmationKind]
    CONFIRMATION_KIND_ALERT_CONFIRMATION: _ClassVar[ConfirmationKind]
    CONFIRMATION_KIND_HIT_DETAILS: _ClassVar[ConfirmationKind]
    CONFIRMATION_KIND_RETRO_QUERY: _ClassVar[ConfirmationKind]
    CONFIRMATION_KIND_RETRO_DETAILS: _ClassVar[ConfirmationKind]

class Urgency(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    URGENCY_UNSPECIFIED: _ClassVar[Urgency]
    URGENCY_NORMAL: _ClassVar[Urgency]
    URGENCY_URGENT: _ClassVar[Urgency]

class ConfirmationState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONFIRMATION_STATE_UNSPECIFIED: _ClassVar[ConfirmationState]
    CONFIRMATION_STATE_OPEN: _ClassVar[ConfirmationState]
    CONFIRMATION_STATE_ANSWERED: _ClassVar[ConfirmationState]
    CONFIRMATION_STATE_REFUSED: _ClassVar[ConfirmationState]
    CONFIRMATION_STATE_WITHDRAWN: _ClassVar[ConfirmationState]
    CONFIRMATION_STATE_EXPIRED: _ClassVar[ConfirmationState]

class Outcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OUTCOME_UNSPECIFIED: _ClassVar[Outcome]
    OUTCOME_CONFIRMED: _ClassVar[Outcome]
    OUTCOME_NOT_CONFIRMED: _ClassVar[Outcome]

class ConfirmationEventKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONFIRMATION_EVENT_KIND_UNSPECIFIED: _ClassVar[ConfirmationEventKind]
    CONFIRMATION_EVENT_KIND_ANSWERED: _ClassVar[ConfirmationEventKind]
    CONFIRMATION_EVENT_KIND_REFUSED: _ClassVar[ConfirmationEventKind]
    CONFIRMATION_EVENT_KIND_WITHDRAWN: _ClassVar[ConfirmationEventKind]
CONFIRMATION_KIND_UNSPECIFIED: ConfirmationKind
CONFIRMATION_KIND_ALERT_CONFIRMATION: ConfirmationKind
CONFIRMATION_KIND_HIT_DETAILS: ConfirmationKind
CONFIRMATION_KIND_RETRO_QUERY: ConfirmationKind
CONFIRMATION_KIND_RETRO_DETAILS: ConfirmationKind
URGENCY_UNSPECIFIED: Urgency
URGENCY_NORMAL: Urgency
URGENCY_URGENT: Urgency
CONFIRMATION_STATE_UNSPECIFIED: ConfirmationState
CONFIRMATION_STATE_OPEN: ConfirmationState
CONFIRMATION_STATE_ANSWERED: ConfirmationState
CONFIRMATION_STATE_REFUSED: ConfirmationState
CONFIRMATION_STATE_WITHDRAWN: ConfirmationState
CONFIRMATION_STATE_EXPIRED: ConfirmationState
OUTCOME_UNSPECIFIED: Outcome
OUTCOME_CONFIRMED: Outcome
OUTCOME_NOT_CONFIRMED: Outcome
CONFIRMATION_EVENT_KIND_UNSPECIFIED: ConfirmationEventKind
CONFIRMATION_EVENT_KIND_ANSWERED: ConfirmationEventKind
CONFIRMATION_EVENT_KIND_REFUSED: ConfirmationEventKind
CONFIRMATION_EVENT_KIND_WITHDRAWN: ConfirmationEventKind

class ConfirmationRequest(_message.Message):
    __slots__ = ("request_id", "kind", "agreement_id", "agreement_version", "requester", "requester_user", "responder", "purpose", "case_reference", "urgency", "urgent_reason", "created_at", "deadline", "hit_id", "entry_id", "plate", "country", "window_start", "window_end", "legal_order", "previous_request_id", "question")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    AGREEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    AGREEMENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    REQUESTER_FIELD_NUMBER: _ClassVar[int]
    REQUESTER_USER_FIELD_NUMBER: _ClassVar[int]
    RESPONDER_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    CASE_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    URGENCY_FIELD_NUMBER: _ClassVar[int]
    URGENT_REASON_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    HIT_ID_FIELD_NUMBER: _ClassVar[int]
    ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    PLATE_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    WINDOW_START_FIELD_NUMBER: _ClassVar[int]
    WINDOW_END_FIELD_NUMBER: _ClassVar[int]
    LEGAL_ORDER_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    QUESTION_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    kind: ConfirmationKind
    agreement_id: str
    agreement_version: int
    requester: str
    requester_user: str
    responder: str
    purpose: _agreement_pb2.Purpose
    case_reference: str
    urgency: Urgency
    urgent_reason: str
    created_at: _timestamp_pb2.Timestamp
    deadline: _timestamp_pb2.Timestamp
    hit_id: str
    entry_id: str
    plate: str
    country: str
    window_start: _timestamp_pb2.Timestamp
    window_end: _timestamp_pb2.Timestamp
    legal_order: str
    previous_request_id: str
    question: str
    def __init__(self, request_id: _Optional[str] = ..., kind: _Optional[_Union[ConfirmationKind, str]] = ..., agreement_id: _Optional[str] = ..., agreement_version: _Optional[int] = ..., requester: _Optional[str] = ..., requester_user: _Optional[str] = ..., responder: _Optional[str] = ..., purpose: _Optional[_Union[_agreement_pb2.Purpose, str]] = ..., case_reference: _Optional[str] = ..., urgency: _Optional[_Union[Urgency, str]] = ..., urgent_reason: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., deadline: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., hit_id: _Optional[str] = ..., entry_id: _Optional[str] = ..., plate: _Optional[str] = ..., country: _Optional[str] = ..., window_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., window_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., legal_order: _Optional[str] = ..., previous_request_id: _Optional[str] = ..., question: _Optional[str] = ...) -> None: ...

class SightingDetail(_message.Message):
    __slots__ = ("observed_at", "location", "direction", "image_ref")
    OBSERVED_AT_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    IMAGE_REF_FIELD_NUMBER: _ClassVar[int]
    observed_at: _timestamp_pb2.Timestamp
    location: _hits_pb2.NotifiedLocation
    direction: _reads_pb2.ReadDirection
    image_ref: str
    def __init__(self, observed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., location: _Optional[_Union[_hits_pb2.NotifiedLocation, _Mapping]] = ..., direction: _Optional[_Union[_reads_pb2.ReadDirection, str]] = ..., image_ref: _Optional[str] = ...) -> None: ...

class ConfirmationAnswer(_message.Message):
    __slots__ = ("outcome", "note", "action", "flags_shared", "flags", "contact", "sightings")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    FLAGS_SHARED_FIELD_NUMBER: _ClassVar[int]
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    SIGHTINGS_FIELD_NUMBER: _ClassVar[int]
    outcome: Outcome
    note: str
    action: str
    flags_shared: bool
    flags: _containers.RepeatedScalarFieldContainer[str]
    contact: str
    sightings: _containers.RepeatedCompositeFieldContainer[SightingDetail]
    def __init__(self, outcome: _Optional[_Union[Outcome, str]] = ..., note: _Optional[str] = ..., action: _Optional[str] = ..., flags_shared: _Optional[bool] = ..., flags: _Optional[_Iterable[str]] = ..., contact: _Optional[str] = ..., sightings: _Optional[_Iterable[_Union[SightingDetail, _Mapping]]] = ...) -> None: ...

class ConfirmationEvent(_message.Message):
    __slots__ = ("request_id", "kind", "node", "user", "at", "answer", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    NODE_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    ANSWER_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    kind: ConfirmationEventKind
    node: str
    user: str
    at: _timestamp_pb2.Timestamp
    answer: ConfirmationAnswer
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., kind: _Optional[_Union[ConfirmationEventKind, str]] = ..., node: _Optional[str] = ..., user: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., answer: _Optional[_Union[ConfirmationAnswer, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...
