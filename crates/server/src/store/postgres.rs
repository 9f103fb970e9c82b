//! The shared backend: PostgreSQL, for several API nodes and worker
//! processes on one database, migrated from `migrations/postgres` on open.
//! Claims lock with `FOR UPDATE SKIP LOCKED` under one advisory lock (so a
//! key's running-jobs cap holds across workers); every write that queues a
//! job (or frees a slot) sends `NOTIFY vidmatte_jobs` in its transaction,
//! and [`Repo::announce_queued_jobs`] turns those into wake-ups.

use std::sync::Arc;
use std::time::Duration;

use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgListener, PgPool, PgPoolOptions};
use sqlx::Postgres;

use super::{RateBuckets, Repo, Token};
use crate::view::JobView;

/// The channel queued jobs are announced on.
const CHANNEL: &str = "vidmatte_jobs";

pub struct PostgresRepo {
    pool: PgPool,
    /// Rate-limit buckets only: commits without waiting for the WAL flush
    /// (a bucket a crash forgets refills early; every request of a key
    /// updates its one row, and a flush per request serialized them).
    limits_pool: PgPool,
    view: Arc<JobView>,
}

impl PostgresRepo {
    pub async fn open(url: &str, view: Arc<JobView>) -> anyhow::Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        let limits_pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(PgConnectOptions::from_str(url)?.options([("synchronous_commit", "off")]))
            .await?;
        Ok(Self {
            pool,
            limits_pool,
            view,
        })
    }

    /// The pool, for `migrate-store` and tests that read rows directly.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

/// Announces, on commit, that a job may be claimable.
async fn notify_queued_in(tx: &mut sqlx::Transaction<'_, Postgres>) -> sqlx::Result<()> {
    sqlx::query("SELECT pg_notify($1, '')")
        .bind(CHANNEL)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

billing_in!(Postgres, postgres);
webhooks_in!(Postgres, postgres);
jobs_in!(Postgres);

impl_keys!(PostgresRepo, postgres);
impl_jobs!(PostgresRepo, postgres);
impl_work!(PostgresRepo, postgres);
impl_billing!(PostgresRepo, postgres);
impl_uploads!(PostgresRepo, postgres);
impl_idempotency!(PostgresRepo, postgres);
impl_webhooks!(PostgresRepo, postgres);
impl_shared!(PostgresRepo, postgres);

#[async_trait::async_trait]
impl Repo for PostgresRepo {
    fn backend(&self) -> super::Backend {
        super::Backend::Postgres
    }

    fn rate_buckets(&self) -> Option<&dyn RateBuckets> {
        Some(self)
    }

    fn view(&self) -> &Arc<JobView> {
        &self.view
    }

    async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    async fn announce_queued_jobs(&self, wake: Box<dyn Fn() + Send + Sync>) {
        loop {
            match listen(&self.pool, &*wake).await {
                Ok(()) => return,
                Err(e) => {
                    // Workers still poll meanwhile; listen again shortly.
                    tracing::warn!(error = %e, "listening for queued jobs; retrying in 1 s");
                    wake();
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }
}

#[async_trait::async_trait]
impl RateBuckets for PostgresRepo {
    async fn take_token(&self, key_id: i64, interval_us: i64, burst: i64) -> sqlx::Result<Token> {
        let taken: Option<i64> = sqlx::query_scalar(
            "WITH now AS (SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint AS us)
             INSERT INTO rate_buckets AS b (key_id, tat) SELECT $1, now.us + $2 FROM now
             ON CONFLICT (key_id) DO UPDATE SET tat = GREATEST(b.tat, (SELECT us FROM now)) + $2
                 WHERE GREATEST(b.tat, (SELECT us FROM now)) + $2 - (SELECT us FROM now) <= $2 * $3
             RETURNING tat - (SELECT us FROM now)",
        )
        .bind(key_id)
        .bind(interval_us)
        .bind(burst)
        .fetch_optional(&self.limits_pool)
        .await?;
        if let Some(ahead_us) = taken {
            return Ok(Token {
                allowed: true,
                ahead_us,
            });
        }
        let ahead_us: i64 = sqlx::query_scalar(
            "SELECT GREATEST(tat - (extract(epoch FROM clock_timestamp()) * 1000000)::bigint, 0)
             FROM rate_buckets WHERE key_id = $1",
        )
        .bind(key_id)
        .fetch_one(&self.limits_pool)
        .await?;
        Ok(Token {
            allowed: false,
            ahead_us,
        })
    }
}

async fn listen(pool: &PgPool, wake: &(dyn Fn() + Send + Sync)) -> sqlx::Result<()> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    loop {
        listener.recv().await?;
        wake();
    }
}
