import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class IscPublication(_message.Message):
    __slots__ = ("publication_id", "kind", "subject", "tlp", "state", "digest", "bundle_json", "created_by", "published_by")
    PUBLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    TLP_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    DIGEST_FIELD_NUMBER: _ClassVar[int]
    BUNDLE_JSON_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_BY_FIELD_NUMBER: _ClassVar[int]
    publication_id: str
    kind: str
    subject: str
    tlp: str
    state: str
    digest: str
    bundle_json: str
    created_by: str
    published_by: str
    def __init__(self, publication_id: _Optional[str] = ..., kind: _Optional[str] = ..., subject: _Optional[str] = ..., tlp: _Optional[str] = ..., state: _Optional[str] = ..., digest: _Optional[str] = ..., bundle_json: _Optional[str] = ..., created_by: _Optional[str] = ..., published_by: _Optional[str] = ...) -> None: ...

class PublishStatisticsRequest(_message.Message):
    __slots__ = ("week", "tlp")
    WEEK_FIELD_NUMBER: _ClassVar[int]
    TLP_FIELD_NUMBER: _ClassVar[int]
    week: str
    tlp: str
    def __init__(self, week: _Optional[str] = ..., tlp: _Optional[str] = ...) -> None: ...

class PublishStatisticsResponse(_message.Message):
    __slots__ = ("publication",)
    PUBLICATION_FIELD_NUMBER: _ClassVar[int]
    publication: IscPublication
    def __init__(self, publication: _Optional[_Union[IscPublication, _Mapping]] = ...) -> None: ...

class DraftReportRequest(_message.Message):
    __slots__ = ("kind", "title", "text", "tlp")
    KIND_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    TLP_FIELD_NUMBER: _ClassVar[int]
    kind: str
    title: str
    text: str
    tlp: str
    def __init__(self, kind: _Optional[str] = ..., title: _Optional[str] = ..., text: _Optional[str] = ..., tlp: _Optional[str] = ...) -> None: ...

class DraftReportResponse(_message.Message):
    __slots__ = ("publication",)
    PUBLICATION_FIELD_NUMBER: _ClassVar[int]
    publication: IscPublication
    def __init__(self, publication: _Optional[_Union[IscPublication, _Mapping]] = ...) -> None: ...

class GetPublicationRequest(_message.Message):
    __slots__ = ("publication_id",)
    PUBLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    publication_id: str
    def __init__(self, publication_id: _Optional[str] = ...) -> None: ...

class GetPublicationResponse(_message.Message):
    __slots__ = ("publication",)
    PUBLICATION_FIELD_NUMBER: _ClassVar[int]
    publication: IscPublication
    def __init__(self, publication: _Optional[_Union[IscPublication, _Mapping]] = ...) -> None: ...

class PublishReportRequest(_message.Message):
    __slots__ = ("publication_id", "reviewed_digest")
    PUBLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    REVIEWED_DIGEST_FIELD_NUMBER: _ClassVar[int]
    publication_id: str
    reviewed_digest: str
    def __init__(self, publication_id: _Optional[str] = ..., reviewed_digest: _Optional[str] = ...) -> None: ...

class PublishReportResponse(_message.Message):
    __slots__ = ("publication",)
    PUBLICATION_FIELD_NUMBER: _ClassVar[int]
    publication: IscPublication
    def __init__(self, publication: _Optional[_Union[IscPublication, _Mapping]] = ...) -> None: ...

class ExportMispRequest(_message.Message):
    __slots__ = ("publication_id",)
    PUBLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    publication_id: str
    def __init__(self, publication_id: _Optional[str] = ...) -> None: ...

class ExportMispResponse(_message.Message):
    __slots__ = ("event_json",)
    EVENT_JSON_FIELD_NUMBER: _ClassVar[int]
    event_json: str
    def __init__(self, event_json: _Optional[str] = ...) -> None: ...

class PullNowRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class PullNowResponse(_message.Message):
    __slots__ = ("fetched", "new_candidates", "sightings", "ignored", "rejected", "already_held", "pages", "cursor")
    FETCHED_FIELD_NUMBER: _ClassVar[int]
    NEW_CANDIDATES_FIELD_NUMBER: _ClassVar[int]
    SIGHTINGS_FIELD_NUMBER: _ClassVar[int]
    IGNORED_FIELD_NUMBER: _ClassVar[int]
    REJECTED_FIELD_NUMBER: _ClassVar[int]
    ALREADY_HELD_FIELD_NUMBER: _ClassVar[int]
    PAGES_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    fetched: int
    new_candidates: int
    sightings: int
    ignored: int
    rejected: int
    already_held: int
    pages: int
    cursor: str
    def __init__(self, fetched: _Optional[int] = ..., new_candidates: _Optional[int] = ..., sightings: _Optional[int] = ..., ignored: _Optional[int] = ..., rejected: _Optional[int] = ..., already_held: _Optional[int] = ..., pages: _Optional[int] = ..., cursor: _Optional[str] = ...) -> None: ...

class GetIscStatusRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class IscRejection(_message.Message):
    __slots__ = ("object_id", "reason", "at")
    OBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    object_id: str
    reason: str
    at: str
    def __init__(self, object_id: _Optional[str] = ..., reason: _Optional[str] = ..., at: _Optional[str] = ...) -> None: ...

class GetIscStatusResponse(_message.Message):
    __slots__ = ("cursor", "pulls", "fetched", "candidates", "sightings", "ignored", "rejected", "last_pull_at", "last_error", "recent_rejections", "open_candidates")
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    PULLS_FIELD_NUMBER: _ClassVar[int]
    FETCHED_FIELD_NUMBER: _ClassVar[int]
    CANDIDATES_FIELD_NUMBER: _ClassVar[int]
    SIGHTINGS_FIELD_NUMBER: _ClassVar[int]
    IGNORED_FIELD_NUMBER: _ClassVar[int]
    REJECTED_FIELD_NUMBER: _ClassVar[int]
    LAST_PULL_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_FIELD_NUMBER: _ClassVar[int]
    RECENT_REJECTIONS_FIELD_NUMBER: _ClassVar[int]
    OPEN_CANDIDATES_FIELD_NUMBER: _ClassVar[int]
    cursor: str
    pulls: int
    fetched: int
    candidates: int
    sightings: int
    ignored: int
    rejected: int
    last_pull_at: str
    last_error: str
    recent_rejections: _containers.RepeatedCompositeFieldContainer[IscRejection]
    open_candidates: int
    def __init__(self, cursor: _Optional[str] = ..., pulls: _Optional[int] = ..., fetched: _Optional[int] = ..., candidates: _Optional[int] = ..., sightings: _Optional[int] = ..., ignored: _Optional[int] = ..., rejected: _Optional[int] = ..., last_pull_at: _Optional[str] = ..., last_error: _Optional[str] = ..., recent_rejections: _Optional[_Iterable[_Union[IscRejection, _Mapping]]] = ..., open_candidates: _Optional[int] = ...) -> None: ...

class IscCandidate(_message.Message):
    __slots__ = ("candidate_id", "object_id", "version", "plate", "country", "title", "description", "tlp", "sightings", "last_sighting", "state", "received_at", "decided_by", "decision_reason", "entry_id")
    CANDIDATE_ID_FIELD_NUMBER: _ClassVar[int]
    OBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    PLATE_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    TLP_FIELD_NUMBER: _ClassVar[int]
    SIGHTINGS_FIELD_NUMBER: _ClassVar[int]
    LAST_SIGHTING_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_AT_FIELD_NUMBER: _ClassVar[int]
    DECIDED_BY_FIELD_NUMBER: _ClassVar[int]
    DECISION_REASON_FIELD_NUMBER: _ClassVar[int]
    ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    candidate_id: str
    object_id: str
    version: str
    plate: str
    country: str
    title: str
    description: str
    tlp: str
    sightings: int
    last_sighting: str
    state: str
    received_at: str
    decided_by: str
    decision_reason: str
    entry_id: str
    def __init__(self, candidate_id: _Optional[str] = ..., object_id: _Optional[str] = ..., version: _Optional[str] = ..., plate: _Optional[str] = ..., country: _Optional[str] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., tlp: _Optional[str] = ..., sightings: _Optional[int] = ..., last_sighting: _Optional[str] = ..., state: _Optional[str] = ..., received_at: _Optional[str] = ..., decided_by: _Optional[str] = ..., decision_reason: _Optional[str] = ..., entry_id: _Optional[str] = ...) -> None: ...

class ListCandidatesRequest(_message.Message):
    __slots__ = ("state", "limit")
    STATE_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    state: str
    limit: int
    def __init__(self, state: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class ListCandidatesResponse(_message.Message):
    __slots__ = ("candidates",)
    CANDIDATES_FIELD_NUMBER: _ClassVar[int]
    candidates: _containers.RepeatedCompositeFieldContainer[IscCandidate]
    def __init__(self, candidates: _Optional[_Iterable[_Union[IscCandidate, _Mapping]]] = ...) -> None: ...

class GetCandidateRequest(_message.Message):
    __slots__ = ("candidate_id",)
    CANDIDATE_ID_FIELD_NUMBER: _ClassVar[int]
    candidate_id: str
    def __init__(self, candidate_id: _Optional[str] = ...) -> None: ...

class GetCandidateResponse(_message.Message):
    __slots__ = ("candidate",)
    CANDIDATE_FIELD_NUMBER: _ClassVar[int]
    candidate: IscCandidate
    def __init__(self, candidate: _Optional[_Union[IscCandidate, _Mapping]] = ...) -> None: ...

class PromoteCandidateRequest(_message.Message):
    __slots__ = ("candidate_id", "category", "action", "expires_at", "purpose", "case_reference", "justification", "country", "flags")
    CANDIDATE_ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    CASE_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    JUSTIFICATION_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    candidate_id: str
    category: str
    action: str
    expires_at: _timestamp_pb2.Timestamp
    purpose: str
    case_reference: str
    justification: str
    country: str
    flags: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, candidate_id: _Optional[str] = ..., category: _Optional[str] = ..., action: _Optional[str] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., purpose: _Optional[str] = ..., case_reference: _Optional[str] = ..., justification: _Optional[str] = ..., country: _Optional[str] = ..., flags: _Optional[_Iterable[str]] = ...) -> None: ...

class PromoteCandidateResponse(_message.Message):
    __slots__ = ("candidate", "entry_id")
    CANDIDATE_FIELD_NUMBER: _ClassVar[int]
    ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    candidate: IscCandidate
    entry_id: str
    def __init__(self, candidate: _Optional[_Union[IscCandidate, _Mapping]] = ..., entry_id: _Optional[str] = ...) -> None: ...

class DismissCandidateRequest(_message.Message):
    __slots__ = ("candidate_id", "reason")
    CANDIDATE_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    candidate_id: str
    reason: str
    def __init__(self, candidate_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class DismissCandidateResponse(_message.Message):
    __slots__ = ("candidate",)
    CANDIDATE_FIELD_NUMBER: _ClassVar[int]
    candidate: IscCandidate
    def __init__(self, candidate: _Optional[_Union[IscCandidate, _Mapping]] = ...) -> None: ...
