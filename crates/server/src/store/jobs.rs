//! Jobs as their owners see them: creation (with the reservation of its
//! credits in the same transaction), reads scoped to a key, listing, drafts
//! started, cancels, usage totals, and retention. The worker side is in
//! `work`.

use async_trait::async_trait;

use super::status::{BillingStatus, JobStatus, Stage};
use super::Insufficient;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct JobRow {
    pub id: String,
    pub key_id: i64,
    pub request_id: Option<String>,
    pub status: JobStatus,
    pub stage: Stage,
    pub progress: i64,
    pub model: String,
    pub text_prompt: Option<String>,
    pub output_format: String,
    pub bg_type: String,
    pub bg_color: Option<String>,
    pub video_url: String,
    pub webhook_url: Option<String>,
    pub metadata: String,
    pub output_path: Option<String>,
    pub error: Option<String>,
    pub error_code: Option<String>,
    pub warnings: String,
    pub duration_seconds: Option<f64>,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub fps: Option<f64>,
    pub frames: Option<i64>,
    pub credits_estimated: Option<i64>,
    pub credits_charged: i64,
    pub billing_status: BillingStatus,
    pub cancel_requested: bool,
    pub lease_owner: Option<String>,
    pub lease_expires_at: Option<i64>,
    pub attempts: i64,
    pub created_at: i64,
    pub queued_at: Option<i64>,
    pub started_at: Option<i64>,
    pub completed_at: Option<i64>,
    /// JSON: event name → pending | sent | failed.
    pub webhook_events: String,
    /// JSON: background picture, clip or blur, composition, preview.
    pub render: String,
}

impl JobRow {
    pub fn is_terminal(&self) -> bool {
        self.status.is_terminal()
    }
}

/// The validated settings of a new job.
#[derive(Clone, Debug)]
pub struct NewJob {
    pub id: String,
    pub key_id: i64,
    pub request_id: String,
    pub start: bool,
    pub model: String,
    pub text_prompt: Option<String>,
    pub output_format: String,
    pub bg_type: String,
    pub bg_color: Option<String>,
    pub video_url: String,
    pub webhook_url: Option<String>,
    pub metadata: String,
    /// JSON array: what the job will not do as asked (known before it runs).
    pub warnings: String,
    pub duration_seconds: Option<f64>,
    pub render: String,
}

/// Fields a draft's start may change (already validated together).
#[derive(Clone, Debug)]
pub struct StartOverrides {
    pub model: String,
    pub text_prompt: Option<String>,
    pub output_format: String,
    pub bg_type: String,
    pub bg_color: Option<String>,
    pub webhook_url: Option<String>,
    pub render: String,
    /// JSON array, replacing the draft's (they follow from the settings).
    pub warnings: String,
}

#[async_trait]
pub trait Jobs {
    /// Inserts a job; a started job with a known `cost` has it reserved in
    /// the same transaction (nothing is stored when the credits fall short).
    async fn insert_job(
        &self,
        job: &NewJob,
        cost: Option<i64>,
    ) -> sqlx::Result<Result<JobRow, Insufficient>>;

    /// The job if it belongs to `key_id`.
    async fn job(&self, id: &str, key_id: i64) -> sqlx::Result<Option<JobRow>>;

    /// Any job, for workers.
    async fn job_by_id(&self, id: &str) -> sqlx::Result<Option<JobRow>>;

    /// A page of the key's jobs, newest first, and the total count.
    async fn list_jobs(
        &self,
        key_id: i64,
        status: Option<JobStatus>,
        limit: i64,
        offset: i64,
    ) -> sqlx::Result<(Vec<JobRow>, i64)>;

    /// Queues a draft with its final settings, reserving `cost` when known;
    /// Ok(None) if it is not a draft.
    async fn start_draft(
        &self,
        id: &str,
        key_id: i64,
        settings: &StartOverrides,
        cost: Option<i64>,
    ) -> sqlx::Result<Result<Option<JobRow>, Insufficient>>;

    /// Cancels a draft or a job no worker holds at once; flags a running one
    /// for its worker. Returns the job afterwards, None if it is terminal.
    async fn cancel(&self, id: &str, key_id: i64) -> sqlx::Result<Option<JobRow>>;

    async fn queue_depth(&self) -> sqlx::Result<i64>;

    /// Where a waiting job is in the queue of every key's waiting jobs: 1
    /// starts next (when its key is under its running cap).
    async fn queue_position(&self, queued_at: i64) -> sqlx::Result<i64>;

    /// Per model, over its completed jobs: (model, jobs, frames, seconds
    /// from start to completion): this server's own end-to-end speed.
    async fn model_speeds(&self) -> sqlx::Result<Vec<(String, i64, i64, f64)>>;

    /// Forgets outputs completed before `before`; returns their paths.
    async fn take_expired_outputs(&self, before: i64) -> sqlx::Result<Vec<String>>;

    /// Per-model and per-status totals of the key's jobs created since
    /// `since` that ran: (model, status, jobs, seconds, credits charged).
    /// A job ran once a worker started it (`started_at` is set), whatever
    /// its end; drafts, and jobs canceled or failed before a worker took
    /// them, are left out. Credits are the sum of the charges.
    async fn usage_summary(
        &self,
        key_id: i64,
        since: i64,
    ) -> sqlx::Result<Vec<(String, JobStatus, i64, f64, i64)>>;
}

/// `ended_in`: what every terminal transition owes, in its own
/// transaction: the credits charged (completed) or released (otherwise),
/// and the webhook event.
macro_rules! jobs_in {
    ($db:ty) => {
        async fn ended_in(
            tx: &mut sqlx::Transaction<'_, $db>,
            view: &$crate::view::JobView,
            id: &str,
            status: $crate::store::JobStatus,
            charge: Option<&$crate::billing::Charge>,
        ) -> sqlx::Result<()> {
            settle_in(tx, id, charge).await?;
            enqueue_in(tx, view, id, status.event()).await?;
            // A slot of the key's running-jobs cap may have come free.
            notify_queued_in(tx).await
        }
    };
}

macro_rules! impl_jobs {
    ($repo:ty, $d:ident) => {
        #[async_trait::async_trait]
        impl $crate::store::Jobs for $repo {
            async fn insert_job(
                &self,
                job: &$crate::store::NewJob,
                cost: Option<i64>,
            ) -> sqlx::Result<Result<$crate::store::JobRow, $crate::store::Insufficient>> {
                let now = $crate::clock::now_ms();
                let mut tx = self.pool.begin().await?;
                let (status, stage) = if job.start {
                    ($crate::store::JobStatus::Processing, $crate::store::Stage::Queued)
                } else {
                    ($crate::store::JobStatus::Created, $crate::store::Stage::Draft)
                };
                let row: $crate::store::JobRow = sqlx::query_as(
                    "INSERT INTO jobs (id, key_id, request_id, status, stage, model, text_prompt, output_format, bg_type,
                         bg_color, video_url, webhook_url, metadata, warnings, duration_seconds, created_at, queued_at, render)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING *",
                )
                .bind(&job.id)
                .bind(job.key_id)
                .bind(&job.request_id)
                .bind(status)
                .bind(stage)
                .bind(&job.model)
                .bind(&job.text_prompt)
                .bind(&job.output_format)
                .bind(&job.bg_type)
                .bind(&job.bg_color)
                .bind(&job.video_url)
                .bind(&job.webhook_url)
                .bind(&job.metadata)
                .bind(&job.warnings)
                .bind(job.duration_seconds)
                .bind(now)
                .bind(job.start.then_some(now))
                .bind(&job.render)
                .fetch_one(&mut *tx)
                .await?;
                if let (true, Some(cost)) = (job.start, cost) {
                    let seconds = job.duration_seconds.unwrap_or(0.0);
                    if let Err(short) =
                        reserve_in(&mut tx, job.key_id, &job.id, &job.model, seconds, cost).await?
                    {
                        return Ok(Err(short));
                    }
                }
                if job.start {
                    notify_queued_in(&mut tx).await?;
                }
                tx.commit().await?;
                self.job_by_id(&row.id).await.map(|j| Ok(j.unwrap_or(row)))
            }

            async fn job(&self, id: &str, key_id: i64) -> sqlx::Result<Option<$crate::store::JobRow>> {
                sqlx::query_as("SELECT * FROM jobs WHERE id = $1 AND key_id = $2")
                    .bind(id)
                    .bind(key_id)
                    .fetch_optional(&self.pool)
                    .await
            }

            async fn job_by_id(&self, id: &str) -> sqlx::Result<Option<$crate::store::JobRow>> {
                sqlx::query_as("SELECT * FROM jobs WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
            }

            async fn list_jobs(
                &self,
                key_id: i64,
                status: Option<$crate::store::JobStatus>,
                limit: i64,
                offset: i64,
            ) -> sqlx::Result<(Vec<$crate::store::JobRow>, i64)> {
                let rows = sqlx::query_as(pick!($d;
                    sqlite = "SELECT * FROM jobs WHERE key_id = $1 AND ($2 IS NULL OR status = $2)
                              ORDER BY created_at DESC, rowid DESC LIMIT $3 OFFSET $4",
                    postgres = "SELECT * FROM jobs WHERE key_id = $1 AND ($2::text IS NULL OR status = $2)
                                ORDER BY created_at DESC, seq DESC LIMIT $3 OFFSET $4",
                ))
                .bind(key_id)
                .bind(status)
                .bind(limit)
                .bind(offset)
                .fetch_all(&self.pool)
                .await?;
                let total = sqlx::query_scalar(
                    pick!($d;
                        sqlite = "SELECT COUNT(*) FROM jobs WHERE key_id = $1 AND ($2 IS NULL OR status = $2)",
                        postgres = "SELECT COUNT(*) FROM jobs WHERE key_id = $1 AND ($2::text IS NULL OR status = $2)",
                    ),
                )
                .bind(key_id)
                .bind(status)
                .fetch_one(&self.pool)
                .await?;
                Ok((rows, total))
            }

            async fn start_draft(
                &self,
                id: &str,
                key_id: i64,
                settings: &$crate::store::StartOverrides,
                cost: Option<i64>,
            ) -> sqlx::Result<Result<Option<$crate::store::JobRow>, $crate::store::Insufficient>> {
                let mut tx = self.pool.begin().await?;
                let row: Option<$crate::store::JobRow> = sqlx::query_as(
                    "UPDATE jobs SET status = 'processing', stage = 'queued', queued_at = $1, model = $2, text_prompt = $3,
                         output_format = $4, bg_type = $5, bg_color = $6, webhook_url = $7, warnings = $8, render = $11
                     WHERE id = $9 AND key_id = $10 AND status = 'created' RETURNING *",
                )
                .bind($crate::clock::now_ms())
                .bind(&settings.model)
                .bind(&settings.text_prompt)
                .bind(&settings.output_format)
                .bind(&settings.bg_type)
                .bind(&settings.bg_color)
                .bind(&settings.webhook_url)
                .bind(&settings.warnings)
                .bind(id)
                .bind(key_id)
                .bind(&settings.render)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(row) = row else { return Ok(Ok(None)) };
                if let Some(cost) = cost {
                    let seconds = row.duration_seconds.unwrap_or(0.0);
                    if let Err(short) =
                        reserve_in(&mut tx, key_id, id, &settings.model, seconds, cost).await?
                    {
                        return Ok(Err(short));
                    }
                }
                notify_queued_in(&mut tx).await?;
                tx.commit().await?;
                Ok(Ok(self.job_by_id(id).await?))
            }

            async fn cancel(&self, id: &str, key_id: i64) -> sqlx::Result<Option<$crate::store::JobRow>> {
                let now = $crate::clock::now_ms();
                let mut tx = self.pool.begin().await?;
                let idle: Option<$crate::store::JobRow> = sqlx::query_as(
                    "UPDATE jobs SET status = 'canceled', error = 'canceled by request', error_code = 'canceled',
                         cancel_requested = TRUE, completed_at = $1
                     WHERE id = $2 AND key_id = $3 AND (status = 'created'
                         OR (status = 'processing' AND (lease_owner IS NULL OR lease_expires_at < $4)))
                     RETURNING *",
                )
                .bind(now)
                .bind(id)
                .bind(key_id)
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?;
                if idle.is_some() {
                    ended_in(&mut tx, &self.view, id, $crate::store::JobStatus::Canceled, None).await?;
                    tx.commit().await?;
                    return self.job_by_id(id).await;
                }
                drop(tx);
                sqlx::query_as("UPDATE jobs SET cancel_requested = TRUE WHERE id = $1 AND key_id = $2 AND status = 'processing' RETURNING *")
                    .bind(id)
                    .bind(key_id)
                    .fetch_optional(&self.pool)
                    .await
            }

            async fn queue_depth(&self) -> sqlx::Result<i64> {
                sqlx::query_scalar(
                    "SELECT COUNT(*) FROM jobs WHERE status = 'processing' AND lease_owner IS NULL",
                )
                .fetch_one(&self.pool)
                .await
            }

            async fn queue_position(&self, queued_at: i64) -> sqlx::Result<i64> {
                let ahead: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM jobs WHERE status = 'processing' AND lease_owner IS NULL
                     AND cancel_requested = FALSE AND queued_at < $1",
                )
                .bind(queued_at)
                .fetch_one(&self.pool)
                .await?;
                Ok(ahead + 1)
            }

            async fn model_speeds(&self) -> sqlx::Result<Vec<(String, i64, i64, f64)>> {
                sqlx::query_as(
                    "SELECT model, COUNT(*), CAST(SUM(frames) AS BIGINT),
                            CAST(SUM(completed_at - started_at) AS DOUBLE PRECISION) / 1000.0
                     FROM jobs WHERE status = 'completed' AND frames > 0 AND started_at IS NOT NULL
                     AND completed_at > started_at
                     GROUP BY model",
                )
                .fetch_all(&self.pool)
                .await
            }

            async fn take_expired_outputs(&self, before: i64) -> sqlx::Result<Vec<String>> {
                let expired: Vec<(String, String)> = sqlx::query_as(
                    "SELECT id, output_path FROM jobs WHERE output_path IS NOT NULL AND completed_at < $1",
                )
                .bind(before)
                .fetch_all(&self.pool)
                .await?;
                for (id, _) in &expired {
                    sqlx::query("UPDATE jobs SET output_path = NULL WHERE id = $1")
                        .bind(id)
                        .execute(&self.pool)
                        .await?;
                }
                Ok(expired.into_iter().map(|(_, path)| path).collect())
            }

            async fn usage_summary(
                &self,
                key_id: i64,
                since: i64,
            ) -> sqlx::Result<Vec<(String, $crate::store::JobStatus, i64, f64, i64)>> {
                sqlx::query_as(
                    "SELECT model, status, COUNT(*),
                            CAST(COALESCE(SUM(duration_seconds), 0) AS DOUBLE PRECISION),
                            CAST(COALESCE(SUM(CASE WHEN billing_status = 'charged' THEN credits_charged END), 0) AS BIGINT)
                     FROM jobs WHERE key_id = $1 AND created_at >= $2 AND started_at IS NOT NULL
                     GROUP BY model, status",
                )
                .bind(key_id)
                .bind(since)
                .fetch_all(&self.pool)
                .await
            }
        }
    };
}
