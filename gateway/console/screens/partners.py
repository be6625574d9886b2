"""Administrator (and auditor): the partners (/partners) as this node sees them. Each
registered partner with its reachability (a health check over mutual TLS the node makes
as the page is asked for, and why it failed), the last contact and last error of each
feed exchanged with it and the sync lag per agreement, and the end of its TLS
certificate (the CA or pinned certificate the node holds), with warnings: unreachable,
a stale or failing feed, a certificate ended or ending within the node's warning days.

Everything comes from the node (ListPartners, GetStatus, GetSyncStatus): the console
only puts the three side by side. ListPartners is asked first, so a role that may not
read partners is refused as partner.read."""

from __future__ import annotations

from collections import defaultdict

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gateway.console.screens.display import shown
from gateway.console.web import call, render, signed_in
from gateway.wire.argos.v1 import admin_pb2 as pb

_PARTNER_CERTIFICATES = ("partner_ca", "partner_pinned")


def feed_view(s: pb.SyncStatus) -> dict:
    return {
        "agreement_id": s.agreement_id,
        "version": s.agreement_version,
        "role": s.role,
        "lag": s.lag_changes,
        "entries": s.entries,
        "last_applied_at": s.last_applied_at,
        "last_verified_at": s.last_verified_at,
        "last_error": s.last_error,
        "rejected": s.rejected_batches,
        "stale": s.stale,
        "head_age_s": int(s.head_age_s) if s.HasField("head_age_s") else None,
    }


def certificate_view(c: pb.CertificateStatus) -> dict:
    return {
        "kind": c.kind,
        "not_after": shown(c.not_after),
        "warning": c.warning,
        "problem": c.problem,
    }


def partner_view(
    partner: pb.Partner,
    health: pb.PartnerStatus | None,
    feeds: list[dict],
    certificates: list[dict],
) -> dict:
    reachable = health is not None and health.reachable
    contacts = [t for f in feeds for t in (f["last_applied_at"], f["last_verified_at"]) if t]
    warnings = []
    if not reachable:
        warnings.append("unreachable")
    if any(c["warning"] for c in certificates):
        warnings.append("certificate")
    if any(f["stale"] or f["last_error"] for f in feeds):
        warnings.append("feed")
    return {
        "node_id": partner.node_id,
        "endpoint": partner.endpoint,
        "key_id": partner.key_id,
        "pinned": bool(partner.tls_pin_sha256),
        "added": shown(partner.added_at),
        "reachable": reachable,
        "problem": health.problem if health is not None else "",
        "outbox_pending": health.outbox_pending if health is not None else 0,
        "last_contact": max(contacts) if contacts else "",
        "feeds": feeds,
        "certificates": certificates,
        "warnings": warnings,
    }


@signed_in()
async def partners_page(request: Request) -> Response:
    partners = await call(request, "admin", "ListPartners", pb.ListPartnersRequest())
    status = await call(request, "admin", "GetStatus", pb.GetStatusRequest())
    sync = await call(request, "admin", "GetSyncStatus", pb.GetSyncStatusRequest())
    health = {p.node_id: p for p in status.partner_status}
    feeds: dict[str, list[dict]] = defaultdict(list)
    for s in sync.agreements:
        feeds[s.partner].append(feed_view(s))
    certificates: dict[str, list[dict]] = defaultdict(list)
    for c in status.certificates:
        if c.kind in _PARTNER_CERTIFICATES:
            certificates[c.owner].append(certificate_view(c))
    views = [
        partner_view(p, health.get(p.node_id), feeds[p.node_id], certificates[p.node_id])
        for p in partners.partners
    ]
    # Those needing attention first.
    views.sort(key=lambda v: (not v["warnings"], v["node_id"]))
    return render(
        request,
        "partners/list.html",
        {"partners": views, "warning_days": status.certificate_warning_days},
    )


ROUTES = [Route("/partners", partners_page, methods=["GET"])]
