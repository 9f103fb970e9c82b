-- A key's running jobs, counted by every claim without scanning its queue.
CREATE INDEX jobs_running ON jobs (key_id) WHERE status = 'processing' AND lease_owner IS NOT NULL;
