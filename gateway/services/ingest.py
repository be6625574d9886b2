"""Camera reads in, hits out, as one use case: the path of a batch of reads, in named
steps - match every read against every list held (gateway.services.matching), record
each hit with its audit record and the owner's notification in one unit of work, alert
the control room (gateway.services.hits), count the batch for `argos status`. A read
that matches nothing leaves no trace. Operators' alert streams are the other end."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from gateway.domain.roles import Action
from gateway.services.access import requires
from gateway.services.alerts import Alert, AlertHub, ConfirmationNotice
from gateway.services.context import Caller, NodeContext
from gateway.services.hits import HitService
from gateway.services.matching import BatchOutcome, IncomingRead, MatchingService


class IngestService:
    def __init__(
        self, ctx: NodeContext, matching: MatchingService, hits: HitService, alerts: AlertHub
    ) -> None:
        self._ctx = ctx
        self._matching = matching
        self._hits = hits
        self._alerts = alerts

    @requires(Action.READS_SUBMIT)
    def submit(self, caller: Caller, reads: Sequence[IncomingRead]) -> BatchOutcome:
        """One batch of reads from an adapter: matched, hits recorded and alerted."""
        read_hits, outcome = self._matching.match_batch(reads)
        self._hits.record(read_hits)
        self._matching.seen_from(caller.name, outcome)
        return outcome

    @requires(Action.ALERTS_WATCH)
    def watch(
        self, caller: Caller, stopped: Callable[[], bool]
    ) -> Iterator[Alert | ConfirmationNotice]:
        """Alerts and confirmation notices from now on, until stopped() says so. Opening
        the stream is a consultation, and is recorded."""
        self._ctx.record(caller, "alerts.watch", "alerts", "local")
        return self._alerts.watch(stopped)
