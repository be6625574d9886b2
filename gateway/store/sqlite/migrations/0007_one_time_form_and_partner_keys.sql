-- One stored time form for the whole database (gateway.domain.times, rule 2): UTC with
-- milliseconds and "Z", so that every time column compares correctly as text. Columns
-- written with Python's isoformat() ("+00:00", microseconds) are rewritten.
UPDATE entries SET
    valid_from = strftime('%Y-%m-%dT%H:%M:%fZ', valid_from),
    expires_at = strftime('%Y-%m-%dT%H:%M:%fZ', expires_at),
    activates_at = CASE WHEN activates_at IS NULL THEN NULL
                        ELSE strftime('%Y-%m-%dT%H:%M:%fZ', activates_at) END;
UPDATE feed SET expires_at = strftime('%Y-%m-%dT%H:%M:%fZ', expires_at)
    WHERE expires_at IS NOT NULL;
UPDATE agreements SET last_status_at = strftime('%Y-%m-%dT%H:%M:%fZ', last_status_at)
    WHERE last_status_at IS NOT NULL;
UPDATE meta SET value = strftime('%Y-%m-%dT%H:%M:%fZ', value) WHERE key = 'entries_tick';

-- A partner's signing keys, each under its key id: envelopes are verified against the
-- key their signature names, so a partner can hold a second key while it rotates.
CREATE TABLE partner_keys (
    node_id TEXT NOT NULL REFERENCES partners (node_id) ON DELETE CASCADE,
    key_id TEXT NOT NULL,
    public_key BLOB NOT NULL,
    added_at TEXT NOT NULL,
    PRIMARY KEY (node_id, key_id)
);
INSERT INTO partner_keys (node_id, key_id, public_key, added_at)
    SELECT node_id, key_id, public_key, added_at FROM partners;
ALTER TABLE partners DROP COLUMN public_key;
ALTER TABLE partners DROP COLUMN key_id;
