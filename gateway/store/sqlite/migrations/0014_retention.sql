-- Retention (issue 16). A received entry erased when its retention ended leaves its
-- leaf hash here (no plate, no token: the hash of the signed leaf), so that the set
-- digest kept for the provider's signed heads still adds up, and a later change or
-- tombstone of that entry from the provider is applied as to an entry once held.
CREATE TABLE received_erased (
    agreement_id TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    leaf_hash BLOB NOT NULL,
    erased_at TEXT NOT NULL,
    PRIMARY KEY (agreement_id, entry_id)
) WITHOUT ROWID;

-- An outbox message's delivered_at is also set when the partner refuses it for good:
-- the clock of its retention. Messages refused before this migration start it now.
UPDATE outbox SET delivered_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    WHERE state = 'refused' AND delivered_at IS NULL;
