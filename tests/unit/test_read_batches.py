"""A batch of reads is answered once (issue 17), on Gent's real application (real node
folder, real SQLite file): the receipt is kept in the transaction that records the
batch's hits, a batch handed in again under its id gets the first answer without any
new hit, audit record or alert, the same id with another number of reads is refused,
two streams with one id record once, and without an id nothing is remembered."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest

from gateway.bootstrap import Application, build_application
from gateway.domain.errors import InvalidInput
from gateway.domain.roles import Role
from gateway.domain.times import epoch_ms
from gateway.services.context import Caller
from gateway.services.ingest import BatchAnswer
from gateway.services.matching import IncomingRead
from gateway.services.ports import BatchReceipt
from gateway.services.receipts import PendingReceipts
from gateway.store.sqlite.read_batches import SqliteReadBatches
from tests.contract.samples import START, own_entry
from tests.unit.app_support import NoPartners, gent_config

CAM = Caller("user", "cam", Role.ADAPTER)
PLATES = ("1ABC123", "9ZZZ999", "")  # a hit, a read that matches nothing, a refusal


class Clock:
    def __init__(self) -> None:
        self.now = START + timedelta(hours=1)

    def __call__(self):
        return self.now


@pytest.fixture
def app(tmp_path, certs) -> Iterator[Application]:
    application = build_application(
        gent_config(tmp_path, certs), federation=NoPartners(), clock=Clock()
    )
    with application.store.write() as uow:
        uow.own_entries.save([own_entry(1)], "ivan")
        uow.commit()
    yield application
    application.close()


def reads(n: int = 3, second: int = 0) -> list[IncomingRead]:
    at = epoch_ms(START + timedelta(minutes=30, seconds=second))
    return [
        IncomingRead(PLATES[i % 3], "BE", (), "cam-1", "gate", at + i, "in", f"img-{i}")
        for i in range(n)
    ]


def stored(app: Application) -> tuple[int, int, list[str]]:
    """(hits, audit records, actions of the audit records) held now."""
    with app.store.read() as uow:
        hits = uow.hits.list_observed(own_only=True, entry_id="", limit=1000)
        records = uow.audit.records(0)
    return len(hits), len(records), [r.action for r in records]


def summary(answer: BatchAnswer) -> tuple:
    o = answer.outcome
    return o.accepted, o.hits, list(o.rejected), answer.hits


def test_a_batch_handed_in_again_gets_its_first_answer_and_records_nothing(app):
    first = app.ingest.submit(CAM, reads(), "spool-a-1")
    assert not first.repeated
    assert first.outcome.accepted == 2 and first.outcome.hits == 1
    assert [h.index for h in first.hits] == [0]
    before = stored(app)
    assert before[0] == 1
    published: list = []
    app.alerts.publish = published.extend  # type: ignore[method-assign]
    again = app.ingest.submit(CAM, reads(), "spool-a-1")
    assert again.repeated
    assert summary(again) == summary(first)
    assert stored(app) == before  # no hit, no audit record, no outbox message
    assert published == []  # no alert to the control room
    with app.store.read() as uow:
        assert uow.outbox.depth().get("pending", 0) == 0
    (seen,) = app.matching.adapters()
    assert (seen.batches, seen.repeated, seen.hits) == (1, 1, 1)
    # Another adapter user's batch of the same id is its own batch.
    other = app.ingest.submit(Caller("user", "cam-2", Role.ADAPTER), reads(), "spool-a-1")
    assert not other.repeated and other.hits[0].hit_id != first.hits[0].hit_id


def test_the_same_id_with_another_number_of_reads_is_refused_and_audited(app):
    first = app.ingest.submit(CAM, reads(3), "spool-a-7")
    hits, _, _ = stored(app)
    with pytest.raises(InvalidInput) as refused:
        app.ingest.submit(CAM, reads(2, second=5), "spool-a-7")
    message = str(refused.value)
    assert "'spool-a-7'" in message and "3 reads" in message and "now with 2" in message
    assert "a batch id names one batch" in message
    assert stored(app)[0] == hits  # nothing recorded
    with app.store.read() as uow:
        held = uow.read_batches.get("cam", "spool-a-7")
        (record,) = [r for r in uow.audit.records(0) if r.action == "reads.batch_refused"]
    assert held is not None and (held.reads, held.hits) == (3, 1)  # the receipt as it was
    assert record.object_id == "spool-a-7" and record.details == {"reads": 2, "held_reads": 3}
    assert "1ABC123" not in repr(record)
    assert app.ingest.submit(CAM, reads(3), "spool-a-7").hits == first.hits


def test_two_streams_with_one_batch_id_record_it_once(app):
    # Both streams are past the receipt lookup before either records: the second to
    # commit finds the first's receipt inside its transaction and rolls back.
    both_matched = threading.Barrier(2, timeout=30)
    match_batch = app.matching.match_batch

    def matching_together(batch, **kw):
        found = match_batch(batch, **kw)
        both_matched.wait()
        return found

    app.matching.match_batch = matching_together  # type: ignore[method-assign]
    answers: list[BatchAnswer] = []
    errors: list[BaseException] = []

    def hand_in() -> None:
        try:
            answers.append(app.ingest.submit(CAM, reads(), "spool-b-1"))
        except BaseException as error:  # pragma: no cover - shown by the assert below
            errors.append(error)

    streams = [threading.Thread(target=hand_in) for _ in range(2)]
    for stream in streams:
        stream.start()
    for stream in streams:
        stream.join(timeout=60)
    assert errors == []
    assert sorted(a.repeated for a in answers) == [False, True]
    assert answers[0].hits == answers[1].hits
    hits, _, actions = stored(app)
    assert hits == 1 and actions.count("hit.recorded") == 1


def test_the_receipt_and_the_hits_commit_together_or_not_at_all(app, monkeypatch):
    def failing(self, receipt):
        raise OSError("disk full")

    monkeypatch.setattr(SqliteReadBatches, "add", failing)
    with pytest.raises(OSError):
        app.ingest.submit(CAM, reads(), "spool-c-1")
    assert stored(app)[0] == 0  # the hit went with the receipt
    monkeypatch.undo()
    assert not app.ingest.submit(CAM, reads(), "spool-c-1").repeated
    assert stored(app)[0] == 1


def test_a_batch_without_hits_leaves_a_receipt_with_no_read_content(app):
    batch = [r for r in reads(3) if r.plate != "1ABC123"]
    first = app.ingest.submit(CAM, batch, "spool-d-1")
    assert first.outcome.hits == 0 and not first.repeated
    # Held in memory until the group is written: a resend is answered from there.
    assert app.ingest.submit(CAM, batch, "spool-d-1").repeated
    with app.store.read() as uow:
        assert uow.read_batches.get("cam", "spool-d-1") is None
    assert app.ingest.flush_receipts() == 1
    with app.store.read() as uow:
        receipt = uow.read_batches.get("cam", "spool-d-1")
    assert receipt is not None and receipt.reads == 2
    assert "9ZZZ999" not in repr(receipt) and "img-" not in repr(receipt)
    assert app.ingest.submit(CAM, batch, "spool-d-1").repeated
    assert stored(app)[0] == 0


def test_receipts_of_batches_without_hits_survive_a_graceful_restart(tmp_path, certs):
    config = gent_config(tmp_path, certs)
    batch = [r for r in reads(3) if r.plate != "1ABC123"]
    first = build_application(config, federation=NoPartners(), clock=Clock())
    assert not first.ingest.submit(CAM, batch, "spool-g-1").repeated
    first.close()  # the node's stop: what is held is written
    again = build_application(config, federation=NoPartners(), clock=Clock())
    try:
        assert again.ingest.submit(CAM, batch, "spool-g-1").repeated
        with pytest.raises(InvalidInput, match="a batch id names one batch"):
            again.ingest.submit(CAM, batch[:1], "spool-g-1")
    finally:
        again.close()


def test_held_receipts_are_written_in_groups_by_count_and_by_age(app):
    ticks = [100.0]
    pending = PendingReceipts(
        app.store, flush_count=3, flush_after_s=1.0, monotonic=lambda: ticks[0]
    )

    def receipt(n: int) -> BatchReceipt:
        return BatchReceipt("cam", f"g-{n}", 2, 2, 0, (), (), START)

    assert not pending.due()
    assert pending.hold(receipt(1)) is None and pending.hold(receipt(2)) is None
    assert not pending.due()  # two held, the oldest for no time
    assert pending.hold(receipt(1)) == receipt(1)  # one batch id, one receipt
    assert pending.hold(receipt(3)) is None
    assert pending.due() and pending.flush() == 3 and len(pending) == 0
    pending.hold(receipt(4))
    ticks[0] += 0.5
    assert not pending.due()
    ticks[0] += 0.5
    assert pending.due() and pending.flush() == 1
    with app.store.read() as uow:
        assert [uow.read_batches.get("cam", f"g-{n}") is not None for n in range(1, 5)] == [
            True
        ] * 4


def test_two_streams_with_one_batch_id_and_no_hit_answer_it_once(app):
    batch = [r for r in reads(3) if r.plate != "1ABC123"]
    both_matched = threading.Barrier(2, timeout=30)
    match_batch = app.matching.match_batch

    def matching_together(b, **kw):
        found = match_batch(b, **kw)
        both_matched.wait()
        return found

    app.matching.match_batch = matching_together  # type: ignore[method-assign]
    answers: list[BatchAnswer] = []
    streams = [
        threading.Thread(target=lambda: answers.append(app.ingest.submit(CAM, batch, "spool-h-1")))
        for _ in range(2)
    ]
    for stream in streams:
        stream.start()
    for stream in streams:
        stream.join(timeout=60)
    assert sorted(a.repeated for a in answers) == [False, True]


def test_without_a_batch_id_nothing_is_remembered(app):
    app.ingest.submit(CAM, reads(), "")
    again = app.ingest.submit(CAM, reads(), "")
    assert not again.repeated
    assert stored(app)[0] == 2  # at least once, as the id's absence asks
    with app.store.read() as uow:
        assert uow.read_batches.held(START, 1).count == 0


def test_an_overlong_batch_id_is_refused(app):
    with pytest.raises(InvalidInput, match="at most 128 characters"):
        app.ingest.submit(CAM, reads(), "x" * 129)
    assert stored(app)[0] == 0
