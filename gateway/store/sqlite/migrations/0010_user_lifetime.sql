-- Users over their lifetime (issue 15): a state (a removed user's record stays, since
-- the audit log names users), a token expiry, the last use to the minute, and the
-- tokens replaced by rotation, so a later use of one is refused as what it is.
-- (Numbered 0013 on the issue's plan; 0010 here, the next free number on this branch.)
ALTER TABLE users ADD COLUMN state TEXT NOT NULL DEFAULT 'active'
    CHECK (state IN ('active', 'disabled', 'removed'));
ALTER TABLE users ADD COLUMN token_expires_at TEXT;
ALTER TABLE users ADD COLUMN last_used_at TEXT;

CREATE TABLE retired_user_tokens (
    token_sha256 TEXT PRIMARY KEY,
    name TEXT NOT NULL REFERENCES users (name),
    retired_at TEXT NOT NULL
);
