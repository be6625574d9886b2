"""The ISC use cases: publish statistics, draft / review / publish reports, export as
MISP, pull the ISC collection into the candidate queue, promote or dismiss candidates.
Every publish, export, pull, promote and dismiss is audited; the outbound policy
(gateway.domain.isc.check_outbound) runs right before anything is sent."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import structlog

from gateway.domain import isc
from gateway.domain.errors import IllegalTransition, InvalidInput, NotFound, PartnerUnreachable
from gateway.services.context import Caller, NodeContext
from gateway.services.hotlist import EntryDraft, HotlistService
from gateway.store import isc as store
from gateway.store.database import time_text

log = structlog.get_logger(__name__)


class NextExpired(Exception):
    """The server no longer knows a `next` token (sessions expire); resume by cursor."""


@dataclass(frozen=True)
class Page:
    """One page of a TAXII 2.1 collection, with its paging headers."""

    objects: list[Any]
    sizes: list[int]
    more: bool
    next: str
    date_added_first: str
    date_added_last: str


@dataclass(frozen=True)
class ManifestRecord:
    """One line of a collection's manifest: which object version was added when."""

    object_id: str
    version: str
    date_added: str


@dataclass(frozen=True)
class ManifestPage:
    records: list[ManifestRecord]
    more: bool
    next: str
    date_added_last: str


_EMPTY_PAGE = Page([], [], more=False, next="", date_added_first="", date_added_last="")


class IscCollectionPort(Protocol):
    """The ISC's TAXII 2.1 collection. Raises PartnerUnreachable or InvalidInput."""

    def add_objects(self, objects: list[dict[str, Any]]) -> dict[str, Any]: ...

    def get_page(self, *, limit: int, added_after: str = "", next_token: str = "") -> Page: ...

    def get_manifest_page(
        self, *, limit: int, added_after: str = "", next_token: str = ""
    ) -> ManifestPage: ...

    def get_listed(self, records: list[ManifestRecord], *, limit: int) -> Page: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class IscSettings:
    suppression_threshold: int = 5
    statistics_tlp: isc.Tlp = isc.Tlp.GREEN
    page_size: int = 100


@dataclass
class PromoteDraft:
    category: str
    action: str
    expires_at: datetime | None
    purpose: str
    case_reference: str
    justification: str
    country: str = ""
    flags: tuple[str, ...] = field(default_factory=tuple)


class IscService:
    def __init__(
        self,
        ctx: NodeContext,
        settings: IscSettings,
        collection: Callable[[], IscCollectionPort] | None,
    ) -> None:
        self._ctx = ctx
        self._settings = settings
        self._collection = collection
        self._hotlist = HotlistService(ctx)

    def _open(self) -> IscCollectionPort:
        if self._collection is None:
            raise InvalidInput("this node has no ISC configured ([isc] collection_url)")
        return self._collection()

    # -- outbound ----------------------------------------------------------------------

    def _new_publication(
        self, caller: Caller, kind: str, subject: str, tlp: isc.Tlp, bundle: dict[str, Any]
    ) -> store.Publication:
        with self._ctx.database.reading() as db:
            isc.check_outbound(bundle, store.known_plates(db.conn))
        return store.Publication(
            publication_id=str(uuid.uuid4()),
            kind=kind,
            subject=subject,
            tlp=tlp.value,
            bundle=bundle,
            digest=isc.bundle_digest(bundle),
            state="draft",
            created_by=caller.name,
            created_at=time_text(self._ctx.clock()),
            published_by="",
            published_at=None,
        )

    def _send(self, caller: Caller, pub: store.Publication) -> store.Publication:
        """The policy again (plates learnt since the draft count), then the ISC, then the
        record and its audit, in that order: a refused send leaves a draft."""
        with self._ctx.database.reading() as db:
            isc.check_outbound(pub.bundle, store.known_plates(db.conn))
        collection = self._open()
        try:
            status = collection.add_objects(pub.bundle["objects"])
        finally:
            collection.close()
        # The node's identity and the TLP definitions are sent with every bundle; a
        # server that already holds that version refuses them again, which is fine.
        shared = {
            o["id"]
            for o in pub.bundle["objects"]
            if o["type"] in {"identity", "marking-definition"}
        }
        refused = [f.get("id") for f in status.get("failures", []) if isinstance(f, dict)]
        if any(obj_id not in shared for obj_id in refused) or (
            status.get("failure_count", 0) and not refused
        ):
            raise PartnerUnreachable(
                f"the ISC refused {status.get('failure_count', len(refused))} objects of the bundle"
            )
        at = time_text(self._ctx.clock())
        with self._ctx.database.transaction() as db:
            if store.publication(db.conn, pub.publication_id) is None:
                store.save_publication(db.conn, pub)
            store.mark_published(db.conn, pub.publication_id, caller.name, at)
            self._ctx.record(
                caller,
                "isc.publish",
                "isc_publication",
                pub.publication_id,
                recipient="isc",
                details={
                    "kind": pub.kind,
                    "tlp": pub.tlp,
                    "digest": pub.digest,
                    "objects": len(pub.bundle["objects"]),
                },
            )
            sent = store.publication(db.conn, pub.publication_id)
        assert sent is not None
        log.info("isc.published", publication_id=pub.publication_id, kind=pub.kind, tlp=pub.tlp)
        return sent

    def publish_statistics(
        self, caller: Caller, week: str = "", tlp: isc.Tlp | None = None
    ) -> store.Publication:
        now = self._ctx.clock()
        week = week or isc.last_complete_week(now)
        start, end = isc.week_bounds(week)
        with self._ctx.database.reading() as db:
            if store.published_statistics_week(db.conn, week):
                raise IllegalTransition(f"statistics of {week} were already published")
            rows = store.hit_facts(db.conn, time_text(start), time_text(end))
        facts = [
            isc.HitFact(
                datetime.strptime(at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=start.tzinfo),
                zone,
                category,
            )
            for at, zone, category in rows
        ]
        stats = isc.weekly_statistics(facts, week, self._settings.suppression_threshold)
        chosen = tlp or self._settings.statistics_tlp
        bundle = isc.statistics_bundle(stats, self._ctx.node_id, chosen, now)
        pub = self._new_publication(caller, "statistics", week, chosen, bundle)
        return self._send(caller, pub)

    def draft_report(
        self, caller: Caller, kind: str, title: str, text: str, tlp: str
    ) -> store.Publication:
        try:
            report_kind = isc.ReportKind(kind.strip().lower())
        except ValueError:
            raise InvalidInput("a report is an incident or a modus-operandi note") from None
        draft = isc.ReportDraft(report_kind, title, text, isc.parse_tlp(tlp))
        bundle = isc.report_bundle(draft, self._ctx.node_id, self._ctx.clock())
        pub = self._new_publication(caller, report_kind.value, title.strip(), draft.tlp, bundle)
        with self._ctx.database.transaction() as db:
            store.save_publication(db.conn, pub)
            self._ctx.record(
                caller,
                "isc.draft",
                "isc_publication",
                pub.publication_id,
                details={"kind": pub.kind, "tlp": pub.tlp, "digest": pub.digest},
            )
        return pub

    def publication(self, caller: Caller, publication_id: str) -> store.Publication:
        with self._ctx.database.reading() as db:
            pub = store.publication(db.conn, publication_id)
        if pub is None:
            raise NotFound(f"no ISC publication {publication_id}")
        return pub

    def publish_report(
        self, caller: Caller, publication_id: str, reviewed_digest: str
    ) -> store.Publication:
        pub = self.publication(caller, publication_id)
        if pub.state != "draft":
            raise IllegalTransition(f"publication {publication_id} was already sent")
        if reviewed_digest.strip().lower() != pub.digest:
            raise InvalidInput(
                "the reviewed digest is not this draft's: review it (argos isc report show) "
                "and confirm the digest shown"
            )
        return self._send(caller, pub)

    def export_misp(self, caller: Caller, publication_id: str) -> dict[str, Any]:
        pub = self.publication(caller, publication_id)
        with self._ctx.database.reading() as db:
            isc.check_outbound(pub.bundle, store.known_plates(db.conn))
        event = isc.misp_event(pub.bundle)
        self._ctx.record(
            caller,
            "isc.export_misp",
            "isc_publication",
            publication_id,
            recipient="misp",
            details={"kind": pub.kind, "tlp": pub.tlp},
        )
        return event

    # -- inbound -----------------------------------------------------------------------

    def pull(self, caller: Caller) -> tuple[isc.PullTally, str]:
        """Take in every object added since the cursor. Each page is one transaction with
        the cursor, so a pull stopped anywhere resumes without losing or repeating
        objects. How the pages are asked for follows what TAXII servers (medallion in
        particular, see DEVELOPERS.md) make cheap:

        - empty cursor: one objects query without added_after, then its `next` pages;
        - a cursor: the manifest since just before the cursor (isc.added_after_for,
          so ties at a page edge are served again), then the listed objects not yet
          held, asked for by id and version. medallion filters objects by added_after
          in time quadratic in the collection; manifests, linearly.

        An expired `next` resumes from the cursor by manifest."""
        collection = self._open()
        counts = dict(fetched=0, candidates=0, sightings=0, ignored=0, rejected=0, held=0)
        pages = 0
        error = ""
        with self._ctx.database.reading() as db:
            cursor = store.pull_state(db.conn).cursor
        try:
            if not cursor:
                cursor, pages, finished = self._pull_from_start(collection, counts)
                if finished:
                    return self._pulled(counts, pages), cursor
            cursor, more_pages = self._pull_by_manifest(collection, cursor, counts)
            pages += more_pages
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"[:300]
            raise
        finally:
            collection.close()
            with self._ctx.database.transaction() as db:
                store.finish_pull(db.conn, time_text(self._ctx.clock()), error)
                self._ctx.record(
                    caller,
                    "isc.pull",
                    "isc_collection",
                    "isc",
                    details={
                        "pages": pages,
                        "fetched": counts["fetched"],
                        "candidates": counts["candidates"],
                        "rejected": counts["rejected"],
                        "error": error[:100],
                    },
                )
        return self._pulled(counts, pages), cursor

    @staticmethod
    def _pulled(counts: dict[str, int], pages: int) -> isc.PullTally:
        tally = isc.PullTally(
            fetched=counts["fetched"],
            new_candidates=counts["candidates"],
            sightings=counts["sightings"],
            ignored=counts["ignored"],
            rejected=counts["rejected"],
            already_held=counts["held"],
            pages=pages,
        )
        log.info(
            "isc.pulled",
            pages=pages,
            fetched=tally.fetched,
            candidates=tally.new_candidates,
            rejected=tally.rejected,
        )
        return tally

    def _pull_from_start(
        self, collection: IscCollectionPort, counts: dict[str, int]
    ) -> tuple[str, int, bool]:
        """The whole collection as one query and its `next` pages: (cursor, pages, True
        if the query was followed to its end). One query is cheapest for medallion,
        whose first page costs (collection size) x (objects matched)."""
        cursor, pages = "", 0
        page = collection.get_page(limit=self._settings.page_size)
        while True:
            pages += 1
            if page.date_added_last:
                cursor = isc.later_cursor(cursor, page.date_added_last)
            self._take_page(page, cursor, counts)
            if not page.more:
                return cursor, pages, True
            if not page.next or not cursor:
                break
            try:
                page = collection.get_page(limit=self._settings.page_size, next_token=page.next)
            except NextExpired:
                break
        if not cursor:
            raise InvalidInput("the ISC pages without X-TAXII-Date-Added-Last")
        return cursor, pages, False

    def _pull_by_manifest(
        self, collection: IscCollectionPort, cursor: str, counts: dict[str, int]
    ) -> tuple[str, int]:
        """From the cursor on: manifest pages, and for each the listed objects not yet
        held (a tie served again at a page edge is recognised here, by id and version,
        and counted as held). Returns (cursor, pages)."""
        limit = self._settings.page_size
        pages = 0
        added_after = isc.added_after_for(cursor)
        manifest = collection.get_manifest_page(limit=limit, added_after=added_after)
        while True:
            pages += 1
            with self._ctx.database.reading() as db:
                held = store.seen(db.conn, [(r.object_id, r.version) for r in manifest.records])
            wanted = [r for r in manifest.records if (r.object_id, r.version) not in held]
            counts["held"] += len(manifest.records) - len(wanted)
            page = collection.get_listed(wanted, limit=limit) if wanted else _EMPTY_PAGE
            if manifest.date_added_last:
                cursor = isc.later_cursor(cursor, manifest.date_added_last)
            progressed = self._take_page(page, cursor, counts)
            if not manifest.more:
                return cursor, pages
            if manifest.next:
                try:
                    manifest = collection.get_manifest_page(
                        limit=limit, added_after=added_after, next_token=manifest.next
                    )
                    continue
                except NextExpired:
                    pass
            elif not progressed:
                raise InvalidInput(
                    "the ISC pages without `next` and serves only objects already held"
                )
            added_after = isc.added_after_for(cursor)
            manifest = collection.get_manifest_page(limit=limit, added_after=added_after)

    def _take_page(self, page: Page, cursor: str, counts: dict[str, int]) -> bool:
        """Screen and store one page and the cursor after it in one transaction; True if
        anything was new."""
        at = time_text(self._ctx.clock())
        new = 0
        with self._ctx.database.transaction() as db:
            conn = db.conn
            vehicle = set(store.vehicle_indicator_ids(conn))
            before = dict(counts)
            for obj, size in zip(page.objects, page.sizes, strict=True):
                counts["fetched"] += 1
                screened = isc.screen_object(obj, size, frozenset(vehicle))
                key = (screened.object_id, screened.version)
                if store.seen(conn, [key]):
                    counts["held"] += 1
                    continue
                new += 1
                verdict = screened.verdict
                if verdict is isc.Verdict.REJECTED:
                    counts["rejected"] += 1
                    store.reject(conn, screened.object_id, screened.reason, at)
                    store.mark_seen(conn, screened, at)  # served again at a tie: one count
                    log.warning(
                        "isc.rejected", object_id=screened.object_id, reason=screened.reason
                    )
                    continue
                if verdict is isc.Verdict.VEHICLE_INDICATOR:
                    counts["candidates"] += 1
                    store.add_candidate(conn, str(uuid.uuid4()), screened, at)
                    vehicle.add(screened.object_id)
                elif verdict is isc.Verdict.VEHICLE_SIGHTING:
                    counts["sightings"] += 1
                    store.add_sighting(conn, screened)
                else:
                    counts["ignored"] += 1
                store.mark_seen(conn, screened, at)
            store.advance(
                conn,
                cursor,
                fetched=counts["fetched"] - before["fetched"],
                candidates=counts["candidates"] - before["candidates"],
                sightings=counts["sightings"] - before["sightings"],
                ignored=counts["ignored"] - before["ignored"],
                rejected=counts["rejected"] - before["rejected"],
            )
        return new > 0

    def status(self, caller: Caller) -> tuple[store.PullState, list[tuple[str, str, str]], int]:
        with self._ctx.database.reading() as db:
            state = store.pull_state(db.conn)
            recent = store.rejections(db.conn, 20)
            open_count = db.conn.execute(
                "SELECT count(*) FROM isc_candidates WHERE state = 'open'"
            ).fetchone()[0]
        return state, recent, open_count

    def candidates(
        self, caller: Caller, state: str = "", limit: int = 100
    ) -> list[store.Candidate]:
        with self._ctx.database.reading() as db:
            found = store.candidates(db.conn, state, limit or 100)
        self._ctx.record(
            caller, "isc.candidates.list", "isc_candidates", "queue", details={"count": len(found)}
        )
        return found

    def candidate(self, caller: Caller, candidate_id: str) -> store.Candidate:
        found = self._existing(candidate_id)
        self._ctx.record(caller, "isc.candidates.consult", "isc_candidate", candidate_id)
        return found

    def _existing(self, candidate_id: str) -> store.Candidate:
        with self._ctx.database.reading() as db:
            found = store.candidate(db.conn, candidate_id)
        if found is None:
            raise NotFound(f"no ISC candidate {candidate_id}")
        return found

    def promote(
        self, caller: Caller, candidate_id: str, draft: PromoteDraft
    ) -> tuple[store.Candidate, str]:
        """A hotlist entry from a candidate: only by a person, with purpose, case
        reference and expiry, and only if the candidate's TLP lets it reach partners."""
        purpose = isc.check_promotion(
            draft.purpose, draft.case_reference, draft.expires_at is not None, draft.justification
        )
        with self._ctx.database.transaction() as db:
            cand = store.candidate(db.conn, candidate_id)
            if cand is None:
                raise NotFound(f"no ISC candidate {candidate_id}")
            isc.check_open(candidate_id, cand.state)
            isc.check_promotable(store.tlp_of(cand))
            country = cand.country or draft.country
            if not country:
                raise InvalidInput("the ISC gave no country for this plate; give --country")
            entry = self._hotlist.add(
                caller,
                EntryDraft(
                    plate=cand.plate,
                    country=country,
                    category=draft.category,
                    action=draft.action,
                    expires_at=draft.expires_at,
                    flags=draft.flags,
                    case_reference=draft.case_reference.strip(),
                ),
                f"from ISC candidate {candidate_id} ({purpose.value}): {draft.justification}",
            )
            store.decide(
                db.conn,
                candidate_id,
                "promoted",
                caller.name,
                time_text(self._ctx.clock()),
                draft.justification,
                entry.entry_id,
            )
            self._ctx.record(
                caller,
                "isc.promote",
                "isc_candidate",
                candidate_id,
                justification=draft.justification,
                details={
                    "entry_id": entry.entry_id,
                    "purpose": purpose.value,
                    "isc_object": cand.object_id,
                    "tlp": cand.tlp,
                },
            )
            promoted = store.candidate(db.conn, candidate_id)
        assert promoted is not None
        return promoted, entry.entry_id

    def dismiss(self, caller: Caller, candidate_id: str, reason: str) -> store.Candidate:
        if not reason.strip():
            raise InvalidInput("a dismissal needs a reason")
        with self._ctx.database.transaction() as db:
            cand = store.candidate(db.conn, candidate_id)
            if cand is None:
                raise NotFound(f"no ISC candidate {candidate_id}")
            isc.check_open(candidate_id, cand.state)
            store.decide(
                db.conn,
                candidate_id,
                "dismissed",
                caller.name,
                time_text(self._ctx.clock()),
                reason,
            )
            self._ctx.record(
                caller, "isc.dismiss", "isc_candidate", candidate_id, justification=reason
            )
            dismissed = store.candidate(db.conn, candidate_id)
        assert dismissed is not None
        return dismissed
