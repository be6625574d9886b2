"""Hit confirmations and retrospective queries: requests made by an investigator here,
signed and sent through the outbox; requests from partners verified against their
agreement and put before a person here; answers, refusals and withdrawals signed and
sent back; deadlines kept by this node's clock. Rules: gateway.domain.confirmations."""

from gateway.services.confirmations.drafts import (
    CONFIRMATION,
    DEADLINE_WARNING,
    EVENT_PAYLOAD,
    REQUEST_PAYLOAD,
    AnswerDraft,
    ConfirmationView,
    NoReadHistory,
    ReadHistory,
    RequestDraft,
)
from gateway.services.confirmations.service import ConfirmationService

__all__ = [
    "CONFIRMATION",
    "DEADLINE_WARNING",
    "EVENT_PAYLOAD",
    "REQUEST_PAYLOAD",
    "AnswerDraft",
    "ConfirmationService",
    "ConfirmationView",
    "NoReadHistory",
    "ReadHistory",
    "RequestDraft",
]
