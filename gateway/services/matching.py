"""Camera reads in, hits out: keeps the in-memory index of every hotlist this node holds
current with the store, matches each batch of reads (rules in gateway.domain.matching)
and hands hits to the hit service. A read that matches nothing leaves no trace: it is
neither stored, nor logged, nor counted by plate."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import NamedTuple

import structlog

from gateway.domain.errors import InvalidInput
from gateway.domain.matching import OWN, EntryRef, HotlistIndex, Match, MatchEngine, plain_key
from gateway.domain.ocr import FuzzyPolicy
from gateway.services.context import NodeContext
from gateway.store import received as received_store
from gateway.store.received import ROW_CATEGORY, ROW_COUNTRY, ROW_EXPIRES, ROW_PLATE, ROW_TOKEN

log = structlog.get_logger(__name__)

MAX_READS_PER_BATCH = 10_000
MAX_FIELD = 64  # as hits.MAX_LOCATION: a site or camera name must fit a notification
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


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


@dataclass
class BatchOutcome:
    accepted: int = 0
    hits: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)


def _epoch(text: str) -> int:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return int((moment - _EPOCH).total_seconds())


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
        self._adapters: dict[str, AdapterSeen] = {}
        ctx.received_listeners.append(self)

    # -- keeping the index current -------------------------------------------------

    def load(self) -> None:
        """Build every list from the store (at start)."""
        with self._lock:
            self._load_own()
            with self._ctx.database.reading() as db:
                agreements = [
                    r[0] for r in db.conn.execute("SELECT DISTINCT agreement_id FROM sync_state")
                ]
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
        with self._ctx.database.reading() as db:
            self._own_seq = db.conn.execute(
                "SELECT coalesce(max(change_seq), 0) FROM entries"
            ).fetchone()[0]
            rows = db.conn.execute(
                "SELECT entry_id, plate, country, category, valid_from, expires_at "
                "FROM entries WHERE withdrawn = 0"
            )
            for entry_id, plate, country, category, valid_from, expires_at in rows:
                ref = EntryRef(entry_id, category, _epoch(valid_from), _epoch(expires_at))
                key = plain_key(plate, country)
                index.add(key, ref, countryless=not country)
                self._own_keys[entry_id] = (key, not country)
        self.engine.replace_list(index)

    def refresh_own(self) -> None:
        """Take in own entries changed since the last look (cheap when none did)."""
        with self._ctx.database.reading() as db:
            rows = db.conn.execute(
                "SELECT change_seq, entry_id, plate, country, category, valid_from, expires_at, "
                "withdrawn FROM entries WHERE change_seq > ? ORDER BY change_seq",
                (self._own_seq,),
            ).fetchall()
        if not rows:
            return
        with self._lock:
            index = self.engine.lists.get(OWN)
            if index is None:
                self._load_own()
                return
            for seq, entry_id, plate, country, category, valid_from, expires_at, gone in rows:
                key = plain_key(plate, country)
                # An update may change the plate: drop the entry wherever it was.
                self._forget_own(index, entry_id)
                if not gone:
                    ref = EntryRef(entry_id, category, _epoch(valid_from), _epoch(expires_at))
                    index.add(key, ref, countryless=not country)
                    self._own_keys[entry_id] = (key, not country)
                self._own_seq = max(self._own_seq, seq)

    def _forget_own(self, index: HotlistIndex, entry_id: str) -> None:
        held = self._own_keys.pop(entry_id, None)
        if held is not None:
            index.remove(held[0], entry_id, countryless=held[1])

    def _load_received(self, agreement_id: str) -> None:
        with self._ctx.database.reading() as db:
            state = received_store.load_state(db.conn, agreement_id, "")
            keys = db.conn.execute(
                "SELECT agreement_version, matching_mode, token_key FROM matching_keys "
                "WHERE agreement_id = ? ORDER BY agreement_version",
                (agreement_id,),
            ).fetchall()
            versions = {
                r[0]
                for r in db.conn.execute(
                    "SELECT DISTINCT agreement_version FROM checkpoints WHERE agreement_id = ?",
                    (agreement_id,),
                )
            }
            # Version 0: batches stored before versions were recorded; try every key.
            token_keys = tuple(
                k for v, mode, k in keys if mode == "token" and (0 in versions or v in versions)
            )
            index = HotlistIndex(agreement_id, state.provider, token_keys)
            rows = db.conn.execute(
                "SELECT entry_id, category, plate_token, plate, country, expires_at "
                "FROM received_entries WHERE agreement_id = ?",
                (agreement_id,),
            )
            for entry_id, category, token, plate, country, expires_at in rows:
                key = token if token is not None else plain_key(plate, country or "")
                ref = EntryRef(entry_id, category, 0, expires_at)
                index.add(key, ref, countryless=country == "")
        self.engine.replace_list(index)

    def applied(self, batch: received_store.AppliedBatch) -> None:
        """A verified batch was committed: mirror it (called by the sync service)."""
        with self._lock:
            index = self.engine.lists.get(batch.agreement_id)
            if index is None or not self._has_key(index, batch):
                self._load_received(batch.agreement_id)
                return
            for entry_id, token, plate, country in batch.removed:
                key = token if token is not None else plain_key(plate or "", country or "")
                index.remove(key, entry_id, countryless=country == "")
            for row in batch.upserts:
                token, country = row[ROW_TOKEN], row[ROW_COUNTRY]
                key = token if token is not None else plain_key(row[ROW_PLATE], country or "")
                ref = EntryRef(row[1], row[ROW_CATEGORY], 0, row[ROW_EXPIRES])
                index.add(key, ref, countryless=country == "")

    def _has_key(self, index: HotlistIndex, batch: received_store.AppliedBatch) -> bool:
        """Does the index hash under the key of the batch's agreement version?"""
        if not batch.upserts or batch.upserts[0][ROW_TOKEN] is None:
            return True
        with self._ctx.database.reading() as db:
            key = received_store.matching_key(db.conn, batch.agreement_id, batch.agreement_version)
        return key is None or key in index.token_keys

    def reset(self, agreement_id: str) -> None:
        """Everything received under the agreement was erased: so is its list."""
        with self._lock:
            self.engine.drop_list(agreement_id)

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
        now = int(self._ctx.clock().timestamp())
        outcome = BatchOutcome()
        hits: list[ReadHit] = []
        match = self.engine.match
        with self._lock:
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
                if found:
                    hits.append(ReadHit(read, found, inferred))
        outcome.hits = len(hits)
        return hits, outcome

    def seen_from(self, user: str, outcome: BatchOutcome) -> None:
        """Count a batch an adapter handed in, for `argos status`."""
        with self._lock:
            seen = self._adapters.setdefault(user, AdapterSeen(user))
            seen.batches += 1
            seen.reads += outcome.accepted + len(outcome.rejected)
            seen.hits += outcome.hits
            seen.rejected += len(outcome.rejected)
            seen.last_batch_at = self._ctx.clock()

    def adapters(self) -> list[AdapterSeen]:
        with self._lock:
            return [AdapterSeen(**vars(a)) for a in self._adapters.values()]

    def counts(self) -> dict[str, int]:
        with self._lock:
            return {list_id or "own": len(index) for list_id, index in self.engine.lists.items()}


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
