"""Rotation of this node's plate-token master secret (`argos keys rotate token`).

Rules, in order:
1. A rotation starts a new epoch: a fresh owner-only master secret; every agreement
   version's token key in that epoch is derived from it. The previous epochs' secrets
   are kept until the overlap ends (default 24 h) and then erased for good.
2. Each token feed re-sends every in-scope entry once under the new epoch (the
   projector's pass, from the feed's current position on; not a resync from 0), so the
   cost is one initial sync's bytes per agreement, spread by the feed's batch size.
3. Recipients fetch the new key when a checkpoint first names the epoch, match under
   every key they hold during the overlap, and erase the older keys when the provider's
   signed head raises its epoch floor (the overlap ended, or the administrator ended it
   early once every entry was re-sent).
4. Plaintext feeds carry no token: a rotation leaves them as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import structlog

from gateway.domain.errors import IllegalTransition, InvalidInput
from gateway.domain.roles import Action
from gateway.domain.schemes import scheme_for
from gateway.services.access import requires
from gateway.services.context import SYSTEM, Caller, NodeContext
from gateway.services.feed import FeedService, current_epoch
from gateway.services.ports import TokenEpoch, UnitOfWork

log = structlog.get_logger(__name__)

MAX_OVERLAP = timedelta(days=90)


@dataclass(frozen=True)
class TokenRotation:
    epoch: int
    overlap_ends_at: datetime
    token_feeds: int  # feeds that re-send every in-scope entry under the new epoch


@dataclass(frozen=True)
class TokenSecretState:
    current_epoch: int
    epochs: list[TokenEpoch]
    # Token feeds whose re-send under the current epoch is not finished yet.
    feeds_pending: int


class TokenRotationService:
    def __init__(self, ctx: NodeContext, feed: FeedService) -> None:
        self._ctx = ctx
        self._feed = feed

    @requires(Action.TOKEN_SECRET_ROTATE)
    def rotate(self, caller: Caller, overlap: timedelta) -> TokenRotation:
        if overlap < timedelta(0) or overlap > MAX_OVERLAP:
            raise InvalidInput(f"the overlap must be between 0 and {MAX_OVERLAP.days} days")
        with self._ctx.store.write() as uow:
            now = self._ctx.now()
            epochs = uow.feed.token_epochs()
            old = current_epoch(epochs)
            new = old + 1
            ends = now + overlap
            if not epochs:
                uow.feed.save_token_epoch(TokenEpoch(0, now))
                epochs = [TokenEpoch(0, now)]
            for e in epochs:
                if e.retired_at is None and (e.overlap_ends_at is None or e.overlap_ends_at > ends):
                    uow.feed.save_token_epoch(replace(e, overlap_ends_at=ends))
            # The secret exists before the epoch is committed: a crash in between leaves
            # an unused file, never an epoch without its secret.
            self._ctx.token_secrets.create(new)
            uow.feed.save_token_epoch(TokenEpoch(new, now))
            feeds = self._token_feeds(uow)
            self._ctx.record(
                caller,
                "token_secret.rotated",
                "token_secret",
                str(new),
                uow=uow,
                details={
                    "epoch": new,
                    "previous_epoch": old,
                    "overlap_s": int(overlap.total_seconds()),
                    "token_feeds": len(feeds),
                },
            )
            uow.commit()
        log.info("token_secret.rotated", epoch=new, token_feeds=len(feeds))
        self._feed.entries_changed()  # wake the projector: the re-send starts now
        return TokenRotation(new, ends, len(feeds))

    @requires(Action.TOKEN_SECRET_ROTATE)
    def end_overlap(self, caller: Caller) -> list[int]:
        """End the overlap now, once every token feed was re-sent under the current
        epoch (refused before: entries not yet re-sent would stop producing hits)."""
        with self._ctx.store.read() as uow:
            pending = self._pending(uow)
        if pending:
            raise IllegalTransition(
                f"{pending} token feed(s) are still re-sending entries under the new epoch; "
                "wait until `argos keys status` shows none pending"
            )
        return self.retire_due(caller, force=True)

    def retire_due(self, caller: Caller = SYSTEM, *, force: bool = False) -> list[int]:
        """Erase the secrets of epochs whose overlap ended (every epoch before the current
        one when forced); audited. Returns the epochs retired."""
        retired = []
        with self._ctx.store.write() as uow:
            now = self._ctx.now()
            epochs = uow.feed.token_epochs()
            current = current_epoch(epochs)
            for e in epochs:
                if e.epoch == current or e.retired_at is not None:
                    continue
                if not force and (e.overlap_ends_at is None or e.overlap_ends_at > now):
                    continue
                self._ctx.token_secrets.erase(e.epoch)
                uow.feed.save_token_epoch(
                    replace(e, overlap_ends_at=e.overlap_ends_at or now, retired_at=now)
                )
                self._ctx.record(
                    caller,
                    "token_secret.retired",
                    "token_secret",
                    str(e.epoch),
                    uow=uow,
                    details={"epoch": e.epoch, "current_epoch": current, "early": force},
                )
                retired.append(e.epoch)
            uow.commit()
        if retired:
            log.info("token_secret.retired", epochs=retired)
            self._feed.changed.notify()  # heads now carry the raised floor
        return retired

    @requires(Action.TOKEN_SECRET_ROTATE)
    def status(self, caller: Caller) -> TokenSecretState:
        with self._ctx.store.read() as uow:
            epochs = uow.feed.token_epochs()
            return TokenSecretState(current_epoch(epochs), epochs, self._pending(uow))

    def _token_feeds(self, uow: UnitOfWork) -> list[str]:
        now = self._ctx.now()
        out = []
        for agreement in uow.agreements.all():
            terms = agreement.in_force(now)
            if (
                terms is not None
                and terms.provides(self._ctx.node_id)
                and scheme_for(terms.matching_mode).keyed_by_master
            ):
                out.append(agreement.agreement_id)
        return out

    def _pending(self, uow: UnitOfWork) -> int:
        current = current_epoch(uow.feed.token_epochs())
        pending = 0
        for agreement_id in self._token_feeds(uow):
            state = uow.feed.state(agreement_id)
            if state is None or state.token_epoch_complete != current:
                pending += 1
        return pending
