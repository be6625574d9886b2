"""Append-only, hash-chained audit log records (Directive 2016/680, article 25).

Each record commits to its own fields and to the hash of the record before it, so
any edit, deletion, insertion or reordering breaks the chain at a findable place;
a signed ``AuditHead`` additionally pins the end of the log against truncation.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from types import MappingProxyType
from typing import Final

from gateway.domain.audit_anchor import AuditAnchor
from gateway.domain.times import parse_time_text

DetailValue = str | int | bool | None

GENESIS_HASH: Final[str] = "0" * 64

ACTOR_KINDS: Final[frozenset[str]] = frozenset({"user", "partner", "system"})

# Versioned tag so that a digest of an audit record can never be confused with a
# SHA-256 computed over the same bytes for another purpose, and so a future
# encoding change (v2) cannot collide with records hashed under this one.
_DOMAIN_TAG: Final[bytes] = b"argos-audit-v1\n"

# One fixed textual form: timestamps are hashed as strings, so two spellings of
# the same instant would give different, equally "valid" chains.
_AT_FORMAT: Final[re.Pattern[str]] = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")


@dataclass(frozen=True)
class AuditRecord:
    """One logged processing operation, linked to its predecessor by ``prev_hash``."""

    seq: int
    at: str
    actor_kind: str
    actor: str
    action: str
    object_type: str
    object_id: str
    justification: str
    recipient: str
    # Excluded from __hash__ only because mappings are unhashable; it still
    # takes part in equality.
    details: Mapping[str, DetailValue] = field(hash=False)
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class AuditHead:
    """Seq and hash of the last record; signed elsewhere to pin the log's end."""

    seq: int
    hash: str


@dataclass(frozen=True)
class ChainBreak:
    """The first integrity problem found by :func:`verify_chain`.

    ``seq`` is the stored seq of the offending record, or None when the problem
    is at the end of the log (or, with ``at_anchor``, the anchor before its start);
    ``position`` is the 0-based index in iteration order (for end-of-log problems:
    the number of records walked).
    """

    seq: int | None
    position: int
    reason: str
    # The signed anchor standing in for the erased prefix is itself the problem.
    at_anchor: bool = False

    @property
    def where(self) -> str:
        """Where the problem is, in words: a record, the anchor, or the end of the log."""
        if self.seq:
            return f"record {self.seq}"
        return "the signed anchor" if self.at_anchor else "end of log"


def _details_problem(details: object) -> str | None:
    """Describe why ``details`` cannot be hashed, or return None if it can."""
    # Restricting values to JSON scalars keeps the encoding unambiguous (no
    # float rounding, no nested structures) and stops callers from smuggling
    # free-form personal data into the log as nested objects.
    if not isinstance(details, Mapping):
        return f"details must be a mapping, got {type(details).__name__}"
    for key, value in details.items():
        if not isinstance(key, str):
            return f"details key {key!r} must be a str"
        if value is not None and not isinstance(value, (str, int, bool)):
            return f"details[{key!r}] must be str, int, bool or None, got {type(value).__name__}"
    return None


def _canonical_details(details: Mapping[str, DetailValue]) -> dict[str, DetailValue]:
    # ValueError (not TypeError) throughout: callers and verify_chain treat any
    # unacceptable details as bad data, whatever its shape.
    problem = _details_problem(details)
    if problem is not None:
        raise ValueError(problem)
    return dict(details)


def record_digest(
    seq: int,
    at: str,
    actor_kind: str,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    justification: str,
    recipient: str,
    details: Mapping[str, DetailValue],
    prev_hash: str,
) -> str:
    """Return the SHA-256 hex digest of a record's fields in canonical form.

    Raises ValueError if ``details`` is not a str-keyed mapping of scalars.
    """
    # A JSON array (not concatenation) keeps field boundaries unambiguous:
    # ("ab", "c") and ("a", "bc") encode differently.
    payload = json.dumps(
        [
            seq,
            at,
            actor_kind,
            actor,
            action,
            object_type,
            object_id,
            justification,
            recipient,
            _canonical_details(details),
            prev_hash,
        ],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode("utf-8")
    return hashlib.sha256(_DOMAIN_TAG + payload).hexdigest()


def _check_at(at: str) -> None:
    if not isinstance(at, str) or not _AT_FORMAT.fullmatch(at):
        raise ValueError(
            f"at must be UTC ISO-8601 with milliseconds and 'Z' "
            f"(e.g. 2026-11-22T13:40:01.123Z), got {at!r}"
        )
    try:
        # The regex accepts impossible dates such as month 13; the stored time form
        # (gateway.domain.times) is exactly this one, and its parser knows the calendar.
        parse_time_text(at)
    except ValueError:
        raise ValueError(f"at is not a real calendar date/time: {at!r}") from None


def next_record(
    previous: AuditRecord | None,
    *,
    at: str,
    actor_kind: str,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    justification: str = "",
    recipient: str = "",
    details: Mapping[str, DetailValue] | None = None,
) -> AuditRecord:
    """Build the record that follows ``previous`` (or the first record if None).

    Raises ValueError for an unknown actor kind, an empty actor or action, a
    malformed timestamp or non-scalar details.
    """
    if actor_kind not in ACTOR_KINDS:
        raise ValueError(f"actor_kind must be one of {sorted(ACTOR_KINDS)}, got {actor_kind!r}")
    if not actor:
        raise ValueError("actor must be a non-empty user name or partner node id")
    if not action:
        raise ValueError("action must be non-empty (e.g. 'agreement.propose')")
    _check_at(at)
    # Copy then freeze so that a caller mutating its dict afterwards cannot
    # change a record whose hash has already been computed.
    frozen_details = MappingProxyType(_canonical_details(details or {}))
    unsealed = AuditRecord(
        seq=1 if previous is None else previous.seq + 1,
        at=at,
        actor_kind=actor_kind,
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        justification=justification,
        recipient=recipient,
        details=frozen_details,
        prev_hash=GENESIS_HASH if previous is None else previous.hash,
        hash="",
    )
    return replace(unsealed, hash=_digest_of(unsealed))


def _digest_of(record: AuditRecord) -> str:
    """The digest of a record's fields, its stored hash left out. By name, so the
    order the fields are hashed in is record_digest's alone."""
    hashed = {f.name: getattr(record, f.name) for f in fields(record) if f.name != "hash"}
    return record_digest(**hashed)


def verify_chain(
    records: Iterable[AuditRecord],
    head: AuditHead | None = None,
    anchor: AuditAnchor | None = None,
) -> ChainBreak | None:
    """Return the first integrity problem in ``records``, or None if intact.

    Records are checked in the order given (the store's physical order, so
    reordering shows), one at a time: seq, then link, then own hash. With an
    ``anchor`` (the signed stand-in for an erased prefix, checked by the caller),
    the first record must follow it exactly as it would follow genesis. With a
    ``head``, the log must also end exactly at the signed seq and hash.
    """
    # Only the previous hash and the last seq are kept: the log can be far
    # larger than memory and is streamed straight from the store.
    start_seq = 0 if anchor is None else anchor.seq
    prev_hash = GENESIS_HASH if anchor is None else anchor.hash
    last_seq = start_seq
    count = 0
    for position, record in enumerate(records):
        expected = start_seq + position + 1
        # Seq first: a deletion or swap also breaks the link, but "expected 5,
        # found 6" tells the investigator what happened far better.
        if record.seq != expected:
            if (
                position == 0
                and anchor is None
                and isinstance(record.seq, int)
                and expected < record.seq
            ):
                hint = "records erased without a signed anchor, or deleted?"
            elif isinstance(record.seq, int) and record.seq > expected:
                hint = "record deleted or reordered?"
            else:
                hint = "record duplicated, inserted or reordered?"
            return ChainBreak(
                record.seq,
                position,
                f"record {expected}: expected seq {expected}, found {record.seq} ({hint})",
            )
        if record.prev_hash != prev_hash:
            if position == 0:
                link_to = (
                    "genesis" if anchor is None else f"the signed anchor (record {anchor.seq})"
                )
            else:
                link_to = f"record {expected - 1}"
            return ChainBreak(
                record.seq,
                position,
                f"record {expected}: prev_hash does not link to {link_to} "
                f"(inserted, reordered or predecessor rewritten?)",
            )
        try:
            digest = _digest_of(record)
        except (TypeError, ValueError) as exc:
            # Tampered details (e.g. a float or nested object) make the record
            # unhashable; that is a finding to report, not a crash.
            return ChainBreak(
                record.seq,
                position,
                f"record {expected}: contents cannot be encoded ({exc}) (edited?)",
            )
        if record.hash != digest:
            return ChainBreak(
                record.seq,
                position,
                f"record {expected}: hash does not match its contents (edited?)",
            )
        prev_hash = record.hash
        last_seq = record.seq
        count = position + 1

    if head is None:
        return None
    if count == 0:
        if head.seq == start_seq and head.hash == prev_hash:
            return None
        return ChainBreak(
            None,
            0,
            f"log is empty but the signed head says {head.seq} (records removed?)",
        )
    if last_seq < head.seq:
        return ChainBreak(
            None,
            count,
            f"log ends at record {last_seq} but the signed head says {head.seq} "
            f"(records removed from the end?)",
        )
    if last_seq > head.seq:
        return ChainBreak(
            None,
            count,
            f"log ends at record {last_seq} but the signed head says {head.seq} "
            f"(records appended without a new signed head?)",
        )
    if prev_hash != head.hash:
        # Every link checked out, so the whole tail was re-hashed consistently:
        # only the signed head can tell, and it cannot say which record changed.
        return ChainBreak(
            None,
            count,
            f"record {last_seq}: hash differs from the signed head (log rewritten and re-hashed?)",
        )
    return None
