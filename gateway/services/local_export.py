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
from gateway.services.context import Caller, NodeContext
from gateway.wire import feed_codec

PAGE = 10_000


class LocalExportService:
    def __init__(self, ctx: NodeContext) -> None:
        self._ctx = ctx

    def entries(self) -> list[LocalEntry]:
        now = self._ctx.clock()
        out: list[LocalEntry] = []
        after = ""
        while page := self._ctx.own_entries.page(after, PAGE):
            out += [e for e in (own_entry_for_backend(x, now) for x in page) if e is not None]
            after = page[-1].entry_id
        for agreement_id in self._ctx.agreements.ids():
            agreement = self._ctx.agreements.get(agreement_id)
            terms = agreement.in_force(now) if agreement else None
            if terms is None or not terms.provides(agreement.partner):
                continue
            with self._ctx.database.reading() as db:
                leaves = db.conn.execute(
                    "SELECT leaf FROM received_entries WHERE agreement_id = ?", (agreement_id,)
                ).fetchall()
            for (leaf,) in leaves:
                shared = feed_codec.change_from_leaf(leaf).upsert
                entry = partner_entry_for_backend(shared, terms, now) if shared else None
                if entry is not None:
                    out.append(entry)
        out.sort(key=lambda e: (e.plate, e.entry_id))
        return out

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
