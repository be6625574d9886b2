-- Issue 17: the node's receipt of each batch of reads an adapter user handed in under a
-- batch id, so that a batch sent again (the adapter died before it had the answer) is
-- answered from here and matched, recorded and notified only once. Written in the
-- transaction that records the batch's hits. No read content: counts, refusal reasons
-- (never a plate) and the batch's hits by position; kept read_batch_retention_days
-- and at most read_batch_receipts per adapter user.
CREATE TABLE read_batches (
    adapter TEXT NOT NULL,       -- the adapter user that handed the batch in
    batch_id TEXT NOT NULL,      -- the adapter's id of the batch
    reads INTEGER NOT NULL,      -- how many reads the batch held
    answer TEXT NOT NULL,        -- JSON: accepted, hits, rejected, batch_hits
    answered_at TEXT NOT NULL,   -- the retention clock
    PRIMARY KEY (adapter, batch_id)
) WITHOUT ROWID;
CREATE INDEX read_batches_by_time ON read_batches (answered_at);
CREATE INDEX read_batches_by_adapter ON read_batches (adapter, answered_at);
