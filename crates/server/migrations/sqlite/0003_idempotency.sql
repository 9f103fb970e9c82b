-- Idempotency-Key records: the first response to a POST, replayed for 24 h
-- to the same API key sending the same key and body.
CREATE TABLE idempotency (
    scope        TEXT NOT NULL,    -- SHA-256 of the API key
    key          TEXT NOT NULL,    -- the client's Idempotency-Key
    request_hash TEXT NOT NULL,    -- method, path and body
    status       INTEGER,          -- NULL while the first request is in flight
    response     BLOB,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
);
