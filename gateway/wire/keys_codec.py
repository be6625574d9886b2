"""Signing-key statements (rotation, revocation) to and from their protobuf payloads."""

from __future__ import annotations

from gateway.domain.envelope import Envelope
from gateway.domain.identity import PublicNodeKey
from gateway.domain.keychain import RevocationStatement, RotationStatement
from gateway.wire import codec
from gateway.wire.argos.v1 import keys_pb2
from gateway.wire.strict import bounded_id, parse_message, to_datetime, to_timestamp


def rotation_payload(s: RotationStatement) -> bytes:
    return keys_pb2.SigningKeyRotation(
        node_id=s.node_id,
        sequence=s.sequence,
        public_key=s.public_key.raw,
        valid_from=to_timestamp(s.valid_from),
        overlap_end=to_timestamp(s.overlap_end),
        previous_hash=s.previous_hash,
    ).SerializeToString(deterministic=True)


def rotation_from_payload(payload: bytes) -> RotationStatement:
    m = parse_message(keys_pb2.SigningKeyRotation, payload, "signing-key rotation")
    return RotationStatement(
        node_id=bounded_id(m.node_id, "rotation node_id"),
        sequence=m.sequence,
        public_key=PublicNodeKey(m.public_key),
        valid_from=to_datetime(m.valid_from, "rotation valid_from"),
        overlap_end=to_datetime(m.overlap_end, "rotation overlap_end"),
        previous_hash=bounded_id(m.previous_hash, "rotation previous_hash"),
    )


def revocation_payload(s: RevocationStatement, replacement: Envelope | None) -> bytes:
    m = keys_pb2.SigningKeyRevocation(
        node_id=s.node_id, key_id=s.key_id, since=to_timestamp(s.since)
    )
    if replacement is not None:
        m.replacement.CopyFrom(codec.envelope_to_pb(replacement))
    return m.SerializeToString(deterministic=True)


def revocation_from_payload(payload: bytes) -> tuple[RevocationStatement, Envelope | None]:
    m = parse_message(keys_pb2.SigningKeyRevocation, payload, "signing-key revocation")
    statement = RevocationStatement(
        node_id=bounded_id(m.node_id, "revocation node_id"),
        key_id=bounded_id(m.key_id, "revocation key_id"),
        since=to_datetime(m.since, "revocation since"),
    )
    replacement = codec.envelope_from_pb(m.replacement) if m.HasField("replacement") else None
    return statement, replacement
