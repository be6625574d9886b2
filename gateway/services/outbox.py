"""Delivery of the outbox: every message a partner must get, sent oldest first, retried
with exponential backoff while the partner is unreachable, kept with the reason when
the partner refuses it for good. A disclosure is audited when it has happened."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import structlog

from gateway.domain import envelope as env
from gateway.domain.errors import ArgosError, KeyNotAccepted, PartnerUnreachable
from gateway.domain.partners import Partner
from gateway.domain.retry import Backoff
from gateway.services.confirmations import CONFIRMATION
from gateway.services.context import Caller, FederationPort, NodeContext
from gateway.services.hits import HIT_NOTIFICATION
from gateway.services.partner_changes import PARTNER_CHANGE
from gateway.services.ports import OutboxMessage
from gateway.services.signing_keys import SIGNING_KEY
from gateway.wire import codec

log = structlog.get_logger(__name__)

FIRST_RETRY_S = 1.0
MAX_RETRY_S = 60.0
# Delivered messages are marked (and their disclosures audited) in groups of at most
# this many: see OutboxService._delivered.
MARK_EVERY = 32
OUTBOX = Caller("system", "outbox")

Sender = Callable[[Partner, bytes], None]


class OutboxService:
    def __init__(
        self,
        ctx: NodeContext,
        senders: dict[str, Sender],
        max_backoff_s: float = MAX_RETRY_S,
    ) -> None:
        self._ctx = ctx
        self._senders = senders
        # 1 s, 2 s, 4 s ... at most max_backoff_s, counted per message.
        self._schedule = Backoff(FIRST_RETRY_S, max(FIRST_RETRY_S, max_backoff_s))

    @classmethod
    def for_node(
        cls, ctx: NodeContext, client: FederationPort, max_backoff_s: float = MAX_RETRY_S
    ) -> OutboxService:
        def notify_hit(partner: Partner, payload: bytes) -> None:
            client.notify_hit(partner, _under_current_key(ctx, payload))

        def confirmation(partner: Partner, payload: bytes) -> None:
            client.deliver_confirmation(partner, _under_current_key(ctx, payload))

        def partner_change(partner: Partner, payload: bytes) -> None:
            client.announce_partner_change(partner, _under_current_key(ctx, payload))

        def signing_key(partner: Partner, payload: bytes) -> None:
            client.announce_signing_key(partner, codec.envelope_from_bytes(payload))

        senders = {
            HIT_NOTIFICATION: notify_hit,
            CONFIRMATION: confirmation,
            PARTNER_CHANGE: partner_change,
            SIGNING_KEY: signing_key,
        }
        return cls(ctx, senders, max_backoff_s)

    def deliver_due(self) -> tuple[int, datetime | None]:
        """Send what is due; (messages delivered, when the next retry is due or None)."""
        now = self._ctx.now()
        with self._ctx.store.read() as uow:
            messages = uow.outbox.due(now)
            partners = {p.node_id: p for p in uow.partners.all()}
        unmarked: list[OutboxMessage] = []  # delivered, not yet marked
        try:
            delivered = self._send_each(messages, partners, now, unmarked)
        finally:
            if unmarked:
                self._delivered(unmarked)
        with self._ctx.store.read() as uow:
            return delivered, uow.outbox.next_due()

    def _send_each(
        self,
        messages: list[OutboxMessage],
        partners: dict[str, Partner],
        now: datetime,
        unmarked: list[OutboxMessage],
    ) -> int:
        delivered = 0
        unreachable: set[str] = set()
        for message in messages:
            if message.partner in unreachable:
                self._retry(message, now, "partner unreachable")
                continue
            partner = partners.get(message.partner)
            try:
                if partner is None:
                    raise ArgosError(f"{message.partner} is no longer a registered partner")
                self._senders[message.kind](partner, message.payload)
            except PartnerUnreachable as exc:
                unreachable.add(message.partner)
                self._retry(message, now, str(exc))
                continue
            except KeyNotAccepted as exc:
                # The partner does not take this node's current key yet (its
                # administrator has still to confirm it after a revocation), or a key
                # statement arrived before the one it follows: not for good.
                unreachable.add(message.partner)
                self._retry(message, now, str(exc))
                continue
            except ArgosError as exc:
                self._refused(message, str(exc))
                continue
            delivered += 1
            unmarked.append(message)
            if len(unmarked) == MARK_EVERY:
                self._delivered(unmarked)
                unmarked.clear()
        return delivered

    def _delivered(self, messages: list[OutboxMessage]) -> None:
        """Mark messages delivered and audit each disclosure, in one transaction: with a
        backlog (a partner back after an outage, a burst of hits) one commit per message
        would double the commits on the delivery path. A crash before the mark sends
        them again, as a crash between one send and its mark always could: partners
        keep each message once by its id."""
        with self._ctx.store.write() as uow:
            for message in messages:
                uow.outbox.delivered(message.id)
                # Dedupe keys are "<what>:<id>" or a bare hit id; audit the object's id.
                what, _, object_id = message.dedupe_key.rpartition(":")
                hit = message.kind == HIT_NOTIFICATION
                self._ctx.record(
                    OUTBOX,
                    "hit.disclosed" if hit else f"{message.kind}.sent",
                    "hit" if hit else message.kind,
                    object_id,
                    uow=uow,
                    recipient=message.partner,
                    details={"message": what} if what else None,
                )
            uow.commit()

    def _retry(self, message: OutboxMessage, now: datetime, reason: str) -> None:
        when = now + timedelta(seconds=self._schedule.delay(message.attempts))
        with self._ctx.store.write() as uow:
            uow.outbox.retry_at(message.id, when, reason)
            uow.commit()

    def _refused(self, message: OutboxMessage, reason: str) -> None:
        with self._ctx.store.write() as uow:
            uow.outbox.refused(message.id, reason)
            self._ctx.record(
                OUTBOX,
                "outbox.refused",
                message.kind,
                message.dedupe_key,
                uow=uow,
                justification=reason[:500],
                recipient=message.partner,
            )
            uow.commit()
        log.warning(
            "outbox.refused", kind=message.kind, partner=message.partner, id=message.dedupe_key
        )

    def depth(self) -> dict[str, int]:
        with self._ctx.store.read() as uow:
            return uow.outbox.depth()


def _under_current_key(ctx: NodeContext, payload: bytes) -> env.Envelope:
    """A message queued before a rotation goes out signed with the key the node signs
    with now: the partner may no longer accept the old key for a new message, and the
    node states the same content under its current key."""
    envelope = codec.envelope_from_bytes(payload)
    if envelope.signer_key_ids == {ctx.signing_key.key_id}:
        return envelope
    return env.sign(envelope.payload_type, envelope.payload, ctx.signing_key)
