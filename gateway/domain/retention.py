"""Every kind of record a node keeps, and how long it may keep it: the one table of
retention rules. Each rule says what starts its clock, for how long, which setting
configures it, the law it implements, and who erases the record when its time is up.

Rules (each enforced where `enforced_by` says; the node's ones by RetentionService):
1. A record is erased when its erase time has come (erase_at <= now), never before.
2. Own entries withdrawn or expired are kept `own_entry_retention_days` after the
   withdrawal or the expiry (for the case file), then erased.
3. A received entry is kept the agreement's `entry_retention_days` from its receipt,
   and never past the owner's expiry, whichever ends first.
4. Hits (own cameras' and those partners notified) are kept the agreement's
   `hit_retention_days` (own entries: `own_hit_retention_days`) from the sighting,
   capped by the stricter national limit of the two parties (rule 7).
5. A closed confirmation (and its messages in the outbox) is kept
   `confirmation_retention_days` after it closed, and never longer than its
   agreement's hit retention: a retrospective request carries a plate.
6. Messages in the outbox that the partner has (or refused for good) are kept
   `outbox_retention_days` after that; a hit's notification goes with its hit.
7. Cross-border, the stricter partner's limit applies to what it sent: an agreement's
   hit retention is capped by the shortest national limit on ANPR data of the two
   parties' countries (NATIONAL_READ_LIMIT_DAYS, by the country prefix of the node id).
   Both sides apply the same cap, so what one side sent is kept no longer than the
   stricter of the two laws allows on either side.
8. ISC candidates (they carry a plate) are kept `isc_candidate_retention_days` from
   their decision, or from their receipt while undecided; publications
   `isc_publication_retention_days` from their creation; rejections and seen
   records `isc_record_retention_days`.
9. The audit log is kept `audit_retention_days` (three years, LED art. 25), then its
   oldest records are erased behind a signed anchor by the audit log itself.
10. Adapter spools and quarantines are erased by each adapter on its own schedule
   (adapters/retention.py); backups are the administrator's to rotate, and
   `argos retention report` warns when the newest is older than `backup_warning_days`.
11. The node's receipt of an adapter's batch of reads (issue 17: a batch sent again is
   answered from it, not recorded twice) is kept `read_batch_retention_days` from the
   answer, and at most the newest `read_batch_receipts` per adapter user. It holds no
   read content: counts, refusal reasons and the batch's hit ids.
12. The alert log: a hit's alert is erased with its hit (rule 4); confirmation and feed
   notices are kept `alert_notice_retention_days` from when they were raised (long
   enough for a watcher that was away to be replayed them; they carry ids, no plate).
13. Console sessions (issue 18: who was signed in to the console, from which address,
   when, and why the session ended) are kept `console_session_retention_days` after
   they ended; an open session has no clock yet. The audit log keeps the log-ins and
   endings themselves for its own term (rule 9).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta


class RecordKind(enum.StrEnum):
    OWN_ENTRY = "own_entry"
    RECEIVED_ENTRY = "received_entry"
    HIT = "hit"
    RECEIVED_HIT = "received_hit"
    CONFIRMATION = "confirmation"
    OUTBOX_MESSAGE = "outbox_message"
    ISC_CANDIDATE = "isc_candidate"
    ISC_PUBLICATION = "isc_publication"
    ISC_REJECTION = "isc_rejection"
    ISC_SEEN = "isc_seen"
    AUDIT = "audit"
    ADAPTER_SPOOL = "adapter_spool"
    ADAPTER_QUARANTINE = "adapter_quarantine"
    BACKUP = "backup"
    READ_BATCH = "read_batch"
    ALERT_NOTICE = "alert_notice"
    CONSOLE_SESSION = "console_session"


class EnforcedBy(enum.StrEnum):
    NODE = "the node's purge loop"
    AUDIT_LOG = "the audit log's anchor truncation"
    ADAPTER = "each adapter"
    ADMINISTRATOR = "the administrator (warned by argos retention report)"


# The national limits on ANPR data (reads and what is derived from them: hits), in days.
# Belgium: 12 months (Police Act, art. 44/11/3decies); the Netherlands: 28 days
# (art. 126jj Sv). A node id starts with its country: "be-gent", "nl-rotterdam".
NATIONAL_READ_LIMIT_DAYS: dict[str, int] = {"be": 365, "nl": 28}


@dataclass(frozen=True)
class RetentionSettings:
    """The node's retention settings (node.toml keys of the same names)."""

    own_entry_retention_days: int = 90
    own_hit_retention_days: int = 28
    confirmation_retention_days: int = 28
    outbox_retention_days: int = 7
    isc_candidate_retention_days: int = 90
    isc_publication_retention_days: int = 365
    isc_record_retention_days: int = 90
    audit_retention_days: int = 1095
    backup_warning_days: int = 7
    read_batch_retention_days: int = 1
    read_batch_receipts: int = 100_000  # per adapter user (a count, not days)
    alert_notice_retention_days: int = 7
    console_session_retention_days: int = 30


@dataclass(frozen=True)
class RetentionRule:
    kind: RecordKind
    clock: str  # what starts the clock
    limit: str  # how long, as a person reads it
    setting: str  # the setting(s) that configure it
    legal_basis: str
    enforced_by: EnforcedBy
    days: int | None = None  # the fixed limit, where one setting gives it


LED_ART_5 = "LED 2016/680 art. 5 (time limits and review)"
READS = "Belgian Police Act art. 44/11/3decies (12 months), Dutch art. 126jj Sv (28 days)"


def rules(s: RetentionSettings) -> tuple[RetentionRule, ...]:
    """The table, in the order the report shows it."""
    node = EnforcedBy.NODE
    return (
        RetentionRule(
            RecordKind.OWN_ENTRY,
            "withdrawal or expiry of the entry",
            f"{s.own_entry_retention_days} days",
            "own_entry_retention_days",
            f"{LED_ART_5}; kept for the case file, then erased",
            node,
            s.own_entry_retention_days,
        ),
        RetentionRule(
            RecordKind.RECEIVED_ENTRY,
            "receipt of the entry (each version)",
            "agreement entry_retention_days, never past the owner's expiry",
            "agreement: entry_retention_days",
            f"{LED_ART_5}; the sharing agreement; the stricter party's limit applies",
            node,
        ),
        RetentionRule(
            RecordKind.HIT,
            "the sighting",
            f"agreement hit_retention_days (own entries: {s.own_hit_retention_days} days), "
            "capped by the stricter national limit of the pair",
            "own_hit_retention_days; agreement: hit_retention_days",
            f"{LED_ART_5}; {READS}",
            node,
        ),
        RetentionRule(
            RecordKind.RECEIVED_HIT,
            "the sighting",
            "agreement hit_retention_days, capped by the stricter national limit",
            "agreement: hit_retention_days",
            f"{LED_ART_5}; {READS}",
            node,
        ),
        RetentionRule(
            RecordKind.CONFIRMATION,
            "the confirmation closing (answered, refused, withdrawn, expired)",
            f"{s.confirmation_retention_days} days, at most the agreement's hit retention",
            "confirmation_retention_days",
            f"{LED_ART_5}; a retrospective request carries a plate: {READS}",
            node,
            s.confirmation_retention_days,
        ),
        RetentionRule(
            RecordKind.OUTBOX_MESSAGE,
            "delivery (or final refusal) of the message",
            f"{s.outbox_retention_days} days (a hit's notification goes with its hit)",
            "outbox_retention_days",
            f"{LED_ART_5}; LED art. 25 keeps the record of the transfer, not the message",
            node,
            s.outbox_retention_days,
        ),
        RetentionRule(
            RecordKind.READ_BATCH,
            "the node's answer to the batch",
            f"{s.read_batch_retention_days} days, at most the newest "
            f"{s.read_batch_receipts} per adapter user",
            "read_batch_retention_days; read_batch_receipts",
            f"{LED_ART_5}; no read content (counts, refusal reasons, hit ids): "
            "kept only to answer a resent batch once",
            node,
            s.read_batch_retention_days,
        ),
        RetentionRule(
            RecordKind.ALERT_NOTICE,
            "the notice being raised (a hit's alert goes with its hit)",
            f"{s.alert_notice_retention_days} days",
            "alert_notice_retention_days",
            f"{LED_ART_5}; kept for watchers resuming from their cursor; ids, no plate",
            node,
            s.alert_notice_retention_days,
        ),
        RetentionRule(
            RecordKind.CONSOLE_SESSION,
            "the end of the session (log-out, timeout, ended by an administrator)",
            f"{s.console_session_retention_days} days",
            "console_session_retention_days",
            f"{LED_ART_5}; GDPR art. 5(1)(e) for the staff member's data: kept for an "
            "auditor to see who was signed in, the audit log keeps the events (LED art. 25)",
            node,
            s.console_session_retention_days,
        ),
        RetentionRule(
            RecordKind.ISC_CANDIDATE,
            "the decision (promoted, dismissed), or receipt while undecided",
            f"{s.isc_candidate_retention_days} days",
            "isc_candidate_retention_days",
            f"{LED_ART_5}; a candidate carries a plate",
            node,
            s.isc_candidate_retention_days,
        ),
        RetentionRule(
            RecordKind.ISC_PUBLICATION,
            "creation of the publication",
            f"{s.isc_publication_retention_days} days",
            "isc_publication_retention_days",
            f"{LED_ART_5}; aggregated, minimised signals",
            node,
            s.isc_publication_retention_days,
        ),
        RetentionRule(
            RecordKind.ISC_REJECTION,
            "the rejection",
            f"{s.isc_record_retention_days} days",
            "isc_record_retention_days",
            LED_ART_5,
            node,
            s.isc_record_retention_days,
        ),
        RetentionRule(
            RecordKind.ISC_SEEN,
            "first sight of the ISC object version",
            f"{s.isc_record_retention_days} days",
            "isc_record_retention_days",
            LED_ART_5,
            node,
            s.isc_record_retention_days,
        ),
        RetentionRule(
            RecordKind.AUDIT,
            "the record's time",
            f"{s.audit_retention_days} days, then erased behind a signed anchor",
            "audit_retention_days",
            "LED 2016/680 art. 25 (logs kept for lawfulness checks; 3 years)",
            EnforcedBy.AUDIT_LOG,
            s.audit_retention_days,
        ),
        RetentionRule(
            RecordKind.ADAPTER_SPOOL,
            "the node's answer on the read",
            "no-hit: keep_no_hit_s (300 s); a hit's image until the hit is erased",
            "adapter [retention] keep_no_hit_s",
            f"hit/no-hit principle; {READS}",
            EnforcedBy.ADAPTER,
        ),
        RetentionRule(
            RecordKind.ADAPTER_QUARANTINE,
            "quarantine of the payload",
            "keep_quarantined_s (3600 s)",
            "adapter [retention] keep_quarantined_s",
            f"hit/no-hit principle; {LED_ART_5}",
            EnforcedBy.ADAPTER,
        ),
        RetentionRule(
            RecordKind.BACKUP,
            "the newest backup recorded in the audit log",
            f"warning when older than {s.backup_warning_days} days; "
            "the administrator rotates backups",
            "backup_warning_days",
            f"{LED_ART_5}; a backup holds everything above",
            EnforcedBy.ADMINISTRATOR,
            s.backup_warning_days,
        ),
    )


def rule_for(s: RetentionSettings, kind: RecordKind) -> RetentionRule:
    return next(r for r in rules(s) if r.kind is kind)


def erase_at(start: datetime, days: int) -> datetime:
    """When a record whose clock started at `start` must be gone (rule 1)."""
    return start + timedelta(days=days)


def is_due(erase_time: datetime, now: datetime) -> bool:
    """Rule 1: erased at its erase time, not a moment before."""
    return erase_time <= now


def national_limit_days(node_id: str) -> int | None:
    """The national limit on ANPR data in the node's country, if this table knows it."""
    country, _, _ = node_id.partition("-")
    return NATIONAL_READ_LIMIT_DAYS.get(country.lower())


def capped_hit_retention_days(agreement_days: int, *parties: str) -> int:
    """Rule 7: the agreement's hit retention, never longer than the stricter national
    limit of the parties (what one side sent is kept by the stricter law)."""
    limits = [d for d in (national_limit_days(p) for p in parties) if d is not None]
    return min([agreement_days, *limits])


def received_entry_erase_at(
    received_at: datetime, owner_expires_at: datetime, entry_retention_days: int
) -> datetime:
    """Rule 3: from receipt for the agreement's days, never past the owner's expiry."""
    return min(erase_at(received_at, entry_retention_days), owner_expires_at)


def confirmation_erase_at(
    closed_at: datetime, confirmation_days: int, hit_retention_days: int | None
) -> datetime:
    """Rule 5: the setting after closing, at most the agreement's hit retention."""
    days = confirmation_days
    if hit_retention_days is not None:
        days = min(days, hit_retention_days)
    return erase_at(closed_at, days)
