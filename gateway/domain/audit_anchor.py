"""The audit log's own time limit (Directive 2016/680, art. 25: logs kept three years):
which records are due for erasure, and the signed anchor that stands in for them.

Rules enforced here:
1. The retention is at least MIN_RETENTION_DAYS (half a year: below that a supervisory
   authority could not look back over one reporting period); the default is three years.
2. Only a prefix is ever erased: records are due when they, and every record before
   them, are older than the retention. A record still inside its period is never erased,
   even when the node's clock once went backwards and a later record looks older.
3. The erased prefix is replaced by an anchor: the last erased record's seq, hash and
   time, signed by the node's current key, which it names. Verification then starts from
   the anchor as it would from genesis: the first kept record must be seq + 1 and link to
   the anchor's hash, so any edit, deletion, insertion or reordering after it still shows.
4. Every anchor is kept (they are a few bytes each and carry no personal data): together
   they are the node's signed account of when its log was cut and how far. Each must
   verify, each cuts further than the one before, and the newest is where the log starts.
5. What an anchor cannot prove: anything about the records it stands for. They are gone
   by design; the anchor only proves where the kept log begins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Final

from gateway.domain.errors import InvalidInput
from gateway.domain.times import time_text

DEFAULT_RETENTION_DAYS: Final[int] = 1095  # three years (LED art. 25, national practice)
MIN_RETENTION_DAYS: Final[int] = 180


def check_retention_days(days: int) -> int:
    """Rule 1: `days` if it is a sensible retention for the audit log, else InvalidInput."""
    if not isinstance(days, int) or isinstance(days, bool) or days < MIN_RETENTION_DAYS:
        raise InvalidInput(
            f"audit_retention_days must be at least {MIN_RETENTION_DAYS} (half a year; "
            f"the default is {DEFAULT_RETENTION_DAYS}, three years): got {days!r}"
        )
    return days


def erasure_cutoff(now: datetime, retention_days: int) -> str:
    """Rule 2: records whose time (stored form, which sorts as text) is before this are
    older than the retention."""
    return time_text(now - timedelta(days=retention_days))


@dataclass(frozen=True)
class AuditAnchor:
    """Stands in for the erased records 1..seq (rule 3)."""

    node_id: str
    seq: int  # the last erased record
    hash: str  # its hash: the first kept record's prev_hash
    at: str  # its time
    erased_at: str  # when the prefix was erased
    key_id: str  # the node key that signed the anchor


def anchor_message(anchor: AuditAnchor) -> bytes:
    """The bytes the node signs. Versioned and labelled so an anchor signature can never
    pass for a head, an envelope or another node's anchor."""
    return (
        f"argos-audit-anchor-v1\n{anchor.node_id}\n{anchor.seq}\n{anchor.hash}\n"
        f"{anchor.at}\n{anchor.erased_at}\n{anchor.key_id}"
    ).encode()


def anchors_problem(anchors: list[AuditAnchor]) -> str | None:
    """Rule 4 on the order of anchors (oldest first); their signatures are checked by
    whoever holds the node's keys. None when they are in order."""
    for before, after in pairwise(anchors):
        if after.seq <= before.seq or after.erased_at < before.erased_at:
            return (
                f"the audit anchor at record {after.seq} does not cut further than the one "
                f"before it (record {before.seq}): anchors altered or replayed?"
            )
    return None
