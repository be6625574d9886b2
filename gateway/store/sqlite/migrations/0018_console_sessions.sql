-- Issue 18: the console's log-in. A user's console credentials (an Argon2id hash of the
-- password, the TOTP secret and the last TOTP step used, so a code is accepted once)
-- and the sessions the node holds for people signed in to the console. A session's
-- token is kept only as its SHA-256 (it is 256 random bits: nothing to brute-force);
-- its public id is what lists and ending one name. Ended sessions are kept
-- console_session_retention_days after they ended, then erased (the audit log keeps
-- the events).
CREATE TABLE console_credentials (
    user_name TEXT PRIMARY KEY REFERENCES users (name),
    password_hash TEXT NOT NULL,      -- Argon2id, in its PHC string form
    totp_secret TEXT NOT NULL,        -- base32, RFC 6238
    last_totp_step INTEGER,           -- the newest step a code was accepted for
    set_at TEXT NOT NULL
);

CREATE TABLE console_sessions (
    session_id TEXT PRIMARY KEY,
    token_sha256 TEXT NOT NULL UNIQUE,
    user_name TEXT NOT NULL REFERENCES users (name),
    role TEXT NOT NULL,               -- the user's role when the session started
    client_address TEXT NOT NULL,     -- the browser's address, as the console saw it
    started_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,       -- to about 30 seconds (the idle clock)
    fresh_until TEXT,                 -- sensitive acts allowed until then
    ended_at TEXT,                    -- the retention clock
    end_reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX console_sessions_open ON console_sessions (user_name) WHERE ended_at IS NULL;
CREATE INDEX console_sessions_ended ON console_sessions (ended_at) WHERE ended_at IS NOT NULL;
