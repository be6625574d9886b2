"""The rules of plate-token secret rotation that need time to pass or a feed caught half
way (gateway.services.token_rotation): in one process, on a real SQLite file, with the
node's clock moved forward by the test. The two-node story is test_token_rotation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from gateway.domain.errors import InvalidInput
from gateway.domain.identity import NodeSigningKey
from gateway.domain.matching import EntryRef, build_index
from gateway.domain.roles import Role
from gateway.domain.schemes.token import derive_token_key, plate_token
from gateway.services.context import Caller, NodeContext
from gateway.services.feed import FeedService
from gateway.services.ports import FeedState
from gateway.services.ports.token_secrets import FixedTokenSecrets
from gateway.services.sync import SyncService
from gateway.services.token_rotation import TokenRotationService
from gateway.store.sqlite import SqliteStore

ADMIN = Caller("user", "ada", Role.ADMIN)
AGREEMENT_ID = "agr-gent-terneuzen"
# A feed whose re-send under epoch 1 went through, and one still under way.
RESENT = FeedState(AGREEMENT_ID, 1, 10, 5, 0, 10, token_epoch=1, token_epoch_complete=1)
NOT_THROUGH = FeedState(AGREEMENT_ID, 1, 7, 5, 0, 4, token_epoch=1, token_epoch_complete=0)


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)  # times are stored to the ms

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def node(tmp_path):
    clock = Clock()
    secrets = FixedTokenSecrets(b"k" * 32)
    ctx = NodeContext(
        node_id="be-gent",
        signing_key=NodeSigningKey.generate(),
        store=SqliteStore(tmp_path / "node.sqlite", "be-gent", clock),
        federation=None,  # type: ignore[arg-type] - no partner is called here
        clock=clock,
        token_secrets=secrets,
    )
    feed = FeedService(ctx)
    return SimpleNamespace(
        ctx=ctx, clock=clock, secrets=secrets, feed=feed, rotation=TokenRotationService(ctx, feed)
    )


def actions(ctx: NodeContext, action: str) -> list:
    with ctx.store.read() as uow:
        return [r for r in uow.audit.records() if r.action == action]


def test_an_entry_not_yet_resent_still_hits_while_both_epochs_keys_are_held():
    old = derive_token_key(b"0" * 32, AGREEMENT_ID, 1)
    new = derive_token_key(b"1" * 32, AGREEMENT_ID, 1)
    rows = [
        (plate_token(old, "1ABC123", "BE"), EntryRef("not-yet-resent", "stolen", 0, 2**40), False),
        (plate_token(new, "2DEF456", "BE"), EntryRef("resent", "stolen", 0, 2**40), False),
    ]
    overlap = build_index(AGREEMENT_ID, "nl-terneuzen", rows, token_keys=(old, new))
    assert [e.entry_id for e, _ in overlap.lookup("1ABC123", "BE")] == ["not-yet-resent"]
    assert [e.entry_id for e, _ in overlap.lookup("2DEF456", "BE")] == ["resent"]
    after = build_index(AGREEMENT_ID, "nl-terneuzen", rows, token_keys=(new,))
    assert after.lookup("1ABC123", "BE") == []
    assert [e.entry_id for e, _ in after.lookup("2DEF456", "BE")] == ["resent"]


def test_the_old_secret_is_erased_when_its_overlap_ends_and_not_a_moment_before(node):
    """And only then may heads tell recipients to drop the old key, and only for a feed
    whose re-send went through."""
    first = node.secrets.master(0)
    rotation = node.rotation.rotate(ADMIN, timedelta(hours=1))
    assert rotation.epoch == 1
    assert node.secrets.master(1) not in (None, first)

    node.clock.now += timedelta(minutes=59)
    assert node.rotation.retire_due() == []
    assert node.secrets.master(0) == first
    with node.ctx.store.read() as uow:
        assert node.feed.token_epoch_floor(RESENT, uow) == 0

    node.clock.now += timedelta(minutes=2)
    assert node.rotation.retire_due() == [0]
    assert node.secrets.master(0) is None
    with node.ctx.store.read() as uow:
        assert node.feed.token_epoch_floor(RESENT, uow) == 1
        assert node.feed.token_epoch_floor(NOT_THROUGH, uow) == 0
        assert [e.retired_at is not None for e in uow.feed.token_epochs()] == [True, False]
    (retired,) = actions(node.ctx, "token_secret.retired")
    assert retired.details["epoch"] == 0
    assert node.rotation.retire_due() == []  # once


def test_a_second_rotation_shortens_no_overlap_already_running_past_its_own(node):
    node.rotation.rotate(ADMIN, timedelta(hours=1))
    node.rotation.rotate(ADMIN, timedelta(hours=5))
    with node.ctx.store.read() as uow:
        ends = {e.epoch: e.overlap_ends_at for e in uow.feed.token_epochs()}
    assert ends[0] == node.clock.now + timedelta(hours=1)
    assert ends[1] == node.clock.now + timedelta(hours=5)
    assert ends[2] is None
    assert len(actions(node.ctx, "token_secret.rotated")) == 2


def test_an_overlap_beyond_ninety_days_is_refused_and_nothing_changes(node):
    with pytest.raises(InvalidInput, match="between 0 and 90 days"):
        node.rotation.rotate(ADMIN, timedelta(days=91))
    assert node.secrets.master(1) is None
    with node.ctx.store.read() as uow:
        assert uow.feed.token_epochs() == []
    assert actions(node.ctx, "token_secret.rotated") == []


def test_a_recipient_erases_keys_below_the_providers_floor_and_reindexes(node):
    erased: list[str] = []
    node.ctx.received_listeners.append(
        SimpleNamespace(keys_retired=erased.append, applied=None, reset=None)
    )
    sync = SyncService(node.ctx)
    with node.ctx.store.write() as uow:
        uow.received.store_matching_key(AGREEMENT_ID, 1, "token", b"0" * 32, 0)
        uow.received.store_matching_key(AGREEMENT_ID, 1, "token", b"1" * 32, 1)
        uow.commit()
    agreement = SimpleNamespace(agreement_id=AGREEMENT_ID, partner="nl-terneuzen")

    assert sync.retire_keys(agreement, 0) == 0  # floor 0: a provider that never rotated
    assert sync.retire_keys(agreement, 1) == 1
    assert sync.retire_keys(agreement, 1) == 0
    with node.ctx.store.read() as uow:
        assert uow.received.matching_key_epochs(AGREEMENT_ID) == [1]
        assert uow.received.matching_keys(AGREEMENT_ID) == [(1, "token", b"1" * 32)]
    assert erased == [AGREEMENT_ID]
    (record,) = actions(node.ctx, "token_key.erased")
    assert record.details == {"epoch_floor": 1, "keys": 1}
