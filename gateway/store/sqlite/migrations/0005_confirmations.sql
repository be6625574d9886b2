-- Hit confirmations and retrospective queries, as either side keeps them: the signed
-- request, the state, and the signed event that closed it (answer, refusal or
-- withdrawal). Columns beside the envelopes are for listing and deadlines.
CREATE TABLE confirmations (
    request_id TEXT PRIMARY KEY,
    outgoing INTEGER NOT NULL CHECK (outgoing IN (0, 1)),
    kind TEXT NOT NULL,
    agreement_id TEXT NOT NULL,
    partner TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'answered', 'refused', 'withdrawn', 'expired')),
    created_at TEXT NOT NULL,
    deadline TEXT NOT NULL,
    hit_id TEXT NOT NULL,
    request_envelope BLOB NOT NULL,
    -- The signed ConfirmationEvent that closed it; NULL while open or once expired.
    event_envelope BLOB,
    closed_by TEXT NOT NULL DEFAULT '',
    closed_at TEXT,
    -- Set once the deadline warning went to the alert stream.
    escalated INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL
);
CREATE INDEX confirmations_open ON confirmations (deadline) WHERE state = 'open';
CREATE INDEX confirmations_hit ON confirmations (hit_id);
