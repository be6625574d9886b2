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
from gateway.domain.roles import Action
from gateway.domain.times import time_text
from gateway.services.access import requires
from gateway.services.context import Caller, NodeContext
from gateway.services.hotlist import EntryDraft, HotlistService
from gateway.services.ports import Candidate, Publication, PullState

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
        hotlist: HotlistService,
    ) -> None:
        self._ctx = ctx
        self._settings = settings
        self._collection = collection
        self._hotlist = hotlist

    def _open(self) -> IscCollectionPort:
        if self._collection is None:
            raise InvalidInput("this node has no ISC configured ([isc] collection_url)")
        return self._collection()

    # -- outbound ----------------------------------------------------------------------

    def _new_publication(
        self, caller: Caller, kind: str, subject: str, tlp: isc.Tlp, bundle: dict[str, Any]
    ) -> Publication:
        self._check_outbound(bundle)
        return Publication(
            publication_id=str(uuid.uuid4()),
            kind=kind,
            subject=subject,
            tlp=tlp.value,
            bundle=bundle,
            digest=isc.bundle_digest(bundle),
            state="draft",
            created_by=caller.name,
            created_at=time_text(self._ctx.now()),
            published_by="",
            published_at=None,
        )

    def _send(self, caller: Caller, pub: Publication) -> Publication:
        """The policy again (plates learnt since the draft count), then the ISC, then the
        record and its audit, in that order: a refused send leaves a draft."""
        self._check_outbound(pub.bundle)
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
        at = time_text(self._ctx.now())
        with self._ctx.store.write() as uow:
            if uow.isc.publication(pub.publication_id) is None:
                uow.isc.save_publication(pub)
            uow.isc.mark_published(pub.publication_id, caller.name, at)
            self._ctx.record(
                caller,
                "isc.publish",
                "isc_publication",
                pub.publication_id,
                uow=uow,
                recipient="isc",
                details={
                    "kind": pub.kind,
                    "tlp": pub.tlp,
                    "digest": pub.digest,
                    "objects": len(pub.bundle["objects"]),
                },
            )
            sent = uow.isc.publication(pub.publication_id)
            uow.commit()
        assert sent is not None
        log.info("isc.published", publication_id=pub.publication_id, kind=pub.kind, tlp=pub.tlp)
        return sent

    @requires(Action.ISC_PUBLISH)
    def publish_statistics(
        self, caller: Caller, week: str = "", tlp: isc.Tlp | None = None
    ) -> Publication:
        now = self._ctx.now()
        week = week or isc.last_complete_week(now)
        start, end = isc.week_bounds(week)
        with self._ctx.store.read() as uow:
            if uow.isc.published_statistics_week(week):
                raise IllegalTransition(f"statistics of {week} were already published")
            rows = uow.hits.facts(start, end)
        facts = [isc.HitFact(f.observed_at, f.zone, f.category) for f in rows]
        stats = isc.weekly_statistics(facts, week, self._settings.suppression_threshold)
        chosen = tlp or self._settings.statistics_tlp
        bundle = isc.statistics_bundle(stats, self._ctx.node_id, chosen, now)
        pub = self._new_publication(caller, "statistics", week, chosen, bundle)
        return self._send(caller, pub)

    @requires(Action.ISC_PUBLISH)
    def draft_report(
        self, caller: Caller, kind: str, title: str, text: str, tlp: str
    ) -> Publication:
        try:
            report_kind = isc.ReportKind(kind.strip().lower())
        except ValueError:
            raise InvalidInput("a report is an incident or a modus-operandi note") from None
        draft = isc.ReportDraft(report_kind, title, text, isc.parse_tlp(tlp))
        bundle = isc.report_bundle(draft, self._ctx.node_id, self._ctx.now())
        pub = self._new_publication(caller, report_kind.value, title.strip(), draft.tlp, bundle)
        with self._ctx.store.write() as uow:
            uow.isc.save_publication(pub)
            self._ctx.record(
                caller,
                "isc.draft",
                "isc_publication",
                pub.publication_id,
                uow=uow,
                details={"kind": pub.kind, "tlp": pub.tlp, "digest": pub.digest},
            )
            uow.commit()
        return pub

    @requires(Action.ISC_READ)
    def publication(self, caller: Caller, publication_id: str) -> Publication:
        return self._publication(publication_id)

    def _publication(self, publication_id: str) -> Publication:
        with self._ctx.store.read() as uow:
            pub = uow.isc.publication(publication_id)
        if pub is None:
            raise NotFound(f"no ISC publication {publication_id}")
        return pub

    def _check_outbound(self, bundle: dict[str, Any]) -> None:
        with self._ctx.store.read() as uow:
            isc.check_outbound(bundle, uow.isc.known_plates())

    @requires(Action.ISC_PUBLISH)
    def publish_report(
        self, caller: Caller, publication_id: str, reviewed_digest: str
    ) -> Publication:
        pub = self._publication(publication_id)
        if pub.state != "draft":
            raise IllegalTransition(f"publication {publication_id} was already sent")
        if reviewed_digest.strip().lower() != pub.digest:
            raise InvalidInput(
                "the reviewed digest is not this draft's: review it (argos isc report show) "
                "and confirm the digest shown"
            )
        return self._send(caller, pub)

    @requires(Action.ISC_PUBLISH)
    def export_misp(self, caller: Caller, publication_id: str) -> dict[str, Any]:
        pub = self._publication(publication_id)
        self._check_outbound(pub.bundle)
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

    @requires(Action.ISC_PULL)
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
        with self._ctx.store.read() as uow:
            cursor = uow.isc.pull_state().cursor
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
            with self._ctx.store.write() as uow:
                uow.isc.finish_pull(time_text(self._ctx.now()), error)
                self._ctx.record(
                    caller,
                    "isc.pull",
                    "isc_collection",
                    "isc",
                    uow=uow,
                    details={
                        "pages": pages,
                        "fetched": counts["fetched"],
                        "candidates": counts["candidates"],
                        "rejected": counts["rejected"],
                        "error": error[:100],
                    },
                )
                uow.commit()
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
            with self._ctx.store.read() as uow:
                held = uow.isc.seen([(r.object_id, r.version) for r in manifest.records])
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
        at = time_text(self._ctx.now())
        new = 0
        with self._ctx.store.write() as uow:
            repo = uow.isc
            vehicle = set(repo.vehicle_indicator_ids())
            before = dict(counts)
            for obj, size in zip(page.objects, page.sizes, strict=True):
                counts["fetched"] += 1
                screened = isc.screen_object(obj, size, frozenset(vehicle))
                key = (screened.object_id, screened.version)
                if repo.seen([key]):
                    counts["held"] += 1
                    continue
                new += 1
                verdict = screened.verdict
                if verdict is isc.Verdict.REJECTED:
                    counts["rejected"] += 1
                    repo.reject(screened.object_id, screened.reason, at)
                    repo.mark_seen(screened, at)  # served again at a tie: one count
                    log.warning(
                        "isc.rejected", object_id=screened.object_id, reason=screened.reason
                    )
                    continue
                if verdict is isc.Verdict.VEHICLE_INDICATOR:
                    counts["candidates"] += 1
                    repo.add_candidate(str(uuid.uuid4()), screened, at)
                    vehicle.add(screened.object_id)
                elif verdict is isc.Verdict.VEHICLE_SIGHTING:
                    counts["sightings"] += 1
                    repo.add_sighting(screened)
                else:
                    counts["ignored"] += 1
                repo.mark_seen(screened, at)
            repo.advance(
                cursor,
                fetched=counts["fetched"] - before["fetched"],
                candidates=counts["candidates"] - before["candidates"],
                sightings=counts["sightings"] - before["sightings"],
                ignored=counts["ignored"] - before["ignored"],
                rejected=counts["rejected"] - before["rejected"],
            )
            uow.commit()
        return new > 0

    @requires(Action.ISC_READ)
    def status(self, caller: Caller) -> tuple[PullState, list[tuple[str, str, str]], int]:
        with self._ctx.store.read() as uow:
            return uow.isc.pull_state(), uow.isc.rejections(20), uow.isc.open_candidates()

    @requires(Action.ISC_READ)
    def candidates(self, caller: Caller, state: str = "", limit: int = 100) -> list[Candidate]:
        with self._ctx.store.read() as uow:
            found = uow.isc.candidates(state, limit or 100)
        self._ctx.record(
            caller, "isc.candidates.list", "isc_candidates", "queue", details={"count": len(found)}
        )
        return found

    @requires(Action.ISC_READ)
    def candidate(self, caller: Caller, candidate_id: str) -> Candidate:
        found = self._existing(candidate_id)
        self._ctx.record(caller, "isc.candidates.consult", "isc_candidate", candidate_id)
        return found

    def _existing(self, candidate_id: str) -> Candidate:
        with self._ctx.store.read() as uow:
            found = uow.isc.candidate(candidate_id)
        if found is None:
            raise NotFound(f"no ISC candidate {candidate_id}")
        return found

    @requires(Action.ISC_PROMOTE)
    def promote(
        self, caller: Caller, candidate_id: str, draft: PromoteDraft
    ) -> tuple[Candidate, str]:
        """A hotlist entry from a candidate: only by a person, with purpose, case
        reference and expiry, and only if the candidate's TLP lets it reach partners."""
        purpose = isc.check_promotion(
            draft.purpose, draft.case_reference, draft.expires_at is not None, draft.justification
        )
        with self._ctx.store.write() as uow:
            cand = uow.isc.candidate(candidate_id)
            if cand is None:
                raise NotFound(f"no ISC candidate {candidate_id}")
            isc.check_open(candidate_id, cand.state)
            isc.check_promotable(isc.Tlp(cand.tlp))
            country = cand.country or draft.country
            if not country:
                raise InvalidInput("the ISC gave no country for this plate; give --country")
            view = self._hotlist.add(
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
            entry = view.entry
            uow.isc.decide(
                candidate_id,
                "promoted",
                caller.name,
                time_text(self._ctx.now()),
                draft.justification,
                entry.entry_id,
            )
            self._ctx.record(
                caller,
                "isc.promote",
                "isc_candidate",
                candidate_id,
                uow=uow,
                justification=draft.justification,
                details={
                    "entry_id": entry.entry_id,
                    "purpose": purpose.value,
                    "isc_object": cand.object_id,
                    "tlp": cand.tlp,
                },
            )
            promoted = uow.isc.candidate(candidate_id)
            uow.commit()
        assert promoted is not None
        return promoted, entry.entry_id

    @requires(Action.ISC_PROMOTE)
    def dismiss(self, caller: Caller, candidate_id: str, reason: str) -> Candidate:
        if not reason.strip():
            raise InvalidInput("a dismissal needs a reason")
        with self._ctx.store.write() as uow:
            cand = uow.isc.candidate(candidate_id)
            if cand is None:
                raise NotFound(f"no ISC candidate {candidate_id}")
            isc.check_open(candidate_id, cand.state)
            uow.isc.decide(
                candidate_id,
                "dismissed",
                caller.name,
                time_text(self._ctx.now()),
                reason,
            )
            self._ctx.record(
                caller, "isc.dismiss", "isc_candidate", candidate_id, uow=uow, justification=reason
            )
            dismissed = uow.isc.candidate(candidate_id)
            uow.commit()
        assert dismissed is not None
        return dismissed
