-- Which replica holds each piece of batch work HAPI has queued or started (BT2_WORK_CHUNK): the replica whose
-- in-memory queue carries it, then the one running it. Work whose replica is no longer alive is taken over.
CREATE TABLE IF NOT EXISTS infusion_batch_chunk_owner (
    chunk_id VARCHAR(100) PRIMARY KEY,
    replica VARCHAR(200) NOT NULL,
    since BIGINT NOT NULL
);
