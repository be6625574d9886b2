-- Node foundation: users, partners, agreements and the audit log.
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE users (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('admin', 'investigator', 'operator', 'auditor')),
    token_sha256 TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

CREATE TABLE partners (
    node_id TEXT PRIMARY KEY,
    endpoint TEXT NOT NULL,
    public_key BLOB NOT NULL,
    key_id TEXT NOT NULL,
    tls_ca_pem TEXT NOT NULL,
    tls_pin_sha256 TEXT NOT NULL DEFAULT '',
    added_at TEXT NOT NULL
);

CREATE TABLE agreements (
    agreement_id TEXT PRIMARY KEY,
    partner TEXT NOT NULL,
    suspended_by TEXT,
    revoked_by TEXT,
    status_reason TEXT NOT NULL DEFAULT '',
    last_status_at TEXT
);

CREATE TABLE agreement_versions (
    agreement_id TEXT NOT NULL REFERENCES agreements (agreement_id),
    version INTEGER NOT NULL,
    envelope BLOB NOT NULL,
    countersigned INTEGER NOT NULL CHECK (countersigned IN (0, 1)),
    stored_at TEXT NOT NULL,
    PRIMARY KEY (agreement_id, version)
);

-- Signed suspensions, resumptions and revocations, as issued here or received.
-- Those issued here are pushed to the partner until delivered_at is set.
CREATE TABLE agreement_status_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    agreement_id TEXT NOT NULL REFERENCES agreements (agreement_id),
    envelope BLOB NOT NULL,
    issued_here INTEGER NOT NULL CHECK (issued_here IN (0, 1)),
    delivered_at TEXT,
    stored_at TEXT NOT NULL
);

-- Rows are read back in rowid order, so a reordering of records is visible.
CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    seq INTEGER NOT NULL,
    at TEXT NOT NULL,
    actor_kind TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    justification TEXT NOT NULL,
    recipient TEXT NOT NULL,
    details TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);

-- The last record's seq and hash, signed by the node key: pins the end of the log.
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL,
    signature BLOB NOT NULL
);
