-- A partner's signing keys as a chain (gateway.domain.keychain): each key with its
-- place in the partner's chain (NULL: registered by an administrator by hand), the
-- window in which it may sign new messages, its revocation, and whether it waits for
-- the administrator's fingerprint check. Every key keeps verifying stored history.
ALTER TABLE partner_keys ADD COLUMN sequence INTEGER;
ALTER TABLE partner_keys ADD COLUMN valid_from TEXT;
ALTER TABLE partner_keys ADD COLUMN accept_until TEXT;
ALTER TABLE partner_keys ADD COLUMN revoked_since TEXT;
ALTER TABLE partner_keys ADD COLUMN pending INTEGER NOT NULL DEFAULT 0;
ALTER TABLE partner_keys ADD COLUMN statement_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE partner_keys ADD COLUMN introduced_by TEXT NOT NULL DEFAULT '';
ALTER TABLE partner_keys ADD COLUMN received_at TEXT;
-- The order in which the keys became trusted: the chain's head is the last one.
ALTER TABLE partner_keys ADD COLUMN position INTEGER NOT NULL DEFAULT 0;
UPDATE partner_keys SET valid_from = added_at, position = rowid;
