"""The Dutch ISC (seed 003): what may go out to it as STIX 2.1, and what comes in from
it as review candidates. Pure: takes values and JSON-shaped dicts, returns decisions.

Where each part lives:
- outbound: the outbound policy, rules 1-5 (check_outbound, the one policy function);
- hit_statistics: weekly hits per zone and category, small counts suppressed;
- bundles: STIX bundles of statistics and reports, their digest, the MISP event;
- screening: inbound rules 1-3, each ISC object judged (screen_object);
- pull: the cursor of the incremental TAXII pull;
- promotion: deciding a candidate, which alone can make a hotlist entry;
- tlp: TLP 2.0 labels and marking definitions;
- stix: the STIX id and timestamp shapes both directions rely on.
"""

from gateway.domain.isc.bundles import (
    ReportDraft,
    ReportKind,
    bundle_digest,
    misp_event,
    report_bundle,
    statistics_bundle,
)
from gateway.domain.isc.hit_statistics import (
    HitFact,
    iso_week,
    last_complete_week,
    week_bounds,
    weekly_statistics,
)
from gateway.domain.isc.outbound import OUTBOUND_FIELDS, OutboundViolation, check_outbound
from gateway.domain.isc.promotion import check_open, check_promotable, check_promotion
from gateway.domain.isc.pull import PullTally, added_after_for, later_cursor
from gateway.domain.isc.screening import MAX_OBJECT_BYTES, Screened, Verdict, screen_object
from gateway.domain.isc.tlp import Tlp, marking_definition, marking_id, parse_tlp

__all__ = [
    "MAX_OBJECT_BYTES",
    "OUTBOUND_FIELDS",
    "HitFact",
    "OutboundViolation",
    "PullTally",
    "ReportDraft",
    "ReportKind",
    "Screened",
    "Tlp",
    "Verdict",
    "added_after_for",
    "bundle_digest",
    "check_open",
    "check_outbound",
    "check_promotable",
    "check_promotion",
    "iso_week",
    "last_complete_week",
    "later_cursor",
    "marking_definition",
    "marking_id",
    "misp_event",
    "parse_tlp",
    "report_bundle",
    "screen_object",
    "statistics_bundle",
    "week_bounds",
    "weekly_statistics",
]
