"""The door partners come in by: every call a partner node makes is identified from its
mutual-TLS certificate against the partner registry (gateway.domain.peer), handed to
its use case, and, when it is refused, the refusal is audited here with who asked for
what and why. The federation servicer only translates protobuf around this; an
interceptor on the federation server identifies every call, health checks included,
before any servicer sees it. Calls this node would have made to a partner whose
endpoint did not prove to be that partner are audited here too."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import structlog

from gateway.domain.errors import ArgosError, PeerIdentityMismatch
from gateway.services.administration import AdministrationService
from gateway.services.context import SYSTEM, Caller, NodeContext

log = structlog.get_logger(__name__)

MAX_REFUSAL_TEXT = 500
# What a caller names (a method, a node id) is its own choice: recorded this long at most.
MAX_NAME_CHARS = 100


class FederationGate:
    def __init__(self, ctx: NodeContext, administration: AdministrationService) -> None:
        self._ctx = ctx
        self._administration = administration

    def identify(self, certificate: bytes | None, method: str) -> str:
        """The partner the certificate proves; a refusal is recorded, then raised."""
        try:
            if certificate is None:
                raise PeerIdentityMismatch("no client certificate was presented")
            return self._administration.identify_peer(certificate)
        except ArgosError as error:
            self.refused("unidentified", method, error)
            raise

    @contextmanager
    def serving(self, certificate: bytes | None, method: str) -> Iterator[str]:
        """Yield the partner the certificate proves; any refusal raised while serving
        the call is recorded, then raised again."""
        peer = self.identify(certificate, method)
        try:
            yield peer
        except ArgosError as error:
            self.refused(peer, method, error)
            raise

    def refused(self, peer: str, method: str, error: ArgosError) -> None:
        method = method[:MAX_NAME_CHARS]
        log.warning("federation.refused", peer=peer, method=method, error=type(error).__name__)
        self._ctx.record(
            Caller("partner", peer),
            "federation.refused",
            "rpc",
            method,
            justification=str(error)[:MAX_REFUSAL_TEXT],
            details={"error": type(error).__name__},
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
            justification=str(error)[:MAX_REFUSAL_TEXT],
            details={"error": type(error).__name__, "method": method, **details},
        )
