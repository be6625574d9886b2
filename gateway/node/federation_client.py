"""Outgoing calls to partner nodes over mutual TLS, with a deadline on every call.
Implements the FederationPort the services use.

How a partner's server is trusted (gateway.domain.peer rule 4). gRPC Python has no
certificate-verification callback on channel credentials (grpc/grpc#32635; the gRFC
that would add one, grpc/proposal#546, is still open), and a check made once beside a
channel proves nothing about the channel's next connection. So the channel itself is
made to accept nothing else:

- a partner trusted by its CA: the channel's only root is that CA, and the server must
  present the partner's node id as a DNS name;
- a pinned partner: before its channel exists, one TLS handshake of its own (no request)
  fetches the endpoint's certificate, which must be the pinned one (refused otherwise,
  PartnerServerMismatch, before anything is sent); that certificate then becomes the
  channel's *only* trust anchor. gRPC loads roots with X509_V_FLAG_PARTIAL_CHAIN, so
  every later handshake of the channel, reconnections included, must present a chain
  ending in exactly that certificate, or fails before any request leaves. When such a
  call fails as unreachable, the endpoint is fetched again to say why.

Channels are kept per partner with the trust they were built for (endpoint, CA, pin);
when that changes (`argos partner update`) the next call builds a new channel and the
old one is closed, which ends any stream still open on it.
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import grpc
import structlog
from grpc_health.v1 import health_pb2, health_pb2_grpc

from gateway.domain.envelope import Envelope
from gateway.domain.errors import ArgosError
from gateway.domain.partners import Partner
from gateway.domain.peer import PartnerServerMismatch, certificate_fingerprint, check_partner_server
from gateway.node.config import NodeConfig
from gateway.node.status_codes import error_from_rpc
from gateway.node.tls import channel_options, client_credentials, fetch_server_certificate
from gateway.node.tls_identity import NodeTlsIdentity
from gateway.wire import codec
from gateway.wire.argos.v1 import federation_pb2 as pb
from gateway.wire.argos.v1 import federation_pb2_grpc

log = structlog.get_logger(__name__)

# Told once per (partner, certificate presented) that a partner's endpoint was refused;
# an endpoint presenting ever new certificates cannot grow the record without bound.
MAX_REFUSALS_TOLD = 100

IdentityRefused = Callable[[str, str, ArgosError, dict[str, str]], None]


@dataclass(frozen=True)
class _Held:
    trust: tuple[str, str, str]  # endpoint, CA PEM, pin: what the channel was built for
    channel: grpc.Channel
    identity: int = 0  # generation of this node's TLS identity the channel presents


class GrpcFederationClient:
    def __init__(self, config: NodeConfig, identity: NodeTlsIdentity | None = None) -> None:
        self._config = config
        # This node's certificate as served now: after `argos tls reload` the next call
        # to each partner builds a new channel presenting the renewed certificate.
        self.identity = identity
        self._channels: dict[str, _Held] = {}
        self._lock = threading.Lock()
        self._told: set[tuple[str, str]] = set()
        # (partner, method, error, details): where a refused partner endpoint is
        # recorded; the node server points it at the federation gate's audit.
        self.on_identity_refused: IdentityRefused | None = None

    def _stub(self, partner: Partner, method: str) -> federation_pb2_grpc.FederationServiceStub:
        return federation_pb2_grpc.FederationServiceStub(self._channel(partner, method))

    def _channel(self, partner: Partner, method: str) -> grpc.Channel:
        trust = (partner.endpoint, partner.tls_ca_pem, partner.tls_pin_sha256)
        generation = self.identity.generation if self.identity is not None else 0
        with self._lock:
            held = self._channels.get(partner.node_id)
        if held is not None and held.trust == trust and held.identity == generation:
            return held.channel
        anchors = self._pinned_certificate(partner, method) if trust[2] else partner.tls_ca_pem
        channel = grpc.secure_channel(
            partner.endpoint,
            client_credentials(self._config, anchors, self.identity),
            options=[
                *channel_options(self._config.max_message_bytes),
                # The partner's certificate must carry its node id as a DNS name.
                ("grpc.ssl_target_name_override", partner.node_id),
            ],
        )
        with self._lock:
            current = self._channels.get(partner.node_id)
            if current is not None and (current.trust, current.identity) == (trust, generation):
                stale, channel = channel, current.channel  # another thread was first
            else:
                stale = current.channel if current is not None else None
                if current is not None and current.trust == trust:
                    # Only our certificate changed: calls and feed streams open on the
                    # old channel finish on it (it goes when they let go of it).
                    stale = None
                self._channels[partner.node_id] = _Held(trust, channel, generation)
        if stale is not None:
            stale.close()
        return channel

    def _pinned_certificate(self, partner: Partner, method: str) -> str:
        """The endpoint's certificate, as PEM, if it is the one pinned for the partner."""
        der = fetch_server_certificate(
            self._config, partner.endpoint, partner.node_id, self._config.call_timeout_s
        )
        pem = ssl.DER_cert_to_PEM_cert(der)
        try:
            check_partner_server(pem, partner.trust)
        except PartnerServerMismatch as error:
            self._refused(partner, method, pem, error)
            raise
        return pem

    def _refused(self, partner: Partner, method: str, pem: str, error: ArgosError) -> None:
        presented = certificate_fingerprint(pem)
        log.warning(
            "federation.partner_server_refused",
            partner=partner.node_id,
            method=method,
            presented_sha256=presented,
        )
        key = (partner.node_id, presented)
        with self._lock:
            first = key not in self._told and len(self._told) < MAX_REFUSALS_TOLD
            self._told.add(key)
        if first and self.on_identity_refused is not None:
            details = {"presented_sha256": presented, "pinned_sha256": partner.tls_pin_sha256}
            self.on_identity_refused(partner.node_id, method, error, details)

    def _error(self, partner: Partner, method: str, error: grpc.RpcError) -> ArgosError:
        """The domain error for a failed call. A pinned partner's channel fails as
        unreachable when the endpoint's certificate is no longer the pinned one: fetch
        it again to tell that apart from a partner that is down."""
        if partner.tls_pin_sha256 and error.code() is grpc.StatusCode.UNAVAILABLE:
            try:
                self._pinned_certificate(partner, method)
            except PartnerServerMismatch as mismatch:
                self.forget(partner.node_id)
                return mismatch
            except ArgosError:
                pass
        return error_from_rpc(error, partner.node_id)

    def forget(self, node_id: str) -> None:
        """Close the channel to a partner (its trust changed, or it was removed): calls
        and streams still open on it end, and the next call builds a new one."""
        with self._lock:
            held = self._channels.pop(node_id, None)
        if held is not None:
            held.channel.close()

    def check_health(self, partner: Partner, timeout_s: float) -> str:
        """ "" if the partner's federation service answers SERVING over mutual TLS now,
        else why not (a gRPC status, never anything the partner holds)."""
        service = pb.DESCRIPTOR.services_by_name["FederationService"].full_name
        try:
            reply = health_pb2_grpc.HealthStub(self._channel(partner, "Health.Check")).Check(
                health_pb2.HealthCheckRequest(service=service), timeout=timeout_s
            )
        except PartnerServerMismatch as error:
            return f"peer identity mismatch: {error}"[:200]
        except ArgosError as error:
            return f"unavailable: {error}"[:200]
        except grpc.RpcError as error:
            explained = self._error(partner, "Health.Check", error)
            if isinstance(explained, PartnerServerMismatch):
                return f"peer identity mismatch: {explained}"[:200]
            return f"{error.code().name.lower()}: {error.details() or 'no answer'}"[:200]
        if reply.status != health_pb2.HealthCheckResponse.SERVING:
            return health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status).lower()
        return ""

    def _call(self, partner: Partner, method: str, request):
        stub = self._stub(partner, method)
        try:
            return getattr(stub, method)(request, timeout=self._config.call_timeout_s)
        except grpc.RpcError as error:
            raise self._error(partner, method, error) from None

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

    def announce_partner_change(self, partner: Partner, envelope: Envelope) -> bool:
        """Deliver this node's signed move announcement; True if already held there."""
        request = pb.AnnouncePartnerChangeRequest(announcement=codec.envelope_to_pb(envelope))
        return self._call(partner, "AnnouncePartnerChange", request).duplicate

    def announce_signing_key(self, partner: Partner, envelope: Envelope) -> str:
        """Deliver a signing-key rotation or revocation; the partner's outcome."""
        request = pb.AnnounceSigningKeyRequest(statement=codec.envelope_to_pb(envelope))
        return self._call(partner, "AnnounceSigningKey", request).outcome

    def matching_key(
        self, partner: Partner, agreement_id: str, version: int, epoch: int = 0
    ) -> tuple[str, bytes | Envelope]:
        """The token key, or an oblivious owner's signed key commitment (an Envelope)."""
        reply = self._call(
            partner,
            "GetMatchingKey",
            pb.GetMatchingKeyRequest(
                agreement_id=agreement_id, agreement_version=version, token_epoch=epoch
            ),
        )
        mode = codec.matching_mode_from_pb(reply.matching_mode).value
        if reply.HasField("key_commitment"):
            return mode, codec.envelope_from_pb(reply.key_commitment)
        return mode, reply.token_key

    def evaluate_plates(
        self, partner: Partner, agreement_id: str, version: int, epoch: int, blinded: list[bytes]
    ) -> tuple[tuple[bytes, ...], bytes]:
        """The owner's evaluations of blinded readings and its proof (unverified here)."""
        request = pb.EvaluatePlatesRequest(
            agreement_id=agreement_id,
            agreement_version=version,
            token_epoch=epoch,
            blinded=blinded,
        )
        reply = self._call(partner, "EvaluatePlates", request)
        return tuple(reply.evaluated), reply.proof

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
        method = "PullHotlistChanges"
        stream = self._stub(partner, method).PullHotlistChanges(request, timeout=deadline_s)
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
            raise self._error(partner, method, error) from None
        finally:
            stream.cancel()

    def close(self) -> None:
        with self._lock:
            held, self._channels = list(self._channels.values()), {}
        for h in held:
            h.channel.close()
