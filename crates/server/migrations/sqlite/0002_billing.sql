-- Credit movements of every job, unlimited keys included. One row per job
-- and type at most: a job is never reserved, charged or released twice.
CREATE TABLE usage_events (
    id         TEXT PRIMARY KEY,  -- use_...
    key_id     INTEGER NOT NULL REFERENCES api_keys(id),
    job_id     TEXT NOT NULL,
    type       TEXT NOT NULL,     -- reserve | charge | release
    model      TEXT NOT NULL,
    seconds    REAL NOT NULL,
    credits    INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (job_id, type)
);

CREATE INDEX usage_events_by_key ON usage_events (key_id, created_at DESC);
