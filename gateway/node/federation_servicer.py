"""FederationService: thin translation between partner calls and the use cases.

Every method first proves who is calling from the mutual-TLS certificate, then hands
decoded values to the services; refusals are recorded in the audit log."""

from __future__ import annotations

import grpc
import structlog

from gateway.domain.agreement import MatchingMode
from gateway.domain.errors import ArgosError, PeerIdentityMismatch
from gateway.node.status_codes import grpc_method, grpc_stream
from gateway.node.tls import peer_certificate
from gateway.services.administration import AdministrationService
from gateway.services.agreements import AgreementService
from gateway.services.confirmations import ConfirmationService
from gateway.services.context import Caller, NodeContext
from gateway.services.feed import FeedService, OutgoingBatch
from gateway.services.hits import HitService
from gateway.wire import codec
from gateway.wire.argos.v1 import agreement_pb2, federation_pb2_grpc, hotlist_pb2
from gateway.wire.argos.v1 import federation_pb2 as pb

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
    def __init__(
        self,
        ctx: NodeContext,
        feed: FeedService,
        hits: HitService,
        confirmations: ConfirmationService,
    ) -> None:
        self.ctx = ctx
        self._admin = AdministrationService(ctx)
        self._agreements = AgreementService(ctx)
        self._feed = feed
        self._hits = hits
        self._confirmations = confirmations

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

    @grpc_method(_record_refusal)
    def GetMatchingKey(self, request, context):
        peer = self._peer(context, "GetMatchingKey")
        mode, key = self._feed.matching_key(peer, request.agreement_id, request.agreement_version)
        return pb.GetMatchingKeyResponse(
            matching_mode=agreement_pb2.MATCHING_MODE_TOKEN
            if mode is MatchingMode.TOKEN
            else agreement_pb2.MATCHING_MODE_PLAINTEXT,
            token_key=key,
        )

    @grpc_method(_record_refusal)
    def NotifyHit(self, request, context):
        peer = self._peer(context, "NotifyHit")
        duplicate = self._hits.receive(peer, codec.envelope_from_pb(request.notification))
        return pb.NotifyHitResponse(duplicate=duplicate)

    @grpc_method(_record_refusal)
    def DeliverConfirmation(self, request, context):
        peer = self._peer(context, "DeliverConfirmation")
        duplicate = self._confirmations.receive(peer, codec.envelope_from_pb(request.message))
        return pb.DeliverConfirmationResponse(duplicate=duplicate)

    @grpc_stream
    def PullHotlistChanges(self, request, context):
        try:
            peer = self._peer(context, "PullHotlistChanges")
        except ArgosError as error:
            _record_refusal(self, context, error)
            raise
        if request.follow:
            items = self._feed.follow(
                peer,
                request.agreement_id,
                request.after_seq,
                request.max_batch,
                is_active=context.is_active,
            )
        else:
            items = self._feed.pull(
                peer, request.agreement_id, request.after_seq, request.max_batch
            )
        for item in items:
            if isinstance(item, OutgoingBatch):
                yield pb.PullHotlistChangesResponse(
                    batch=hotlist_pb2.ChangeBatch(
                        leaves=item.leaves, checkpoint=codec.envelope_to_pb(item.checkpoint)
                    )
                )
            else:
                yield pb.PullHotlistChangesResponse(head=codec.envelope_to_pb(item))
