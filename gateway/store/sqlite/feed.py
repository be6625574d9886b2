"""Provider side of the hotlist feed: per agreement, the latest leaf of every entry ever
shared, ordered by seq, and the running count and digest of the live ones."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from gateway.domain import merkle
from gateway.domain.times import parse_time_text, time_text
from gateway.services.ports import FeedRow, FeedState, FeedWrite, TokenEpoch

if TYPE_CHECKING:
    from gateway.store.sqlite.unit_of_work import SqliteUnitOfWork

PAGE = 5000


def live_hashes_sql(n: int) -> str:
    """The lookup of n entry ids in one agreement's feed. The index is named: left to
    itself SQLite walked the primary key (agreement_id, seq), every row of the
    agreement, for each lookup, which made projecting a million entries quadratic
    (230 s; at 400,000 entries 70% of the projector's time). No condition on `live`
    either: with one, SQLite picks the (agreement, live, expiry) index and scans."""
    return (
        "SELECT entry_id, live, leaf_hash, content_hash FROM feed INDEXED BY feed_entry "
        f"WHERE agreement_id = ? AND entry_id IN ({','.join('?' * n)})"
    )


class SqliteFeed:
    def __init__(self, uow: SqliteUnitOfWork) -> None:
        self._conn = uow.conn

    def state(self, agreement_id: str) -> FeedState | None:
        row = self._conn.execute(
            "SELECT agreement_version, last_seq, live_count, set_digest, projected_change_seq, "
            "token_epoch, token_epoch_complete FROM feed_state WHERE agreement_id = ?",
            (agreement_id,),
        ).fetchone()
        if row is None:
            return None
        return FeedState(agreement_id, row[0], row[1], row[2], int(row[3], 16), *row[4:])

    def save_state(self, s: FeedState) -> None:
        self._conn.execute(
            "INSERT INTO feed_state (agreement_id, agreement_version, last_seq, live_count, "
            "set_digest, projected_change_seq, token_epoch, token_epoch_complete) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (agreement_id) DO UPDATE SET agreement_version=excluded.agreement_version,"
            " last_seq=excluded.last_seq, live_count=excluded.live_count,"
            " set_digest=excluded.set_digest, projected_change_seq=excluded.projected_change_seq,"
            " token_epoch=excluded.token_epoch,"
            " token_epoch_complete=excluded.token_epoch_complete",
            (
                s.agreement_id,
                s.agreement_version,
                s.last_seq,
                s.live_count,
                merkle.set_digest_hex(s.set_digest),
                s.projected_change_seq,
                s.token_epoch,
                s.token_epoch_complete,
            ),
        )

    def live_hashes(
        self, agreement_id: str, entry_ids: Sequence[str]
    ) -> dict[str, tuple[bytes, bytes]]:
        found: dict[str, tuple[bytes, bytes]] = {}
        for i in range(0, len(entry_ids), 500):
            chunk = entry_ids[i : i + 500]
            rows = self._conn.execute(
                live_hashes_sql(len(chunk)), (agreement_id, *chunk)
            ).fetchall()
            for entry_id, live, leaf_hash, content_hash in rows:
                if live:
                    found[entry_id] = (leaf_hash, content_hash)
        return found

    def append(self, agreement_id: str, rows: Sequence[FeedWrite]) -> None:
        self._conn.executemany(
            "DELETE FROM feed WHERE agreement_id = ? AND entry_id = ?",
            ((agreement_id, r.entry_id) for r in rows),
        )
        self._conn.executemany(
            "INSERT INTO feed (agreement_id, seq, entry_id, agreement_version, live, leaf, "
            "leaf_hash, content_hash, expires_at, token_epoch) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            # Unpacked, not read field by field: a projection writes a million of these.
            (
                (
                    agreement_id,
                    seq,
                    entry_id,
                    version,
                    int(live),
                    leaf,
                    leaf_hash,
                    content_hash,
                    time_text(expires_at) if expires_at is not None else None,
                    epoch,
                )
                for (
                    seq,
                    entry_id,
                    version,
                    live,
                    leaf,
                    leaf_hash,
                    content_hash,
                    expires_at,
                    epoch,
                ) in rows
            ),
        )

    def rows_after(self, agreement_id: str, after_seq: int) -> Iterator[FeedRow]:
        last = after_seq
        while True:
            rows = self._conn.execute(
                "SELECT seq, entry_id, agreement_version, leaf, token_epoch FROM feed "
                "WHERE agreement_id = ? AND seq > ? ORDER BY seq LIMIT ?",
                (agreement_id, last, PAGE),
            ).fetchall()
            if not rows:
                return
            yield from map(FeedRow._make, rows)
            last = rows[-1][0]

    def drop(self, agreement_id: str) -> None:
        self._conn.execute("DELETE FROM feed WHERE agreement_id = ?", (agreement_id,))
        self._conn.execute("DELETE FROM feed_state WHERE agreement_id = ?", (agreement_id,))

    def token_epochs(self) -> list[TokenEpoch]:
        return [
            TokenEpoch(
                epoch,
                parse_time_text(created),
                parse_time_text(overlap) if overlap else None,
                parse_time_text(retired) if retired else None,
            )
            for epoch, created, overlap, retired in self._conn.execute(
                "SELECT epoch, created_at, overlap_ends_at, retired_at FROM token_epochs "
                "ORDER BY epoch"
            )
        ]

    def save_token_epoch(self, e: TokenEpoch) -> None:
        self._conn.execute(
            "INSERT INTO token_epochs VALUES (?, ?, ?, ?) ON CONFLICT (epoch) DO UPDATE SET "
            "overlap_ends_at = excluded.overlap_ends_at, retired_at = excluded.retired_at",
            (
                e.epoch,
                time_text(e.created_at),
                time_text(e.overlap_ends_at) if e.overlap_ends_at else None,
                time_text(e.retired_at) if e.retired_at else None,
            ),
        )
