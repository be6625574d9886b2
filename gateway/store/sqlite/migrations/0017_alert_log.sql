-- The alert log (issue 17): every alert, confirmation notice and feed notice raised for
-- the local control room, at a position that only grows and is never reused
-- (AUTOINCREMENT), so that a watcher that was away reads what it missed from its
-- cursor. A hit's alert goes with its hit; notices have their own retention
-- (alert_notice_retention_days). The body is the encoded argos.v1.WatchAlertsResponse.
CREATE TABLE alert_log (
    position INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,        -- "hit", "confirmation" or "feed"
    subject TEXT NOT NULL,     -- the hit id, the request id or the agreement id
    raised_at TEXT NOT NULL,
    body BLOB NOT NULL
);
CREATE INDEX alert_log_by_subject ON alert_log (kind, subject);
CREATE INDEX alert_log_by_time ON alert_log (kind, raised_at);
