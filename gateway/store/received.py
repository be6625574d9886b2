"""Recipient side of the hotlist feed: entries received per agreement with the exact
leaf bytes and checkpoint that prove their origin, the cursor, and the set digest."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from gateway.domain import merkle
from gateway.domain.feed import ReceivedBatch
from gateway.store.database import utc_now_text


@dataclass
class SyncState:
    agreement_id: str
    provider: str
    cursor: int
    live_count: int
    set_digest: int
    provider_seq: int = 0
    last_verified_seq: int = 0
    last_verified_at: str = ""
    last_applied_at: str = ""
    rejected_batches: int = 0
    last_error: str = ""
    max_entry_id: str = ""


_STATE_COLUMNS = (
    "agreement_id, provider, cursor, live_count, set_digest, provider_seq, last_verified_seq, "
    "last_verified_at, last_applied_at, rejected_batches, last_error, max_entry_id"
)


def load_state(conn: sqlite3.Connection, agreement_id: str, provider: str) -> SyncState:
    row = conn.execute(
        f"SELECT {_STATE_COLUMNS} FROM sync_state WHERE agreement_id = ?", (agreement_id,)
    ).fetchone()
    if row is None:
        return SyncState(agreement_id, provider, 0, 0, merkle.SET_DIGEST_EMPTY)
    return SyncState(row[0], row[1], row[2], row[3], int(row[4], 16), *row[5:])


def all_states(conn: sqlite3.Connection) -> list[SyncState]:
    rows = conn.execute(f"SELECT {_STATE_COLUMNS} FROM sync_state ORDER BY agreement_id")
    return [SyncState(r[0], r[1], r[2], r[3], int(r[4], 16), *r[5:]) for r in rows]


def save_state(conn: sqlite3.Connection, s: SyncState) -> None:
    conn.execute(
        f"INSERT OR REPLACE INTO sync_state ({_STATE_COLUMNS}) VALUES "
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            s.agreement_id,
            s.provider,
            s.cursor,
            s.live_count,
            merkle.set_digest_hex(s.set_digest),
            s.provider_seq,
            s.last_verified_seq,
            s.last_verified_at,
            s.last_applied_at,
            s.rejected_batches,
            s.last_error,
            s.max_entry_id,
        ),
    )


# What a matching index needs of a stored row: entry id, then how to find it.
MatchFields = tuple[str, bytes | None, str | None, str | None]  # id, token, plate, country
ROW_CATEGORY, ROW_TOKEN, ROW_PLATE, ROW_COUNTRY, ROW_EXPIRES = 5, 6, 7, 8, 9


@dataclass(frozen=True)
class AppliedBatch:
    """What a batch changed, for whoever keeps an index of received entries."""

    agreement_id: str
    agreement_version: int
    # Rows as stored (see ROW_* for the positions of the matching fields).
    upserts: list[tuple]
    # Entries no longer held as they were: deleted, or replaced by an upsert above.
    removed: list[MatchFields]


def apply_batch(
    conn: sqlite3.Connection, state: SyncState, batch: ReceivedBatch, envelope: bytes
) -> AppliedBatch:
    """Apply a verified batch inside the caller's transaction: store the checkpoint, upsert
    and delete entries, move the cursor and the digest."""
    agreement_id = state.agreement_id
    cur = conn.execute(
        "INSERT INTO checkpoints (agreement_id, envelope, leaf_hashes, received_at, "
        "agreement_version) VALUES (?, ?, ?, ?, ?)",
        (
            agreement_id,
            envelope,
            b"".join(batch.leaf_hashes),
            utc_now_text(),
            batch.checkpoint.agreement_version,
        ),
    )
    checkpoint_id = cur.lastrowid
    held, held_fields = _held(conn, state, batch)
    count = state.live_count
    added: list[bytes] = []
    removed: list[bytes] = []
    removed_fields: list[MatchFields] = []
    upserts, deletes = [], []
    k = batch.kept
    for index, (entry_id, category, token, plate, country, expires_s, leaf, leaf_hash) in enumerate(
        zip(
            k.entry_ids,
            k.categories,
            k.plate_tokens,
            k.plates,
            k.countries,
            k.expires_at_s,
            batch.leaves,
            batch.leaf_hashes,
            strict=True,
        )
    ):
        old = held.pop(entry_id, None)
        if old is not None:
            removed.append(old)
            removed_fields.append(held_fields.pop(entry_id))
            count -= 1
        if category is None:  # a tombstone
            deletes.append((agreement_id, entry_id))
            continue
        added.append(leaf_hash)
        count += 1
        # A later change in this batch replaces this one.
        held[entry_id] = leaf_hash
        held_fields[entry_id] = (entry_id, token, plate, country)
        upserts.append(
            (
                agreement_id,
                entry_id,
                leaf,
                checkpoint_id,
                index,
                category,
                token,
                plate,
                country,
                expires_s,
            )
        )
    if deletes:
        conn.executemany(
            "DELETE FROM received_entries WHERE agreement_id = ? AND entry_id = ?", deletes
        )
    if upserts:
        _insert_rows(conn, upserts)
        state.max_entry_id = max(state.max_entry_id, max(u[1] for u in upserts))
    state.set_digest = merkle.set_digest_update(state.set_digest, added, removed)
    state.live_count = count
    state.cursor = batch.checkpoint.to_seq
    state.provider_seq = max(state.provider_seq, state.cursor)
    state.last_applied_at = utc_now_text()
    save_state(conn, state)
    return AppliedBatch(agreement_id, batch.checkpoint.agreement_version, upserts, removed_fields)


_INSERT = (
    "INSERT OR REPLACE INTO received_entries (agreement_id, entry_id, leaf, checkpoint_id, "
    "leaf_index, category, plate_token, plate, country, expires_at) VALUES "
)
_ROW = "(?,?,?,?,?,?,?,?,?,?)"
_ROWS_PER_STATEMENT = 500  # 5,000 parameters, well under SQLite's limit of 32,766


def _insert_rows(conn: sqlite3.Connection, rows: list[tuple]) -> None:
    """Insert many rows with a few multi-row statements rather than executemany: each
    statement step lets go of the GIL, and getting it back can take a whole switch
    interval while another thread runs Python (the sync runner verifies the next batch
    meanwhile), which made executemany three times slower in a running node."""
    for i in range(0, len(rows), _ROWS_PER_STATEMENT):
        chunk = rows[i : i + _ROWS_PER_STATEMENT]
        conn.execute(_INSERT + ",".join([_ROW] * len(chunk)), [v for row in chunk for v in row])


def _held(
    conn: sqlite3.Connection, state: SyncState, batch: ReceivedBatch
) -> tuple[dict[str, bytes], dict[str, MatchFields]]:
    """Leaf hash and matching fields of every entry of the batch this node already
    holds. Entry ids are time-ordered (UUIDv7) and a feed sends entries roughly in the
    order they were made: only ids not above the highest held id can already be here,
    which spares an initial sync a lookup per entry."""
    ids = [i for i in batch.kept.entry_ids if i <= state.max_entry_id]
    hashes: dict[str, bytes] = {}
    fields: dict[str, MatchFields] = {}
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        for entry_id, leaf, token, plate, country in conn.execute(
            "SELECT entry_id, leaf, plate_token, plate, country FROM received_entries "
            f"WHERE agreement_id = ? AND entry_id IN ({','.join('?' * len(chunk))})",
            (state.agreement_id, *chunk),
        ):
            hashes[entry_id] = merkle.leaf_hash(leaf)
            fields[entry_id] = (entry_id, token, plate, country)
    return hashes, fields


def purge(conn: sqlite3.Connection, agreement_id: str) -> int:
    """Remove everything received under an agreement; return how many entries went."""
    count = conn.execute(
        "SELECT count(*) FROM received_entries WHERE agreement_id = ?", (agreement_id,)
    ).fetchone()[0]
    for table in ("received_entries", "checkpoints", "sync_state", "matching_keys"):
        conn.execute(f"DELETE FROM {table} WHERE agreement_id = ?", (agreement_id,))
    return count


def matching_key(conn: sqlite3.Connection, agreement_id: str, version: int) -> bytes | None:
    row = conn.execute(
        "SELECT token_key FROM matching_keys WHERE agreement_id = ? AND agreement_version = ?",
        (agreement_id, version),
    ).fetchone()
    return row[0] if row else None


def store_matching_key(
    conn: sqlite3.Connection, agreement_id: str, version: int, mode: str, key: bytes
) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO matching_keys VALUES (?, ?, ?, ?)",
        (agreement_id, version, mode, key),
    )
