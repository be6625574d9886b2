"""Hit confirmations and retrospective queries: a question one node's person asks a
person at a partner node, and the answer, refusal, withdrawal or expiry that closes it.

Four kinds of request travel between the two parties of an agreement:
- alert confirmation: the observer of a hit asks the entry's owner whether the alert
  still stands and what to do;
- hit details: the entry's owner asks the observer for the details of a hit on it;
- retrospective query: "was this plate seen by your cameras between t1 and t2?",
  answered hit / no-hit only;
- retrospective details: the times and sites, asked in a second, separately approved
  step after a retrospective query was answered "seen".
Signing, delivery, storage and who may act (roles) live elsewhere; this package only
decides. Only the two retrospective kinds carry a plate (rule 6: the question is about
one); the others name a hit and its entry, and no answer ever carries a plate.

Where each part lives, rules numbered as they always were:
- messages: the request, the answer's content and the closing event, as they travel;
- request_rules: rules 1-7, what a request must meet (check_request, check_follow_up);
- answer_rules: rules 8-13, what an answer may contain (check_answer);
- lifecycle: rules 14-16, the life of a request (Confirmation);
- deadlines: how long a responder is given (rule 5's limits);
- requesting: a new request, checked as its responder will check it (new_request);
- field_checks: bounded, printable fields and error wording that never quotes a value.
"""

from gateway.domain.confirmations.answer_rules import MAX_RETRO_SIGHTINGS, check_answer
from gateway.domain.confirmations.deadlines import (
    DEFAULT_URGENT_HOURS,
    URGENT_MAX_HOURS,
    default_deadline,
    longest_deadline,
)
from gateway.domain.confirmations.lifecycle import Confirmation, State
from gateway.domain.confirmations.messages import (
    AnswerContent,
    ConfirmationEvent,
    ConfirmationRequest,
    EventKind,
    Outcome,
    RequestKind,
    SightingDetail,
    Urgency,
)
from gateway.domain.confirmations.request_rules import (
    MAX_RETRO_WINDOW,
    check_follow_up,
    check_request,
)
from gateway.domain.confirmations.requesting import new_request

__all__ = [
    "DEFAULT_URGENT_HOURS",
    "MAX_RETRO_SIGHTINGS",
    "MAX_RETRO_WINDOW",
    "URGENT_MAX_HOURS",
    "AnswerContent",
    "Confirmation",
    "ConfirmationEvent",
    "ConfirmationRequest",
    "EventKind",
    "Outcome",
    "RequestKind",
    "SightingDetail",
    "State",
    "Urgency",
    "check_answer",
    "check_follow_up",
    "check_request",
    "default_deadline",
    "longest_deadline",
    "new_request",
]
