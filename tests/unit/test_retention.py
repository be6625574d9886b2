"""Retention at the use cases: one test per kind of record the node holds, on Gent's
real application (real node folder, real SQLite file) under a clock the test moves.
Each record is stored as the services store it, then the purge loop's round
(`RetentionService.purge`) runs a millisecond before its erase time (nothing goes) and
at it (it goes), and the erasure is in the audit log with the rule that erased it and
no content. Then the report: every rule, what is held, and what is past its limit."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import timedelta

import pytest

from gateway.bootstrap import Application, build_application
from gateway.domain.agreement import Agreement, AgreementTerms, AgreementVersion, Purpose
from gateway.domain.confirmations import RequestKind, State
from gateway.domain.envelope import AGREEMENT_PAYLOAD, sign
from gateway.domain.errors import AccessDenied
from gateway.domain.hits import ReceivedHit
from gateway.domain.isc import Screened, Tlp, Verdict
from gateway.domain.retention import (
    EnforcedBy,
    RecordKind,
    capped_hit_retention_days,
    received_entry_erase_at,
)
from gateway.domain.roles import Role, User
from gateway.domain.sessions import ConsoleSession
from gateway.domain.times import parse_time_text, time_text
from gateway.services.alerts import ConfirmationNotice, FeedNotice
from gateway.services.context import Caller
from gateway.services.ports import BatchReceipt, HeldConfirmation, Publication
from gateway.wire.codec import terms_payload
from tests.contract.samples import (
    NODE_KEY,
    PARTNER,
    PARTNER_KEY,
    START,
    Tombstone,
    Upsert,
    entry_id,
    hit_id,
    live_digest,
    observed_hit,
    own_entry,
    received_batch,
)
from tests.unit.app_support import NoPartners, gent_config

MS = timedelta(milliseconds=1)
DAY = timedelta(days=1)
AGR = "agr-1"
DPO = Caller("user", "dpo", Role.AUDITOR)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self):
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(tmp_path, certs, clock) -> Iterator[Application]:
    application = build_application(
        gent_config(tmp_path, certs), federation=NoPartners(), clock=clock
    )
    yield application
    application.close()


def erasures(app: Application, kind: RecordKind) -> list:
    with app.store.read() as uow:
        return [
            r
            for r in uow.audit.records(0)
            if r.action == "retention.erased" and r.details["kind"] == kind.value
        ]


def purge_at(app: Application, clock: Clock, moment) -> None:
    clock.now = moment
    app.retention.purge()


def agreement(**changes) -> Agreement:
    terms = AgreementTerms(
        agreement_id=AGR,
        version=1,
        proposer="be-gent",
        partner=PARTNER,
        valid_from=START,
        valid_until=START + timedelta(days=365),
        categories=("stolen_vehicle",),
        purposes=(Purpose.CRIMINAL_INVESTIGATION,),
        **changes,
    )
    envelope = sign(AGREEMENT_PAYLOAD, terms_payload(terms), NODE_KEY).with_signature(PARTNER_KEY)
    return Agreement(AGR, "be-gent", PARTNER, (AgreementVersion(terms, envelope, True),))


def save_agreement(app: Application, **changes) -> None:
    with app.store.write() as uow:
        uow.agreements.save(agreement(**changes))
        uow.commit()


def messages(uow) -> dict[str, int]:
    """Outbox messages per state, states with none left out."""
    return {state: n for state, n in uow.outbox.depth().items() if n}


# -- own entries -----------------------------------------------------------------------


def test_a_withdrawn_own_entry_is_erased_exactly_its_retention_after_the_withdrawal(app, clock):
    days = app.config.own_entry_retention_days
    withdrawn_at = START + 2 * DAY
    clock.now = withdrawn_at
    with app.store.write() as uow:
        uow.own_entries.save([own_entry(1, withdrawn=True, version=2)], "ivan")
        uow.own_entries.save([own_entry(2)], "ivan")  # live: kept
        uow.commit()
    purge_at(app, clock, withdrawn_at + timedelta(days=days) - MS)
    with app.store.read() as uow:
        assert uow.own_entries.get(entry_id(1)) is not None
    assert erasures(app, RecordKind.OWN_ENTRY) == []
    purge_at(app, clock, withdrawn_at + timedelta(days=days))
    with app.store.read() as uow:
        assert uow.own_entries.get(entry_id(1)) is None
        assert uow.own_entries.get(entry_id(2)) is not None
    [record] = erasures(app, RecordKind.OWN_ENTRY)
    assert record.details["ids"] == entry_id(1)
    assert record.details["count"] == 1
    assert record.details["rule"] == "own_entry_retention_days"
    assert "1ABC123" not in repr(record) and "PV-2026" not in repr(record)


def test_an_expired_own_entry_is_erased_its_retention_after_the_expiry(app, clock):
    days = app.config.own_entry_retention_days
    expires = START + 30 * DAY  # own_entry's expiry
    with app.store.write() as uow:
        uow.own_entries.save([own_entry(1)], "ivan")
        uow.commit()
    purge_at(app, clock, expires + timedelta(days=days) - MS)
    with app.store.read() as uow:
        assert uow.own_entries.get(entry_id(1)) is not None
    purge_at(app, clock, expires + timedelta(days=days))
    with app.store.read() as uow:
        assert uow.own_entries.get(entry_id(1)) is None
    assert len(erasures(app, RecordKind.OWN_ENTRY)) == 1


# -- received entries ------------------------------------------------------------------


def receive(app: Application, *changes) -> None:
    with app.store.write() as uow:
        state = uow.received.state(AGR, PARTNER)
        batch, envelope = received_batch(AGR, state.cursor, changes)
        uow.received.apply_batch(state, batch, envelope)
        uow.commit()


def held_ids(app: Application) -> list[str]:
    with app.store.read() as uow:
        return sorted(row[0] for row in uow.received.index_rows(AGR))


def test_a_received_entry_is_erased_its_agreements_retention_after_receipt(app, clock):
    save_agreement(app, entry_retention_days=10)
    far = int((START + 300 * DAY).timestamp())
    receive(app, Upsert(entry_id(1), b"leaf 1", expires_at_s=far))
    clock.now = START + DAY
    receive(app, Upsert(entry_id(2), b"leaf 2", expires_at_s=far))
    purge_at(app, clock, START + 10 * DAY - MS)
    assert held_ids(app) == [entry_id(1), entry_id(2)]
    purge_at(app, clock, START + 10 * DAY)
    assert held_ids(app) == [entry_id(2)]
    [record] = erasures(app, RecordKind.RECEIVED_ENTRY)
    assert (record.details["ids"], record.details["agreement_id"]) == (entry_id(1), AGR)
    assert record.details["days"] == 10


def test_a_received_entry_goes_at_the_owners_expiry_when_that_comes_first(app, clock):
    save_agreement(app, entry_retention_days=30)
    expires = START + 5 * DAY
    receive(app, Upsert(entry_id(1), b"leaf 1", expires_at_s=int(expires.timestamp())))
    assert received_entry_erase_at(START, expires, 30) == expires
    purge_at(app, clock, expires - MS)
    assert held_ids(app) == [entry_id(1)]
    purge_at(app, clock, expires)
    assert held_ids(app) == []
    assert len(erasures(app, RecordKind.RECEIVED_ENTRY)) == 1


def test_the_set_digest_still_adds_up_after_an_erasure_and_later_changes_apply(app, clock):
    """The provider still holds the entry: its signed head counts it. The erased
    entry's leaf hash is kept, so the held set's digest matches the provider's, and a
    later tombstone or new version from the provider applies as to an entry held."""
    save_agreement(app, entry_retention_days=10)
    far = int((START + 300 * DAY).timestamp())
    receive(app, Upsert(entry_id(1), b"leaf 1", expires_at_s=far))
    receive(app, Upsert(entry_id(2), b"leaf 2", expires_at_s=far))
    with app.store.read() as uow:
        before = uow.received.state(AGR, PARTNER)
    purge_at(app, clock, START + 10 * DAY)
    assert held_ids(app) == []
    with app.store.read() as uow:
        after = uow.received.state(AGR, PARTNER)
    assert (after.live_count, after.set_digest) == (before.live_count, before.set_digest)
    # The provider renews entry 1 (a new version: received anew) and withdraws entry 2.
    receive(app, Upsert(entry_id(1), b"leaf 1 v2", expires_at_s=far), Tombstone(entry_id(2)))
    with app.store.read() as uow:
        state = uow.received.state(AGR, PARTNER)
    assert (state.live_count, state.set_digest) == (1, live_digest([b"leaf 1 v2"]))
    assert held_ids(app) == [entry_id(1)]


# -- hits ------------------------------------------------------------------------------


def test_an_observed_hit_is_erased_at_its_expiry_and_each_erasure_audited(app, clock):
    with app.store.write() as uow:
        uow.hits.save_observed(observed_hit(1))  # expires START + 28 days
        uow.commit()
    purge_at(app, clock, START + 28 * DAY - MS)
    with app.store.read() as uow:
        assert uow.hits.observed(hit_id(1)) is not None
    purge_at(app, clock, START + 28 * DAY)
    with app.store.read() as uow:
        assert uow.hits.observed(hit_id(1)) is None
        [record] = [r for r in uow.audit.records(0) if r.action == "hit.erased"]
    assert record.object_id == hit_id(1)


def test_a_received_hit_is_erased_at_its_expiry(app, clock):
    hit = ReceivedHit(
        hit_id=hit_id(2),
        agreement_id=AGR,
        agreement_version=1,
        observer=PARTNER,
        entry_id=entry_id(2),
        entry_version=1,
        observed_at=START,
        camera=None,
        site="site-1",
        zone=None,
        match="exact",
        country_inferred=False,
        envelope=b"signed notification",
        received_at=START,
        expires_at=START + 14 * DAY,
    )
    with app.store.write() as uow:
        uow.hits.save_received(hit)
        uow.commit()
    purge_at(app, clock, START + 14 * DAY - MS)
    with app.store.read() as uow:
        assert uow.hits.received(hit_id(2)) is not None
    purge_at(app, clock, START + 14 * DAY)
    with app.store.read() as uow:
        assert uow.hits.received(hit_id(2)) is None
        assert [r.object_id for r in uow.audit.records(0) if r.action == "hit.erased"] == [
            hit_id(2)
        ]


def test_hit_retention_between_belgium_and_the_netherlands_is_the_dutch_limit():
    assert capped_hit_retention_days(90, "be-gent", "nl-terneuzen") == 28
    assert capped_hit_retention_days(90, "be-gent", "be-antwerpen") == 90
    assert capped_hit_retention_days(400, "be-gent", "be-antwerpen") == 365
    assert capped_hit_retention_days(14, "nl-rotterdam", "be-gent") == 14


# -- confirmations and the outbox ------------------------------------------------------


def confirmation(n: int, closed_at) -> HeldConfirmation:
    return HeldConfirmation(
        request_id=f"req-{n}",
        outgoing=True,
        kind=RequestKind.ALERT_CONFIRMATION.value,
        agreement_id=AGR,
        partner=PARTNER,
        state=State.ANSWERED.value,
        created_at=START,
        deadline=START + timedelta(hours=12),
        hit_id=hit_id(n),
        request_envelope=b"signed request",
        event_envelope=b"signed answer",
        closed_by="ivan",
        closed_at=closed_at,
        escalated=False,
    )


def test_a_closed_confirmation_and_its_messages_go_at_most_the_hit_retention_after_closing(
    app, clock
):
    save_agreement(app, hit_retention_days=14)  # below confirmation_retention_days (28)
    closed = START + timedelta(hours=3)
    with app.store.write() as uow:
        uow.confirmations.insert(confirmation(1, closed))
        uow.confirmations.insert(dataclasses.replace(confirmation(2, None), state="open"))
        uow.outbox.enqueue("confirmation", PARTNER, "req:req-1", b"request")
        uow.outbox.enqueue("confirmation", PARTNER, "evt:req-1", b"answer")
        uow.commit()
    purge_at(app, clock, closed + 14 * DAY - MS)
    with app.store.read() as uow:
        assert uow.confirmations.get("req-1") is not None
    purge_at(app, clock, closed + 14 * DAY)
    with app.store.read() as uow:
        assert uow.confirmations.get("req-1") is None
        assert uow.confirmations.get("req-2") is not None  # open: no clock yet
        assert messages(uow) == {}
    [record] = erasures(app, RecordKind.CONFIRMATION)
    assert (record.details["ids"], record.details["messages_erased"]) == ("req-1", 2)


def test_a_delivered_message_is_erased_its_retention_after_delivery(app, clock):
    days = app.config.outbox_retention_days
    with app.store.write() as uow:
        uow.outbox.enqueue("partner_change", PARTNER, "change:1", b"signed change")
        uow.outbox.enqueue("hit_notification", PARTNER, hit_id(1), b"goes with its hit")
        uow.outbox.enqueue("signing_key", PARTNER, "key:1", b"pending: kept")
        for message in uow.outbox.due(START):
            if message.dedupe_key != "key:1":
                uow.outbox.delivered(message.id)
        uow.commit()
    purge_at(app, clock, START + timedelta(days=days) - MS)
    with app.store.read() as uow:
        assert messages(uow) == {"delivered": 2, "pending": 1}
    purge_at(app, clock, START + timedelta(days=days))
    with app.store.read() as uow:
        assert messages(uow) == {"delivered": 1, "pending": 1}
        assert uow.outbox.sent_for([hit_id(1)]) == {hit_id(1)}
    assert erasures(app, RecordKind.OUTBOX_MESSAGE)[0].details["count"] == 1


# -- the alert log's notices -----------------------------------------------------------


def test_a_confirmation_or_feed_notice_leaves_the_alert_log_its_retention_after_raising(app, clock):
    days = app.config.alert_notice_retention_days
    deadline = START + DAY
    confirmation = ConfirmationNotice(
        "req-1", "alert_confirmation", "incoming", PARTNER, deadline, "urgent"
    )
    feed = FeedNotice(AGR, PARTNER, "stale", None, None, False)
    first = app.alerts.raise_notice(confirmation)
    clock.now = START + MS
    second = app.alerts.raise_notice(feed)
    purge_at(app, clock, START + timedelta(days=days) - MS)
    with app.store.read() as uow:
        assert [a.position for a in uow.alert_log.after(0, 10)] == [first.position, second.position]
    purge_at(app, clock, START + timedelta(days=days))
    with app.store.read() as uow:
        assert [a.position for a in uow.alert_log.after(0, 10)] == [second.position]
        assert uow.alert_log.newest() == second.position  # a position is never given again
    [record] = erasures(app, RecordKind.ALERT_NOTICE)
    assert (record.details["ids"], record.details["count"]) == (str(first.position), 1)
    assert record.details["rule"] == "alert_notice_retention_days"
    assert "req-1" not in str(record.details)  # positions only


# -- the ISC ---------------------------------------------------------------------------


def indicator(n: int) -> Screened:
    return Screened(
        Verdict.VEHICLE_INDICATOR,
        f"indicator--{n}",
        time_text(START),
        plate="ZZ999",
        country="NL",
        title="Stolen van",
        description="White van",
        tlp=Tlp.AMBER,
    )


def test_isc_candidates_go_their_retention_after_the_decision_or_receipt(app, clock):
    days = app.config.isc_candidate_retention_days
    decided = START + 5 * DAY
    with app.store.write() as uow:
        uow.isc.add_candidate("cand-open", indicator(1), time_text(START))
        uow.isc.add_candidate("cand-decided", indicator(2), time_text(START))
        uow.isc.decide("cand-decided", "dismissed", "ivan", time_text(decided), "not ours")
        uow.commit()
    purge_at(app, clock, START + timedelta(days=days) - MS)
    with app.store.read() as uow:
        assert uow.isc.candidate("cand-open") is not None
    purge_at(app, clock, START + timedelta(days=days))
    with app.store.read() as uow:
        assert uow.isc.candidate("cand-open") is None
        assert uow.isc.candidate("cand-decided") is not None
    purge_at(app, clock, decided + timedelta(days=days))
    with app.store.read() as uow:
        assert uow.isc.candidate("cand-decided") is None
    assert [r.details["ids"] for r in erasures(app, RecordKind.ISC_CANDIDATE)] == [
        "cand-open",
        "cand-decided",
    ]


def test_isc_publications_rejections_and_seen_records_go_when_their_rules_say(app, clock):
    publication = Publication(
        publication_id="pub-1",
        kind="statistics",
        subject="2026-W09",
        tlp="green",
        bundle={"type": "bundle", "id": "bundle--1", "objects": []},
        digest="sha256:" + "ab" * 32,
        state="published",
        created_by="ivan",
        created_at=time_text(START),
        published_by="ivan",
        published_at=time_text(START),
    )
    with app.store.write() as uow:
        uow.isc.save_publication(publication)
        uow.isc.reject("indicator--9", "malformed", time_text(START))
        uow.isc.mark_seen(indicator(3), time_text(START))
        uow.commit()
    records = app.config.isc_record_retention_days
    purge_at(app, clock, START + timedelta(days=records) - MS)
    with app.store.read() as uow:
        assert uow.isc.rejections() != []
        assert uow.isc.seen([("indicator--3", time_text(START))]) != set()
    purge_at(app, clock, START + timedelta(days=records))
    with app.store.read() as uow:
        assert uow.isc.rejections() == []
        assert uow.isc.seen([("indicator--3", time_text(START))]) == set()
        assert uow.isc.publication("pub-1") is not None
    published = app.config.isc_publication_retention_days
    purge_at(app, clock, START + timedelta(days=published) - MS)
    with app.store.read() as uow:
        assert uow.isc.publication("pub-1") is not None
    purge_at(app, clock, START + timedelta(days=published))
    with app.store.read() as uow:
        assert uow.isc.publication("pub-1") is None
    for kind in (RecordKind.ISC_REJECTION, RecordKind.ISC_SEEN, RecordKind.ISC_PUBLICATION):
        assert len(erasures(app, kind)) == 1


# -- the audit log ---------------------------------------------------------------------


def test_each_round_erases_the_audit_log_past_its_retention_behind_an_anchor(app, clock):
    """The audit log's own rule runs in the same round as the others (the audit
    service's erasure behind a signed anchor: tests/integration/test_audit_retention.py
    tries its tamper cases)."""
    app.ctx.record(Caller("user", "admin", Role.ADMIN), "node.backup", "node", "be-gent")
    with app.store.read() as uow:
        first = uow.audit.records(limit=1)[0]
    clock.now = parse_time_text(first.at) + timedelta(days=1095) - timedelta(milliseconds=1)
    assert RecordKind.AUDIT not in app.retention.purge()
    with app.store.read() as uow:
        assert uow.audit.anchors() == []
    clock.now += timedelta(milliseconds=2)
    erased = app.retention.purge()
    assert erased[RecordKind.AUDIT] >= 1
    with app.store.read() as uow:
        anchor, _ = uow.audit.anchors()[-1]
        kept = uow.audit.records()
    assert anchor.seq >= first.seq
    assert kept and all(record.seq > anchor.seq for record in kept)
    checked, problem = app.administration.verify_audit(DPO)
    assert problem is None and checked == len(kept)


# -- the report ------------------------------------------------------------------------


def report(app: Application) -> dict[str, object]:
    return {row.rule.kind.value: row for row in app.retention.report(DPO)}


def test_the_report_has_a_rule_with_a_legal_basis_for_every_kind_of_record(app):
    rows = report(app)
    assert set(rows) == {k.value for k in RecordKind}
    for row in rows.values():
        assert row.rule.legal_basis and row.rule.clock and row.rule.limit and row.rule.setting
    assert rows["audit"].rule.enforced_by is EnforcedBy.AUDIT_LOG
    assert rows["audit"].rule.days == 1095
    assert rows["adapter_spool"].held is None
    assert rows["adapter_spool"].rule.enforced_by is EnforcedBy.ADAPTER
    assert rows["backup"].warning == "no backup recorded in the audit log"


def test_the_report_shows_a_record_past_its_limit_when_the_purge_has_not_run(app, clock):
    with app.store.write() as uow:
        uow.hits.save_observed(observed_hit(1))
        uow.own_entries.save([own_entry(1, withdrawn=True, version=2)], "ivan")
        uow.commit()
    rows = report(app)
    assert rows["hit"].held.count == 1 and rows["hit"].held.past_limit == 0
    assert rows["hit"].held.next_due == START + 28 * DAY
    clock.now = START + 28 * DAY
    rows = report(app)
    assert rows["hit"].held.past_limit == 1
    assert rows["own_entry"].held.past_limit == 0
    assert rows["own_entry"].held.next_due == START + 90 * DAY
    app.retention.purge()
    rows = report(app)
    assert (rows["hit"].held.count, rows["hit"].held.past_limit) == (0, 0)
    with app.store.read() as uow:
        reports = [r for r in uow.audit.records(0) if r.action == "retention.report"]
    assert [r.details["past_limit"] for r in reports] == [0, 1, 0]


def test_the_report_warns_when_the_newest_backup_is_older_than_the_setting(app, clock):
    app.ctx.record(Caller("user", "admin", Role.ADMIN), "node.backup", "node", "be-gent")
    assert report(app)["backup"].warning == ""
    clock.now = START + timedelta(days=app.config.backup_warning_days)
    assert report(app)["backup"].warning == "newest backup older than 7 days"


def test_status_warns_until_a_backup_is_recorded_and_again_once_it_is_too_old(app, clock):
    admin = Caller("user", "admin", Role.ADMIN)
    status = app.operations.status(admin)
    assert (status.newest_backup, status.backup_overdue) == (None, True)
    app.ctx.record(admin, "node.backup", "node", "be-gent")
    clock.now = START + timedelta(days=app.config.backup_warning_days) - MS
    status = app.operations.status(admin)
    assert (status.newest_backup, status.backup_overdue) == (START, False)
    clock.now += MS
    assert app.operations.status(admin).backup_overdue is True


def test_an_investigator_may_not_read_the_report_and_the_refusal_is_audited(app):
    with pytest.raises(AccessDenied, match=r"retention\.read needs admin or auditor"):
        app.retention.report(Caller("user", "ivan", Role.INVESTIGATOR))
    with app.store.read() as uow:
        [refused] = [r for r in uow.audit.records(0) if r.actor == "ivan"]
    assert (refused.action, refused.object_id) == ("access.denied", "retention.read")


# -- receipts of adapters' batches (issue 17) ---------------------------------------------


def batch_receipt(batch_id: str, adapter: str = "cam", at=START) -> BatchReceipt:
    return BatchReceipt(adapter, batch_id, 2, 2, 1, (), ((0, hit_id(1), at + 28 * DAY),), at)


def test_a_batch_receipt_is_erased_exactly_its_retention_after_the_answer(app, clock):
    days = app.config.read_batch_retention_days
    assert days == 1
    with app.store.write() as uow:
        uow.read_batches.add(batch_receipt("spool-1"))
        uow.read_batches.add(batch_receipt("spool-2", at=START + MS))
        uow.commit()
    purge_at(app, clock, START + timedelta(days=days) - MS)
    with app.store.read() as uow:
        assert uow.read_batches.get("cam", "spool-1") is not None
    assert erasures(app, RecordKind.READ_BATCH) == []
    purge_at(app, clock, START + timedelta(days=days))
    with app.store.read() as uow:
        assert uow.read_batches.get("cam", "spool-1") is None
        assert uow.read_batches.get("cam", "spool-2") is not None
    [record] = erasures(app, RecordKind.READ_BATCH)
    assert record.details["ids"] == "cam/spool-1"
    assert record.details["count"] == 1 and record.details["limit"] == "time"
    assert record.details["rule"] == "read_batch_retention_days; read_batch_receipts"


def test_beyond_read_batch_receipts_the_oldest_of_an_adapter_go_in_the_next_round(app, clock):
    app.retention.settings = dataclasses.replace(app.retention.settings, read_batch_receipts=2)
    with app.store.write() as uow:
        for n in range(3):
            uow.read_batches.add(batch_receipt(f"spool-{n}", at=START + n * MS))
        uow.read_batches.add(batch_receipt("spool-0", adapter="cam-b"))
        uow.commit()
    purge_at(app, clock, START + 3 * MS)
    with app.store.read() as uow:
        assert uow.read_batches.get("cam", "spool-0") is None
        assert uow.read_batches.get("cam", "spool-1") is not None
        assert uow.read_batches.get("cam-b", "spool-0") is not None
    [record] = erasures(app, RecordKind.READ_BATCH)
    assert record.details["ids"] == "cam/spool-0" and record.details["limit"] == "count"


def test_an_ended_console_session_is_erased_exactly_its_retention_after_its_end(app, clock):
    days = app.config.console_session_retention_days
    assert days == 30
    with app.store.write() as uow:
        uow.users.add(User("olga", Role.OPERATOR, START), "hash-olga")
        for n in range(3):
            uow.sessions.add(
                ConsoleSession(f"s-{n}", "olga", Role.OPERATOR, "192.0.2.1", START, START),
                f"sha-{n}",
            )
        uow.sessions.end("s-0", START, "logout")
        uow.sessions.end("s-1", START + MS, "idle")
        uow.commit()
    purge_at(app, clock, START + timedelta(days=days) - MS)
    with app.store.read() as uow:
        assert uow.sessions.get("s-0") is not None
    assert erasures(app, RecordKind.CONSOLE_SESSION) == []
    purge_at(app, clock, START + timedelta(days=days))
    with app.store.read() as uow:
        assert uow.sessions.get("s-0") is None
        assert uow.sessions.get("s-1") is not None
        assert uow.sessions.get("s-2") is not None  # open: no clock yet
    [record] = erasures(app, RecordKind.CONSOLE_SESSION)
    assert record.details["ids"] == "s-0" and record.details["count"] == 1
    assert record.details["rule"] == "console_session_retention_days"
    row = {r.rule.kind: r for r in app.retention.report(DPO)}[RecordKind.CONSOLE_SESSION]
    assert (row.held.count, row.held.past_limit) == (2, 0)
