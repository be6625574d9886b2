-- A recipient writes a million of these rows in an initial sync, so each carries only
-- what matching, expiry and proof of origin need. The provider, agreement version and
-- sequence number are inside the signed leaf (and the provider in sync_state); the leaf
-- hash is SHA-256 over the leaf, recomputed in the rare case an entry is replaced.
-- Expiry becomes whole seconds since the epoch: cheaper to write and to compare.
CREATE TABLE received_entries_v3 (
    agreement_id TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    leaf BLOB NOT NULL,
    checkpoint_id INTEGER NOT NULL,
    leaf_index INTEGER NOT NULL,
    category TEXT NOT NULL,
    plate_token BLOB,
    plate TEXT,
    country TEXT,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (agreement_id, entry_id)
) WITHOUT ROWID;

INSERT INTO received_entries_v3
SELECT agreement_id, entry_id, leaf, checkpoint_id, leaf_index, category, plate_token, plate,
       country, CAST(strftime('%s', expires_at) AS INTEGER)
FROM received_entries;

DROP TABLE received_entries;

ALTER TABLE received_entries_v3 RENAME TO received_entries;
