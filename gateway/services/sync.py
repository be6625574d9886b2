"""Recipient side of hotlist sync: verify every batch and head the provider sends (rules
in gateway.domain.feed), apply verified batches atomically, resync on a head mismatch,
purge on revocation, and notice a feed gone stale. Network calls live in the node's
sync runner.

A feed is stale when the provider's last head verified against what is held was
signed longer ago than the bound (stale_after): the copy may lack a withdrawal or an
expiry the provider published since. Before the first verified head, the last batch
applied stands in for it; a feed with nothing received yet is not stale. A head dated
ahead of its arrival counts from its arrival, so a provider's clock running ahead
cannot keep a feed fresh. Going stale and fresh again is told to the operators'
alert stream, logged and audited; with stop_matching, the hooks in on_stale (the
matching service) stop acting on the partner's list while it is stale."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog

from gateway.domain import envelope as env
from gateway.domain import feed as feed_rules
from gateway.domain.agreement import Agreement, AgreementTerms, MatchingMode
from gateway.domain.errors import ArgosError, NotFound, PartnerUnknown, SignatureInvalid
from gateway.domain.partners import Partner
from gateway.domain.roles import Action
from gateway.domain.schemes.oblivious import verify_commitment
from gateway.domain.times import parse_time_text, time_text
from gateway.services.access import requires
from gateway.services.alerts import AlertHub, FeedNotice
from gateway.services.context import Caller, NodeContext
from gateway.services.ports import SyncState
from gateway.wire import feed_codec

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class SyncOverview:
    """One agreement in one direction, as `argos sync status` shows it."""

    agreement_id: str
    partner: str
    role: str  # "provider": we share our entries; "recipient": we receive theirs
    agreement_version: int
    cursor: int
    entries: int
    lag_changes: int = 0
    last_verified_head_seq: int = 0
    last_verified_at: str = ""
    rejected_batches: int = 0
    last_error: str = ""
    last_applied_at: str = ""
    # Recipient: when the provider signed the last verified head, how long ago, and
    # whether that is past the bound (see the module docstring).
    last_head_at: str = ""
    head_age_s: float | None = None
    stale: bool = False


@dataclass(frozen=True)
class FeedFreshness:
    agreement_id: str
    partner: str
    last_head_at: datetime | None
    age_s: float | None  # None: nothing received yet
    stale: bool


def freshness_of(state: SyncState, now: datetime, stale_after: timedelta) -> FeedFreshness:
    """How fresh the copy held under one agreement is (rules in the module docstring)."""
    head = parse_time_text(state.last_head_issued_at) if state.last_head_issued_at else None
    since = head or (parse_time_text(state.last_applied_at) if state.last_applied_at else None)
    if since is None:
        return FeedFreshness(state.agreement_id, state.provider, None, None, False)
    age = max(timedelta(0), now - since)
    return FeedFreshness(
        state.agreement_id, state.provider, head, age.total_seconds(), age > stale_after
    )


# Verifies one batch: (party, cursor, leaves, checkpoint, terms by agreement version)
# -> (checkpoint, what is kept of each change, leaf hashes). verify_received does it here;
# a node may hand it to another process (gateway.node.verifier), so it must be picklable.
Verifier = Callable[
    [feed_rules.FeedParty, int, list[bytes], env.Envelope, dict[int, AgreementTerms]],
    tuple[feed_rules.Checkpoint, feed_rules.Kept, tuple[bytes, ...]],
]


def verify_received(
    party: feed_rules.FeedParty,
    cursor: int,
    leaves: list[bytes],
    checkpoint: env.Envelope,
    terms_by_version: dict[int, AgreementTerms],
) -> tuple[feed_rules.Checkpoint, feed_rules.Kept, tuple[bytes, ...]]:
    """Every feed rule over one batch, then what the recipient keeps of it. Pure."""
    batch = feed_rules.verify_batch(
        party,
        cursor,
        leaves,
        checkpoint,
        decode_checkpoint=feed_codec.checkpoint_from_payload,
        decode_change=feed_codec.change_from_leaf,
        terms_for_version=terms_by_version.get,
    )
    return batch.checkpoint, feed_rules.kept_of(batch), batch.leaf_hashes


@dataclass(frozen=True)
class HeadCheck:
    verified: bool
    resynced: bool = False


class SyncService:
    def __init__(
        self,
        ctx: NodeContext,
        verifier: Verifier = verify_received,
        *,
        alerts: AlertHub | None = None,
        stale_after_s: float = 300.0,
        stop_matching_when_stale: bool = False,
    ) -> None:
        self._ctx = ctx
        self._verifier = verifier
        self._alerts = alerts
        self.stale_after = timedelta(seconds=stale_after_s)
        self.stop_matching_when_stale = stop_matching_when_stale
        # Called with an agreement id after its received state was reset.
        self.on_reset: list[Callable[[str], None]] = []
        # Called with the agreements whose feed is stale, each time that set changes.
        self.on_stale: list[Callable[[frozenset[str]], None]] = []
        self.stale: frozenset[str] = frozenset()
        self._freshness_lock = threading.Lock()

    def received_agreements(self) -> list[tuple[Agreement, AgreementTerms]]:
        """Agreements in force under which the partner shares its entries with us."""
        now = self._ctx.now()
        out = []
        with self._ctx.store.read() as uow:
            agreements = uow.agreements.all()
        for agreement in agreements:
            terms = agreement.in_force(now)
            if terms is not None and terms.provides(agreement.partner):
                out.append((agreement, terms))
        return out

    def received_agreement(self, agreement_id: str) -> Agreement | None:
        """The agreement, if it is in force and the partner shares its entries under it
        (a sync asks before every batch: one agreement read, not all of them)."""
        with self._ctx.store.read() as uow:
            agreement = uow.agreements.get(agreement_id)
        if agreement is None:
            return None
        terms = agreement.in_force(self._ctx.now())
        if terms is None or not terms.provides(agreement.partner):
            return None
        return agreement

    def partner_record(self, node_id: str) -> Partner:
        with self._ctx.store.read() as uow:
            partner = uow.partners.get(node_id)
        if partner is None:
            raise PartnerUnknown(f"{node_id} is no longer a registered partner")
        return partner

    def party(self, agreement: Agreement) -> feed_rules.FeedParty:
        partner = self.partner_record(agreement.partner)
        return feed_rules.FeedParty(
            agreement.agreement_id, agreement.partner, self._ctx.node_id, partner.keys
        )

    def cursor(self, agreement: Agreement) -> int:
        with self._ctx.store.read() as uow:
            return uow.received.state(agreement.agreement_id, agreement.partner).cursor

    def needs_key(self, agreement_id: str, version: int, epoch: int = 0) -> bool:
        with self._ctx.store.read() as uow:
            return uow.received.matching_key(agreement_id, version, epoch) is None

    def store_key(
        self,
        agreement_id: str,
        version: int,
        mode: str,
        key: bytes | env.Envelope,
        epoch: int = 0,
    ) -> None:
        """Keep the key a list is matched under. An oblivious owner's key arrives as its
        signed commitment: verified here, and only its public key is kept."""
        if isinstance(key, env.Envelope) or mode == MatchingMode.OBLIVIOUS.value:
            key = self._committed_key(agreement_id, version, key, epoch)
        with self._ctx.store.write() as uow:
            uow.received.store_matching_key(agreement_id, version, mode, key, epoch)
            uow.commit()

    def _committed_key(
        self, agreement_id: str, version: int, key: bytes | env.Envelope, epoch: int
    ) -> bytes:
        if not isinstance(key, env.Envelope):
            raise SignatureInvalid("the owner sent no signed commitment to its oblivious key")
        with self._ctx.store.read() as uow:
            agreement = uow.agreements.get(agreement_id)
        if agreement is None:
            raise NotFound(f"no agreement {agreement_id}")
        self._check_new_signer(agreement, key)
        committed = verify_commitment(
            key,
            provider=agreement.partner,
            provider_keys=self.partner_record(agreement.partner).keys,
            recipient=self._ctx.node_id,
            agreement_id=agreement_id,
            version=version,
            epoch=epoch,
            decode=feed_codec.key_commitment_from_payload,
        )
        return committed.encode()

    def retire_keys(self, agreement: Agreement, floor: int) -> int:
        """The provider's signed head says no live entry is under an epoch below
        `floor` any more (its overlap ended): erase those keys and stop hashing reads
        under them, without a restart. Audited; returns how many keys went."""
        if floor <= 0:
            return 0
        with self._ctx.store.read() as uow:  # every head carries the floor: write rarely
            if (
                min(uow.received.matching_key_epochs(agreement.agreement_id), default=floor)
                >= floor
            ):
                return 0
        with self._ctx.store.write() as uow:
            erased = uow.received.erase_matching_keys_before(agreement.agreement_id, floor)
            if erased:
                self._ctx.record(
                    Caller("partner", agreement.partner),
                    "token_key.erased",
                    "agreement",
                    agreement.agreement_id,
                    uow=uow,
                    details={"epoch_floor": floor, "keys": erased},
                )
            uow.commit()
        if erased:
            log.info(
                "sync.token_keys_erased", agreement_id=agreement.agreement_id, epoch_floor=floor
            )
            self._ctx.received_keys_retired(agreement.agreement_id)
        return erased

    def verify_batch(
        self,
        agreement: Agreement,
        leaves: list[bytes],
        checkpoint: env.Envelope,
        *,
        cursor: int | None = None,
    ) -> feed_rules.ReceivedBatch:
        """Verify a batch against the stored cursor, or against `cursor` when the caller
        verifies ahead of applying (the batch before it is still being written). A new
        checkpoint must be signed by a key the provider's chain accepts now."""
        party = self._signed_by_party(agreement, checkpoint)
        checked, kept, hashes = self._verifier(
            party,
            self.cursor(agreement) if cursor is None else cursor,
            leaves,
            checkpoint,
            self._acceptable_terms(agreement),
        )
        return feed_rules.ReceivedBatch(checked, kept, tuple(leaves), hashes)

    def _acceptable_terms(self, agreement: Agreement) -> dict[int, AgreementTerms]:
        """Terms a batch may be under: those in force, and, while they are, any earlier
        countersigned version (a batch under the version just superseded may still be
        in flight)."""
        terms = agreement.in_force(self._ctx.now())
        if terms is None:
            return {}
        out = {v.terms.version: v.terms for v in agreement.versions if v.countersigned}
        out[terms.version] = terms
        return out

    def apply(
        self, agreement: Agreement, batch: feed_rules.ReceivedBatch, checkpoint: env.Envelope
    ) -> bool:
        """Apply a verified batch in one transaction; audited as a collection. False,
        with nothing written, when the stored cursor is not where the batch starts (a
        resync reset it, or another stream applied the batch first): the caller
        reconnects from the stored cursor. The transaction is refetchable
        (Store.write): lost in a crash, the batch, its cursor and its audit record are
        lost together and pulled again."""
        with self._ctx.store.write(refetchable=True) as uow:
            state = uow.received.state(agreement.agreement_id, agreement.partner)
            if state.cursor != batch.checkpoint.from_seq:
                return False
            applied = uow.received.apply_batch(state, batch, checkpoint)
            self._ctx.record(
                Caller("partner", agreement.partner),
                "hotlist.received",
                "agreement",
                agreement.agreement_id,
                uow=uow,
                details={
                    "from_seq": batch.checkpoint.from_seq,
                    "to_seq": batch.checkpoint.to_seq,
                    "changes": len(batch.kept),
                },
            )
            uow.commit()
        self._ctx.received_applied(applied)
        return True

    def _check_new_signer(self, agreement: Agreement, signed: env.Envelope) -> None:
        self._signed_by_party(agreement, signed)

    def _signed_by_party(self, agreement: Agreement, signed: env.Envelope) -> feed_rules.FeedParty:
        """The provider as a feed party, once its chain accepts the signer of `signed`
        for new messages now (keychain rule 4): one read of the partner for both."""
        partner = self.partner_record(agreement.partner)
        partner.check_new(signed.signer_key_ids, self._ctx.now())
        return feed_rules.FeedParty(
            agreement.agreement_id, agreement.partner, self._ctx.node_id, partner.keys
        )

    def check_head(self, agreement: Agreement, head_envelope: env.Envelope) -> HeadCheck:
        party = self._signed_by_party(agreement, head_envelope)
        head = feed_rules.verify_head(
            party, head_envelope, decode_head=feed_codec.head_from_payload
        )
        self.retire_keys(agreement, head.token_epoch_floor)
        with self._ctx.store.write() as uow:
            state = uow.received.state(agreement.agreement_id, agreement.partner)
            state.provider_seq = max(state.provider_seq, head.seq)
            if head.seq != state.cursor:
                uow.received.save_state(state)
                uow.commit()
                return HeadCheck(False)
            verified = (head.count, head.set_digest) == (state.live_count, state.set_digest)
            if verified:
                now = self._ctx.now()
                state.last_verified_seq = head.seq
                state.last_verified_at = time_text(now)
                state.last_head_issued_at = time_text(min(head.issued_at, now))
                uow.received.save_state(state)
            else:
                # Same position, different set: something was lost or doubled. Start over.
                purged = uow.received.purge(agreement.agreement_id)
                self._ctx.record(
                    Caller("system", "sync"),
                    "hotlist.resync",
                    "agreement",
                    agreement.agreement_id,
                    uow=uow,
                    justification="signed head differs from the set held at the same seq",
                    details={"seq": head.seq, "purged": purged},
                )
            uow.commit()
        if verified:
            if agreement.agreement_id in self.stale:
                self.check_freshness()  # fresh again: act on the list at once
            return HeadCheck(True)
        self._ctx.received_reset(agreement.agreement_id)
        log.warning("sync.head_mismatch", agreement_id=agreement.agreement_id, seq=head.seq)
        return HeadCheck(False, resynced=True)

    # -- freshness ----------------------------------------------------------------------

    def freshness(self) -> list[FeedFreshness]:
        """Every feed received under an agreement in force, and how fresh it is."""
        now = self._ctx.now()
        received = self.received_agreements()
        with self._ctx.store.read() as uow:
            states = [uow.received.state(a.agreement_id, a.partner) for a, _ in received]
        return [freshness_of(s, now, self.stale_after) for s in states]

    def check_freshness(self) -> frozenset[str]:
        """Compare every feed with the bound; tell, log and audit each one that went
        stale or fresh again since the last check; return the stale ones."""
        with self._freshness_lock:  # the watch loop and a sync thread may both ask
            feeds = self.freshness()
            stale = frozenset(f.agreement_id for f in feeds if f.stale)
            if stale == self.stale:
                return stale
            for f in feeds:
                if (f.agreement_id in stale) != (f.agreement_id in self.stale):
                    self._told(f)
            self.stale = stale
            for hook in self.on_stale:
                hook(stale)
            return stale

    def _told(self, f: FeedFreshness) -> None:
        what = "stale" if f.stale else "fresh"
        stopped = f.stale and self.stop_matching_when_stale
        age = None if f.age_s is None else round(f.age_s)
        log_line = log.warning if f.stale else log.info
        log_line(
            f"sync.feed_{what}",
            agreement_id=f.agreement_id,
            partner=f.partner,
            head_age_s=age,
            matching_stopped=stopped,
        )
        with self._ctx.store.write() as uow:
            self._ctx.record(
                Caller("system", "sync"),
                f"hotlist.feed_{what}",
                "agreement",
                f.agreement_id,
                uow=uow,
                justification=(
                    f"last verified head of {f.partner} signed {age} s ago, "
                    f"{'over' if f.stale else 'within'} the bound of "
                    f"{self.stale_after.total_seconds():g} s"
                ),
                details={"partner": f.partner, "head_age_s": age, "matching_stopped": stopped},
            )
            notice = None
            if self._alerts is not None:
                # Logged with its audit record; published to live watchers once committed.
                notice = self._alerts.log(
                    uow,
                    FeedNotice(f.agreement_id, f.partner, what, f.last_head_at, f.age_s, stopped),
                )
            uow.commit()
        if notice is not None:
            self._alerts.publish([notice])

    def record_rejection(self, agreement: Agreement, error: Exception) -> None:
        with self._ctx.store.write() as uow:
            state = uow.received.state(agreement.agreement_id, agreement.partner)
            state.rejected_batches += 1
            state.last_error = str(error)[:500]
            uow.received.save_state(state)
            self._ctx.record(
                Caller("partner", agreement.partner),
                "hotlist.batch_rejected",
                "agreement",
                agreement.agreement_id,
                uow=uow,
                justification=str(error)[:500],
                details={"error": type(error).__name__, "cursor": state.cursor},
            )
            uow.commit()
        log.warning(
            "sync.batch_rejected",
            agreement_id=agreement.agreement_id,
            partner=agreement.partner,
            error=type(error).__name__,
        )

    @requires(Action.SYNC_MANAGE)
    def resync(self, caller: Caller, agreement_id: str, justification: str) -> int:
        """Erase what is held under an agreement and sync it again from the start."""
        with self._ctx.store.write() as uow:
            if uow.agreements.get(agreement_id) is None:
                raise NotFound(f"no agreement {agreement_id}")
            purged = uow.received.purge(agreement_id)
            self._ctx.record(
                caller,
                "hotlist.resync",
                "agreement",
                agreement_id,
                uow=uow,
                justification=justification,
                details={"purged": purged},
            )
            uow.commit()
        self._ctx.received_reset(agreement_id)
        for hook in self.on_reset:
            hook(agreement_id)
        return purged

    @requires(Action.SYNC_READ)
    def verify_held(self, caller: Caller, agreement_id: str) -> tuple[int, str]:
        """Re-prove the origin of every entry held under an agreement from its stored
        leaf and signed checkpoint; (entries proven, first problem or "")."""
        with self._ctx.store.read() as uow:
            agreement = uow.agreements.get(agreement_id)
            if agreement is None:
                raise NotFound(f"no agreement {agreement_id}")
            proofs = uow.received.proofs(agreement_id)
        party = self.party(agreement)
        proven, problem = 0, ""
        for entry_id, leaf, checkpoint_id, index in proofs.entries:
            envelope, hashes = proofs.checkpoints[checkpoint_id]
            try:
                feed_rules.prove_held_entry(
                    party,
                    leaf,
                    index,
                    hashes,
                    envelope,
                    decode_checkpoint=feed_codec.checkpoint_from_payload,
                )
            except ArgosError as exc:
                problem = problem or f"entry {entry_id}: {exc}"
                continue
            proven += 1
        self._ctx.record(
            caller,
            "hotlist.verify",
            "agreement",
            agreement_id,
            details={"proven": proven, "failed": len(proofs.entries) - proven},
        )
        return proven, problem

    @requires(Action.SYNC_READ)
    def held_token_epochs(self, caller: Caller) -> dict[str, list[int]]:
        """Per agreement received under, the provider's token epochs whose keys we hold."""
        with self._ctx.store.read() as uow:
            return {a: uow.received.matching_key_epochs(a) for a in uow.received.agreement_ids()}

    @requires(Action.SYNC_READ)
    def status(self, caller: Caller) -> list[SyncOverview]:
        return self.overview()

    def overview(self) -> list[SyncOverview]:
        """Every agreement with a countersigned version, in each direction it shares."""
        now = self._ctx.now()
        rows = []
        with self._ctx.store.read() as uow:
            held = {s.agreement_id: s for s in uow.received.states()}
            for agreement in uow.agreements.all():
                if agreement.current is None:
                    continue
                terms = agreement.current.terms
                state = agreement.state(now).value
                stopped = "" if state == "active" else f"agreement {state}"
                if terms.provides(self._ctx.node_id):
                    feed = uow.feed.state(agreement.agreement_id)
                    rows.append(
                        SyncOverview(
                            agreement.agreement_id,
                            agreement.partner,
                            "provider",
                            feed.agreement_version if feed else terms.version,
                            feed.last_seq if feed else 0,
                            feed.live_count if feed else 0,
                            last_error=stopped,
                        )
                    )
                if terms.provides(agreement.partner):
                    s = held.get(agreement.agreement_id) or SyncState(
                        agreement.agreement_id, agreement.partner, 0, 0, 0
                    )
                    fresh = freshness_of(s, now, self.stale_after)
                    rows.append(
                        SyncOverview(
                            agreement.agreement_id,
                            agreement.partner,
                            "recipient",
                            terms.version,
                            s.cursor,
                            s.live_count,
                            lag_changes=max(0, s.provider_seq - s.cursor),
                            last_verified_head_seq=s.last_verified_seq,
                            last_verified_at=s.last_verified_at,
                            rejected_batches=s.rejected_batches,
                            last_error=s.last_error or stopped,
                            last_applied_at=s.last_applied_at,
                            last_head_at=s.last_head_issued_at,
                            head_age_s=fresh.age_s,
                            stale=fresh.stale and state == "active",
                        )
                    )
        return rows
