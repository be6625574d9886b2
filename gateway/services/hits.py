"""Hits: recorded at the observer with the retention of the agreement they fall under,
alerted to the local control room, notified to the entry's owner through the durable
outbox where the agreement allows it; received, verified and stored once at the owner;
erased when their retention ends. Every step lands in the audit log."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

import structlog

from gateway.domain import envelope as env
from gateway.domain.agreement import AgreementState
from gateway.domain.errors import AgreementViolation, ArgosError, NotFound, PartnerUnknown
from gateway.domain.hits import (
    HIT_NOTIFICATION_PAYLOAD,
    ObservedHit,
    ReceivedHit,
    Sighting,
    build_notification,
    check_notification,
    hit_expires_at,
)
from gateway.domain.ids import new_entry_id
from gateway.domain.matching import OWN, Match
from gateway.domain.plates import normalise_plate
from gateway.domain.retention import capped_hit_retention_days
from gateway.domain.roles import Action
from gateway.domain.times import from_epoch_ms
from gateway.services.access import requires
from gateway.services.alerts import Alert, AlertHub
from gateway.services.context import Caller, NodeContext
from gateway.services.matching import ReadHit
from gateway.services.ports import LoggedAlert, UnitOfWork
from gateway.wire import codec, feed_codec, hits_codec

log = structlog.get_logger(__name__)

HIT_NOTIFICATION = "hit_notification"
DEFAULT_OWN_HIT_RETENTION_DAYS = 28
OBSERVER = Caller("system", "matching")


@dataclass(frozen=True)
class HitSettings:
    own_hit_retention_days: int = DEFAULT_OWN_HIT_RETENTION_DAYS
    # Which zone each site lies in; a site not listed lies in default_zone.
    zones: Mapping[str, str] | None = None
    default_zone: str = ""


@dataclass(frozen=True)
class RecordedHit:
    """A hit just stored: which read made it (its position in the list given to
    `record`), its id, when it is erased, and its alert. The adapter that handed the
    read in keeps the read's image until `expires_at` and no longer."""

    read: int
    hit_id: str
    expires_at: datetime
    alert: Alert


@dataclass(frozen=True)
class HitView:
    """A hit as investigators see it, and whether its owner has the notification."""

    hit: ObservedHit | ReceivedHit
    owner_notified: bool


class HitService:
    def __init__(
        self,
        ctx: NodeContext,
        alerts: AlertHub,
        settings: HitSettings | None = None,
        *,
        on_queued: Callable[[], None] = lambda: None,
    ) -> None:
        self._ctx = ctx
        self._alerts = alerts
        self._settings = settings or HitSettings()
        self._on_queued = on_queued

    # -- observer side ---------------------------------------------------------------

    def record(
        self,
        read_hits: list[ReadHit],
        *,
        then: Callable[[UnitOfWork, list[RecordedHit]], None] | None = None,
    ) -> list[RecordedHit]:
        """Store the hits of one batch of reads in one transaction, queue the owners'
        notifications and log their alerts with them, then alert the control room. Each
        hit stored, with the read it came from and the end of its retention. `then` (the
        ingest's receipt of the batch) runs in the same transaction once the hits are
        stored, also for a batch without hits; whatever it raises rolls the whole batch
        back."""
        if not read_hits and then is None:
            return []
        now = self._ctx.now()
        recorded: list[RecordedHit] = []
        logged: list[LoggedAlert] = []
        queued = False
        with self._ctx.store.write() as uow:
            for position, read_hit in enumerate(read_hits):
                read = read_hit.read
                observed_at = from_epoch_ms(read.observed_ms)
                zones = self._settings.zones or {}
                sighting = Sighting(
                    observed_at,
                    read.camera,
                    read.site,
                    zones.get(read.site, self._settings.default_zone or self._ctx.node_id),
                    read.direction,
                    read.image_ref,
                )
                for match in read_hit.matches:
                    hit = self._one(uow, read_hit, match, sighting, now)
                    if hit is None:
                        continue
                    stored, alert, notified = hit
                    recorded.append(RecordedHit(position, alert.hit_id, stored.expires_at, alert))
                    logged.append(self._alerts.log(uow, alert))
                    queued |= notified
            if then is not None:
                then(uow, recorded)
            uow.commit()
        if queued:
            self._on_queued()
        self._alerts.publish(logged)
        return recorded

    def _one(
        self, uow: UnitOfWork, read_hit: ReadHit, match: Match, sighting: Sighting, now: datetime
    ) -> tuple[ObservedHit, Alert, bool] | None:
        hit_id = new_entry_id()
        entry_id = match.entry.entry_id
        agreement_id = None if match.list_id == OWN else match.list_id
        notification = None
        if agreement_id is None:
            entry = uow.own_entries.get(entry_id)
            if (
                entry is None
                or entry.withdrawn
                or entry.plate.normalised != match.matched
                or entry.plate.country != match.country
            ):
                return None  # withdrawn or changed since the index saw it
            action, flags, version = entry.action.value, entry.flags, entry.version
            agreement_version = None
            retention = capped_hit_retention_days(
                self._settings.own_hit_retention_days, self._ctx.node_id
            )
        else:
            agreement = uow.agreements.get(agreement_id)
            terms = agreement.in_force(now) if agreement else None
            if terms is None:
                return None  # suspended, revoked or expired: its entries are not in use
            leaf = uow.received.leaf(agreement_id, entry_id)
            if leaf is None:
                return None  # removed since the index saw it
            shared = feed_codec.change_from_leaf(leaf).upsert
            action, flags, version = shared.action, shared.flags or (), shared.version
            agreement_version = terms.version
            # Retention rule 7: the stricter national limit of the pair.
            retention = capped_hit_retention_days(
                terms.hit_retention_days, self._ctx.node_id, match.owner
            )
            notification = build_notification(
                hit_id=hit_id,
                terms=terms,
                observer=self._ctx.node_id,
                owner=match.owner,
                entry_id=entry_id,
                entry_version=version,
                sighting=sighting,
                match=match.kind,
                country_inferred=read_hit.country_inferred,
            )
        read = read_hit.read
        stored = ObservedHit(
            hit_id=hit_id,
            observed_at=sighting.observed_at,
            camera=sighting.camera,
            site=sighting.site,
            zone=sighting.zone,
            direction=sighting.direction,
            image_ref=sighting.image_ref,
            plate=match.matched,
            country=match.country,
            country_inferred=read_hit.country_inferred,
            match=match.kind.value,
            matched=match.matched,
            entry_owner=match.owner,
            entry_id=entry_id,
            entry_version=version,
            agreement_id=agreement_id,
            agreement_version=agreement_version,
            category=match.entry.category,
            action=action,
            flags=tuple(flags),
            owner_notified=notification is not None,
            expires_at=hit_expires_at(sighting.observed_at, retention),
        )
        uow.hits.save_observed(stored)
        self._ctx.record(
            OBSERVER,
            "hit.recorded",
            "hit",
            hit_id,
            uow=uow,
            details={
                "entry_id": entry_id,
                "owner": match.owner,
                "agreement_id": agreement_id,
                "match": match.kind.value,
                "camera": sighting.camera,
            },
        )
        if notification is not None:
            envelope = env.sign(
                HIT_NOTIFICATION_PAYLOAD,
                hits_codec.notification_payload(notification),
                self._ctx.signing_key,
            )
            uow.outbox.enqueue(
                HIT_NOTIFICATION, match.owner, hit_id, codec.envelope_bytes(envelope)
            )
        # The operator sees what this node's own camera read, not the matched reading.
        alert = Alert.of(stored, normalise_plate(read.plate))
        return stored, alert, notification is not None

    # -- owner side ------------------------------------------------------------------

    def receive(self, sender: str, envelope: env.Envelope) -> bool:
        """Verify a partner's hit notification and store it once; True if it was a
        duplicate (already held). Raises the domain error that refuses it."""
        with self._ctx.store.read() as uow:
            partner = uow.partners.get(sender)
        if partner is None:
            raise PartnerUnknown(f"{sender} is not a registered partner")
        partner.check_new(envelope.signer_key_ids, self._ctx.now())  # keychain rule 4
        payload = env.verify(
            envelope, payload_type=HIT_NOTIFICATION_PAYLOAD, signers={sender: partner.keys}
        )
        n = hits_codec.notification_from_payload(payload)
        with self._ctx.store.read() as uow:
            agreement = uow.agreements.get(n.agreement_id)
            known_entry = uow.own_entries.created_by(n.entry_id) is not None
        terms = None
        if agreement is not None:
            try:
                version = agreement.version(n.agreement_version)
            except ArgosError:
                version = None
            if version is not None and version.countersigned:
                terms = version.terms
        now = self._ctx.now()
        if agreement is not None and agreement.state(now) is AgreementState.REVOKED:
            raise AgreementViolation(f"agreement {n.agreement_id} is revoked")
        check_notification(n, terms, sender=sender, this_node=self._ctx.node_id, now=now)
        assert terms is not None  # check_notification refuses a missing version
        if not known_entry:
            raise AgreementViolation(f"no entry {n.entry_id} of {self._ctx.node_id}")
        stored = ReceivedHit(
            hit_id=n.hit_id,
            agreement_id=n.agreement_id,
            agreement_version=n.agreement_version,
            observer=n.observer,
            entry_id=n.entry_id,
            entry_version=n.entry_version,
            observed_at=n.observed_at,
            camera=n.location.camera,
            site=n.location.site,
            zone=n.location.zone,
            match=n.match.value,
            country_inferred=n.country_inferred,
            envelope=codec.envelope_bytes(envelope),
            received_at=now,
            expires_at=hit_expires_at(
                n.observed_at,
                capped_hit_retention_days(terms.hit_retention_days, self._ctx.node_id, sender),
            ),
        )
        with self._ctx.store.write() as uow:
            new = uow.hits.save_received(stored)
            if new:
                self._ctx.record(
                    Caller("partner", sender),
                    "hit.received",
                    "hit",
                    n.hit_id,
                    uow=uow,
                    details={
                        "entry_id": n.entry_id,
                        "agreement_id": n.agreement_id,
                        "match": n.match.value,
                    },
                )
            uow.commit()
        log.info("hit.received", hit_id=n.hit_id, observer=sender, duplicate=not new)
        return not new

    # -- reading and erasing ---------------------------------------------------------

    @requires(Action.HITS_READ)
    def list(
        self, caller: Caller, *, observed: bool, entry_id: str = "", limit: int = 100
    ) -> list[HitView]:
        """observed: this node's cameras on partners' entries; else hits on this node's
        own entries (its own cameras' and those partners notified), newest first."""
        limit = max(1, min(limit or 100, 1000))
        with self._ctx.store.write() as uow:
            if observed:
                found: list[ObservedHit | ReceivedHit] = list(
                    uow.hits.list_observed(own_only=False, entry_id=entry_id, limit=limit)
                )
            else:
                own = uow.hits.list_observed(own_only=True, entry_id=entry_id, limit=limit)
                notified = uow.hits.list_received(entry_id=entry_id, limit=limit)
                found = sorted([*own, *notified], key=lambda h: h.observed_at, reverse=True)
                found = found[:limit]
            self._ctx.record(
                caller,
                "hit.list",
                "hit",
                entry_id or "*",
                uow=uow,
                details={"observed": observed, "returned": len(found)},
            )
            sent = uow.outbox.sent_for([h.hit_id for h in found])
            uow.commit()
        return [HitView(h, h.hit_id in sent) for h in found]

    @requires(Action.HITS_READ)
    def get(self, caller: Caller, hit_id: str) -> HitView:
        with self._ctx.store.write() as uow:
            hit = uow.hits.observed(hit_id) or uow.hits.received(hit_id)
            if hit is None:
                raise NotFound(f"no hit {hit_id} (erased when its retention ended, or never here)")
            self._ctx.record(caller, "hit.read", "hit", hit_id, uow=uow)
            sent = uow.outbox.sent_for([hit_id])
            uow.commit()
        return HitView(hit, hit_id in sent)

    def purge(self) -> int:
        """Erase every hit past its retention, with its notification in the outbox and
        its alert in the alert log; each erasure is audited."""
        now = self._ctx.now()
        erased = 0
        with self._ctx.store.write() as uow:
            for expired in uow.hits.expired(now):
                uow.hits.erase(expired.kind, expired.hit_id)
                # Its notification to the owner goes with it, sent or not: the signed
                # envelope holds the sighting, which may not outlive the hit.
                notification = uow.outbox.erase(expired.hit_id)
                self._ctx.record(
                    Caller("system", "retention"),
                    "hit.erased",
                    "hit",
                    expired.hit_id,
                    uow=uow,
                    justification="retention ended",
                    details={
                        "entry_id": expired.entry_id,
                        "agreement_id": expired.agreement_id,
                        "notification_erased": bool(notification),
                    },
                )
                erased += 1
            uow.commit()
        if erased:
            log.info("hits.erased", count=erased)
        return erased
