"""Protobuf <-> domain for hotlist entries, feed changes, checkpoints and heads.

Encoding of a MinimisedEntry leaves every None field unset, so a field the agreement
does not share is absent from the bytes on the wire (minimisation rule 2)."""

from __future__ import annotations

import hashlib

from google.protobuf.message import DecodeError
from google.protobuf.timestamp_pb2 import Timestamp

from gateway.domain.errors import InvalidInput
from gateway.domain.feed import Change, Checkpoint, SyncHead, Tombstone
from gateway.domain.minimise import MinimisedEntry
from gateway.domain.schemes.oblivious import KeyCommitment
from gateway.wire.argos.v1 import federation_pb2
from gateway.wire.argos.v1 import hotlist_pb2 as pb
from gateway.wire.strict import MAX_ID_CHARS, bounded_ids, parse_message, to_datetime, to_timestamp

TOMBSTONE_REASONS = {
    "withdrawn": pb.TOMBSTONE_REASON_WITHDRAWN,
    "expired": pb.TOMBSTONE_REASON_EXPIRED,
    "out_of_scope": pb.TOMBSTONE_REASON_OUT_OF_SCOPE,
}
_REASON_NAMES = {v: k for k, v in TOMBSTONE_REASONS.items()}
_parse_change = pb.SharedChange.FromString


def entry_to_pb(m: MinimisedEntry) -> pb.SharedEntry:
    msg = pb.SharedEntry(
        entry_id=m.entry_id,
        owner=m.owner,
        version=m.version,
        category=m.category,
        valid_from=_timestamp_us(m.valid_from_us),
        expires_at=_timestamp_us(m.expires_at_us),
    )
    if m.plate_token is not None:
        msg.plate_token = m.plate_token
    if m.plate is not None:
        msg.plaintext.CopyFrom(pb.PlaintextPlate(plate=m.plate, country=m.country or ""))
    if m.action is not None:
        msg.action = m.action
    if m.flags is not None:
        msg.flags.extend(m.flags)
    if m.vehicle_description is not None:
        msg.vehicle_description = m.vehicle_description
    if m.contact is not None:
        msg.contact = m.contact
    if m.country_unknown:
        msg.country_unknown = True
    return msg


def entry_from_pb(msg: pb.SharedEntry) -> MinimisedEntry:
    # A recipient decodes a million of these per initial sync: each field is read once
    # and the tuple is built positionally, which halves the cost of the obvious code.
    entry_id, owner, category = msg.entry_id, msg.owner, msg.category
    if not entry_id or not msg.HasField("expires_at") or not msg.HasField("valid_from"):
        raise InvalidInput("shared entry lacks its id or validity")
    if max(len(entry_id), len(owner), len(category)) > MAX_ID_CHARS:
        bounded_ids("shared entry", entry_id=entry_id, owner=owner, category=category)
    form = msg.WhichOneof("plate_form")
    token = plate = country = None
    if form == "plate_token":
        token = msg.plate_token
    elif form == "plaintext":
        plaintext = msg.plaintext
        plate, country = plaintext.plate, plaintext.country
    flags = msg.flags
    return MinimisedEntry(
        entry_id,
        owner,
        msg.version,
        category,
        _epoch_us(msg.valid_from, "valid_from"),
        _epoch_us(msg.expires_at, "expires_at"),
        token,
        plate,
        country,
        msg.action or None,
        tuple(flags) if flags else None,
        msg.vehicle_description or None,
        msg.contact or None,
        msg.country_unknown,
    )


# The range a protobuf Timestamp may hold: 0001-01-01 .. 9999-12-31.
_MIN_SECONDS, _MAX_SECONDS = -62_135_596_800, 253_402_300_799


def _epoch_us(ts: Timestamp, what: str) -> int:
    seconds, nanos = ts.seconds, ts.nanos
    if not (_MIN_SECONDS <= seconds <= _MAX_SECONDS and 0 <= nanos < 1_000_000_000):
        raise InvalidInput(f"{what} is out of range")
    return seconds * 1_000_000 + nanos // 1000


def _timestamp_us(us: int) -> Timestamp:
    seconds, micros = divmod(us, 1_000_000)
    return Timestamp(seconds=seconds, nanos=micros * 1000)


def upsert_leaf_and_content(
    seq: int, agreement_version: int, m: MinimisedEntry
) -> tuple[bytes, bytes]:
    """The upsert leaf for m at seq, and the hash of what the partner sees of m apart
    from its feed position (to skip re-sending an unchanged entry), from one encoding."""
    entry = entry_to_pb(m)
    data = entry.SerializeToString(deterministic=True)
    content = hashlib.blake2b(b"%d\x1f" % agreement_version + data, digest_size=16).digest()
    leaf = pb.SharedChange(
        seq=seq, agreement_version=agreement_version, upsert=entry
    ).SerializeToString(deterministic=True)
    return leaf, content


def upsert_leaf(seq: int, agreement_version: int, m: MinimisedEntry) -> bytes:
    return pb.SharedChange(
        seq=seq, agreement_version=agreement_version, upsert=entry_to_pb(m)
    ).SerializeToString(deterministic=True)


def tombstone_leaf(
    seq: int, agreement_version: int, entry_id: str, owner: str, reason: str
) -> bytes:
    return pb.SharedChange(
        seq=seq,
        agreement_version=agreement_version,
        tombstone=pb.Tombstone(entry_id=entry_id, owner=owner, reason=TOMBSTONE_REASONS[reason]),
    ).SerializeToString(deterministic=True)


def change_from_leaf(leaf: bytes) -> Change:
    try:
        msg = _parse_change(leaf)
    except DecodeError:
        raise InvalidInput("feed change is not a valid protobuf message") from None
    kind = msg.WhichOneof("change")
    if kind == "upsert":
        return Change(msg.seq, msg.agreement_version, entry_from_pb(msg.upsert))
    if kind == "tombstone":
        t = msg.tombstone
        if not t.entry_id or t.reason not in _REASON_NAMES:
            raise InvalidInput("tombstone lacks its entry id or reason")
        bounded_ids("tombstone", entry_id=t.entry_id, owner=t.owner)
        return Change(
            msg.seq,
            msg.agreement_version,
            tombstone=Tombstone(t.entry_id, t.owner, _REASON_NAMES[t.reason]),
        )
    raise InvalidInput("feed change is neither an upsert nor a tombstone")


def checkpoint_payload(cp: Checkpoint) -> bytes:
    return pb.Checkpoint(
        agreement_id=cp.agreement_id,
        agreement_version=cp.agreement_version,
        provider=cp.provider,
        recipient=cp.recipient,
        from_seq=cp.from_seq,
        to_seq=cp.to_seq,
        leaf_count=cp.leaf_count,
        merkle_root=cp.merkle_root,
        token_epoch=cp.token_epoch,
    ).SerializeToString(deterministic=True)


def checkpoint_from_payload(payload: bytes) -> Checkpoint:
    m = parse_message(pb.Checkpoint, payload, "checkpoint")
    bounded_ids(
        "checkpoint", agreement_id=m.agreement_id, provider=m.provider, recipient=m.recipient
    )
    return Checkpoint(
        m.agreement_id,
        m.agreement_version,
        m.provider,
        m.recipient,
        m.from_seq,
        m.to_seq,
        m.leaf_count,
        m.merkle_root,
        m.token_epoch,
    )


def head_payload(h: SyncHead) -> bytes:
    return pb.SyncHead(
        agreement_id=h.agreement_id,
        agreement_version=h.agreement_version,
        provider=h.provider,
        recipient=h.recipient,
        seq=h.seq,
        count=h.count,
        set_digest=h.set_digest.to_bytes(32, "big"),
        issued_at=to_timestamp(h.issued_at),
        token_epoch_floor=h.token_epoch_floor,
    ).SerializeToString(deterministic=True)


def head_from_payload(payload: bytes) -> SyncHead:
    m = parse_message(pb.SyncHead, payload, "sync head")
    bounded_ids(
        "sync head", agreement_id=m.agreement_id, provider=m.provider, recipient=m.recipient
    )
    if len(m.set_digest) != 32:
        raise InvalidInput("sync head digest must be 32 bytes")
    return SyncHead(
        m.agreement_id,
        m.agreement_version,
        m.provider,
        m.recipient,
        m.seq,
        m.count,
        int.from_bytes(m.set_digest, "big"),
        to_datetime(m.issued_at, "issued_at"),
        m.token_epoch_floor,
    )


def key_commitment_payload(c: KeyCommitment) -> bytes:
    return federation_pb2.ObliviousKeyCommitment(
        agreement_id=c.agreement_id,
        agreement_version=c.agreement_version,
        token_epoch=c.token_epoch,
        provider=c.provider,
        recipient=c.recipient,
        public_key=c.public_key,
    ).SerializeToString(deterministic=True)


def key_commitment_from_payload(payload: bytes) -> KeyCommitment:
    m = parse_message(federation_pb2.ObliviousKeyCommitment, payload, "key commitment")
    bounded_ids(
        "key commitment", agreement_id=m.agreement_id, provider=m.provider, recipient=m.recipient
    )
    return KeyCommitment(
        m.agreement_id, m.agreement_version, m.token_epoch, m.provider, m.recipient, m.public_key
    )
