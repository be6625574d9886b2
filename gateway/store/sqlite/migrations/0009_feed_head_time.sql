-- The recipient keeps when the provider signed the last head it verified (issue 14.4):
-- a feed whose last signed head is old is stale, and a withdrawn entry must not keep
-- producing hits unnoticed. Empty until the next head is verified.
ALTER TABLE sync_state ADD COLUMN last_head_issued_at TEXT NOT NULL DEFAULT '';
