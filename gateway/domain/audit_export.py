"""The audit export a supervisory authority verifies alone: the records of a period as
one self-describing document (JSON lines), checked by tools/verify_audit_export.py with
nothing but Python and PyNaCl. Pure: takes records, keys and a signing function.

The document, line by line (each a JSON object with a "kind"):
1. "header": format and version, node, period, how a record's hash is computed.
2. "keys": the node's public signing keys (key id, public key, since when), every key
   it ever signed with; the authority pins the one it trusts out of band.
3. "start": where the period's chain starts: genesis (record 1), the signed anchor
   that stands in for the erased records before it, or the hash of the record before
   (vouched for by the seal alone).
4. "record", one a line: every field exactly as hashed, its prev_hash and hash.
5. "head": the node's own signed head of the whole log at export time; when the period
   reaches the end of the log it pins the period's last record by itself.
6. "seal": node, period, first and last seq, count, prev_hash, last hash, the head,
   the time of export, and the key id, signed by the node's current key. It proves that
   the node vouched, at export time, for exactly this contiguous run of its chain.

What a verified export proves and what it does not is said in the admin guide
("Runbook: handing the audit log to the supervisory authority").
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from gateway.domain.audit import GENESIS_HASH, AuditHead, AuditRecord
from gateway.domain.audit_anchor import AuditAnchor

FORMAT: Final[str] = "argos-audit-export"
VERSION: Final[int] = 1
SEAL_TAG: Final[bytes] = b"argos-audit-export-seal-v1\n"

# How a record's hash is computed (gateway.domain.audit.record_digest), in words the
# authority's own tool can follow.
RECORD_HASH: Final[str] = (
    "sha256(b'argos-audit-v1\\n' + utf8(json([seq, at, actor_kind, actor, action, "
    "object_type, object_id, justification, recipient, details, prev_hash], "
    "sort_keys, separators (',', ':'), no ASCII escaping)))"
)
HEAD_MESSAGE: Final[str] = "'argos-audit-head-v1\\n' + seq + '\\n' + hash"
ANCHOR_MESSAGE: Final[str] = (
    "'argos-audit-anchor-v1\\n' + node_id + '\\n' + seq + '\\n' + hash + '\\n' + at + "
    "'\\n' + erased_at + '\\n' + key_id"
)
SEAL_MESSAGE: Final[str] = (
    "b'argos-audit-export-seal-v1\\n' + utf8(json(seal without signature, sort_keys, "
    "separators (',', ':'), no ASCII escaping))"
)


@dataclass(frozen=True)
class ExportedKey:
    """One of the node's public keys, as the authority sees it."""

    key_id: str
    public_key: bytes
    valid_from: str
    state: str


def _line(value: dict[str, Any]) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def seal_message(seal: dict[str, Any]) -> bytes:
    """The bytes the node signs for the seal: its fields but the signature."""
    fields = {k: v for k, v in seal.items() if k != "signature"}
    return SEAL_TAG + _line(fields).encode("utf-8")


def record_line(record: AuditRecord) -> dict[str, Any]:
    return {
        "kind": "record",
        "seq": record.seq,
        "at": record.at,
        "actor_kind": record.actor_kind,
        "actor": record.actor,
        "action": record.action,
        "object_type": record.object_type,
        "object_id": record.object_id,
        "justification": record.justification,
        "recipient": record.recipient,
        "details": dict(record.details),
        "prev_hash": record.prev_hash,
        "hash": record.hash,
    }


def export_lines(
    *,
    node_id: str,
    period_start: str,
    period_end: str,
    exported_at: str,
    records: Sequence[AuditRecord],
    keys: Sequence[ExportedKey],
    anchor: tuple[AuditAnchor, bytes] | None,
    head: tuple[AuditHead, bytes],
    key_id: str,
    sign: Callable[[bytes], bytes],
) -> list[str]:
    """The document for a contiguous run of `records` (at least one). `anchor` is the
    signed anchor the run starts from, if it does; `sign` signs with the key `key_id`."""
    if not records:
        raise ValueError("an export holds at least one record")
    first, last = records[0], records[-1]
    if first.seq == 1 and first.prev_hash == GENESIS_HASH:
        proof = "genesis"
    elif anchor is not None and anchor[0].seq == first.seq - 1:
        proof = "anchor"
    else:
        proof = "seal"
    head_value, head_signature = head
    lines = [
        {
            "kind": "header",
            "format": FORMAT,
            "version": VERSION,
            "node_id": node_id,
            "period_start": period_start,
            "period_end": period_end,
            "exported_at": exported_at,
            "genesis_hash": GENESIS_HASH,
            "record_hash": RECORD_HASH,
            "head_message": HEAD_MESSAGE,
            "anchor_message": ANCHOR_MESSAGE,
            "seal_message": SEAL_MESSAGE,
            "signatures": "Ed25519, hex",
        },
        {
            "kind": "keys",
            "keys": [
                {
                    "key_id": k.key_id,
                    "public_key": k.public_key.hex(),
                    "valid_from": k.valid_from,
                    "state": k.state,
                }
                for k in keys
            ],
        },
        {
            "kind": "start",
            "proof": proof,
            "prev_seq": first.seq - 1,
            "prev_hash": first.prev_hash,
            "anchor": _anchor_value(anchor) if proof == "anchor" else None,
        },
        *(record_line(r) for r in records),
        {
            "kind": "head",
            "seq": head_value.seq,
            "hash": head_value.hash,
            "signature": head_signature.hex(),
        },
    ]
    seal: dict[str, Any] = {
        "kind": "seal",
        "node_id": node_id,
        "period_start": period_start,
        "period_end": period_end,
        "exported_at": exported_at,
        "first_seq": first.seq,
        "last_seq": last.seq,
        "records": len(records),
        "prev_hash": first.prev_hash,
        "last_hash": last.hash,
        "head_seq": head_value.seq,
        "head_hash": head_value.hash,
        "key_id": key_id,
    }
    seal["signature"] = sign(seal_message(seal)).hex()
    lines.append(seal)
    return [_line(value) for value in lines]


def _anchor_value(anchor: tuple[AuditAnchor, bytes] | None) -> dict[str, Any] | None:
    if anchor is None:
        return None
    value, signature = anchor
    return {
        "node_id": value.node_id,
        "seq": value.seq,
        "hash": value.hash,
        "at": value.at,
        "erased_at": value.erased_at,
        "key_id": value.key_id,
        "signature": signature.hex(),
    }
