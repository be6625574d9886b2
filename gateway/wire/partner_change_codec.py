"""The PartnerChange payload (a partner's signed announcement that it moves) between
protobuf bytes and the domain value. Decoded only after its envelope verified."""

from __future__ import annotations

from gateway.domain.partner_change import HeldChange, PartnerChange
from gateway.wire.argos.v1 import admin_pb2
from gateway.wire.argos.v1 import partner_change_pb2 as pb
from gateway.wire.strict import bounded_id, parse_message, to_datetime, to_timestamp


def partner_change_payload(change: PartnerChange) -> bytes:
    return pb.PartnerChange(
        node_id=change.node_id,
        sequence=change.sequence,
        issued_at=to_timestamp(change.issued_at),
        endpoint=change.endpoint,
        tls_ca_pem=change.tls_ca_pem,
        tls_cert_pem=change.tls_cert_pem,
    ).SerializeToString()


def partner_change_from_payload(payload: bytes) -> PartnerChange:
    msg = parse_message(pb.PartnerChange, payload, "partner change")
    return PartnerChange(
        node_id=bounded_id(msg.node_id, "partner change node_id"),
        sequence=msg.sequence,
        issued_at=to_datetime(msg.issued_at, "partner change issued_at"),
        endpoint=bounded_id(msg.endpoint, "partner change endpoint", 300),
        tls_ca_pem=msg.tls_ca_pem,
        tls_cert_pem=msg.tls_cert_pem,
    )


def partner_change_record_pb(held: HeldChange) -> admin_pb2.PartnerChangeRecord:
    """A held announcement for the local CLI: what it says, by fingerprints."""
    c = held.change
    return admin_pb2.PartnerChangeRecord(
        node_id=c.node_id,
        sequence=c.sequence,
        fingerprint=held.fingerprint,
        issued_at=to_timestamp(c.issued_at),
        received_at=to_timestamp(held.received_at),
        state=held.state.value,
        endpoint=c.endpoint,
        ca_sha256=list(c.ca_sha256),
        cert_sha256=c.cert_sha256,
    )
