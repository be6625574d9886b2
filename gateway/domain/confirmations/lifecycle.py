"""The life of a request (Confirmation), the same on both nodes: open until a person
answers, refuses or withdraws it, or until its deadline makes it expire. Each close is a
new immutable value; a value that breaks these rules cannot be constructed.

14. Only an open request moves; answered, refused, withdrawn and expired are final:
       open --answered--> answered    a person at the responder, before the deadline
       open --refused---> refused     a person at the responder, with a reason, before it
       open --withdrawn-> withdrawn   a person at the requester, before the deadline
       open --expired---> expired     nobody, at or after the deadline
15. The deadline splits time: before it people act, at or after it the request can
   only expire. No event is dated more than DEFAULT_MAX_CLOCK_SKEW before the request.
16. Every close records when it happened, and who acted (except expiry); a refusal says
   why. A Confirmation that breaks these cannot be constructed.
A person's close travels to the other node as a ConfirmationEvent; expiry does not
travel, each node applies it by its own clock. The aggregate cannot tell the two sides'
people apart: that only the requesting node withdraws and only the responding node
answers or refuses is checked by the service.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from gateway.domain.confirmations.field_checks import check_free_text, check_line, known, shown
from gateway.domain.confirmations.messages import (
    MAX_TEXT,
    MAX_USER,
    AnswerContent,
    ConfirmationRequest,
)
from gateway.domain.errors import IllegalTransition, InvalidInput
from gateway.domain.hits import DEFAULT_MAX_CLOCK_SKEW


class State(enum.StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True, repr=False)
class Confirmation:
    """A request and how it ended, as either node keeps it. Immutable: each transition
    returns a new value (rules 14-16); a value that breaks them cannot be built."""

    request: ConfirmationRequest
    state: State = State.OPEN
    answer: AnswerContent | None = None
    answered_by: str = ""  # the person at the responder who answered or refused
    refusal_reason: str = ""
    closed_at: datetime | None = None
    withdrawn_by: str = ""  # the person at the requester who withdrew it

    def __post_init__(self) -> None:  # rule 16: every value is a state of the table
        req = self.request
        if not isinstance(self.state, State):
            raise InvalidInput(f"unknown confirmation state; known: {known(State)}")
        if req.created_at.tzinfo is None or req.deadline.tzinfo is None:
            raise InvalidInput(
                f"request {shown(req.request_id)}: created_at and deadline must carry a "
                "time zone (UTC)"
            )
        state = self.state
        problem = ""
        if (self.closed_at is None) != (state is State.OPEN):
            problem = "a closing time exactly when it is no longer open"
        elif (self.answer is not None) != (state is State.ANSWERED):
            problem = "an answer exactly when it is answered"
        elif bool(self.answered_by) != (state in (State.ANSWERED, State.REFUSED)):
            problem = "who answered or refused exactly when it is answered or refused"
        elif bool(self.refusal_reason.strip()) != (state is State.REFUSED) or (
            state is not State.REFUSED and self.refusal_reason
        ):
            problem = "a refusal reason exactly when it is refused"
        elif bool(self.withdrawn_by) != (state is State.WITHDRAWN):
            problem = "who withdrew it exactly when it is withdrawn"
        elif self.closed_at is not None:
            if self.closed_at.tzinfo is None:
                problem = "a closing time with a time zone (UTC)"
            elif self.closed_at < req.created_at - DEFAULT_MAX_CLOCK_SKEW:
                problem = "a closing time no earlier than the request"
            elif (state is State.EXPIRED) != (self.closed_at >= req.deadline):
                problem = "a closing time at or after the deadline exactly when it expired"
        if problem:
            raise InvalidInput(
                f"request {shown(req.request_id)} in state {state.value} must carry {problem}"
            )

    def __repr__(self) -> str:
        return f"Confirmation(request={self.request!r}, state={self.state!r})"

    @property
    def is_open(self) -> bool:
        return self.state is State.OPEN

    def due_soon(self, now: datetime, warning: timedelta) -> bool:
        """Whether it is still open with at most `warning` left (or already overdue)."""
        return self.is_open and self.request.deadline - now <= warning

    def answered(self, content: AnswerContent, *, by: str, at: datetime) -> Confirmation:
        """Close it with an answer by `by` at the responder. Check the content with
        check_answer first: this only knows the request, not the agreement."""
        at = self._before_deadline(at, "answered")
        _check_person(self.request, by, "who answered")
        if not isinstance(content, AnswerContent):
            raise InvalidInput(f"request {shown(self.request.request_id)}: no answer given")
        return replace(self, state=State.ANSWERED, answer=content, answered_by=by, closed_at=at)

    def refused(self, reason: str, *, by: str, at: datetime) -> Confirmation:
        """Close it with a refusal by `by` at the responder, saying why (rule 16)."""
        at = self._before_deadline(at, "refused")
        _check_person(self.request, by, "who refused")
        rid = shown(self.request.request_id)
        if not reason.strip():
            raise InvalidInput(f"request {rid}: a refusal must say why")
        check_free_text(f"request {rid}", "refusal reason", reason, MAX_TEXT)
        return replace(
            self, state=State.REFUSED, answered_by=by, refusal_reason=reason, closed_at=at
        )

    def withdrawn(self, *, by: str, at: datetime) -> Confirmation:
        """Close it on behalf of `by` at the requester. That `by` is on the requesting
        side is for the service to check: the aggregate cannot tell the sides apart."""
        at = self._before_deadline(at, "withdrawn")
        _check_person(self.request, by, "who withdrew")
        return replace(self, state=State.WITHDRAWN, withdrawn_by=by, closed_at=at)

    def expired(self, *, at: datetime) -> Confirmation:
        """Close it unanswered, at or after its deadline (rule 15)."""
        self._require_open()
        at = self._aware(at)
        if at < self.request.deadline:
            raise IllegalTransition(
                f"request {shown(self.request.request_id)} is not due until "
                f"{self.request.deadline.isoformat()}; it cannot expire before its deadline"
            )
        return replace(self, state=State.EXPIRED, closed_at=at)

    def _require_open(self) -> None:  # rule 14
        if self.state is not State.OPEN:
            raise IllegalTransition(
                f"request {shown(self.request.request_id)} is already {self.state.value}; "
                "a closed request does not change"
            )

    def _before_deadline(self, at: datetime, event: str) -> datetime:  # rules 14-15
        self._require_open()
        at = self._aware(at)
        req = self.request
        if at >= req.deadline:
            raise IllegalTransition(
                f"request {shown(req.request_id)} cannot be {event}: its deadline passed at "
                f"{req.deadline.isoformat()}; it can only expire"
            )
        if at < req.created_at - DEFAULT_MAX_CLOCK_SKEW:
            raise InvalidInput(
                f"request {shown(req.request_id)} cannot be {event} at {at.isoformat()}, "
                f"before it was made ({req.created_at.isoformat()}); check the clocks"
            )
        return at

    def _aware(self, at: datetime) -> datetime:
        if at.tzinfo is None:
            raise InvalidInput(
                f"request {shown(self.request.request_id)}: event time must carry a time zone (UTC)"
            )
        return at.astimezone(UTC)


def _check_person(req: ConfirmationRequest, by: str, label: str) -> None:
    # Article 25 logging needs who acted on every close.
    check_line(f"request {shown(req.request_id)}", label, by, MAX_USER)
