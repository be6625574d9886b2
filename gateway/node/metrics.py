"""The node's Prometheus endpoint (`metrics_port` in node.toml; off when absent).

Every figure is read from the node at scrape time (OperationsService), so the endpoint
adds no bookkeeping to the read path. Labels carry only partner ids, agreement ids,
adapter user names, states, kinds and error names: never a plate, a token, a camera, a
site, or a certificate's subject."""

from __future__ import annotations

from collections.abc import Iterator
from wsgiref.simple_server import WSGIServer

from prometheus_client import start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry

from gateway.services.operations import OperationsService


class NodeCollector(Collector):
    """Turns one reading of the node's figures into metric families."""

    def __init__(self, node_id: str, operations: OperationsService) -> None:
        self._node_id = node_id
        self._operations = operations

    def collect(self) -> Iterator[Metric]:
        f = self._operations.figures()
        info = GaugeMetricFamily("argos_node_info", "This node.", labels=["node"])
        info.add_metric([self._node_id], 1)
        yield info
        yield from self._sync(f)
        yield from self._outbox(f)
        yield from self._ingest(f)
        yield from self._hits(f)
        yield from self._hotlists(f)
        yield from self._confirmations(f)
        yield from self._freshness(f)
        yield from self._certificates(f)
        yield from self._limits(f)
        yield from self._oblivious(f)

    def _sync(self, f) -> Iterator[Metric]:
        labels = ["partner", "agreement", "role"]
        cursor = GaugeMetricFamily(
            "argos_sync_cursor",
            "Feed position: last sequence published (provider) or applied (recipient).",
            labels=labels,
        )
        entries = GaugeMetricFamily(
            "argos_sync_entries",
            "Live entries in the feed (provider) or held from the partner (recipient).",
            labels=labels,
        )
        rlabels = ["partner", "agreement"]
        lag = GaugeMetricFamily(
            "argos_sync_lag_changes",
            "Changes the partner announced that this node has not applied yet.",
            labels=rlabels,
        )
        head = GaugeMetricFamily(
            "argos_sync_verified_head_seq",
            "Position of the last signed head this node verified against what it holds.",
            labels=rlabels,
        )
        rejected = GaugeMetricFamily(
            "argos_sync_rejected_batches",
            "Batches refused from the partner (forged, altered, replayed, out of scope).",
            labels=rlabels,
        )
        for s in f.sync:
            key = [s.partner, s.agreement_id, s.role]
            cursor.add_metric(key, s.cursor)
            entries.add_metric(key, s.entries)
            if s.role == "recipient":
                lag.add_metric(key[:2], s.lag_changes)
                head.add_metric(key[:2], s.last_verified_head_seq)
                rejected.add_metric(key[:2], s.rejected_batches)
        yield from (cursor, entries, lag, head, rejected)

    def _outbox(self, f) -> Iterator[Metric]:
        outbox = GaugeMetricFamily(
            "argos_outbox_messages",
            "Messages to partners by state: pending (not yet delivered), delivered, refused.",
            labels=["partner", "state"],
        )
        for (partner, state), n in sorted(f.outbox.items()):
            outbox.add_metric([partner, state], n)
        by_kind = GaugeMetricFamily(
            "argos_outbox_messages_by_kind",
            "Messages to partners by kind (hit_notification, confirmation) and state.",
            labels=["kind", "state"],
        )
        for (kind, state), n in sorted(f.outbox_kinds.items()):
            by_kind.add_metric([kind, state], n)
        yield from (outbox, by_kind)

    def _ingest(self, f) -> Iterator[Metric]:
        labels = ["adapter"]
        families = {
            "batches": CounterMetricFamily(
                "argos_ingest_batches", "Batches of reads handed in since start.", labels=labels
            ),
            "reads": CounterMetricFamily(
                "argos_ingest_reads", "Reads taken since start.", labels=labels
            ),
            "matched": CounterMetricFamily(
                "argos_ingest_reads_matched",
                "Reads matched against every list since start (reads not rejected).",
                labels=labels,
            ),
            "hits": CounterMetricFamily(
                "argos_ingest_hits", "Reads that hit, since start.", labels=labels
            ),
            "rejected": CounterMetricFamily(
                "argos_ingest_reads_rejected", "Reads refused as unusable.", labels=labels
            ),
            "repeated": CounterMetricFamily(
                "argos_read_batches_repeated",
                "Batches handed in again under a batch id already answered: answered "
                "from the node's receipt, not matched or recorded again.",
                labels=labels,
            ),
        }
        last = GaugeMetricFamily(
            "argos_adapter_last_batch_timestamp_seconds",
            "When each adapter last handed in a batch (Unix time).",
            labels=labels,
        )
        for a in f.adapters:
            families["batches"].add_metric([a.user], a.batches)
            families["reads"].add_metric([a.user], a.reads)
            families["matched"].add_metric([a.user], a.reads - a.rejected)
            families["hits"].add_metric([a.user], a.hits)
            families["rejected"].add_metric([a.user], a.rejected)
            families["repeated"].add_metric([a.user], a.repeated)
            if a.last_batch_at is not None:
                last.add_metric([a.user], a.last_batch_at.timestamp())
        adapters = GaugeMetricFamily(
            "argos_adapters", "Adapters that handed in reads since the node started."
        )
        adapters.add_metric([], len(f.adapters))
        yield from (*families.values(), last, adapters)

    def _hits(self, f) -> Iterator[Metric]:
        held = GaugeMetricFamily(
            "argos_hits_held",
            "Hits held until their retention ends: own (own cameras, own list), observed "
            "(own cameras, partner's list; partner = owner), received (notified by the "
            "partner = observer).",
            labels=["kind", "partner"],
        )
        for kind in ("own", "observed", "received"):
            if not any(k == kind for k, _ in f.hits):
                held.add_metric([kind, ""], 0)
        for (kind, partner), n in sorted(f.hits.items()):
            held.add_metric([kind, partner], n)
        yield held

    def _hotlists(self, f) -> Iterator[Metric]:
        lists = GaugeMetricFamily(
            "argos_matching_list_entries",
            "Entries held in memory for matching, per list (own or agreement id).",
            labels=["list"],
        )
        for name, n in sorted(f.lists.items()):
            lists.add_metric([name], n)
        own = GaugeMetricFamily(
            "argos_own_entries",
            "This node's own hotlist entries by status: all, due_for_review (past "
            "expiry), expiring (review date within the warning window).",
            labels=["status"],
        )
        own.add_metric(["all"], f.own_entries)
        own.add_metric(["due_for_review"], f.entries_due_for_review)
        own.add_metric(["expiring"], f.entries_expiring)
        agreements = GaugeMetricFamily("argos_agreements", "Agreements by state.", labels=["state"])
        for state, n in sorted(f.agreements.items()):
            agreements.add_metric([state], n)
        audit = GaugeMetricFamily("argos_audit_records", "Records in the audit log.")
        audit.add_metric([], f.audit_records)
        yield from (lists, own, agreements, audit)

    def _confirmations(self, f) -> Iterator[Metric]:
        open_ = GaugeMetricFamily("argos_confirmations_open", "Open confirmation requests.")
        open_.add_metric([], f.open_confirmations)
        near = GaugeMetricFamily(
            "argos_confirmations_near_deadline",
            "Open requests whose deadline falls within the warning window, by direction "
            "(outgoing: asked by this node).",
            labels=["direction"],
        )
        out = sum(c.outgoing for c in f.confirmations_near_deadline)
        near.add_metric(["outgoing"], out)
        near.add_metric(["incoming"], len(f.confirmations_near_deadline) - out)
        yield from (open_, near)

    def _freshness(self, f) -> Iterator[Metric]:
        labels = ["agreement", "partner"]
        age = GaugeMetricFamily(
            "argos_feed_last_verified_head_age_seconds",
            "Seconds since the partner signed the last head this node verified against "
            "what it holds (before any, since the last batch applied).",
            labels=labels,
        )
        stale = GaugeMetricFamily(
            "argos_feed_stale",
            "1 while the feed's last verified head is older than stale_feed_after_s.",
            labels=labels,
        )
        skipped = GaugeMetricFamily(
            "argos_feed_matching_stopped",
            "1 while reads are not matched against the partner's list (stale feed).",
            labels=labels,
        )
        for s in f.sync:
            if s.role != "recipient":
                continue
            key = [s.agreement_id, s.partner]
            if s.head_age_s is not None:
                age.add_metric(key, s.head_age_s)
            stale.add_metric(key, int(s.stale))
            skipped.add_metric(key, int(s.agreement_id in f.lists_skipped))
        yield from (age, stale, skipped)

    def _certificates(self, f) -> Iterator[Metric]:
        left = GaugeMetricFamily(
            "argos_certificate_expiry_seconds",
            "Seconds until a certificate this node relies on ends (negative: ended): its "
            "own (subject = this node) and each partner's CA or pinned certificate.",
            labels=["subject", "kind"],
        )
        warning = GaugeMetricFamily(
            "argos_certificate_warning",
            "1 when the certificate ends within certificate_warning_days, or is unreadable.",
            labels=["subject", "kind"],
        )
        for check in f.certificates:
            key = [check.certificate.owner, check.certificate.kind]
            if check.seconds_left is not None:
                left.add_metric(key, check.seconds_left)
            warning.add_metric(key, int(check.warning))
        yield from (left, warning)

    def _limits(self, f) -> Iterator[Metric]:
        open_ = GaugeMetricFamily(
            "argos_streams_open",
            "Long streams open now: feed (partners following a feed), alert (alert "
            "watchers), read (adapters' read streams).",
            labels=["kind"],
        )
        refused = CounterMetricFamily(
            "argos_streams_refused",
            "Long streams refused at their caps since start.",
            labels=["kind"],
        )
        for kind, (n_open, n_refused) in sorted(f.streams.items()):
            open_.add_metric([kind], n_open)
            refused.add_metric([kind], n_refused)
        yield from (open_, refused)
        if f.gate is None:
            return
        refusals = CounterMetricFamily(
            "argos_federation_refusals",
            "Partner calls refused since start, by partner (or unidentified) and error.",
            labels=["partner", "error"],
        )
        for (partner, error), n in sorted(f.gate.refusals.items()):
            refusals.add_metric([partner, error], n)
        unrecorded = CounterMetricFamily(
            "argos_federation_refusals_summarised",
            "Refusals past the partner's record rate: counted, and summed up in one audit "
            "record per interval instead of one each.",
            labels=["partner"],
        )
        for partner, n in sorted(f.gate.refusals_unrecorded.items()):
            unrecorded.add_metric([partner], n)
        limited = CounterMetricFamily(
            "argos_federation_rate_limited",
            "Partner calls refused for coming faster than partner_calls_per_s.",
            labels=["partner"],
        )
        for partner, n in sorted(f.gate.rate_limited.items()):
            limited.add_metric([partner], n)
        yield from (refusals, unrecorded, limited)

    def _oblivious(self, f) -> Iterator[Metric]:
        held = GaugeMetricFamily(
            "argos_oblivious_reads_held",
            "Reads waiting in memory for an oblivious list's unreachable owner.",
        )
        held.add_metric([], f.oblivious_held[0])
        dropped = CounterMetricFamily(
            "argos_oblivious_reads_dropped",
            "Reads dropped after waiting too long (or too many) for an oblivious list's owner.",
        )
        dropped.add_metric([], f.oblivious_held[1])
        yield from (held, dropped)
        if f.oblivious is None:
            return
        evaluated = CounterMetricFamily(
            "argos_oblivious_evaluations",
            "Blinded readings evaluated for a partner under oblivious agreements, since start.",
            labels=["partner"],
        )
        for partner, n in sorted(f.oblivious.evaluated.items()):
            evaluated.add_metric([partner], n)
        refused = CounterMetricFamily(
            "argos_oblivious_refusals",
            "EvaluatePlates batches refused (budget, malformed, agreement), since start.",
            labels=["partner"],
        )
        for partner, n in sorted(f.oblivious.refused.items()):
            refused.add_metric([partner], n)
        yield from (evaluated, refused)


def serve_metrics(
    address: str, port: int, node_id: str, operations: OperationsService
) -> WSGIServer:
    """Start the HTTP endpoint (GET /metrics) on its own thread; return the server."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(NodeCollector(node_id, operations))
    server, _ = start_http_server(port, addr=address, registry=registry)
    return server
