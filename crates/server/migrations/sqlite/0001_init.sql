-- API keys: only a SHA-256 of the key is stored.
CREATE TABLE api_keys (
    id             INTEGER PRIMARY KEY,
    fingerprint    TEXT NOT NULL UNIQUE,
    key_hash       TEXT NOT NULL UNIQUE,
    client_id      TEXT NOT NULL,
    note           TEXT,
    webhook_secret TEXT NOT NULL,
    credits        INTEGER,            -- NULL: unlimited
    disabled       INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL    -- unix ms
);

CREATE TABLE uploads (
    id               TEXT PRIMARY KEY,  -- vid_...
    key_id           INTEGER NOT NULL REFERENCES api_keys(id),
    filename         TEXT NOT NULL,
    path             TEXT NOT NULL,
    size             INTEGER NOT NULL,
    duration_seconds REAL,
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL
);

CREATE TABLE jobs (
    id                TEXT PRIMARY KEY, -- job_...
    key_id            INTEGER NOT NULL REFERENCES api_keys(id),
    request_id        TEXT,
    status            TEXT NOT NULL,    -- created | processing | completed | failed | canceled
    stage             TEXT NOT NULL,    -- draft | queued | fetching | probing | segmenting | encoding | storing | done
    progress          INTEGER NOT NULL DEFAULT 0,
    model             TEXT NOT NULL,
    text_prompt       TEXT,
    output_format     TEXT NOT NULL,
    bg_type           TEXT NOT NULL,
    bg_color          TEXT,             -- JSON [r,g,b]
    video_url         TEXT NOT NULL,
    webhook_url       TEXT,
    metadata          TEXT NOT NULL DEFAULT '{}',
    output_path       TEXT,
    error             TEXT,
    error_code        TEXT,
    warnings          TEXT NOT NULL DEFAULT '[]',
    duration_seconds  REAL,
    width             INTEGER,
    height            INTEGER,
    fps               REAL,
    frames            INTEGER,
    credits_estimated INTEGER,
    credits_charged   INTEGER NOT NULL DEFAULT 0,
    billing_status    TEXT NOT NULL DEFAULT 'none',
    cancel_requested  INTEGER NOT NULL DEFAULT 0,
    lease_owner       TEXT,
    lease_expires_at  INTEGER,
    attempts          INTEGER NOT NULL DEFAULT 0,
    created_at        INTEGER NOT NULL,
    queued_at         INTEGER,
    started_at        INTEGER,
    completed_at      INTEGER
);

CREATE INDEX jobs_by_key ON jobs (key_id, created_at DESC);
CREATE INDEX jobs_queue ON jobs (status, queued_at) WHERE status = 'processing';
