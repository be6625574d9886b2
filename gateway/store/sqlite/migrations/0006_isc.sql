-- The Dutch ISC (issue 7): what this node published to it, what it pulled from it, and
-- the review queue of candidates. Nothing here is ever active on a hotlist by itself.

-- Outbound: every bundle built for the ISC, exactly as reviewed and sent.
CREATE TABLE isc_publications (
    publication_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('statistics', 'incident', 'modus-operandi')),
    -- ISO week for statistics, the title for reports.
    subject TEXT NOT NULL,
    tlp TEXT NOT NULL CHECK (tlp IN ('clear', 'green', 'amber', 'amber+strict')),
    bundle TEXT NOT NULL,
    digest TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('draft', 'published')),
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    published_by TEXT NOT NULL DEFAULT '',
    published_at TEXT
);
CREATE UNIQUE INDEX isc_statistics_week ON isc_publications (subject)
    WHERE kind = 'statistics' AND state = 'published';

-- Inbound: every object version taken in (so ties at page edges are not taken twice).
CREATE TABLE isc_seen (
    object_id TEXT NOT NULL,
    version TEXT NOT NULL,
    verdict TEXT NOT NULL,
    seen_at TEXT NOT NULL,
    PRIMARY KEY (object_id, version)
) WITHOUT ROWID;

-- Review queue: vehicle indicators from the ISC; sightings are attached to them.
CREATE TABLE isc_candidates (
    candidate_id TEXT PRIMARY KEY,
    object_id TEXT NOT NULL,
    version TEXT NOT NULL,
    plate TEXT NOT NULL,
    country TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    tlp TEXT NOT NULL,
    sightings INTEGER NOT NULL DEFAULT 0,
    last_sighting TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL CHECK (state IN ('open', 'promoted', 'dismissed')),
    received_at TEXT NOT NULL,
    decided_by TEXT NOT NULL DEFAULT '',
    decided_at TEXT,
    decision_reason TEXT NOT NULL DEFAULT '',
    entry_id TEXT NOT NULL DEFAULT ''
);
CREATE INDEX isc_candidates_object ON isc_candidates (object_id);
CREATE INDEX isc_candidates_state ON isc_candidates (state, received_at);

-- Rejected ISC objects, with the reason (never a plate), for the operators.
CREATE TABLE isc_rejections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    object_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    at TEXT NOT NULL
);

-- One row: the pull cursor (the last X-TAXII-Date-Added-Last fully taken in) and totals.
CREATE TABLE isc_pull_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    cursor TEXT NOT NULL DEFAULT '',
    pulls INTEGER NOT NULL DEFAULT 0,
    fetched INTEGER NOT NULL DEFAULT 0,
    candidates INTEGER NOT NULL DEFAULT 0,
    sightings INTEGER NOT NULL DEFAULT 0,
    ignored INTEGER NOT NULL DEFAULT 0,
    rejected INTEGER NOT NULL DEFAULT 0,
    last_pull_at TEXT NOT NULL DEFAULT '',
    last_error TEXT NOT NULL DEFAULT ''
);
INSERT INTO isc_pull_state (id) VALUES (1);
