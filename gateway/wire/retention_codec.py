"""The retention report on the admin socket: the service's rows as protobuf."""

from __future__ import annotations

from datetime import datetime

from gateway.services.retention import KindReport
from gateway.wire.argos.v1 import admin_pb2 as pb
from gateway.wire.strict import to_timestamp


def retention_report_pb(rows: list[KindReport], now: datetime) -> pb.GetRetentionReportResponse:
    return pb.GetRetentionReportResponse(
        kinds=[_kind(row) for row in rows], generated_at=to_timestamp(now)
    )


def _kind(row: KindReport) -> pb.RetentionKind:
    rule, held = row.rule, row.held
    kind = pb.RetentionKind(
        kind=rule.kind.value,
        clock=rule.clock,
        limit=rule.limit,
        setting=rule.setting,
        legal_basis=rule.legal_basis,
        enforced_by=rule.enforced_by.value,
        held_here=held is not None,
        warning=row.warning,
    )
    if held is not None:
        kind.held = held.count
        kind.past_limit = held.past_limit
        if held.oldest is not None:
            kind.oldest.CopyFrom(to_timestamp(held.oldest))
        if held.next_due is not None:
            kind.next_erasure_due.CopyFrom(to_timestamp(held.next_due))
    return kind
