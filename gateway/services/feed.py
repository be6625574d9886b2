"""Provider side of hotlist sync: turn this node's entries into each agreement's feed
(the projector), and serve the feed as signed batches and heads (the reader).

What leaves is decided only by gateway.domain.minimise; this module orders, signs and
stores its output."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta

import structlog

from gateway.domain import envelope as env
from gateway.domain import feed as feed_rules
from gateway.domain import merkle, oprf
from gateway.domain.agreement import Agreement, AgreementTerms, MatchingMode
from gateway.domain.errors import AgreementViolation, FeedBehindCursor, IllegalTransition, NotFound
from gateway.domain.hotlist import EntryStatus
from gateway.domain.minimise import minimise
from gateway.domain.schemes import scheme_for
from gateway.domain.schemes.oblivious import (
    KEY_COMMITMENT_PAYLOAD,
    KeyCommitment,
    derive_oblivious_key,
)
from gateway.services.context import NodeContext
from gateway.services.ports import FeedRow, FeedState, FeedWrite, TokenEpoch, UnitOfWork
from gateway.wire import feed_codec

log = structlog.get_logger(__name__)

PROJECT_CHUNK = 2000


@dataclass(frozen=True)
class OutgoingBatch:
    leaves: list[bytes]
    checkpoint: env.Envelope


class FeedChanged:
    """Wakes live feed streams when the projector appended something."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._generation = 0

    def notify(self) -> None:
        with self._cond:
            self._generation += 1
            self._cond.notify_all()

    @property
    def generation(self) -> int:
        return self._generation

    def wait(self, generation: int, timeout: float) -> int:
        with self._cond:
            self._cond.wait_for(lambda: self._generation != generation, timeout)
            return self._generation


class FeedService:
    def __init__(self, ctx: NodeContext, changed: FeedChanged | None = None) -> None:
        self._ctx = ctx
        self.changed = changed or FeedChanged()
        self._entries_changed = threading.Event()
        self._closing = threading.Event()

    def close(self) -> None:
        """End live feed streams now (node shutdown) instead of at their next heartbeat."""
        self._closing.set()
        self.changed.notify()

    def entries_changed(self) -> None:
        """Tell the projector that own entries changed (it also polls, this is speed)."""
        self._entries_changed.set()

    def wait_for_entry_changes(self, timeout: float) -> None:
        self._entries_changed.wait(timeout)
        self._entries_changed.clear()

    def scheme_key(
        self, terms: AgreementTerms, agreement_id: str, version: int, epoch: int = 0
    ) -> bytes:
        """The key the agreement version's matching scheme shares entries under, in one
        plate-token epoch (the master secret in use since the last rotation)."""
        scheme = scheme_for(terms.matching_mode)
        if not scheme.keyed_by_master:
            return scheme.provider_key(b"", agreement_id, version)
        master = self._ctx.token_secrets.master(epoch)
        if master is None:
            raise NotFound(f"plate-token epoch {epoch} is retired: its secret was erased")
        return scheme.provider_key(master, agreement_id, version)

    def token_epoch_for(self, terms: AgreementTerms, uow: UnitOfWork) -> int:
        """The epoch a feed under these terms is projected in: the current one for
        token and oblivious feeds; 0 for plaintext feeds, which a rotation does not touch."""
        if not scheme_for(terms.matching_mode).keyed_by_master:
            return 0
        return current_epoch(uow.feed.token_epochs())

    def token_epoch_floor(self, state: FeedState | None, uow: UnitOfWork) -> int:
        """The oldest epoch a recipient must still hash reads under for this feed: the
        oldest epoch whose secret is not erased, but never above the epoch every live
        entry is under (a re-send not yet through keeps the old key in use). 0 for a
        node that never rotated: recipients then keep every key."""
        epochs = uow.feed.token_epochs()
        if not epochs or state is None:
            return 0
        held = [e.epoch for e in epochs if e.retired_at is None]
        return min(min(held, default=0), state.token_epoch_complete)

    def _provided_terms(self, agreement: Agreement) -> AgreementTerms | None:
        terms = agreement.in_force(self._ctx.now())
        if terms is None or not terms.provides(self._ctx.node_id):
            return None
        return terms

    # -- projector ---------------------------------------------------------------------

    def project_all(self) -> int:
        done = 0
        with self._ctx.store.read() as uow:
            agreement_ids = uow.agreements.ids()
        for agreement_id in agreement_ids:
            while n := self.project(agreement_id):
                done += n
        return done

    def project(self, agreement_id: str) -> int:
        """Bring one agreement's feed up to date with up to PROJECT_CHUNK entry changes;
        return how many entry changes were looked at (0: up to date)."""
        with self._ctx.store.read() as uow:
            agreement = uow.agreements.get(agreement_id)
        terms = self._provided_terms(agreement) if agreement else None
        if terms is None:
            return 0
        with self._ctx.store.write() as uow:
            # Read the clock only once the write lock is ours: entries committed while
            # we waited for it must not look "not yet valid" and be skipped for good.
            now = self._ctx.now()
            epoch = self.token_epoch_for(terms, uow)
            state = uow.feed.state(agreement_id) or FeedState(
                agreement_id, terms.version, 0, 0, merkle.SET_DIGEST_EMPTY, 0, epoch
            )
            if state.agreement_version != terms.version:
                # New terms (and a new token key): every entry is looked at again; what
                # is still in scope is re-sent, what left scope gets a tombstone.
                log.info("feed.rebuild", agreement_id=agreement_id, version=terms.version)
                state.agreement_version = terms.version
                state.projected_change_seq = 0
            if state.token_epoch != epoch:
                # The token secret was rotated: one pass over every entry from the
                # current cursor on re-sends each in-scope entry under the new epoch
                # (its token differs, so its content does); the feed's seq goes on.
                log.info("feed.token_epoch", agreement_id=agreement_id, epoch=epoch)
                state.token_epoch = epoch
                state.projected_change_seq = 0
            key = self.scheme_key(terms, agreement_id, terms.version, epoch)
            changed = uow.own_entries.changed_since(state.projected_change_seq, PROJECT_CHUNK)
            if not changed:
                # Through: every live entry is now under the pass's epoch.
                state.token_epoch_complete = state.token_epoch
                uow.feed.save_state(state)
                uow.commit()
                return 0
            live = uow.feed.live_hashes(agreement_id, [e.entry_id for _, e in changed])
            rows: list[FeedWrite] = []
            for _, entry in changed:
                shared = minimise(entry, terms, token_key=key, now=now)
                old = live.get(entry.entry_id)
                if shared is None and old is None:
                    continue  # never shared, or already tombstoned
                if shared is not None:
                    leaf, content = feed_codec.upsert_leaf_and_content(
                        state.last_seq + 1, terms.version, shared
                    )
                    if old is not None and content == old[1]:
                        continue  # the partner already holds exactly this
                else:
                    content = None
                state.last_seq += 1
                if shared is None:
                    leaf = feed_codec.tombstone_leaf(
                        state.last_seq,
                        terms.version,
                        entry.entry_id,
                        entry.owner,
                        _tombstone_reason(entry.status(now)),
                    )
                leaf_hash = merkle.leaf_hash(leaf)
                if old is not None:
                    state.set_digest = merkle.set_digest_remove(state.set_digest, old[0])
                    state.live_count -= 1
                if shared is not None:
                    state.set_digest = merkle.set_digest_add(state.set_digest, leaf_hash)
                    state.live_count += 1
                    live[entry.entry_id] = (leaf_hash, content)
                else:
                    live.pop(entry.entry_id, None)
                rows.append(
                    FeedWrite(
                        state.last_seq,
                        entry.entry_id,
                        terms.version,
                        shared is not None,
                        leaf,
                        leaf_hash,
                        content,
                        entry.expires_at if shared is not None else None,
                        epoch,
                    )
                )
            uow.feed.append(agreement_id, rows)
            state.projected_change_seq = changed[-1][0]
            uow.feed.save_state(state)
            uow.commit()
        if rows:
            self.changed.notify()
        return len(changed)

    def tick(self) -> int:
        """Re-project entries whose validity started or ended since the last tick, so
        they enter or leave partner feeds on time (art. 5: nothing stays shared past
        its expiry). Returns how many entries were touched."""
        with self._ctx.store.write() as uow:
            now = self._ctx.now()  # inside the lock, as in project()
            since = uow.own_entries.tick_mark() or now - timedelta(days=3650)
            ids = uow.own_entries.crossing_validity(since, now)
            entries = [e for e in map(uow.own_entries.get, ids) if e is not None]
            uow.own_entries.save(entries, created_by="system")
            uow.own_entries.set_tick_mark(now)
            uow.commit()
        return len(ids)

    # -- reader ---------------------------------------------------------------------------

    def served(self, peer: str, agreement_id: str) -> tuple[Agreement, AgreementTerms]:
        """The agreement under which `peer` may be served this node's entries now, with
        the terms in force; raises when it may not (no such agreement with that peer,
        not in force, or not one under which this node provides)."""
        with self._ctx.store.read() as uow:
            agreement = uow.agreements.get(agreement_id)
        if agreement is None or agreement.partner != peer:
            raise NotFound(f"no agreement {agreement_id} with {peer}")
        now = self._ctx.now()
        terms = agreement.in_force(now)
        if terms is None:
            raise IllegalTransition(
                f"agreement {agreement_id} is {agreement.state(now).value}: the feed is stopped"
            )
        if not terms.provides(self._ctx.node_id):
            raise AgreementViolation(
                f"agreement {agreement_id} does not share {self._ctx.node_id}'s entries"
            )
        return agreement, terms

    def matching_key(
        self, peer: str, agreement_id: str, version: int, epoch: int = 0
    ) -> tuple[MatchingMode, bytes | env.Envelope]:
        """The key material the partner matches under: the token key, nothing for
        plaintext, or for oblivious the signed commitment to this node's public key
        (the secret never leaves: docs/threat-model.md)."""
        agreement, terms = self.served(peer, agreement_id)
        asked = agreement.version(version).terms if version != terms.version else terms
        scheme = scheme_for(asked.matching_mode)
        if asked.matching_mode is MatchingMode.OBLIVIOUS:
            self.oblivious_key(asked, agreement_id, version, epoch)  # the epoch is held
            return asked.matching_mode, self.key_commitment(peer, asked, version, epoch)
        if not scheme.key_from_provider:
            return asked.matching_mode, b""
        key = self.scheme_key(asked, agreement_id, version, epoch)
        self._ctx.record_consultation(peer, "hotlist.matching_key", agreement_id, version)
        return asked.matching_mode, key

    def oblivious_key(
        self, terms: AgreementTerms, agreement_id: str, version: int, epoch: int
    ) -> oprf.KeyPair:
        master = self._ctx.token_secrets.master(epoch)
        if master is None:
            raise NotFound(f"plate-token epoch {epoch} is retired: its secret was erased")
        return derive_oblivious_key(master, agreement_id, version)

    def key_commitment(
        self, peer: str, terms: AgreementTerms, version: int, epoch: int
    ) -> env.Envelope:
        key = self.oblivious_key(terms, terms.agreement_id, version, epoch)
        commitment = KeyCommitment(
            terms.agreement_id, version, epoch, self._ctx.node_id, peer, key.public
        )
        return env.sign(
            KEY_COMMITMENT_PAYLOAD,
            feed_codec.key_commitment_payload(commitment),
            self._ctx.signing_key,
        )

    def pull(
        self, peer: str, agreement_id: str, after_seq: int, max_batch: int
    ) -> Iterator[OutgoingBatch | env.Envelope]:
        """Batches after `after_seq` from one consistent snapshot, then the signed head of
        that snapshot."""
        self.served(peer, agreement_id)
        max_batch = max(1, min(max_batch or feed_rules.MAX_BATCH, feed_rules.MAX_BATCH))
        with self._ctx.store.snapshot() as uow:
            state = uow.feed.state(agreement_id)
            last_seq = state.last_seq if state else 0
            if after_seq > last_seq:
                raise FeedBehindCursor(
                    f"cursor {after_seq} is ahead of this feed ({last_seq}): resync from 0"
                )
            pending: list[FeedRow] = []
            from_seq = after_seq
            for row in uow.feed.rows_after(agreement_id, after_seq):
                if pending and (
                    len(pending) == max_batch
                    or row.agreement_version != pending[0].agreement_version
                    or row.token_epoch != pending[0].token_epoch
                ):
                    yield self._batch(peer, agreement_id, from_seq, pending)
                    from_seq, pending = pending[-1].seq, []
                pending.append(row)
            if pending:
                yield self._batch(peer, agreement_id, from_seq, pending)
            yield self._head(peer, agreement_id, state, self.token_epoch_floor(state, uow))

    def follow(
        self,
        peer: str,
        agreement_id: str,
        after_seq: int,
        max_batch: int,
        *,
        is_active: Callable[[], bool],
        heartbeat_s: float = 10.0,
    ) -> Iterator[OutgoingBatch | env.Envelope]:
        """pull(), then stay: whenever the feed grows, send what is new and a fresh head;
        when idle, repeat the head every heartbeat_s so the recipient sees we are alive.
        Stops (with the reason) as soon as the agreement is no longer in force."""
        cursor = after_seq
        while is_active() and not self._closing.is_set():
            generation = self.changed.generation
            for item in self.pull(peer, agreement_id, cursor, max_batch):
                if isinstance(item, OutgoingBatch):
                    cursor = feed_codec.checkpoint_from_payload(item.checkpoint.payload).to_seq
                yield item
            self.changed.wait(generation, heartbeat_s)

    def _batch(
        self, peer: str, agreement_id: str, from_seq: int, rows: list[FeedRow]
    ) -> OutgoingBatch:
        leaves = [r.leaf for r in rows]
        checkpoint = feed_rules.Checkpoint(
            agreement_id=agreement_id,
            agreement_version=rows[0].agreement_version,
            provider=self._ctx.node_id,
            recipient=peer,
            from_seq=from_seq,
            to_seq=rows[-1].seq,
            leaf_count=len(rows),
            merkle_root=merkle.merkle_root(leaves),
            token_epoch=rows[0].token_epoch,
        )
        return OutgoingBatch(
            leaves,
            env.sign(
                feed_rules.CHECKPOINT_PAYLOAD,
                feed_codec.checkpoint_payload(checkpoint),
                self._ctx.signing_key,
            ),
        )

    def _head(
        self, peer: str, agreement_id: str, state: FeedState | None, epoch_floor: int = 0
    ) -> env.Envelope:
        head = feed_rules.SyncHead(
            agreement_id=agreement_id,
            agreement_version=state.agreement_version if state else 0,
            provider=self._ctx.node_id,
            recipient=peer,
            seq=state.last_seq if state else 0,
            count=state.live_count if state else 0,
            set_digest=state.set_digest if state else merkle.SET_DIGEST_EMPTY,
            issued_at=self._ctx.now(),
            token_epoch_floor=epoch_floor,
        )
        return env.sign(
            feed_rules.SYNC_HEAD_PAYLOAD, feed_codec.head_payload(head), self._ctx.signing_key
        )


def _tombstone_reason(status: EntryStatus) -> str:
    if status is EntryStatus.WITHDRAWN:
        return "withdrawn"
    if status is EntryStatus.EXPIRED:
        return "expired"
    return "out_of_scope"


def current_epoch(epochs: list[TokenEpoch]) -> int:
    """The epoch new tokens are made in: the newest recorded, or 0 before any rotation."""
    return epochs[-1].epoch if epochs else 0
