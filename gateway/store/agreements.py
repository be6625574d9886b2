"""Agreements table: load and save the Agreement aggregate of the domain as a whole."""

from __future__ import annotations

from datetime import datetime

from gateway.domain.agreement import Agreement, AgreementVersion
from gateway.domain.envelope import Envelope
from gateway.store.database import Database, utc_now_text
from gateway.wire import codec


class Agreements:
    def __init__(self, database: Database, local_node: str) -> None:
        self._database = database
        self._local_node = local_node

    def get(self, agreement_id: str) -> Agreement | None:
        with self._database.reading() as db:
            row = db.execute(
                "SELECT agreement_id, partner, suspended_by, revoked_by, status_reason, "
                "last_status_at FROM agreements WHERE agreement_id = ?",
                (agreement_id,),
            ).fetchone()
            if row is None:
                return None
            versions = db.execute(
                "SELECT envelope, countersigned FROM agreement_versions "
                "WHERE agreement_id = ? ORDER BY version",
                (agreement_id,),
            ).fetchall()
        return Agreement(
            agreement_id=row[0],
            local_node=self._local_node,
            partner=row[1],
            versions=tuple(_version(env, bool(cs)) for env, cs in versions),
            suspended_by=row[2],
            revoked_by=row[3],
            status_reason=row[4],
            last_status_at=datetime.fromisoformat(row[5]) if row[5] else None,
        )

    def ids(self) -> list[str]:
        with self._database.reading() as db:
            return [r[0] for r in db.execute("SELECT agreement_id FROM agreements ORDER BY rowid")]

    def save(
        self,
        agreement: Agreement,
        status_envelope: Envelope | None = None,
        *,
        issued_here: bool = False,
    ) -> None:
        """Write the aggregate as it now is; versions are immutable once countersigned."""
        with self._database.transaction() as db:
            db.execute(
                "INSERT INTO agreements (agreement_id, partner, suspended_by, revoked_by, "
                "status_reason, last_status_at) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (agreement_id) DO UPDATE SET suspended_by=excluded.suspended_by, "
                "revoked_by=excluded.revoked_by, status_reason=excluded.status_reason, "
                "last_status_at=excluded.last_status_at",
                (
                    agreement.agreement_id,
                    agreement.partner,
                    agreement.suspended_by,
                    agreement.revoked_by,
                    agreement.status_reason,
                    agreement.last_status_at.isoformat() if agreement.last_status_at else None,
                ),
            )
            keep = [v.terms.version for v in agreement.versions]
            db.execute(
                "DELETE FROM agreement_versions WHERE agreement_id = ? AND countersigned = 0 "
                f"AND version NOT IN ({','.join('?' * len(keep)) or 'NULL'})",
                (agreement.agreement_id, *keep),
            )
            for v in agreement.versions:
                db.execute(
                    "INSERT INTO agreement_versions (agreement_id, version, envelope, "
                    "countersigned, stored_at) VALUES (?, ?, ?, ?, ?) "
                    "ON CONFLICT (agreement_id, version) DO UPDATE SET "
                    "envelope=excluded.envelope, countersigned=excluded.countersigned "
                    "WHERE agreement_versions.countersigned = 0",
                    (
                        agreement.agreement_id,
                        v.terms.version,
                        codec.envelope_bytes(v.envelope),
                        int(v.countersigned),
                        utc_now_text(),
                    ),
                )
            if status_envelope is not None:
                db.execute(
                    "INSERT INTO agreement_status_changes (agreement_id, envelope, issued_here, "
                    "stored_at) VALUES (?, ?, ?, ?)",
                    (
                        agreement.agreement_id,
                        codec.envelope_bytes(status_envelope),
                        int(issued_here),
                        utc_now_text(),
                    ),
                )

    def undelivered_status_changes(self) -> list[tuple[int, str, Envelope]]:
        """(row id, partner, envelope) of status changes issued here, oldest first."""
        with self._database.reading() as db:
            rows = db.execute(
                "SELECT c.id, a.partner, c.envelope FROM agreement_status_changes c "
                "JOIN agreements a USING (agreement_id) "
                "WHERE c.issued_here = 1 AND c.delivered_at IS NULL ORDER BY c.id"
            ).fetchall()
        return [(r[0], r[1], codec.envelope_from_bytes(r[2])) for r in rows]

    def mark_delivered(self, change_id: int) -> None:
        with self._database.transaction() as db:
            db.execute(
                "UPDATE agreement_status_changes SET delivered_at = ? WHERE id = ?",
                (utc_now_text(), change_id),
            )


def _version(envelope_bytes: bytes, countersigned: bool) -> AgreementVersion:
    # Stored envelopes were verified when they arrived; decoding is enough here.
    envelope = codec.envelope_from_bytes(envelope_bytes)
    return AgreementVersion(
        terms=codec.terms_from_payload(envelope.payload),
        envelope=envelope,
        countersigned=countersigned,
    )
