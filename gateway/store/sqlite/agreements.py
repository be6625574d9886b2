"""Agreements: load and save the Agreement aggregate of the domain as a whole, and the
signed status changes issued here until the partner has them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gateway.domain.agreement import Agreement, AgreementVersion
from gateway.domain.envelope import Envelope
from gateway.domain.times import parse_time_text, time_text
from gateway.services.ports import StatusDelivery
from gateway.wire import codec

if TYPE_CHECKING:
    from gateway.store.sqlite.unit_of_work import SqliteUnitOfWork


class SqliteAgreements:
    def __init__(self, uow: SqliteUnitOfWork) -> None:
        self._uow = uow
        self._conn = uow.conn
        self._local_node = uow.store.node_id

    def get(self, agreement_id: str) -> Agreement | None:
        # One statement, a row per version (one row with no version for an agreement
        # that has none yet): the sync loop reads its agreement before every batch.
        rows = self._conn.execute(
            "SELECT a.agreement_id, a.partner, a.suspended_by, a.revoked_by, "
            "a.status_reason, a.partner_status_at, v.envelope, v.countersigned "
            "FROM agreements a LEFT JOIN agreement_versions v "
            "ON v.agreement_id = a.agreement_id WHERE a.agreement_id = ? ORDER BY v.version",
            (agreement_id,),
        ).fetchall()
        if not rows:
            return None
        row = rows[0]
        return Agreement(
            agreement_id=row[0],
            local_node=self._local_node,
            partner=row[1],
            versions=tuple(_version(r[6], bool(r[7])) for r in rows if r[6] is not None),
            suspensions=tuple(row[2].split(",")) if row[2] else (),
            revoked_by=row[3],
            status_reason=row[4],
            partner_status_at=parse_time_text(row[5]) if row[5] else None,
        )

    def ids(self) -> list[str]:
        return [
            r[0] for r in self._conn.execute("SELECT agreement_id FROM agreements ORDER BY rowid")
        ]

    def all(self) -> list[Agreement]:
        return [a for a in map(self.get, self.ids()) if a is not None]

    def save(
        self,
        agreement: Agreement,
        status_envelope: Envelope | None = None,
        *,
        issued_here: bool = False,
    ) -> None:
        conn = self._conn
        now = self._uow.now_text()
        conn.execute(
            "INSERT INTO agreements (agreement_id, partner, suspended_by, revoked_by, "
            "status_reason, partner_status_at) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (agreement_id) DO UPDATE SET suspended_by=excluded.suspended_by, "
            "revoked_by=excluded.revoked_by, status_reason=excluded.status_reason, "
            "partner_status_at=excluded.partner_status_at",
            (
                agreement.agreement_id,
                agreement.partner,
                ",".join(agreement.suspensions) or None,
                agreement.revoked_by,
                agreement.status_reason,
                time_text(agreement.partner_status_at) if agreement.partner_status_at else None,
            ),
        )
        keep = [v.terms.version for v in agreement.versions]
        # A proposal the aggregate no longer holds goes (NOT IN () is not SQL, and
        # NOT IN (NULL) is never true: no versions kept means no condition on them).
        kept = f" AND version NOT IN ({','.join('?' * len(keep))})" if keep else ""
        conn.execute(
            "DELETE FROM agreement_versions WHERE agreement_id = ? AND countersigned = 0" + kept,
            (agreement.agreement_id, *keep),
        )
        for v in agreement.versions:
            conn.execute(
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
                    now,
                ),
            )
        if status_envelope is not None:
            conn.execute(
                "INSERT INTO agreement_status_changes (agreement_id, envelope, issued_here, "
                "stored_at) VALUES (?, ?, ?, ?)",
                (
                    agreement.agreement_id,
                    codec.envelope_bytes(status_envelope),
                    int(issued_here),
                    now,
                ),
            )

    def undelivered_status_changes(self) -> list[StatusDelivery]:
        rows = self._conn.execute(
            "SELECT c.id, a.partner, c.envelope FROM agreement_status_changes c "
            "JOIN agreements a USING (agreement_id) "
            "WHERE c.issued_here = 1 AND c.delivered_at IS NULL ORDER BY c.id"
        ).fetchall()
        return [StatusDelivery(r[0], r[1], codec.envelope_from_bytes(r[2])) for r in rows]

    def mark_status_delivered(self, change_id: int) -> None:
        self._conn.execute(
            "UPDATE agreement_status_changes SET delivered_at = ? WHERE id = ?",
            (self._uow.now_text(), change_id),
        )


def _version(envelope_bytes: bytes, countersigned: bool) -> AgreementVersion:
    # Stored envelopes were verified when they arrived; decoding is enough here.
    envelope = codec.envelope_from_bytes(envelope_bytes)
    return AgreementVersion(
        terms=codec.terms_from_payload(envelope.payload),
        envelope=envelope,
        countersigned=countersigned,
    )
