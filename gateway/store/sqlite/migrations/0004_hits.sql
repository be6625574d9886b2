-- Hits, the outbox that carries their notifications, and the agreement version of
-- every received batch (so matching knows which token keys are in use).

-- Observer side: every hit of this node's cameras, on its own entries or a partner's.
-- A read that matched nothing never gets here, nor anywhere else.
CREATE TABLE hits (
    hit_id TEXT PRIMARY KEY,
    observed_at TEXT NOT NULL,
    camera TEXT NOT NULL,
    site TEXT NOT NULL,
    zone TEXT NOT NULL,
    direction TEXT NOT NULL,
    image_ref TEXT NOT NULL,
    plate TEXT NOT NULL,
    country TEXT NOT NULL,
    country_inferred INTEGER NOT NULL,
    match TEXT NOT NULL,
    matched TEXT NOT NULL,
    entry_owner TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    entry_version INTEGER NOT NULL,
    agreement_id TEXT,
    agreement_version INTEGER,
    category TEXT NOT NULL,
    action TEXT,
    flags TEXT NOT NULL,
    -- 1 when a notification to the owner was queued (see the outbox for its fate).
    owner_notified INTEGER NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX hits_expires_at ON hits (expires_at);
CREATE INDEX hits_entry ON hits (entry_id);

-- Owner side: notifications from partners of hits on this node's entries, with the
-- signed envelope that proves who sent what.
CREATE TABLE received_hits (
    hit_id TEXT PRIMARY KEY,
    agreement_id TEXT NOT NULL,
    agreement_version INTEGER NOT NULL,
    observer TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    entry_version INTEGER NOT NULL,
    observed_at TEXT NOT NULL,
    camera TEXT,
    site TEXT,
    zone TEXT,
    match TEXT NOT NULL,
    country_inferred INTEGER NOT NULL,
    envelope BLOB NOT NULL,
    received_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX received_hits_expires_at ON received_hits (expires_at);
CREATE INDEX received_hits_entry ON received_hits (entry_id);

-- Messages to partners that must arrive: kept until the partner has them, retried
-- with backoff. dedupe_key makes queuing the same message twice a no-op.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    partner TEXT NOT NULL,
    dedupe_key TEXT NOT NULL UNIQUE,
    payload BLOB NOT NULL,
    created_at TEXT NOT NULL,
    -- pending: to be sent; delivered: the partner has it; refused: the partner
    -- answered that it will never take it (kept, with the reason, for the operators).
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'refused')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT NOT NULL DEFAULT '',
    delivered_at TEXT
);
CREATE INDEX outbox_pending ON outbox (next_attempt_at) WHERE state = 'pending';

-- 0 for batches stored before this migration: matching then tries every key it has.
ALTER TABLE checkpoints ADD COLUMN agreement_version INTEGER NOT NULL DEFAULT 0;

-- Camera adapters get a role of their own (they hand in reads and may do nothing
-- else); SQLite cannot alter a CHECK constraint, so the table is rebuilt.
CREATE TABLE users_v4 (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('admin', 'investigator', 'operator', 'auditor', 'adapter')),
    token_sha256 TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);
INSERT INTO users_v4 SELECT name, role, token_sha256, created_at FROM users;
DROP TABLE users;
ALTER TABLE users_v4 RENAME TO users;
