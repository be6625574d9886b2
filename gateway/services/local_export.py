"""The hotlist as the port's own ANPR backend may hold it (rules in
gateway.domain.local_export), for the export adapters; each export is a disclosure to
the local backend and is audited with its counts."""

from __future__ import annotations

import hashlib

from gateway.domain.local_export import (
    LocalEntry,
    own_entry_for_backend,
    partner_entry_for_backend,
)
from gateway.domain.roles import Action
from gateway.services.access import requires
from gateway.services.context import Caller, NodeContext
from gateway.wire import feed_codec

PAGE = 10_000


class LocalExportService:
    def __init__(self, ctx: NodeContext) -> None:
        self._ctx = ctx

    def entries(self) -> list[LocalEntry]:
        now = self._ctx.now()
        out: list[LocalEntry] = []
        after = ""
        with self._ctx.store.snapshot() as uow:
            while page := uow.own_entries.page(after, PAGE):
                out += [e for x in page if (e := own_entry_for_backend(x, now)) is not None]
                after = page[-1].entry_id
            held = []
            for agreement in uow.agreements.all():
                terms = agreement.in_force(now)
                if terms is not None and terms.provides(agreement.partner):
                    held.append((terms, uow.received.leaves(agreement.agreement_id)))
        for terms, leaves in held:
            for leaf in leaves:
                shared = feed_codec.change_from_leaf(leaf).upsert
                entry = partner_entry_for_backend(shared, terms, now) if shared else None
                if entry is not None:
                    out.append(entry)
        out.sort(key=lambda e: (e.plate, e.entry_id))
        return out

    @requires(Action.HOTLIST_EXPORT)
    def export(self, caller: Caller, known_version: str) -> tuple[str, list[LocalEntry] | None]:
        """(version, entries), or (version, None) when the caller already has it."""
        entries = self.entries()
        digest = hashlib.blake2b(digest_size=16)
        for e in entries:
            digest.update(
                f"{e.owner}\x1f{e.entry_id}\x1f{e.plate}\x1f{e.country}\x1f{e.category}\x1f"
                f"{e.action}\x1f{','.join(e.flags)}\x1f{e.expires_at.isoformat()}\x1e".encode()
            )
        version = digest.hexdigest()
        if version == known_version:
            return version, None
        self._ctx.record(
            caller,
            "hotlist.exported",
            "hotlist",
            "local-backend",
            recipient="local ANPR backend",
            details={
                "entries": len(entries),
                "partner_entries": sum(e.owner != self._ctx.node_id for e in entries),
                "version": version,
            },
        )
        return version, entries
