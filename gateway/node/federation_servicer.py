"""FederationService: thin translation between partner calls and the use cases.

Every method runs inside the federation gate (gateway.services.federation), which
proves who is calling from the mutual-TLS certificate and records any refusal; here
protobuf becomes values and back."""

from __future__ import annotations

import grpc

from gateway.bootstrap import Application
from gateway.domain.envelope import Envelope
from gateway.node.status_codes import grpc_method, grpc_stream
from gateway.node.tls import peer_certificate
from gateway.services.feed import OutgoingBatch
from gateway.wire import codec
from gateway.wire.argos.v1 import federation_pb2 as pb
from gateway.wire.argos.v1 import federation_pb2_grpc, hotlist_pb2
from gateway.wire.strict import bounded_id


class FederationServicer(federation_pb2_grpc.FederationServiceServicer):
    def __init__(self, app: Application) -> None:
        self._app = app
        self._gate = app.gate

    def _serving(self, context: grpc.ServicerContext, method: str):
        return self._gate.serving(peer_certificate(context), method)

    @grpc_method()
    def GetNodeInfo(self, request, context):
        with self._serving(context, "GetNodeInfo"):
            ctx = self._app.ctx
            return pb.GetNodeInfoResponse(node_id=ctx.node_id, key_id=ctx.signing_key.key_id)

    @grpc_method()
    def ProposeAgreement(self, request, context):
        with self._serving(context, "ProposeAgreement") as peer:
            envelope = codec.envelope_from_pb(request.agreement)
            fingerprint = self._app.agreements.receive_proposal(peer, envelope)
        return pb.ProposeAgreementResponse(fingerprint=fingerprint)

    @grpc_method()
    def AcceptAgreement(self, request, context):
        with self._serving(context, "AcceptAgreement") as peer:
            envelope = codec.envelope_from_pb(request.agreement)
            fingerprint = self._app.agreements.receive_countersigned(peer, envelope)
        return pb.AcceptAgreementResponse(fingerprint=fingerprint)

    @grpc_method()
    def ChangeAgreementStatus(self, request, context):
        with self._serving(context, "ChangeAgreementStatus") as peer:
            self._app.agreements.receive_status(peer, codec.envelope_from_pb(request.change))
        return pb.ChangeAgreementStatusResponse()

    @grpc_method()
    def GetMatchingKey(self, request, context):
        with self._serving(context, "GetMatchingKey") as peer:
            mode, key = self._app.feed.matching_key(
                peer,
                bounded_id(request.agreement_id, "agreement_id"),
                request.agreement_version,
                request.token_epoch,
            )
        if isinstance(key, Envelope):
            return pb.GetMatchingKeyResponse(
                matching_mode=codec.matching_mode_to_pb(mode),
                key_commitment=codec.envelope_to_pb(key),
            )
        return pb.GetMatchingKeyResponse(
            matching_mode=codec.matching_mode_to_pb(mode), token_key=key
        )

    @grpc_method()
    def EvaluatePlates(self, request, context):
        with self._serving(context, "EvaluatePlates") as peer:
            evaluated, proof = self._app.oblivious.evaluate(
                peer,
                bounded_id(request.agreement_id, "agreement_id"),
                request.agreement_version,
                request.token_epoch,
                list(request.blinded),
            )
        return pb.EvaluatePlatesResponse(evaluated=evaluated, proof=proof)

    @grpc_method()
    def NotifyHit(self, request, context):
        with self._serving(context, "NotifyHit") as peer:
            envelope = codec.envelope_from_pb(request.notification)
            duplicate = self._app.hits.receive(peer, envelope)
        return pb.NotifyHitResponse(duplicate=duplicate)

    @grpc_method()
    def DeliverConfirmation(self, request, context):
        with self._serving(context, "DeliverConfirmation") as peer:
            envelope = codec.envelope_from_pb(request.message)
            duplicate = self._app.confirmations.receive(peer, envelope)
        return pb.DeliverConfirmationResponse(duplicate=duplicate)

    @grpc_method()
    def AnnouncePartnerChange(self, request, context):
        with self._serving(context, "AnnouncePartnerChange") as peer:
            envelope = codec.envelope_from_pb(request.announcement)
            fingerprint, duplicate = self._app.partner_changes.receive(peer, envelope)
        return pb.AnnouncePartnerChangeResponse(fingerprint=fingerprint, duplicate=duplicate)

    @grpc_method()
    def AnnounceSigningKey(self, request, context):
        with self._serving(context, "AnnounceSigningKey") as peer:
            envelope = codec.envelope_from_pb(request.statement)
            outcome = self._app.partner_keys.receive(peer, envelope)
        return pb.AnnounceSigningKeyResponse(outcome=outcome)

    @grpc_stream
    def PullHotlistChanges(self, request, context):
        # A stream holds a thread of the server's pool for its whole life: the gate
        # caps them per partner and in all, and records a refused admission. Nothing
        # else is recorded: a stream that ends on a stopped feed is retried by the
        # partner's sync runner, and is no refusal worth a record.
        with self._gate.streaming(peer_certificate(context), "PullHotlistChanges") as peer:
            yield from self._changes(peer, request, context)

    def _changes(self, peer: str, request, context):
        agreement_id = bounded_id(request.agreement_id, "agreement_id")
        if request.follow:
            items = self._app.feed.follow(
                peer,
                agreement_id,
                request.after_seq,
                request.max_batch,
                is_active=context.is_active,
                heartbeat_s=self._app.config.feed_heartbeat_s,
            )
        else:
            items = self._app.feed.pull(peer, agreement_id, request.after_seq, request.max_batch)
        for item in items:
            if isinstance(item, OutgoingBatch):
                yield pb.PullHotlistChangesResponse(
                    batch=hotlist_pb2.ChangeBatch(
                        leaves=item.leaves, checkpoint=codec.envelope_to_pb(item.checkpoint)
                    )
                )
            else:
                yield pb.PullHotlistChangesResponse(head=codec.envelope_to_pb(item))
