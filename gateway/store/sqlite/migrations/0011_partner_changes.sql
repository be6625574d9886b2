-- Partners that move in place (issue 15): the announcements partners made of a new
-- endpoint, certificate or CA, held until the local administrator accepts or rejects
-- each, and the announcements this node made of itself (numbered, so a partner can
-- refuse a replayed or stale one). Each is kept exactly as signed.
CREATE TABLE partner_changes (
    partner      TEXT NOT NULL,
    sequence     INTEGER NOT NULL,
    fingerprint  TEXT NOT NULL,
    envelope     BLOB NOT NULL,
    issued_at    TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('pending', 'accepted', 'rejected', 'superseded')),
    decided_at   TEXT,
    PRIMARY KEY (partner, sequence)
);

CREATE TABLE own_partner_changes (
    sequence     INTEGER PRIMARY KEY,
    fingerprint  TEXT NOT NULL,
    envelope     BLOB NOT NULL,
    issued_at    TEXT NOT NULL
);
