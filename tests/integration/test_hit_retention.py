"""Hits live as long as the agreement they fall under allows (own-list hits: the node's
setting), then the purge job erases them and says so in the audit log, hit by hit. In
one process, on a real SQLite file, with the node's clock moved forward by the test.
Its alert leaves the alert log with it: a watcher resuming later is not replayed it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gateway.domain.hits import MatchKind
from gateway.domain.hotlist import Action
from gateway.domain.identity import NodeSigningKey
from gateway.domain.matching import OWN, EntryRef, Match
from gateway.domain.roles import Role
from gateway.services.alerts import AlertHub
from gateway.services.context import Caller, NodeContext
from gateway.services.hits import HIT_NOTIFICATION, HitService, HitSettings
from gateway.services.hotlist import EntryDraft, HotlistService
from gateway.services.matching import IncomingRead, ReadHit
from gateway.store.sqlite import SqliteStore
from gateway.wire.alerts_codec import notice_body


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def test_own_list_hits_are_erased_when_their_retention_ends_and_each_erasure_is_audited(
    tmp_path,
):
    clock = Clock()
    ctx = NodeContext(
        node_id="be-gent",
        signing_key=NodeSigningKey.generate(),
        store=SqliteStore(tmp_path / "node.sqlite", "be-gent", clock),
        federation=None,  # type: ignore[arg-type] - no partner is called here
        token_master=b"k" * 32,
        clock=clock,
    )
    investigator = Caller("user", "ivan", Role.INVESTIGATOR)
    entry = (
        HotlistService(ctx)
        .add(
            investigator,
            EntryDraft(
                plate="1-ABC-123",
                country="B",
                category="stolen_vehicle",
                action=Action.DISCREET_CHECK.value,
                expires_at=clock.now + timedelta(days=30),
            ),
            "test",
        )
        .entry
    )
    hits = HitService(
        ctx, AlertHub(ctx.store, notice_body, ctx.now), HitSettings(own_hit_retention_days=2)
    )
    read = IncomingRead(
        "1ABC123", "BE", (), "cam-1", "site-1", int(clock.now.timestamp() * 1000), "in", ""
    )
    ref = EntryRef(entry.entry_id, "stolen_vehicle", 0, 2**40)
    match = Match(OWN, "be-gent", ref, MatchKind.EXACT, "1ABC123", "BE", 0)
    (alert,) = hits.record([ReadHit(read, [match], False)])
    # A hit on a partner's list has its notification to the owner in the outbox under
    # the hit's id (HitService.record); own-list hits have none, so put one there to see
    # that it is erased with the hit and not kept beyond the hit's retention.
    with ctx.store.write() as uow:
        uow.outbox.enqueue(HIT_NOTIFICATION, "nl-terneuzen", alert.hit_id, b"envelope")
        uow.commit()

    clock.now += timedelta(days=1)
    assert hits.purge() == 0
    assert len(hits.list(investigator, observed=False)) == 1
    with ctx.store.read() as uow:
        assert [a.subject for a in uow.alert_log.after(0, 10)] == [alert.hit_id]
    clock.now += timedelta(days=1, seconds=1)
    assert hits.purge() == 1
    assert hits.list(investigator, observed=False) == []
    with ctx.store.read() as uow:
        erased = [r for r in uow.audit.records() if r.action == "hit.erased"]
        assert sum(uow.outbox.depth().values()) == 0
        assert uow.alert_log.after(0, 10) == []  # its alert went with it
    assert [r.object_id for r in erased] == [alert.hit_id]
    assert erased[0].details["notification_erased"] is True
    checked, problem = ctx.verify_audit()
    assert problem is None and checked > 0
