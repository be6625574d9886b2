"""Recipient side of the hotlist feed: entries received per agreement with the exact
leaf bytes and checkpoint that prove their origin, the cursor, the set digest, and
the matching key of each agreement version."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from gateway.domain import merkle
from gateway.domain.envelope import Envelope
from gateway.domain.feed import ReceivedBatch
from gateway.services.ports import AppliedBatch, HeldProofs, SyncState
from gateway.services.ports.received import MatchFields
from gateway.wire import codec

if TYPE_CHECKING:
    from gateway.store.sqlite.unit_of_work import SqliteUnitOfWork

_STATE_COLUMNS = (
    "agreement_id, provider, cursor, live_count, set_digest, provider_seq, last_verified_seq, "
    "last_verified_at, last_applied_at, rejected_batches, last_error, max_entry_id, "
    "last_head_issued_at"
)
_INSERT = (
    "INSERT OR REPLACE INTO received_entries (agreement_id, entry_id, leaf, checkpoint_id, "
    "leaf_index, category, plate_token, plate, country, expires_at) VALUES "
)
_ROW = "(?,?,?,?,?,?,?,?,?,?)"
_ROWS_PER_STATEMENT = 500  # 5,000 parameters, well under SQLite's limit of 32,766


class SqliteReceived:
    def __init__(self, uow: SqliteUnitOfWork) -> None:
        self._uow = uow
        self._conn = uow.conn

    def state(self, agreement_id: str, provider: str) -> SyncState:
        row = self._conn.execute(
            f"SELECT {_STATE_COLUMNS} FROM sync_state WHERE agreement_id = ?", (agreement_id,)
        ).fetchone()
        if row is None:
            return SyncState(agreement_id, provider, 0, 0, merkle.SET_DIGEST_EMPTY)
        return _state(row)

    def states(self) -> list[SyncState]:
        rows = self._conn.execute(f"SELECT {_STATE_COLUMNS} FROM sync_state ORDER BY agreement_id")
        return [_state(r) for r in rows]

    def save_state(self, s: SyncState) -> None:
        self._conn.execute(
            f"INSERT OR REPLACE INTO sync_state ({_STATE_COLUMNS}) VALUES "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                s.last_head_issued_at,
            ),
        )

    def agreement_ids(self) -> list[str]:
        return [r[0] for r in self._conn.execute("SELECT DISTINCT agreement_id FROM sync_state")]

    def apply_batch(
        self, state: SyncState, batch: ReceivedBatch, checkpoint_envelope: Envelope
    ) -> AppliedBatch:
        conn = self._conn
        agreement_id = state.agreement_id
        now = self._uow.now_text()
        checkpoint_id = self._add_checkpoint(
            (
                agreement_id,
                codec.envelope_bytes(checkpoint_envelope),
                b"".join(batch.leaf_hashes),
                now,
                batch.checkpoint.agreement_version,
            )
        )
        held, held_fields = self._held(state, batch)
        k = batch.kept
        # What the match index must forget: entries held before this batch that it
        # changes or removes (intermediate states inside the batch never reach it).
        removed_fields: list[MatchFields] = (
            [held_fields[i] for i in dict.fromkeys(k.entry_ids) if i in held_fields]
            if held_fields
            else []
        )
        count = state.live_count
        added: list[bytes] = []
        removed: list[bytes] = []
        # Each entry's last change in the batch, in batch order: a row, or None for a
        # tombstone (an entry upserted and then tombstoned in one batch is not held).
        final: dict[str, tuple | None] = {}
        for index, (
            entry_id,
            category,
            token,
            plate,
            country,
            expires_s,
            leaf,
            leaf_hash,
        ) in enumerate(
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
                count -= 1
            if category is None:  # a tombstone
                final[entry_id] = None
                continue
            added.append(leaf_hash)
            count += 1
            held[entry_id] = leaf_hash
            final[entry_id] = (
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
        deletes = [(agreement_id, i) for i, row in final.items() if row is None]
        upserts = [row for row in final.values() if row is not None]
        if deletes:
            conn.executemany(
                "DELETE FROM received_entries WHERE agreement_id = ? AND entry_id = ?", deletes
            )
        if upserts:
            self._insert_rows(upserts)
            state.max_entry_id = max(state.max_entry_id, max(u[1] for u in upserts))
        state.set_digest = merkle.set_digest_update(state.set_digest, added, removed)
        state.live_count = count
        state.cursor = batch.checkpoint.to_seq
        state.provider_seq = max(state.provider_seq, state.cursor)
        state.last_applied_at = now
        self.save_state(state)
        return AppliedBatch(
            agreement_id,
            batch.checkpoint.agreement_version,
            k,
            [row[4] for row in upserts],
            removed_fields,
        )

    def _add_checkpoint(self, values: tuple) -> int:
        """Store a checkpoint (agreement_id, envelope, leaf_hashes, received_at,
        agreement_version); its id."""
        cur = self._conn.execute(
            "INSERT INTO checkpoints (agreement_id, envelope, leaf_hashes, received_at, "
            "agreement_version) VALUES (?, ?, ?, ?, ?)",
            values,
        )
        assert cur.lastrowid is not None
        return cur.lastrowid

    def _insert_rows(self, rows: list[tuple]) -> None:
        """Insert many rows with a few multi-row statements rather than executemany: each
        statement step lets go of the GIL, and getting it back can take a whole switch
        interval while another thread runs Python (the sync runner verifies the next batch
        meanwhile), which made executemany three times slower in a running node."""
        for i in range(0, len(rows), _ROWS_PER_STATEMENT):
            chunk = rows[i : i + _ROWS_PER_STATEMENT]
            self._conn.execute(
                _INSERT + ",".join([_ROW] * len(chunk)), [v for row in chunk for v in row]
            )

    def _held(
        self, state: SyncState, batch: ReceivedBatch
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
            for entry_id, leaf, token, plate, country in self._conn.execute(
                "SELECT entry_id, leaf, plate_token, plate, country FROM received_entries "
                f"WHERE agreement_id = ? AND entry_id IN ({','.join('?' * len(chunk))})",
                (state.agreement_id, *chunk),
            ):
                hashes[entry_id] = merkle.leaf_hash(leaf)
                fields[entry_id] = (entry_id, token, plate, country)
        self._held_erased(state.agreement_id, ids, hashes)
        return hashes, fields

    def _held_erased(self, agreement_id: str, ids: list[str], hashes: dict[str, bytes]) -> None:
        """Entries erased by their retention still count in the provider's set: their
        leaf hash is taken from the ledger (and the ledger forgets them, as the batch
        changes or removes them). Not in the match index: no fields."""
        if (
            not ids
            or not self._conn.execute(
                "SELECT 1 FROM received_erased WHERE agreement_id = ? LIMIT 1", (agreement_id,)
            ).fetchone()
        ):
            return
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for entry_id, leaf_hash in self._conn.execute(
                "SELECT entry_id, leaf_hash FROM received_erased "
                f"WHERE agreement_id = ? AND entry_id IN ({marks})",
                (agreement_id, *chunk),
            ).fetchall():
                hashes.setdefault(entry_id, leaf_hash)
            self._conn.execute(
                f"DELETE FROM received_erased WHERE agreement_id = ? AND entry_id IN ({marks})",
                (agreement_id, *chunk),
            )

    def purge(self, agreement_id: str) -> int:
        count = self._conn.execute(
            "SELECT count(*) FROM received_entries WHERE agreement_id = ?", (agreement_id,)
        ).fetchone()[0]
        for table in (
            "received_entries",
            "received_erased",
            "checkpoints",
            "sync_state",
            "matching_keys",
        ):
            self._conn.execute(f"DELETE FROM {table} WHERE agreement_id = ?", (agreement_id,))
        return count

    def matching_key(self, agreement_id: str, version: int, epoch: int = 0) -> bytes | None:
        row = self._conn.execute(
            "SELECT token_key FROM matching_keys WHERE agreement_id = ? "
            "AND agreement_version = ? AND token_epoch = ?",
            (agreement_id, version, epoch),
        ).fetchone()
        return row[0] if row else None

    def store_matching_key(
        self, agreement_id: str, version: int, mode: str, key: bytes, epoch: int = 0
    ) -> None:
        self._conn.execute(
            "INSERT OR REPLACE INTO matching_keys (agreement_id, agreement_version, "
            "matching_mode, token_key, token_epoch) VALUES (?, ?, ?, ?, ?)",
            (agreement_id, version, mode, key, epoch),
        )

    def matching_keys(self, agreement_id: str) -> list[tuple[int, str, bytes]]:
        return self._conn.execute(
            "SELECT agreement_version, matching_mode, token_key FROM matching_keys "
            "WHERE agreement_id = ? ORDER BY agreement_version, token_epoch",
            (agreement_id,),
        ).fetchall()

    def matching_key_epochs(self, agreement_id: str) -> list[int]:
        return [
            r[0]
            for r in self._conn.execute(
                "SELECT DISTINCT token_epoch FROM matching_keys WHERE agreement_id = ? "
                "ORDER BY token_epoch",
                (agreement_id,),
            )
        ]

    def erase_matching_keys_before(self, agreement_id: str, epoch: int) -> int:
        return self._conn.execute(
            "DELETE FROM matching_keys WHERE agreement_id = ? AND token_epoch < ?",
            (agreement_id, epoch),
        ).rowcount

    def checkpoint_versions(self, agreement_id: str) -> set[int]:
        return {
            r[0]
            for r in self._conn.execute(
                "SELECT DISTINCT agreement_version FROM checkpoints WHERE agreement_id = ?",
                (agreement_id,),
            )
        }

    def index_rows(self, agreement_id: str) -> Iterator[tuple]:
        # Plain tuples in ReceivedIndexRow's order: a list of millions is loaded at
        # start, and making a named tuple of each costs more than reading it.
        return self._conn.execute(
            "SELECT entry_id, category, plate_token, plate, country, expires_at "
            "FROM received_entries WHERE agreement_id = ?",
            (agreement_id,),
        )

    def leaf(self, agreement_id: str, entry_id: str) -> bytes | None:
        row = self._conn.execute(
            "SELECT leaf FROM received_entries WHERE agreement_id = ? AND entry_id = ?",
            (agreement_id, entry_id),
        ).fetchone()
        return row[0] if row else None

    def leaves(self, agreement_id: str) -> list[bytes]:
        rows = self._conn.execute(
            "SELECT leaf FROM received_entries WHERE agreement_id = ?", (agreement_id,)
        )
        return [r[0] for r in rows]

    def proofs(self, agreement_id: str) -> HeldProofs:
        checkpoints = {
            cid: (codec.envelope_from_bytes(envelope), _split_hashes(blob))
            for cid, envelope, blob in self._conn.execute(
                "SELECT id, envelope, leaf_hashes FROM checkpoints WHERE agreement_id = ?",
                (agreement_id,),
            )
        }
        entries = self._conn.execute(
            "SELECT entry_id, leaf, checkpoint_id, leaf_index FROM received_entries "
            "WHERE agreement_id = ?",
            (agreement_id,),
        ).fetchall()
        return HeldProofs(checkpoints, entries)


def _split_hashes(blob: bytes) -> tuple[bytes, ...]:
    return tuple(blob[i : i + 32] for i in range(0, len(blob), 32))


def _state(row: tuple) -> SyncState:
    return SyncState(row[0], row[1], row[2], row[3], int(row[4], 16), *row[5:])
