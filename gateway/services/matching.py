"""Camera reads in, hits out: keeps the in-memory index of every hotlist this node holds
current with the store, matches each batch of reads (rules in gateway.domain.matching)
and hands hits to the hit service. A read that matches nothing leaves no trace: it is
neither stored, nor logged, nor counted by plate. A partner list whose feed is stale
may be set aside (skip_lists, when the node is configured to stop matching on stale
feeds): its entries then produce no hit until fresh heads arrive."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

import structlog

from gateway.domain.agreement import MatchingMode
from gateway.domain.errors import ArgosError, InvalidInput, PartnerUnreachable, ProofInvalid
from gateway.domain.matching import OWN, EntryRef, HotlistIndex, Match, MatchEngine, plain_key
from gateway.domain.ocr import FuzzyPolicy
from gateway.domain.schemes import MatchingScheme, scheme_for
from gateway.domain.schemes.oblivious import ObliviousIndex, ResolvedList, WantedReadings
from gateway.services.context import Caller, NodeContext
from gateway.services.oblivious_matching import HeldReads, ObliviousResolver
from gateway.services.ports import AppliedBatch, OwnIndexRow, UnitOfWork

log = structlog.get_logger(__name__)

MAX_READS_PER_BATCH = 10_000
MAX_FIELD = 64  # as hits.MAX_LOCATION: a site or camera name must fit a notification


# Own entries changed other than through this node's hotlist service (a validity tick)
# are taken into matching within this many seconds (see MatchingService.refresh_own).
OWN_LOOK_S = 1.0


class IncomingRead(NamedTuple):
    """One camera read as an adapter handed it over (built per read: a NamedTuple)."""

    plate: str
    country: str
    candidates: tuple[str, ...]
    camera: str
    site: str
    observed_ms: int  # epoch milliseconds, UTC
    direction: str
    image_ref: str
    confidence: float = 0.0

    def __repr__(self) -> str:  # never show a plate
        return f"IncomingRead(camera={self.camera!r}, observed_ms={self.observed_ms})"


class ReadHit(NamedTuple):
    """A read that matched: the read, and every entry it matched."""

    read: IncomingRead
    matches: list[Match]
    country_inferred: bool


@dataclass
class AdapterSeen:
    """One adapter (an adapter user) as seen from the batches it handed in."""

    user: str
    batches: int = 0
    reads: int = 0
    hits: int = 0
    rejected: int = 0
    last_batch_at: datetime | None = None
    # Batches handed in again under an id already answered (answered from the receipt).
    repeated: int = 0


@dataclass
class BatchOutcome:
    accepted: int = 0
    hits: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)


class MatchingService:
    """The node's matching engine and the store it mirrors."""

    def __init__(
        self, ctx: NodeContext, policy: FuzzyPolicy | None = None, *, fuzzy: bool = True
    ) -> None:
        self._ctx = ctx
        self.engine = MatchEngine(policy)
        self.fuzzy = fuzzy
        self._lock = threading.RLock()
        self._own_seq = 0
        self._own_keys: dict[str, tuple[str, bool]] = {}
        # Own entries are looked for in the store when this node's hotlist service said
        # they changed (own_changed), and at least every OWN_LOOK_S in case something
        # else changed them: not on every batch, which on PostgreSQL is a round trip.
        # own_changed counts the changes told; a look records the count it saw. One
        # look at a time: a batch arriving during a look waits for it rather than
        # matching the list the look is about to change.
        self._own_told = 1
        self._own_seen = 0
        self._own_looked = 0.0
        self._own_look_lock = threading.Lock()
        # The matching scheme each partner list is indexed by.
        self._schemes: dict[str, MatchingScheme] = {}
        self._adapters: dict[str, AdapterSeen] = {}
        # Oblivious lists (issue 20): their readings are evaluated by the owner; reads
        # wait for an unreachable owner in memory only, bounded, then are dropped.
        self.resolver = ObliviousResolver(ctx)
        self.held = HeldReads()
        self.late_hits: Callable[[list[ReadHit]], object] | None = None
        self._retrying = threading.Event()
        # Partner lists (agreement ids) not acted on for now: their feed is stale.
        self._skipped: frozenset[str] = frozenset()
        ctx.received_listeners.append(self)

    def skip_lists(self, agreement_ids: frozenset[str]) -> None:
        """Match no read against these partner lists until told otherwise (the lists
        themselves stay current: batches still apply)."""
        with self._lock:
            if agreement_ids != self._skipped:
                log.info("matching.lists_skipped", agreements=sorted(agreement_ids))
            self._skipped = frozenset(agreement_ids)

    @property
    def skipped(self) -> frozenset[str]:
        return self._skipped

    # -- keeping the index current -------------------------------------------------

    def load(self) -> None:
        """Build every list from the store (at start)."""
        with self._lock:
            self._load_own()
            with self._ctx.store.read() as uow:
                agreements = uow.received.agreement_ids()
            for agreement_id in agreements:
                self._load_received(agreement_id)
        log.info(
            "matching.loaded",
            lists=len(self.engine.lists),
            entries=sum(len(i) for i in self.engine.lists.values()),
        )

    def _load_own(self) -> None:
        index = HotlistIndex(OWN, self._ctx.node_id)
        # Where each own entry sits, to take it out when it changes: the store only
        # knows its new plate by then.
        self._own_keys = {}
        with self._ctx.store.read() as uow:
            self._own_seq, rows = uow.own_entries.index_rows()
        for row in rows:
            self._add_own(index, row)
        self.engine.replace_list(index)

    def _add_own(self, index: HotlistIndex, row: OwnIndexRow) -> None:
        key = plain_key(row.plate, row.country)
        ref = EntryRef(row.entry_id, row.category, row.valid_from_s, row.expires_at_s)
        index.add(key, ref, countryless=not row.country)
        self._own_keys[row.entry_id] = (key, not row.country)

    def own_changed(self) -> None:
        """This node's own list changed (HotlistService): the next batch takes it in."""
        self._own_told += 1

    def _own_fresh(self) -> bool:
        return self._own_told == self._own_seen and time.monotonic() - self._own_looked < OWN_LOOK_S

    def refresh_own(self) -> None:
        """Take in own entries changed since the last look: when told they changed, or
        once OWN_LOOK_S has passed (cheap when none did)."""
        if self._own_fresh():
            return
        with self._own_look_lock:
            if self._own_fresh():
                return  # another batch looked while this one waited
            told, now = self._own_told, time.monotonic()
            self._look_own()
            # Only now: a change told during the look is looked for by the next batch.
            self._own_seen, self._own_looked = told, now

    def _look_own(self) -> None:
        with self._ctx.store.read() as uow:
            changes = uow.own_entries.index_changes(self._own_seq)
        if not changes:
            return
        with self._lock:
            index = self.engine.lists.get(OWN)
            if index is None:
                self._load_own()
                return
            for change in changes:
                # An update may change the plate: drop the entry wherever it was.
                held = self._own_keys.pop(change.row.entry_id, None)
                if held is not None:
                    index.remove(held[0], change.row.entry_id, countryless=held[1])
                if not change.withdrawn:
                    self._add_own(index, change.row)
                self._own_seq = max(self._own_seq, change.change_seq)

    def _load_received(self, agreement_id: str) -> None:
        with self._ctx.store.read() as uow:
            state = uow.received.state(agreement_id, "")
            scheme, keys = _keys_in_use(uow, agreement_id)
            index = scheme.index(agreement_id, state.provider, keys)
            index_key, add = scheme.index_key, index.add
            for entry_id, category, token, plate, country, expires_s in uow.received.index_rows(
                agreement_id
            ):
                key = index_key(token, plate, country)
                if key is not None:
                    add(key, EntryRef(entry_id, category, 0, expires_s), countryless=country == "")
        self._schemes[agreement_id] = scheme
        self.engine.replace_list(index)

    def applied(self, batch: AppliedBatch) -> None:
        """A verified batch was committed: mirror it (called by the sync service)."""
        with self._lock:
            index = self.engine.lists.get(batch.agreement_id)
            scheme = self._schemes.get(batch.agreement_id)
            if index is None or scheme is None or not self._indexed_under(index, scheme, batch):
                self._load_received(batch.agreement_id)
                return
            index_key = scheme.index_key
            for entry_id, token, plate, country in batch.removed:
                key = index_key(token, plate, country)
                if key is not None:
                    index.remove(key, entry_id, countryless=country == "")
            k = batch.kept
            for i in batch.upserted:
                key = index_key(k.plate_tokens[i], k.plates[i], k.countries[i])
                if key is not None:
                    country = k.countries[i]
                    ref = EntryRef(k.entry_ids[i], k.categories[i], 0, k.expires_at_s[i])
                    index.add(key, ref, countryless=country == "")

    def _indexed_under(
        self, index: HotlistIndex, scheme: MatchingScheme, batch: AppliedBatch
    ) -> bool:
        """Is the list indexed by the scheme and key of the batch's agreement version?"""
        if not batch.upserted:
            return True  # nothing to add
        with self._ctx.store.read() as uow:
            held = {
                v: (mode, key) for v, mode, key in uow.received.matching_keys(batch.agreement_id)
            }
        if batch.agreement_version not in held:
            return True  # stored before versions were recorded: the list has every key
        mode, key = held[batch.agreement_version]  # the newest epoch's key of the version
        if mode != scheme.mode.value:
            return False
        if isinstance(index, ObliviousIndex):
            return key in {c.encode() for c in index.committed}
        return not scheme.key_from_provider or key in index.token_keys

    def keys_retired(self, agreement_id: str) -> None:
        """Keys of the list were erased (the provider's token epoch ended): index the
        list again under the keys still held, so reads are no longer hashed under them."""
        with self._lock:
            if agreement_id in self.engine.lists:
                self._load_received(agreement_id)

    def entries_erased(self, agreement_id: str) -> None:
        """Entries of the list were erased by their retention: index the list again
        from what is held, so no read is matched against them."""
        with self._lock:
            if agreement_id in self.engine.lists:
                self._load_received(agreement_id)

    def token_keys(self) -> dict[str, int]:
        """How many token keys each partner list hashes reads under (2 during a token
        secret's overlap, 1 otherwise)."""
        with self._lock:
            return {
                list_id: len(index.token_keys)
                for list_id, index in self.engine.lists.items()
                if list_id and index.token_keys
            }

    def reset(self, agreement_id: str) -> None:
        """Everything received under the agreement was erased: so is its list."""
        with self._lock:
            self.engine.drop_list(agreement_id)
            self._schemes.pop(agreement_id, None)

    # -- matching ------------------------------------------------------------------

    def match_batch(
        self, reads: Sequence[IncomingRead], *, fuzzy: bool | None = None
    ) -> tuple[list[ReadHit], BatchOutcome]:
        """Match every read of a batch; the hits, and the answer for the adapter."""
        if len(reads) > MAX_READS_PER_BATCH:
            raise InvalidInput(
                f"a batch carries {len(reads)} reads; send at most {MAX_READS_PER_BATCH}"
            )
        self.refresh_own()
        fuzzy = self.fuzzy if fuzzy is None else fuzzy
        now = int(self._ctx.now().timestamp())
        outcome = BatchOutcome()
        hits: list[ReadHit] = []
        accepted: list[IncomingRead] = []
        match = self.engine.match
        with self._lock:
            skipped = self._skipped
            oblivious = {
                list_id: index
                for list_id, index in self.engine.lists.items()
                if isinstance(index, ObliviousIndex) and list_id not in skipped
            }
            for i, read in enumerate(reads):
                problem = _problem(read)
                if problem:
                    outcome.rejected.append((i, problem))
                    continue
                try:
                    found, inferred = match(
                        read.plate, read.country, read.candidates, now=now, fuzzy=fuzzy
                    )
                except InvalidInput as exc:  # PlateError and unknown country codes
                    outcome.rejected.append((i, str(exc)))
                    continue
                outcome.accepted += 1
                accepted.append(read)
                if found and skipped:
                    found = [m for m in found if m.list_id not in skipped]
                if found:
                    hits.append(ReadHit(read, found, inferred))
        if oblivious and accepted:
            hits = _merged(hits, self._match_oblivious(accepted, oblivious, fuzzy, now))
        outcome.hits = len(hits)
        return hits, outcome

    def _match_oblivious(
        self,
        reads: Sequence[IncomingRead],
        lists: dict[str, ObliviousIndex],
        fuzzy: bool,
        now: int,
        *,
        hold: bool = True,
    ) -> list[ReadHit]:
        """Hits of reads in oblivious lists, by the rules of every list: a first pass of
        the engine notes the readings each list would be looked up by, the owner
        evaluates them, a second pass looks the outputs up. A list whose owner is
        unreachable holds the reads (memory only) for a later try."""
        wanted = {list_id: WantedReadings(index) for list_id, index in lists.items()}
        engine = MatchEngine(self.engine.policy)
        engine.lists = wanted  # type: ignore[assignment]
        for read in reads:
            engine.match(read.plate, read.country, read.candidates, now=now, fuzzy=fuzzy)
        resolved = {}
        for list_id, w in wanted.items():
            try:
                outputs = self.resolver.resolve(w.index, list(w.inputs))
            except PartnerUnreachable as exc:  # also ResourceExhausted: the budget
                if hold:
                    log.warning(
                        "matching.oblivious_owner_unavailable",
                        agreement_id=list_id,
                        error=type(exc).__name__,
                        reads_held=len(reads),
                    )
                    self.held.hold(list_id, reads, fuzzy, now)
                    self._retry_later()
                    continue
                raise
            except ProofInvalid as exc:
                self._proof_refused(w.index, exc)
                continue
            except ArgosError as exc:
                # The owner refused otherwise (agreement no longer in force there, the
                # partner removed here): this list matches nothing for these reads;
                # the other lists' hits stand.
                log.warning(
                    "matching.oblivious_refused", agreement_id=list_id, error=type(exc).__name__
                )
                continue
            resolved[list_id] = ResolvedList(w.index, outputs)
        if not resolved:
            return []
        engine.lists = resolved  # type: ignore[assignment]
        hits = []
        for read in reads:
            found, inferred = engine.match(
                read.plate, read.country, read.candidates, now=now, fuzzy=fuzzy
            )
            if found:
                hits.append(ReadHit(read, found, inferred))
        return hits

    def _proof_refused(self, index: ObliviousIndex, error: ProofInvalid) -> None:
        log.warning("matching.oblivious_proof_refused", agreement_id=index.list_id)
        self._ctx.record(
            Caller("partner", index.owner),
            "oblivious.proof_refused",
            "agreement",
            index.list_id,
            justification=str(error),
        )

    def _retry_later(self) -> None:
        with self._lock:
            if self._retrying.is_set():
                return
            self._retrying.set()
        threading.Thread(target=self._retry_held, name="oblivious-held", daemon=True).start()

    def _retry_held(self) -> None:
        """Try held reads again every second until none are left (or all dropped)."""
        try:
            while True:
                with self._lock:
                    if not self.held.count:
                        self._retrying.clear()  # a hold after this starts a new thread
                        return
                time.sleep(1.0)
                batches = self.held.take()
                for n, batch in enumerate(batches):
                    with self._lock:
                        index = self.engine.lists.get(batch.list_id)
                    if not isinstance(index, ObliviousIndex):
                        continue  # the list went (agreement ended): nothing to match
                    try:
                        late = self._match_oblivious(
                            batch.reads,
                            {batch.list_id: index},
                            batch.fuzzy,
                            batch.now_s,
                            hold=False,
                        )
                    except PartnerUnreachable:
                        self.held.put_back(batches[n:])
                        break
                    if late and self.late_hits is not None:
                        self.late_hits(late)
        except BaseException:
            self._retrying.clear()
            raise

    def seen_from(self, user: str, outcome: BatchOutcome) -> None:
        """Count a batch an adapter handed in, for `argos status`."""
        with self._lock:
            seen = self._adapters.setdefault(user, AdapterSeen(user))
            seen.batches += 1
            seen.reads += outcome.accepted + len(outcome.rejected)
            seen.hits += outcome.hits
            seen.rejected += len(outcome.rejected)
            seen.last_batch_at = self._ctx.now()

    def repeated_from(self, user: str) -> None:
        """Count a batch answered from the node's receipt (handed in before)."""
        with self._lock:
            seen = self._adapters.setdefault(user, AdapterSeen(user))
            seen.repeated += 1
            seen.last_batch_at = self._ctx.now()

    def adapters(self) -> list[AdapterSeen]:
        with self._lock:
            return [AdapterSeen(**vars(a)) for a in self._adapters.values()]

    def counts(self) -> dict[str, int]:
        with self._lock:
            return {list_id or "own": len(index) for list_id, index in self.engine.lists.items()}


def _merged(hits: list[ReadHit], more: list[ReadHit]) -> list[ReadHit]:
    """One ReadHit per read: the matches of more lists added to those of a read."""
    if not more:
        return hits
    at = {id(h.read): i for i, h in enumerate(hits)}
    out = list(hits)
    for h in more:
        i = at.get(id(h.read))
        if i is None:
            at[id(h.read)] = len(out)
            out.append(h)
        else:
            held = out[i]
            out[i] = ReadHit(held.read, [*held.matches, *h.matches], held.country_inferred)
    return out


def _problem(read: IncomingRead) -> str:
    """Why a read cannot be used, or "" (the message never contains the plate)."""
    if not read.plate:
        return "read has no plate"
    if not read.camera or not read.site:
        return "read lacks its camera or site"
    if len(read.camera) > MAX_FIELD or len(read.site) > MAX_FIELD:
        return f"camera or site longer than {MAX_FIELD} characters"
    if len(read.image_ref) > 512:
        return "image reference longer than 512 characters"
    if read.observed_ms <= 0:
        return "read lacks its time"
    return ""


def _keys_in_use(uow: UnitOfWork, agreement_id: str) -> tuple[MatchingScheme, tuple[bytes, ...]]:
    """The scheme of the newest agreement version whose key is held, and the keys of
    that scheme for every version a held checkpoint is under (version 0: batches stored
    before versions were recorded; every key is tried)."""
    keys = uow.received.matching_keys(agreement_id)
    mode = MatchingMode(keys[-1][1]) if keys else MatchingMode.TOKEN
    versions = uow.received.checkpoint_versions(agreement_id)
    return scheme_for(mode), tuple(
        k for v, m, k in keys if m == mode.value and (0 in versions or v in versions)
    )
