"""Outgoing calls to partner nodes over mutual TLS, with a deadline on every call.
Implements the FederationPort the services use."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from gateway.domain.envelope import Envelope
from gateway.domain.partners import Partner
from gateway.node.config import NodeConfig
from gateway.node.status_codes import error_from_rpc
from gateway.node.tls import channel_options, client_credentials
from gateway.wire import codec
from gateway.wire.argos.v1 import federation_pb2 as pb
from gateway.wire.argos.v1 import federation_pb2_grpc


class GrpcFederationClient:
    def __init__(self, config: NodeConfig) -> None:
        self._config = config
        self._channels: dict[tuple[str, str, str], grpc.Channel] = {}
        self._lock = threading.Lock()

    def _stub(self, partner: Partner) -> federation_pb2_grpc.FederationServiceStub:
        return federation_pb2_grpc.FederationServiceStub(self._channel(partner))

    def _channel(self, partner: Partner) -> grpc.Channel:
        key = (partner.node_id, partner.endpoint, partner.tls_ca_pem)
        with self._lock:
            channel = self._channels.get(key)
            if channel is None:
                options = [
                    *channel_options(self._config.max_message_bytes),
                    # The partner's certificate must carry its node id as a DNS name.
                    ("grpc.ssl_target_name_override", partner.node_id),
                ]
                channel = grpc.secure_channel(
                    partner.endpoint,
                    client_credentials(self._config, partner.tls_ca_pem),
                    options=options,
                )
                self._channels[key] = channel
        return channel

    def check_health(self, partner: Partner, timeout_s: float) -> str:
        """ "" if the partner's federation service answers SERVING over mutual TLS now,
        else why not (a gRPC status, never anything the partner holds)."""
        service = pb.DESCRIPTOR.services_by_name["FederationService"].full_name
        try:
            reply = health_pb2_grpc.HealthStub(self._channel(partner)).Check(
                health_pb2.HealthCheckRequest(service=service), timeout=timeout_s
            )
        except grpc.RpcError as error:
            return f"{error.code().name.lower()}: {error.details() or 'no answer'}"[:200]
        if reply.status != health_pb2.HealthCheckResponse.SERVING:
            return health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status).lower()
        return ""

    def _call(self, partner: Partner, method: str, request):
        try:
            return getattr(self._stub(partner), method)(
                request, timeout=self._config.call_timeout_s
            )
        except grpc.RpcError as error:
            raise error_from_rpc(error, partner.node_id) from None

    def propose_agreement(self, partner: Partner, envelope: Envelope) -> str:
        request = pb.ProposeAgreementRequest(agreement=codec.envelope_to_pb(envelope))
        return self._call(partner, "ProposeAgreement", request).fingerprint

    def accept_agreement(self, partner: Partner, envelope: Envelope) -> str:
        request = pb.AcceptAgreementRequest(agreement=codec.envelope_to_pb(envelope))
        return self._call(partner, "AcceptAgreement", request).fingerprint

    def change_agreement_status(self, partner: Partner, envelope: Envelope) -> None:
        request = pb.ChangeAgreementStatusRequest(change=codec.envelope_to_pb(envelope))
        self._call(partner, "ChangeAgreementStatus", request)

    def notify_hit(self, partner: Partner, envelope: Envelope) -> bool:
        """Deliver a signed hit notification; True if the owner already had it."""
        request = pb.NotifyHitRequest(notification=codec.envelope_to_pb(envelope))
        return self._call(partner, "NotifyHit", request).duplicate

    def deliver_confirmation(self, partner: Partner, envelope: Envelope) -> bool:
        """Deliver a signed confirmation request or event; True if already there."""
        request = pb.DeliverConfirmationRequest(message=codec.envelope_to_pb(envelope))
        return self._call(partner, "DeliverConfirmation", request).duplicate

    def matching_key(self, partner: Partner, agreement_id: str, version: int) -> tuple[str, bytes]:
        reply = self._call(
            partner,
            "GetMatchingKey",
            pb.GetMatchingKeyRequest(agreement_id=agreement_id, agreement_version=version),
        )
        return codec.matching_mode_from_pb(reply.matching_mode).value, reply.token_key

    def pull_changes(
        self,
        partner: Partner,
        agreement_id: str,
        after_seq: int,
        *,
        follow: bool,
        max_batch: int = 4000,
        deadline_s: float = 300.0,
        on_open: Callable[[grpc.Future], None] | None = None,
    ) -> Iterator[tuple[list[bytes], Envelope] | Envelope]:
        """The partner's feed after after_seq: (leaves, checkpoint) per batch, and heads.
        A follow stream ends at its deadline; the caller reconnects from its cursor."""
        request = pb.PullHotlistChangesRequest(
            agreement_id=agreement_id, after_seq=after_seq, follow=follow, max_batch=max_batch
        )
        stream = self._stub(partner).PullHotlistChanges(request, timeout=deadline_s)
        if on_open is not None:
            on_open(stream)  # lets the caller cancel the stream from another thread
        try:
            for message in stream:
                if message.HasField("batch"):
                    yield (
                        list(message.batch.leaves),
                        codec.envelope_from_pb(message.batch.checkpoint),
                    )
                else:
                    yield codec.envelope_from_pb(message.head)
        except grpc.RpcError as error:
            if error.code() in (grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.CANCELLED):
                return  # our own deadline or cancel: the caller decides what next
            raise error_from_rpc(error, partner.node_id) from None
        finally:
            stream.cancel()

    def close(self) -> None:
        with self._lock:
            for channel in self._channels.values():
                channel.close()
            self._channels.clear()
