"""The door partners come in by: every call a partner node makes is identified from its
mutual-TLS certificate against the partner registry (gateway.domain.peer), metered
(calls per second per partner, feed streams open at once), handed to its use case,
and, when it is refused, the refusal is audited here with who asked for what and why:
bounded (a peer's words are cut short), and, past a rate per partner, counted and
summed up in one record per interval instead of one record each, so a partner cannot
grow the audit log without limit. The federation servicer only translates protobuf
around this; an interceptor on the federation server identifies every call, health
checks included, before any servicer sees it. Calls this node would have made to a
partner whose endpoint did not prove to be that partner are audited here too."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import structlog

from gateway.domain.errors import ArgosError, PeerIdentityMismatch, ResourceExhausted
from gateway.services.administration import AdministrationService
from gateway.services.context import SYSTEM, Caller, NodeContext
from gateway.services.limits import (
    Monotonic,
    RefusalThrottle,
    StreamCaps,
    StreamSlots,
    TokenBuckets,
)

log = structlog.get_logger(__name__)

MAX_REFUSAL_TEXT = 500
# What a caller names (a method, a node id) is its own choice: recorded this long at most.
MAX_NAME_CHARS = 100
UNIDENTIFIED = "unidentified"


def bounded(text: str, limit: int = MAX_REFUSAL_TEXT) -> str:
    """At most `limit` characters of `text`, saying how long it was when cut."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... (cut from {len(text)} characters)"


def _counts(counter: Counter[str]) -> str:
    """ "InvalidInput=97,NotFound=3": audit details hold flat values."""
    return ",".join(f"{name}={n}" for name, n in sorted(counter.items()))


@dataclass(frozen=True)
class FederationLimits:
    """See gateway.node.config.LimitsConfig for the reasons behind each default."""

    calls_per_s: float = 100.0
    call_burst: int = 1000
    feed_streams: int = 16
    feed_streams_per_partner: int = 4
    refusal_records_per_minute: float = 30.0
    refusal_record_burst: int = 20
    refusal_summary_interval_s: float = 60.0


@dataclass(frozen=True)
class GateFigures:
    """The gate's counts since start, for /metrics: partner ids and error names only."""

    refusals: dict[tuple[str, str], int]  # (partner or "unidentified", error) -> refusals
    refusals_unrecorded: dict[str, int]  # partner -> refusals summed up, not recorded
    rate_limited: dict[str, int]  # partner -> calls refused for its rate
    feed_streams_open: int
    feed_streams_refused: int


class FederationGate:
    def __init__(
        self,
        ctx: NodeContext,
        administration: AdministrationService,
        limits: FederationLimits | None = None,
        clock: Monotonic = time.monotonic,
    ) -> None:
        limits = limits or FederationLimits()
        self._ctx = ctx
        self._administration = administration
        self._calls = TokenBuckets(limits.calls_per_s, limits.call_burst, clock)
        self.feed_streams = StreamSlots(
            StreamCaps(
                "feed",
                limits.feed_streams,
                limits.feed_streams_per_partner,
                holder_name="partner",
            )
        )
        self._throttle = RefusalThrottle(
            limits.refusal_records_per_minute,
            limits.refusal_record_burst,
            limits.refusal_summary_interval_s,
            clock,
        )
        self._lock = threading.Lock()
        self._refusals: Counter[tuple[str, str]] = Counter()
        self._rate_limited: Counter[str] = Counter()

    def identify(self, certificate: bytes | None, method: str) -> str:
        """The partner the certificate proves; a refusal is recorded, then raised."""
        try:
            if certificate is None:
                raise PeerIdentityMismatch("no client certificate was presented")
            return self._administration.identify_peer(certificate)
        except ArgosError as error:
            self.refused(UNIDENTIFIED, method, error)
            raise

    def admit(self, peer: str) -> None:
        """Spend one of the partner's calls; ResourceExhausted past its rate."""
        if not self._calls.take(peer):
            with self._lock:
                self._rate_limited[peer] += 1
            raise ResourceExhausted(
                f"{peer} calls faster than this node serves one partner "
                f"({self._calls.rate:g} calls a second, bursts of {self._calls.burst}): "
                "try again later"
            )

    @contextmanager
    def serving(self, certificate: bytes | None, method: str) -> Iterator[str]:
        """Yield the partner the certificate proves, within its rate; any refusal
        raised while serving the call is recorded, then raised again."""
        peer = self.identify(certificate, method)
        try:
            self.admit(peer)
            yield peer
        except ArgosError as error:
            self.refused(peer, method, error)
            raise

    @contextmanager
    def streaming(self, certificate: bytes | None, method: str) -> Iterator[str]:
        """As serving, for a feed stream: it also holds one of the partner's feed
        stream slots until it ends. Only its admission is a refusal worth a record: a
        stream that ends on a stopped feed is retried by the partner's sync runner."""
        peer = self.identify(certificate, method)
        try:
            self.admit(peer)
            slot = self.feed_streams.acquire(peer)
        except ArgosError as error:
            self.refused(peer, method, error)
            raise
        with slot:
            yield peer

    def refused(self, peer: str, method: str, error: ArgosError) -> None:
        method = method[:MAX_NAME_CHARS]
        kind = type(error).__name__
        with self._lock:
            self._refusals[(peer, kind)] += 1
        if not self._throttle.admit(peer, method, kind):
            return  # counted; summed up by summarise_refusals()
        log.warning("federation.refused", peer=peer, method=method, error=kind)
        self._ctx.record(
            Caller("partner", peer),
            "federation.refused",
            "rpc",
            method,
            justification=bounded(str(error)),
            details={"error": kind},
        )

    def summarise_refusals(self, *, everything: bool = False) -> int:
        """One record per partner for the refusals counted past its rate, once its
        interval is over (all of them with everything=True, at shutdown). Returns
        how many refusals were summed up."""
        summed = 0
        for peer, held in self._throttle.due(everything=everything):
            summed += held.count
            log.warning(
                "federation.refusals_summarised",
                peer=peer,
                refusals=held.count,
                errors=dict(held.errors),
            )
            self._ctx.record(
                Caller("partner", peer),
                "federation.refusals_summarised",
                "rpc",
                ",".join(sorted(held.methods))[:MAX_NAME_CHARS],
                justification=(
                    f"{held.count} more refusals of {peer}, past the rate recorded one by one"
                ),
                details={
                    "refusals": held.count,
                    "errors": _counts(held.errors),
                    "methods": _counts(held.methods),
                },
            )
        return summed

    def figures(self) -> GateFigures:
        with self._lock:
            refusals = dict(self._refusals)
            rate_limited = dict(self._rate_limited)
        return GateFigures(
            refusals=refusals,
            refusals_unrecorded=dict(self._throttle.total_suppressed),
            rate_limited=rate_limited,
            feed_streams_open=self.feed_streams.open,
            feed_streams_refused=self.feed_streams.refused,
        )

    def partner_server_refused(
        self, partner: str, method: str, error: ArgosError, details: dict[str, str]
    ) -> None:
        """A call this node did not make: the endpoint registered for `partner` presented
        a certificate that is not the partner's (domain.peer rule 4). Fingerprints only,
        never a key; the federation client tells each certificate once."""
        self._ctx.record(
            SYSTEM,
            "federation.partner_server_refused",
            "partner",
            partner,
            justification=bounded(str(error)),
            details={"error": type(error).__name__, "method": method, **details},
        )
