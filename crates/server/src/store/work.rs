//! The worker side of jobs: claiming with a lease, heartbeats, progress,
//! recording the outcome exactly once (every terminal write is conditional
//! on the worker still holding the lease), and ending jobs that lost every
//! worker or were canceled while nobody held them.

use super::jobs::{ended_in, JobRow};
use super::webhooks::enqueue_in;
use super::Store;
use crate::billing::Charge;
use crate::clock::now_ms;

/// Most attempts a job gets (a worker dying mid-job costs one).
pub const MAX_ATTEMPTS: i64 = 3;

impl Store {
    /// Takes the oldest queued job (or one whose worker stopped heartbeating)
    /// of a key running fewer than `max_running_per_key` jobs (jobs out of
    /// attempts or canceled are left to [`Store::end_abandoned`]).
    pub async fn claim(
        &self,
        owner: &str,
        lease_ms: i64,
        max_running_per_key: i64,
    ) -> sqlx::Result<Option<JobRow>> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        let claimed: Option<JobRow> = sqlx::query_as(
            "UPDATE jobs SET lease_owner = ?1, lease_expires_at = ?2, attempts = attempts + 1,
                 started_at = COALESCE(started_at, ?3), stage = 'fetching'
             WHERE id = (SELECT id FROM jobs j WHERE j.status = 'processing' AND j.cancel_requested = 0 AND j.attempts < ?5
                         AND (j.lease_owner IS NULL OR j.lease_expires_at < ?3)
                         AND (SELECT COUNT(*) FROM jobs r WHERE r.key_id = j.key_id AND r.status = 'processing'
                              AND r.lease_owner IS NOT NULL AND r.lease_expires_at >= ?3)
                              < COALESCE((SELECT k.max_running FROM api_keys k WHERE k.id = j.key_id), ?4)
                         ORDER BY j.queued_at, j.rowid LIMIT 1)
             RETURNING *",
        )
        .bind(owner)
        .bind(now + lease_ms)
        .bind(now)
        .bind(max_running_per_key)
        .bind(MAX_ATTEMPTS)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(job) = &claimed {
            enqueue_in(&mut tx, &self.view, &job.id, "job.started").await?;
        }
        tx.commit().await?;
        Ok(claimed)
    }

    /// Extends the lease; false if this worker no longer holds it.
    /// Also reports whether a cancel was requested.
    pub async fn heartbeat(
        &self,
        id: &str,
        owner: &str,
        lease_ms: i64,
    ) -> sqlx::Result<Option<bool>> {
        sqlx::query_scalar(
            "UPDATE jobs SET lease_expires_at = ? WHERE id = ? AND lease_owner = ? AND status = 'processing'
             RETURNING cancel_requested",
        )
        .bind(now_ms() + lease_ms)
        .bind(id)
        .bind(owner)
        .fetch_optional(&self.pool)
        .await
    }

    pub async fn set_progress(
        &self,
        id: &str,
        owner: &str,
        stage: &str,
        progress: i64,
    ) -> sqlx::Result<()> {
        sqlx::query("UPDATE jobs SET stage = ?, progress = MAX(progress, ?) WHERE id = ? AND lease_owner = ?")
            .bind(stage)
            .bind(progress)
            .bind(id)
            .bind(owner)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn set_media(
        &self,
        id: &str,
        owner: &str,
        info: &vidmatte_media::MediaInfo,
    ) -> sqlx::Result<()> {
        sqlx::query(
            "UPDATE jobs SET duration_seconds = ?, width = ?, height = ?, fps = ?, frames = ?
             WHERE id = ? AND lease_owner = ?",
        )
        .bind(info.duration_seconds)
        .bind(i64::from(info.width))
        .bind(i64::from(info.height))
        .bind(info.fps.as_f64())
        .bind(info.frame_count as i64)
        .bind(id)
        .bind(owner)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records success; false if the lease was lost (someone else owns the outcome).
    pub async fn complete(
        &self,
        id: &str,
        owner: &str,
        output_path: &str,
        warnings: &str,
        charge: &Charge,
    ) -> sqlx::Result<bool> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE jobs SET status = 'completed', stage = 'done', progress = 100, output_path = ?, warnings = ?,
                 completed_at = ?, lease_owner = NULL, lease_expires_at = NULL, duration_seconds = ?, frames = ?
             WHERE id = ? AND lease_owner = ? AND status = 'processing'",
        )
        .bind(output_path)
        .bind(warnings)
        .bind(now_ms())
        .bind(charge.seconds)
        .bind(charge.frames as i64)
        .bind(id)
        .bind(owner)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        ended_in(&mut tx, &self.view, id, "completed", Some(charge)).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Records a terminal failure or cancellation (`status` is `failed` or `canceled`).
    pub async fn finish_unsuccessfully(
        &self,
        id: &str,
        owner: &str,
        status: &str,
        code: &str,
        message: &str,
    ) -> sqlx::Result<bool> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE jobs SET status = ?, error = ?, error_code = ?, completed_at = ?, lease_owner = NULL,
                 lease_expires_at = NULL
             WHERE id = ? AND lease_owner = ? AND status = 'processing'",
        )
        .bind(status)
        .bind(message)
        .bind(code)
        .bind(now_ms())
        .bind(id)
        .bind(owner)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        ended_in(&mut tx, &self.view, id, status, None).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Gives a job back to the queue (shutdown); the attempt is not counted.
    pub async fn requeue(&self, id: &str, owner: &str) -> sqlx::Result<()> {
        sqlx::query(
            "UPDATE jobs SET stage = 'queued', lease_owner = NULL, lease_expires_at = NULL,
                 attempts = MAX(attempts - 1, 0)
             WHERE id = ? AND lease_owner = ? AND status = 'processing'",
        )
        .bind(id)
        .bind(owner)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Ends the jobs no worker will run again: those that used every
    /// attempt (failed) and those canceled while no live lease held them
    /// (a cancel that reached a worker killed before it could act).
    /// Returns their ids.
    pub async fn end_abandoned(&self) -> sqlx::Result<Vec<String>> {
        let now = now_ms();
        let idle: Vec<(String, bool)> = sqlx::query_as(
            "SELECT id, cancel_requested FROM jobs WHERE status = 'processing'
             AND (attempts >= ?2 OR cancel_requested = 1)
             AND (lease_owner IS NULL OR lease_expires_at < ?1)",
        )
        .bind(now)
        .bind(MAX_ATTEMPTS)
        .fetch_all(&self.pool)
        .await?;
        let mut ended = Vec::new();
        for (id, canceled) in idle {
            let (status, code, message) = if canceled {
                ("canceled", "canceled", "canceled by request")
            } else {
                (
                    "failed",
                    "processing_failed",
                    "the job stopped its worker too many times",
                )
            };
            let mut tx = self.pool.begin().await?;
            let done = sqlx::query(
                "UPDATE jobs SET status = ?, error = ?, error_code = ?, completed_at = ?, lease_owner = NULL,
                     lease_expires_at = NULL
                 WHERE id = ? AND status = 'processing' AND (lease_owner IS NULL OR lease_expires_at < ?)",
            )
            .bind(status)
            .bind(message)
            .bind(code)
            .bind(now)
            .bind(&id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 1 {
                ended_in(&mut tx, &self.view, &id, status, None).await?;
                ended.push(id);
            }
            tx.commit().await?;
        }
        Ok(ended)
    }

    /// Owners of leases that have not expired.
    pub async fn live_lease_owners(&self) -> sqlx::Result<Vec<String>> {
        sqlx::query_scalar(
            "SELECT DISTINCT lease_owner FROM jobs WHERE status = 'processing'
             AND lease_owner IS NOT NULL AND lease_expires_at >= ?",
        )
        .bind(now_ms())
        .fetch_all(&self.pool)
        .await
    }

    /// Expires every lease of `owner` (a process known to be dead), so its
    /// jobs are claimed again at once; returns how many.
    pub async fn expire_leases_of(&self, owner: &str) -> sqlx::Result<u64> {
        let done = sqlx::query(
            "UPDATE jobs SET lease_expires_at = 0 WHERE lease_owner = ? AND status = 'processing'",
        )
        .bind(owner)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }
}
