"""FederationService: thin translation between partner calls and the use cases.

Every method first proves who is calling from the mutual-TLS certificate, then hands
decoded values to the services; refusals are recorded in the audit log."""

from __future__ import annotations

import grpc
import structlog

from gateway.domain.errors import ArgosError, PeerIdentityMismatch
from gateway.node.status_codes import grpc_method
from gateway.node.tls import peer_certificate
from gateway.services.administration import AdministrationService
from gateway.services.agreements import AgreementService
from gateway.services.context import Caller, NodeContext
from gateway.wire import codec
from gateway.wire.argos.v1 import federation_pb2 as pb
from gateway.wire.argos.v1 import federation_pb2_grpc

log = structlog.get_logger(__name__)


def _record_refusal(
    servicer: FederationServicer, context: grpc.ServicerContext, error: ArgosError
) -> None:
    peer = getattr(context, "argos_peer", None) or "unidentified"
    method = getattr(context, "argos_method", "?")
    log.warning("federation.refused", peer=peer, method=method, error=type(error).__name__)
    servicer.ctx.record(
        Caller("partner", peer),
        "federation.refused",
        "rpc",
        method,
        justification=str(error),
        details={"error": type(error).__name__},
    )


class FederationServicer(federation_pb2_grpc.FederationServiceServicer):
    def __init__(self, ctx: NodeContext) -> None:
        self.ctx = ctx
        self._admin = AdministrationService(ctx)
        self._agreements = AgreementService(ctx)

    def _peer(self, context: grpc.ServicerContext, method: str) -> str:
        context.argos_method = method  # type: ignore[attr-defined]
        cert = peer_certificate(context)
        if cert is None:
            raise PeerIdentityMismatch("no client certificate was presented")
        peer = self._admin.identify_peer(cert)
        context.argos_peer = peer  # type: ignore[attr-defined]
        return peer

    @grpc_method(_record_refusal)
    def GetNodeInfo(self, request, context):
        self._peer(context, "GetNodeInfo")
        return pb.GetNodeInfoResponse(node_id=self.ctx.node_id, key_id=self.ctx.signing_key.key_id)

    @grpc_method(_record_refusal)
    def ProposeAgreement(self, request, context):
        peer = self._peer(context, "ProposeAgreement")
        fingerprint = self._agreements.receive_proposal(
            peer, codec.envelope_from_pb(request.agreement)
        )
        return pb.ProposeAgreementResponse(fingerprint=fingerprint)

    @grpc_method(_record_refusal)
    def AcceptAgreement(self, request, context):
        peer = self._peer(context, "AcceptAgreement")
        fingerprint = self._agreements.receive_countersigned(
            peer, codec.envelope_from_pb(request.agreement)
        )
        return pb.AcceptAgreementResponse(fingerprint=fingerprint)

    @grpc_method(_record_refusal)
    def ChangeAgreementStatus(self, request, context):
        peer = self._peer(context, "ChangeAgreementStatus")
        self._agreements.receive_status(peer, codec.envelope_from_pb(request.change))
        return pb.ChangeAgreementStatusResponse()
