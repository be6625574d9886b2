"""The read_batches table: the node's receipt of each adapter batch (migration 0016).
The answer is kept as JSON of counts, positions, refusal reasons and hit ids."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from gateway.domain.times import parse_time_text, time_text
from gateway.services.ports.read_batches import BatchReceipt, ReceiptKey
from gateway.services.ports.retention import Held

if TYPE_CHECKING:
    from gateway.store.sqlite.unit_of_work import SqliteUnitOfWork

_CHUNK = 400  # keys per DELETE (two parameters each)


class SqliteReadBatches:
    def __init__(self, uow: SqliteUnitOfWork) -> None:
        self._conn = uow.conn

    def add(self, receipt: BatchReceipt) -> bool:
        answer = {
            "accepted": receipt.accepted,
            "hits": receipt.hits,
            "rejected": [[i, reason] for i, reason in receipt.rejected],
            "batch_hits": [[i, hit_id, time_text(at)] for i, hit_id, at in receipt.batch_hits],
        }
        cur = self._conn.execute(
            "INSERT INTO read_batches (adapter, batch_id, reads, answer, answered_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (adapter, batch_id) DO NOTHING",
            (
                receipt.adapter,
                receipt.batch_id,
                receipt.reads,
                json.dumps(answer, separators=(",", ":")),
                time_text(receipt.answered_at),
            ),
        )
        return cur.rowcount == 1

    def get(self, adapter: str, batch_id: str) -> BatchReceipt | None:
        row = self._conn.execute(
            "SELECT reads, answer, answered_at FROM read_batches "
            "WHERE adapter = ? AND batch_id = ?",
            (adapter, batch_id),
        ).fetchone()
        if row is None:
            return None
        reads, answer_text, answered_at = row
        answer = json.loads(answer_text)
        return BatchReceipt(
            adapter,
            batch_id,
            reads,
            answer["accepted"],
            answer["hits"],
            tuple((i, reason) for i, reason in answer["rejected"]),
            tuple((i, hit_id, parse_time_text(at)) for i, hit_id, at in answer["batch_hits"]),
            parse_time_text(answered_at),
        )

    def due(self, cutoff: datetime, limit: int = 1000) -> list[ReceiptKey]:
        rows = self._conn.execute(
            "SELECT adapter, batch_id FROM read_batches WHERE answered_at <= ? "
            "ORDER BY answered_at LIMIT ?",
            (time_text(cutoff), limit),
        )
        return [(a, b) for a, b in rows]

    def over_count(self, keep: int, limit: int = 1000) -> list[ReceiptKey]:
        over = self._conn.execute(
            "SELECT adapter, count(*) FROM read_batches GROUP BY adapter HAVING count(*) > ?",
            (keep,),
        ).fetchall()
        keys: list[ReceiptKey] = []
        for adapter, count in over:
            if len(keys) >= limit:
                break
            rows = self._conn.execute(
                "SELECT batch_id FROM read_batches WHERE adapter = ? "
                "ORDER BY answered_at, batch_id LIMIT ?",
                (adapter, min(count - keep, limit - len(keys))),
            )
            keys += [(adapter, b) for (b,) in rows]
        return keys

    def erase(self, keys: Sequence[ReceiptKey]) -> int:
        erased = 0
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            marks = " OR ".join(["(adapter = ? AND batch_id = ?)"] * len(chunk))
            erased += self._conn.execute(
                f"DELETE FROM read_batches WHERE {marks}", [v for key in chunk for v in key]
            ).rowcount
        return erased

    def held(self, now: datetime, days: int) -> Held:
        cutoff = now - timedelta(days=days)
        count, oldest, past = self._conn.execute(
            "SELECT count(*), min(answered_at), sum(answered_at <= ?) FROM read_batches",
            (time_text(cutoff),),
        ).fetchone()
        first = parse_time_text(oldest) if oldest else None
        return Held(count, first, first + timedelta(days=days) if first else None, past or 0)
