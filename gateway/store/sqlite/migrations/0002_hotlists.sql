-- Hotlists: this node's own entries, the change feed it provides per agreement, and
-- what it received from partners.

-- Own entries. change_seq orders every change for the feed projector.
CREATE TABLE entries (
    entry_id TEXT PRIMARY KEY,
    plate TEXT NOT NULL,
    plate_raw TEXT NOT NULL,
    country TEXT NOT NULL,
    category TEXT NOT NULL,
    action TEXT NOT NULL,
    flags TEXT NOT NULL,
    vehicle_description TEXT NOT NULL,
    contact TEXT NOT NULL,
    case_reference TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    version INTEGER NOT NULL,
    withdrawn INTEGER NOT NULL CHECK (withdrawn IN (0, 1)),
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    change_seq INTEGER NOT NULL,
    -- valid_from of an entry saved before it became valid; cleared once it is.
    activates_at TEXT
);
CREATE INDEX entries_change_seq ON entries (change_seq);
CREATE INDEX entries_expires_at ON entries (expires_at);
CREATE INDEX entries_activates_at ON entries (activates_at) WHERE activates_at IS NOT NULL;

-- Provider side: the current state of every entry ever shared under an agreement,
-- as its latest leaf (an upsert, or a tombstone once it left the partner's view).
CREATE TABLE feed (
    agreement_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    entry_id TEXT NOT NULL,
    agreement_version INTEGER NOT NULL,
    live INTEGER NOT NULL CHECK (live IN (0, 1)),
    leaf BLOB NOT NULL,
    leaf_hash BLOB NOT NULL,
    -- Hash of what the partner sees of the entry, to skip re-sending unchanged entries.
    content_hash BLOB,
    expires_at TEXT,
    PRIMARY KEY (agreement_id, seq)
) WITHOUT ROWID;
CREATE UNIQUE INDEX feed_entry ON feed (agreement_id, entry_id);
CREATE INDEX feed_live_expiry ON feed (agreement_id, live, expires_at);

-- Provider side: where each agreement's feed stands, and the digest of its live set.
CREATE TABLE feed_state (
    agreement_id TEXT PRIMARY KEY,
    agreement_version INTEGER NOT NULL,
    last_seq INTEGER NOT NULL,
    live_count INTEGER NOT NULL,
    set_digest TEXT NOT NULL,
    projected_change_seq INTEGER NOT NULL
);

-- Recipient side: signed checkpoints, with the leaf hashes of their batch so each
-- stored entry stays provable by an inclusion proof after its neighbours changed.
CREATE TABLE checkpoints (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    agreement_id TEXT NOT NULL,
    envelope BLOB NOT NULL,
    leaf_hashes BLOB NOT NULL,
    received_at TEXT NOT NULL
);
CREATE INDEX checkpoints_agreement ON checkpoints (agreement_id);

-- Recipient side: live entries received, with the exact leaf bytes that carried them.
CREATE TABLE received_entries (
    agreement_id TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    provider TEXT NOT NULL,
    agreement_version INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    leaf BLOB NOT NULL,
    leaf_hash BLOB NOT NULL,
    checkpoint_id INTEGER NOT NULL,
    leaf_index INTEGER NOT NULL,
    category TEXT NOT NULL,
    plate_token BLOB,
    plate TEXT,
    country TEXT,
    expires_at TEXT NOT NULL,
    PRIMARY KEY (agreement_id, entry_id)
) WITHOUT ROWID;

-- Recipient side: cursor and set digest per agreement, and what the last head proved.
CREATE TABLE sync_state (
    agreement_id TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    cursor INTEGER NOT NULL,
    live_count INTEGER NOT NULL,
    set_digest TEXT NOT NULL,
    provider_seq INTEGER NOT NULL DEFAULT 0,
    last_verified_seq INTEGER NOT NULL DEFAULT 0,
    last_verified_at TEXT NOT NULL DEFAULT '',
    last_applied_at TEXT NOT NULL DEFAULT '',
    rejected_batches INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    -- Highest entry id held: ids above it cannot be held yet (ids are time-ordered).
    max_entry_id TEXT NOT NULL DEFAULT ''
);

-- Recipient side: token keys per agreement version, as the provider handed them over.
CREATE TABLE matching_keys (
    agreement_id TEXT NOT NULL,
    agreement_version INTEGER NOT NULL,
    matching_mode TEXT NOT NULL,
    token_key BLOB NOT NULL,
    PRIMARY KEY (agreement_id, agreement_version)
);
