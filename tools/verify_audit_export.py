#!/usr/bin/env python3
"""Verify an Argos audit export (`argos audit export`) without the node.

For a supervisory authority: needs Python 3.11+ and PyNaCl (pip install pynacl), and
nothing of Argos. Recomputes every record's hash from its fields, checks that each
record links to the one before it (from genesis, from the node's signed anchor, or from
the hash the seal names), that the run ends where the node's signed seal says, and the
Ed25519 signatures of the seal, the anchor and the node's head.

    python3 verify_audit_export.py EXPORT.jsonl --key PUBLIC_KEY_HEX [--key ...]

--key pins the node's public key(s) as you obtained them out of band (from the port's
data protection officer, or `argos identity` on the node). Without --key the keys
written in the file are used, and the verdict says so: a file cannot vouch for itself.

Exit 0 and "VERIFIED" when everything holds; exit 1 and "FAILED: <what>, <where>" at
the first problem found (exit 2 for a file that cannot be read at all).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Iterator
from typing import Any

from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

FORMAT = "argos-audit-export"
VERSION = 1
GENESIS = "0" * 64
RECORD_TAG = b"argos-audit-v1\n"
SEAL_TAG = b"argos-audit-export-seal-v1\n"
RECORD_FIELDS = (
    "seq",
    "at",
    "actor_kind",
    "actor",
    "action",
    "object_type",
    "object_id",
    "justification",
    "recipient",
    "details",
    "prev_hash",
)


class Failed(Exception):
    """The first problem found; its message names what and where."""


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def record_hash(record: dict[str, Any]) -> str:
    return hashlib.sha256(RECORD_TAG + canonical([record[f] for f in RECORD_FIELDS])).hexdigest()


def key_id_of(public_key: bytes) -> str:
    return "ed25519:" + hashlib.sha256(public_key).hexdigest()[:32]


def signed_by(key: bytes, message: bytes, signature_hex: str) -> bool:
    try:
        VerifyKey(key).verify(message, bytes.fromhex(signature_hex))
    except (BadSignatureError, ValueError, TypeError):
        return False
    return True


def read_lines(path: str) -> Iterator[tuple[int, dict[str, Any]]]:
    with open(path, "rb") as f:
        for number, raw in enumerate(f, start=1):
            try:
                value = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                raise Failed(f"line {number} is not valid JSON (altered?)") from None
            if not isinstance(value, dict) or not isinstance(value.get("kind"), str):
                raise Failed(f"line {number} is not an export line (altered?)")
            yield number, value


def expect(line: tuple[int, dict[str, Any]] | None, kind: str) -> tuple[int, dict[str, Any]]:
    if line is None:
        raise Failed(f"the file ends before its {kind} line (cut short?)")
    if line[1]["kind"] != kind:
        raise Failed(f"line {line[0]}: expected the {kind} line, found {line[1]['kind']!r}")
    return line


def trusted_keys(
    keys_line: tuple[int, dict[str, Any]], pinned: list[str]
) -> tuple[dict[str, bytes], bool]:
    """Key id -> public key: the pinned ones if any were given, else those in the file."""
    number, value = keys_line
    in_file: dict[str, bytes] = {}
    for entry in value.get("keys") or []:
        try:
            raw = bytes.fromhex(entry["public_key"])
        except (KeyError, TypeError, ValueError):
            raise Failed(f"line {number}: a public key is not hex (altered?)") from None
        if len(raw) != 32 or key_id_of(raw) != entry.get("key_id"):
            raise Failed(
                f"line {number}: key {entry.get('key_id')!r} does not match its public key "
                "(altered?)"
            )
        in_file[entry["key_id"]] = raw
    if not pinned:
        return in_file, False
    keys = {}
    for text in pinned:
        try:
            raw = bytes.fromhex(text.strip())
        except ValueError:
            raise Failed(f"--key {text[:16]}... is not a hex public key") from None
        if len(raw) != 32:
            raise Failed("--key must be a 32-byte Ed25519 public key in hex (64 characters)")
        keys[key_id_of(raw)] = raw
    return keys, True


def verify(path: str, pinned: list[str]) -> list[str]:
    """The verdict's lines; raises Failed at the first problem."""
    lines = read_lines(path)
    _, header = expect(next(lines, None), "header")
    if header.get("format") != FORMAT or header.get("version") != VERSION:
        raise Failed(f"line 1: not an {FORMAT} version {VERSION} file")
    keys, pinned_used = trusted_keys(expect(next(lines, None), "keys"), pinned)
    start_no, start = expect(next(lines, None), "start")

    prev_seq, prev_hash = start.get("prev_seq"), start.get("prev_hash")
    proof = start.get("proof")
    if proof == "genesis":
        if prev_seq != 0 or prev_hash != GENESIS:
            raise Failed(f"line {start_no}: the start claims genesis but is not record 0")
    elif proof == "anchor":
        anchor = start.get("anchor") or {}
        message = (
            f"argos-audit-anchor-v1\n{anchor.get('node_id')}\n{anchor.get('seq')}\n"
            f"{anchor.get('hash')}\n{anchor.get('at')}\n{anchor.get('erased_at')}\n"
            f"{anchor.get('key_id')}"
        ).encode()
        key = keys.get(anchor.get("key_id", ""))
        if key is None:
            raise Failed(f"line {start_no}: the anchor is signed by an unknown key")
        if not signed_by(key, message, anchor.get("signature", "")):
            raise Failed(f"line {start_no}: the anchor's signature does not verify (altered?)")
        if anchor.get("node_id") != header.get("node_id"):
            raise Failed(f"line {start_no}: the anchor is another node's")
        if anchor.get("seq") != prev_seq or anchor.get("hash") != prev_hash:
            raise Failed(f"line {start_no}: the start does not match the signed anchor")
    elif proof != "seal":
        raise Failed(f"line {start_no}: unknown start proof {proof!r}")

    first_seq, count = None, 0
    number, line = start_no, next(lines, None)
    while line is not None and line[1]["kind"] == "record":
        number, record = line
        expected = prev_seq + 1 if isinstance(prev_seq, int) else None
        where = f"record {record.get('seq')} (line {number})"
        if record.get("seq") != expected:
            raise Failed(
                f"{where}: expected seq {expected} (record deleted, inserted or reordered?)"
            )
        if record.get("prev_hash") != prev_hash:
            raise Failed(f"{where}: prev_hash does not link to the record before (altered?)")
        try:
            digest = record_hash(record)
        except (KeyError, TypeError, ValueError):
            raise Failed(f"{where}: a field is missing or cannot be encoded (altered?)") from None
        if record.get("hash") != digest:
            raise Failed(f"{where}: hash does not match its fields (altered?)")
        first_seq = record["seq"] if first_seq is None else first_seq
        prev_seq, prev_hash, count = record["seq"], record["hash"], count + 1
        line = next(lines, None)
    if count == 0:
        raise Failed(f"line {number + 1}: the export holds no record")

    head_no, head = expect(line, "head")
    seal_no, seal = expect(next(lines, None), "seal")
    extra = next(lines, None)
    if extra is not None:
        raise Failed(f"line {extra[0]}: a line after the seal (appended?)")

    key = keys.get(seal.get("key_id", ""))
    if key is None:
        raise Failed(
            f"line {seal_no}: the seal is signed by key {seal.get('key_id')!r}, "
            + ("not one of the keys given with --key" if pinned_used else "not in the file")
        )
    unsigned = {k: v for k, v in seal.items() if k != "signature"}
    if not signed_by(key, SEAL_TAG + canonical(unsigned), str(seal.get("signature", ""))):
        raise Failed(f"line {seal_no}: the seal's signature does not verify (altered?)")
    sealed = {
        "node_id": header.get("node_id"),
        "period_start": header.get("period_start"),
        "period_end": header.get("period_end"),
        "exported_at": header.get("exported_at"),
        "first_seq": first_seq,
        "last_seq": prev_seq,
        "records": count,
        "prev_hash": start.get("prev_hash"),
        "last_hash": prev_hash,
        "head_seq": head.get("seq"),
        "head_hash": head.get("hash"),
    }
    for name, value in sealed.items():
        if seal.get(name) != value:
            raise Failed(
                f"line {seal_no}: the seal says {name} {seal.get(name)!r}, the file has "
                f"{value!r} (records or lines altered, added or removed?)"
            )
    head_message = f"argos-audit-head-v1\n{head.get('seq')}\n{head.get('hash')}".encode()
    if not any(signed_by(k, head_message, str(head.get("signature", ""))) for k in keys.values()):
        raise Failed(f"line {head_no}: the head's signature does not verify (altered?)")
    if not isinstance(head.get("seq"), int) or head["seq"] < prev_seq:
        raise Failed(f"line {head_no}: the head is before the period's last record")
    if head["seq"] == prev_seq and head.get("hash") != prev_hash:
        raise Failed(f"line {head_no}: the head does not pin the period's last record")

    if proof == "genesis":
        origin = "starting at the log's first record"
    elif proof == "anchor":
        origin = (
            f"starting at the node's signed anchor (records 1 to {start['prev_seq']} "
            f"erased by retention on {start['anchor']['erased_at']})"
        )
    else:
        origin = f"following record {start['prev_seq']} (hash vouched for by the seal)"
    verdict = [
        f"VERIFIED: {count} audit records of {header.get('node_id')}, records {first_seq} "
        f"to {prev_seq}, period {header.get('period_start')} to {header.get('period_end')}",
        origin,
        f"sealed by key {seal['key_id']} on {seal.get('exported_at')}; the log's signed head "
        f"was record {head['seq']}"
        + (" (the period's last record)" if head["seq"] == prev_seq else ""),
    ]
    if not pinned_used:
        verdict.append(
            "WARNING: checked against the keys written in the file; pin the node's key "
            "with --key to know the node, not the file, made it"
        )
    return verdict


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("export", help="the file `argos audit export` wrote")
    parser.add_argument(
        "--key",
        action="append",
        default=[],
        help="the node's Ed25519 public key (hex), as obtained out of band; repeatable",
    )
    args = parser.parse_args(argv)
    try:
        verdict = verify(args.export, args.key)
    except Failed as failure:
        print(f"FAILED: {failure}")
        return 1
    except OSError as exc:
        print(f"cannot read {args.export}: {exc.strerror}", file=sys.stderr)
        return 2
    print("\n".join(verdict))
    return 0


if __name__ == "__main__":
    sys.exit(main())
