"""Oblivious matching, the owner's side (issue 20): evaluate a partner's blinded
readings under the agreement version's VOPRF key, within the evaluation budget the
terms set, with one proof per batch. The partner learns one PRF output per element it
sends; this node learns nothing of the readings, only how many there are.

A refusal (budget spent, malformed element, agreement not oblivious or not in force)
is raised as a domain error; the federation gate records it in the audit log and
counts it per partner. Counts only, never an element, reach logs and metrics."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from gateway.domain import oprf
from gateway.domain.agreement import AgreementTerms, MatchingMode
from gateway.domain.errors import AgreementViolation, InvalidInput, ResourceExhausted
from gateway.services.context import NodeContext
from gateway.services.feed import FeedService

# Elements per EvaluatePlates call: 1,024 x 32 bytes stays far under the message cap.
MAX_EVALUATE_BATCH = 1024
_DAY_S = 86_400


class EvaluationBudget:
    """One agreement's budget: a bucket of per_s elements refilled at per_s a second
    (bursts of one second's worth), and at most per_day elements per UTC day. A batch
    is taken whole or refused whole."""

    def __init__(self, per_s: int, per_day: int, clock: Callable[[], float] = time.time) -> None:
        self.per_s, self.per_day = per_s, per_day
        self._clock = clock
        self._tokens = float(per_s)
        self._at = clock()
        self._day = int(self._at // _DAY_S)
        self.spent_today = 0

    def take(self, n: int) -> None:
        now = self._clock()
        day = int(now // _DAY_S)
        if day != self._day:
            self._day, self.spent_today = day, 0
        self._tokens = min(float(self.per_s), self._tokens + (now - self._at) * self.per_s)
        self._at = now
        if n > self._tokens:
            raise ResourceExhausted(
                f"a batch of {n} evaluations exceeds the budget of {self.per_s} a second "
                f"({int(self._tokens)} left now): send smaller batches or fewer per second, "
                "or agree a larger budget in the agreement's terms"
            )
        if self.spent_today + n > self.per_day:
            raise ResourceExhausted(
                f"a batch of {n} evaluations exceeds the budget of {self.per_day} a day "
                f"({self.spent_today} used today): evaluations resume at 00:00 UTC, or "
                "agree a larger budget in the agreement's terms"
            )
        self._tokens -= n
        self.spent_today += n


@dataclass(frozen=True)
class ObliviousFigures:
    # partner -> elements evaluated / batches refused, since start.
    evaluated: dict[str, int]
    refused: dict[str, int]


class ObliviousEvaluationService:
    def __init__(
        self, ctx: NodeContext, feed: FeedService, clock: Callable[[], float] = time.time
    ) -> None:
        self._ctx = ctx
        self._feed = feed
        self._clock = clock
        self._lock = threading.Lock()
        self._budgets: dict[tuple[str, int], EvaluationBudget] = {}
        self._evaluated: Counter[str] = Counter()
        self._refused: Counter[str] = Counter()

    def evaluate(
        self, peer: str, agreement_id: str, version: int, epoch: int, blinded: list[bytes]
    ) -> tuple[list[bytes], bytes]:
        """BlindEvaluate a partner's batch (RFC 9497) and prove it: the evaluated
        elements in order, and the proof."""
        try:
            terms = self._terms(peer, agreement_id, version)
            if not blinded:
                raise InvalidInput("an evaluation batch needs at least one element")
            if len(blinded) > MAX_EVALUATE_BATCH:
                raise InvalidInput(
                    f"a batch carries {len(blinded)} elements; send at most {MAX_EVALUATE_BATCH}"
                )
            elements = [oprf.deserialize_element(b) for b in blinded]
            with self._lock:
                self._budget(terms).take(len(elements))
        except (InvalidInput, AgreementViolation, ResourceExhausted):
            with self._lock:
                self._refused[peer] += 1
            raise
        # Derived per batch (tens of microseconds), not cached: a retired epoch's key
        # must be gone with its master secret.
        key = self._feed.oblivious_key(terms, agreement_id, version, epoch)
        answer = oprf.blind_evaluate(key, elements)
        with self._lock:
            self._evaluated[peer] += len(elements)
        return list(answer.elements), answer.proof

    def _terms(self, peer: str, agreement_id: str, version: int) -> AgreementTerms:
        agreement, terms = self._feed.served(peer, agreement_id)
        asked = agreement.version(version).terms if version != terms.version else terms
        if asked.matching_mode is not MatchingMode.OBLIVIOUS:
            raise AgreementViolation(
                f"agreement {agreement_id} v{version} does not use oblivious matching"
            )
        return terms  # the budget is the one in force now, whichever version is named

    def _budget(self, terms: AgreementTerms) -> EvaluationBudget:
        at = (terms.agreement_id, terms.version)
        budget = self._budgets.get(at)
        if budget is None:
            # A new version starts a new budget; what the old one spent today carries.
            spent = max(
                (b.spent_today for (a, _), b in self._budgets.items() if a == at[0]), default=0
            )
            budget = EvaluationBudget(
                terms.oblivious_evaluations_per_s,
                terms.oblivious_evaluations_per_day,
                self._clock,
            )
            budget.spent_today = spent
            self._budgets = {k: v for k, v in self._budgets.items() if k[0] != at[0]}
            self._budgets[at] = budget
        return budget

    def figures(self) -> ObliviousFigures:
        with self._lock:
            return ObliviousFigures(dict(self._evaluated), dict(self._refused))
