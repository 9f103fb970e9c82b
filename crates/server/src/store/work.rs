//! The worker side of jobs: claiming with a lease, heartbeats, progress,
//! recording the outcome exactly once (every terminal write is conditional
//! on the worker still holding the lease), and ending jobs that lost every
//! worker or were canceled while nobody held them.

use async_trait::async_trait;

use super::status::{JobStatus, Stage};
use super::JobRow;

/// Most attempts a job gets (a worker dying mid-job costs one).
pub const MAX_ATTEMPTS: i64 = 3;

#[async_trait]
pub trait Work {
    /// Takes the oldest queued job (or one whose worker stopped heartbeating)
    /// of a key running fewer than `max_running_per_key` jobs (jobs out of
    /// attempts or canceled are left to [`Work::end_abandoned`]).
    async fn claim(
        &self,
        owner: &str,
        lease_ms: i64,
        max_running_per_key: i64,
    ) -> sqlx::Result<Option<JobRow>>;

    /// Extends the lease; false if this worker no longer holds it.
    /// Also reports whether a cancel was requested.
    async fn heartbeat(&self, id: &str, owner: &str, lease_ms: i64) -> sqlx::Result<Option<bool>>;

    async fn set_progress(
        &self,
        id: &str,
        owner: &str,
        stage: Stage,
        progress: i64,
    ) -> sqlx::Result<()>;

    async fn set_media(
        &self,
        id: &str,
        owner: &str,
        info: &vidmatte_media::MediaInfo,
    ) -> sqlx::Result<()>;

    /// Records success; false if the lease was lost (someone else owns the outcome).
    async fn complete(
        &self,
        id: &str,
        owner: &str,
        output_path: &str,
        warnings: &str,
        charge: &crate::billing::Charge,
    ) -> sqlx::Result<bool>;

    /// Records a terminal failure or cancellation (`status` is `failed` or `canceled`).
    async fn finish_unsuccessfully(
        &self,
        id: &str,
        owner: &str,
        status: JobStatus,
        code: &str,
        message: &str,
    ) -> sqlx::Result<bool>;

    /// Gives a job back to the queue (shutdown); the attempt is not counted.
    async fn requeue(&self, id: &str, owner: &str) -> sqlx::Result<()>;

    /// Ends the jobs no worker will run again: those that used every
    /// attempt (failed) and those canceled while no live lease held them
    /// (a cancel that reached a worker killed before it could act).
    /// Returns their ids.
    async fn end_abandoned(&self) -> sqlx::Result<Vec<String>>;

    /// Owners of leases that have not expired.
    async fn live_lease_owners(&self) -> sqlx::Result<Vec<String>>;

    /// Expires every lease of `owner` (a process known to be dead), so its
    /// jobs are claimed again at once; returns how many.
    async fn expire_leases_of(&self, owner: &str) -> sqlx::Result<u64>;
}

macro_rules! impl_work {
    ($repo:ty, $d:ident) => {
        #[async_trait::async_trait]
        impl $crate::store::Work for $repo {
            async fn claim(
                &self,
                owner: &str,
                lease_ms: i64,
                max_running_per_key: i64,
            ) -> sqlx::Result<Option<$crate::store::JobRow>> {
                let now = $crate::clock::now_ms();
                let mut tx = self.pool.begin().await?;
                // Claims from every node take turns (Postgres: a transaction-scoped
                // advisory lock; SQLite: its single writer), so two workers cannot
                // both see a key one job under its cap and both take one.
                let serialize: Option<&str> = pick!($d;
                    sqlite = None,
                    postgres = Some("SELECT pg_advisory_xact_lock(7264001)"),
                );
                if let Some(lock) = serialize {
                    sqlx::query(lock).execute(&mut *tx).await?;
                }
                let claimed: Option<$crate::store::JobRow> = sqlx::query_as(pick!($d;
                    sqlite = "UPDATE jobs SET lease_owner = $1, lease_expires_at = $2, attempts = attempts + 1,
                                  started_at = COALESCE(started_at, $3), stage = 'fetching'
                              WHERE id = (SELECT id FROM jobs j WHERE j.status = 'processing' AND j.cancel_requested = FALSE
                                          AND j.attempts < $5 AND (j.lease_owner IS NULL OR j.lease_expires_at < $3)
                                          AND (SELECT COUNT(*) FROM jobs r WHERE r.key_id = j.key_id AND r.status = 'processing'
                                               AND r.lease_owner IS NOT NULL AND r.lease_expires_at >= $3)
                                               < COALESCE((SELECT k.max_running FROM api_keys k WHERE k.id = j.key_id), $4)
                                          ORDER BY j.queued_at, j.rowid LIMIT 1)
                              RETURNING *",
                    postgres = "UPDATE jobs SET lease_owner = $1, lease_expires_at = $2, attempts = attempts + 1,
                                    started_at = COALESCE(started_at, $3), stage = 'fetching'
                                WHERE id = (SELECT id FROM jobs j WHERE j.status = 'processing' AND j.cancel_requested = FALSE
                                            AND j.attempts < $5 AND (j.lease_owner IS NULL OR j.lease_expires_at < $3)
                                            AND (SELECT COUNT(*) FROM jobs r WHERE r.key_id = j.key_id AND r.status = 'processing'
                                                 AND r.lease_owner IS NOT NULL AND r.lease_expires_at >= $3)
                                                 < COALESCE((SELECT k.max_running FROM api_keys k WHERE k.id = j.key_id), $4)
                                            ORDER BY j.queued_at, j.seq LIMIT 1 FOR UPDATE SKIP LOCKED)
                                RETURNING *",
                ))
                .bind(owner)
                .bind(now + lease_ms)
                .bind(now)
                .bind(max_running_per_key)
                .bind($crate::store::MAX_ATTEMPTS)
                .fetch_optional(&mut *tx)
                .await?;
                if let Some(job) = &claimed {
                    enqueue_in(&mut tx, &self.view, &job.id, "job.started").await?;
                }
                tx.commit().await?;
                Ok(claimed)
            }

            async fn heartbeat(
                &self,
                id: &str,
                owner: &str,
                lease_ms: i64,
            ) -> sqlx::Result<Option<bool>> {
                sqlx::query_scalar(
                    "UPDATE jobs SET lease_expires_at = $1 WHERE id = $2 AND lease_owner = $3 AND status = 'processing'
                     RETURNING cancel_requested",
                )
                .bind($crate::clock::now_ms() + lease_ms)
                .bind(id)
                .bind(owner)
                .fetch_optional(&self.pool)
                .await
            }

            async fn set_progress(
                &self,
                id: &str,
                owner: &str,
                stage: $crate::store::Stage,
                progress: i64,
            ) -> sqlx::Result<()> {
                sqlx::query(pick!($d;
                    sqlite = "UPDATE jobs SET stage = $1, progress = MAX(progress, $2) WHERE id = $3 AND lease_owner = $4",
                    postgres = "UPDATE jobs SET stage = $1, progress = GREATEST(progress, $2) WHERE id = $3 AND lease_owner = $4",
                ))
                    .bind(stage)
                    .bind(progress)
                    .bind(id)
                    .bind(owner)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn set_media(
                &self,
                id: &str,
                owner: &str,
                info: &vidmatte_media::MediaInfo,
            ) -> sqlx::Result<()> {
                sqlx::query(
                    "UPDATE jobs SET duration_seconds = $1, width = $2, height = $3, fps = $4, frames = $5
                     WHERE id = $6 AND lease_owner = $7",
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

            async fn complete(
                &self,
                id: &str,
                owner: &str,
                output_path: &str,
                warnings: &str,
                charge: &$crate::billing::Charge,
            ) -> sqlx::Result<bool> {
                let mut tx = self.pool.begin().await?;
                let done = sqlx::query(
                    "UPDATE jobs SET status = 'completed', stage = 'done', progress = 100, output_path = $1, warnings = $2,
                         completed_at = $3, lease_owner = NULL, lease_expires_at = NULL, duration_seconds = $4, frames = $5
                     WHERE id = $6 AND lease_owner = $7 AND status = 'processing'",
                )
                .bind(output_path)
                .bind(warnings)
                .bind($crate::clock::now_ms())
                .bind(charge.seconds)
                .bind(charge.frames as i64)
                .bind(id)
                .bind(owner)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() != 1 {
                    return Ok(false);
                }
                ended_in(&mut tx, &self.view, id, $crate::store::JobStatus::Completed, Some(charge)).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn finish_unsuccessfully(
                &self,
                id: &str,
                owner: &str,
                status: $crate::store::JobStatus,
                code: &str,
                message: &str,
            ) -> sqlx::Result<bool> {
                let mut tx = self.pool.begin().await?;
                let done = sqlx::query(
                    "UPDATE jobs SET status = $1, error = $2, error_code = $3, completed_at = $4, lease_owner = NULL,
                         lease_expires_at = NULL
                     WHERE id = $5 AND lease_owner = $6 AND status = 'processing'",
                )
                .bind(status)
                .bind(message)
                .bind(code)
                .bind($crate::clock::now_ms())
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

            async fn requeue(&self, id: &str, owner: &str) -> sqlx::Result<()> {
                let mut tx = self.pool.begin().await?;
                sqlx::query(pick!($d;
                    sqlite = "UPDATE jobs SET stage = 'queued', lease_owner = NULL, lease_expires_at = NULL,
                                  attempts = MAX(attempts - 1, 0)
                              WHERE id = $1 AND lease_owner = $2 AND status = 'processing'",
                    postgres = "UPDATE jobs SET stage = 'queued', lease_owner = NULL, lease_expires_at = NULL,
                                    attempts = GREATEST(attempts - 1, 0)
                                WHERE id = $1 AND lease_owner = $2 AND status = 'processing'",
                ))
                .bind(id)
                .bind(owner)
                .execute(&mut *tx)
                .await?;
                notify_queued_in(&mut tx).await?;
                tx.commit().await
            }

            async fn end_abandoned(&self) -> sqlx::Result<Vec<String>> {
                let now = $crate::clock::now_ms();
                let idle: Vec<(String, bool)> = sqlx::query_as(
                    "SELECT id, cancel_requested FROM jobs WHERE status = 'processing'
                     AND (attempts >= $2 OR cancel_requested = TRUE)
                     AND (lease_owner IS NULL OR lease_expires_at < $1)",
                )
                .bind(now)
                .bind($crate::store::MAX_ATTEMPTS)
                .fetch_all(&self.pool)
                .await?;
                let mut ended = Vec::new();
                for (id, canceled) in idle {
                    let (status, code, message) = if canceled {
                        ($crate::store::JobStatus::Canceled, "canceled", "canceled by request")
                    } else {
                        (
                            $crate::store::JobStatus::Failed,
                            "processing_failed",
                            "the job stopped its worker too many times",
                        )
                    };
                    let mut tx = self.pool.begin().await?;
                    let done = sqlx::query(
                        "UPDATE jobs SET status = $1, error = $2, error_code = $3, completed_at = $4, lease_owner = NULL,
                             lease_expires_at = NULL
                         WHERE id = $5 AND status = 'processing' AND (lease_owner IS NULL OR lease_expires_at < $6)",
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

            async fn live_lease_owners(&self) -> sqlx::Result<Vec<String>> {
                sqlx::query_scalar(
                    "SELECT DISTINCT lease_owner FROM jobs WHERE status = 'processing'
                     AND lease_owner IS NOT NULL AND lease_expires_at >= $1",
                )
                .bind($crate::clock::now_ms())
                .fetch_all(&self.pool)
                .await
            }

            async fn expire_leases_of(&self, owner: &str) -> sqlx::Result<u64> {
                let done = sqlx::query(
                    "UPDATE jobs SET lease_expires_at = 0 WHERE lease_owner = $1 AND status = 'processing'",
                )
                .bind(owner)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected())
            }
        }
    };
}
