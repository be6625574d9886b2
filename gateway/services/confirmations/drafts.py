"""What people give and get in the confirmation use cases: an investigator's request,
the answering person's decision, a confirmation as shown, and the port's read history
that retrospective queries are answered from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from gateway.domain.agreement import Purpose
from gateway.domain.confirmations import (
    Confirmation,
    Outcome,
    RequestKind,
    Urgency,
)
from gateway.domain.errors import BackendUnavailable
from gateway.domain.hits import Sighting

REQUEST_PAYLOAD = "application/vnd.argos.confirmation-request.v1+protobuf"
EVENT_PAYLOAD = "application/vnd.argos.confirmation-event.v1+protobuf"
CONFIRMATION = "confirmation"
DEADLINE_WARNING = timedelta(hours=1)


class ReadHistory(Protocol):
    """The port's ANPR backend's memory of reads (the gateway keeps none)."""

    def search(
        self, plate: str, country: str, start: datetime, end: datetime
    ) -> list[Sighting]: ...


class NoReadHistory:
    """A node without a configured read history: every query needs one."""

    def search(self, plate: str, country: str, start: datetime, end: datetime) -> list[Sighting]:
        raise BackendUnavailable(
            "this node has no read history configured (read_history_url in node.toml)"
        )


@dataclass(frozen=True)
class RequestDraft:
    """What an investigator fills in."""

    kind: RequestKind
    purpose: Purpose
    case_reference: str
    urgency: Urgency = Urgency.NORMAL
    urgent_reason: str = ""
    deadline: datetime | None = None
    hit_id: str = ""
    agreement_id: str = ""
    plate: str = ""
    country: str = ""
    window_start: datetime | None = None
    window_end: datetime | None = None
    legal_order: str = ""
    previous_request_id: str = ""
    question: str = ""


@dataclass(frozen=True)
class AnswerDraft:
    """What the answering person decides; the node adds what it knows."""

    outcome: Outcome | None = None
    note: str = ""
    action: str | None = None
    flags: tuple[str, ...] | None = None
    contact: str | None = None


@dataclass(frozen=True)
class ConfirmationView:
    confirmation: Confirmation
    outgoing: bool
    delivered: bool
