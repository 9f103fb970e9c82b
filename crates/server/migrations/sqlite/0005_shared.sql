-- Leadership leases: a role (the retention sweeper) held by one node at a time.
CREATE TABLE leaders (
    role       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    held_until INTEGER NOT NULL    -- unix ms
);

-- Secrets every node must agree on (the download-link signing key).
CREATE TABLE secrets (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
