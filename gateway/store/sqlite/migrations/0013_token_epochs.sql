-- Plate-token secret rotation (issue 15; numbered 0011 in the issue's plan, 0013 here
-- because the runner refuses gaps). Provider side: each master secret is an epoch; the
-- secret itself is an owner-only file, this table only says when each epoch began, when
-- its overlap with the next one ends and when its secret was erased. Epoch 0 (token.key)
-- has no row until a rotation replaces it.
CREATE TABLE token_epochs (
    epoch INTEGER PRIMARY KEY,
    created_at TEXT NOT NULL,
    overlap_ends_at TEXT,
    retired_at TEXT
);

-- The epoch each feed row's token is under, the epoch the feed's projector pass is
-- under (a rotation re-sends every in-scope entry once, under the new epoch), and the
-- epoch every live entry is under once that pass is through (what heads tell).
ALTER TABLE feed ADD COLUMN token_epoch INTEGER NOT NULL DEFAULT 0;
ALTER TABLE feed_state ADD COLUMN token_epoch INTEGER NOT NULL DEFAULT 0;
ALTER TABLE feed_state ADD COLUMN token_epoch_complete INTEGER NOT NULL DEFAULT 0;

-- Recipient side: one key per agreement version and epoch (the primary key changes, so
-- the table is rebuilt; every key held so far is of epoch 0).
CREATE TABLE matching_keys_v13 (
    agreement_id TEXT NOT NULL,
    agreement_version INTEGER NOT NULL,
    matching_mode TEXT NOT NULL,
    token_key BLOB NOT NULL,
    token_epoch INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (agreement_id, agreement_version, token_epoch)
);
INSERT INTO matching_keys_v13 (agreement_id, agreement_version, matching_mode, token_key)
    SELECT agreement_id, agreement_version, matching_mode, token_key FROM matching_keys;
DROP TABLE matching_keys;
ALTER TABLE matching_keys_v13 RENAME TO matching_keys;
