-- Webhook outbox: one row per (job, event), written in the same transaction
-- as the job's transition, delivered (and retried) by the webhook sender.
CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY,   -- dlv_..., the X-Webhook-Delivery-Id
    event_id        TEXT NOT NULL,      -- evt_..., the body's id
    job_id          TEXT NOT NULL REFERENCES jobs(id),
    key_id          INTEGER NOT NULL REFERENCES api_keys(id),
    event           TEXT NOT NULL,      -- job.started | job.completed | job.failed | job.canceled
    url             TEXT NOT NULL,
    body            TEXT NOT NULL,      -- the raw body, fixed when the event happened
    state           TEXT NOT NULL DEFAULT 'pending', -- pending | sent | failed
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,   -- unix ms
    lease_until     INTEGER,            -- a sender is delivering it until then
    last_status     INTEGER,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    delivered_at    INTEGER,
    UNIQUE (job_id, event)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at);

ALTER TABLE jobs ADD COLUMN webhook_events TEXT NOT NULL DEFAULT '{}';

-- Per-key overrides of the rate limit and the running-jobs cap (NULL: the default).
ALTER TABLE api_keys ADD COLUMN rate_per_second REAL;
ALTER TABLE api_keys ADD COLUMN rate_burst INTEGER;
ALTER TABLE api_keys ADD COLUMN max_running INTEGER;
