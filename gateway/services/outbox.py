"""Delivery of the outbox: every message a partner must get, sent oldest first, retried
with exponential backoff while the partner is unreachable, kept with the reason when
the partner refuses it for good. A disclosure is audited when it has happened."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import structlog

from gateway.domain.errors import ArgosError, PartnerUnreachable
from gateway.services.confirmations import CONFIRMATION
from gateway.services.context import Caller, NodeContext
from gateway.services.hits import HIT_NOTIFICATION
from gateway.store import outbox
from gateway.store.registry import PartnerRecord
from gateway.wire import codec

log = structlog.get_logger(__name__)

Sender = Callable[[PartnerRecord, bytes], None]


class OutboxService:
    def __init__(
        self,
        ctx: NodeContext,
        senders: dict[str, Sender],
        max_backoff_s: float = outbox.MAX_RETRY_S,
    ) -> None:
        self._ctx = ctx
        self._senders = senders
        self._max_backoff_s = max_backoff_s

    @classmethod
    def for_node(
        cls, ctx: NodeContext, client, max_backoff_s: float = outbox.MAX_RETRY_S
    ) -> OutboxService:
        def notify_hit(partner: PartnerRecord, payload: bytes) -> None:
            client.notify_hit(partner, codec.envelope_from_bytes(payload))

        def confirmation(partner: PartnerRecord, payload: bytes) -> None:
            client.deliver_confirmation(partner, codec.envelope_from_bytes(payload))

        senders = {HIT_NOTIFICATION: notify_hit, CONFIRMATION: confirmation}
        return cls(ctx, senders, max_backoff_s)

    def deliver_due(self) -> tuple[int, datetime | None]:
        """Send what is due; (messages delivered, when the next retry is due or None)."""
        now = self._ctx.clock()
        with self._ctx.database.reading() as db:
            messages = outbox.due(db.conn, now)
        delivered = 0
        unreachable: set[str] = set()
        for message in messages:
            if message.partner in unreachable:
                self._retry(message, now, "partner unreachable")
                continue
            partner = self._ctx.partners.get(message.partner)
            try:
                if partner is None:
                    raise ArgosError(f"{message.partner} is no longer a registered partner")
                self._senders[message.kind](partner, message.payload)
            except PartnerUnreachable as exc:
                unreachable.add(message.partner)
                self._retry(message, now, str(exc))
                continue
            except ArgosError as exc:
                self._refused(message, str(exc))
                continue
            with self._ctx.database.transaction() as db:
                outbox.delivered(db.conn, message.id)
                # Dedupe keys are "<what>:<id>" or a bare hit id; audit the object's id.
                what, _, object_id = message.dedupe_key.rpartition(":")
                self._ctx.record(
                    Caller("system", "outbox"),
                    "hit.disclosed" if message.kind == HIT_NOTIFICATION else f"{message.kind}.sent",
                    "hit" if message.kind == HIT_NOTIFICATION else message.kind,
                    object_id,
                    recipient=message.partner,
                    details={"message": what} if what else None,
                )
            delivered += 1
        with self._ctx.database.reading() as db:
            nxt = outbox.next_due(db.conn)
        return delivered, (datetime.fromisoformat(nxt.replace("Z", "+00:00")) if nxt else None)

    def _retry(self, message: outbox.OutboxMessage, now: datetime, reason: str) -> None:
        with self._ctx.database.transaction() as db:
            outbox.retry_later(db.conn, message, now, reason, self._max_backoff_s)

    def _refused(self, message: outbox.OutboxMessage, reason: str) -> None:
        with self._ctx.database.transaction() as db:
            outbox.refused(db.conn, message.id, reason)
            self._ctx.record(
                Caller("system", "outbox"),
                "outbox.refused",
                message.kind,
                message.dedupe_key,
                justification=reason[:500],
                recipient=message.partner,
            )
        log.warning(
            "outbox.refused", kind=message.kind, partner=message.partner, id=message.dedupe_key
        )

    def depth(self) -> dict[str, int]:
        with self._ctx.database.reading() as db:
            return outbox.depth(db.conn)
