-- The audit log's own time limit (issue 16): when a prefix of the log is erased, a
-- signed anchor stands in for it (gateway.domain.audit_anchor). Every anchor is kept:
-- the newest is where verification starts; together they say when the log was cut and
-- how far. No personal data: seqs, hashes, times and a key id.
CREATE TABLE audit_anchor (
    seq INTEGER PRIMARY KEY,   -- the last erased record
    hash TEXT NOT NULL,        -- its hash: the first kept record's prev_hash
    at TEXT NOT NULL,          -- its time
    erased_at TEXT NOT NULL,   -- when the prefix was erased
    key_id TEXT NOT NULL,      -- the node key that signed the anchor
    signature BLOB NOT NULL
);
