//! The embedded backend: one SQLite file (WAL) in the data directory,
//! migrated from `migrations/sqlite` on open. Processes on one machine may
//! share it; queued jobs reach other processes by their polling.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::Sqlite;

use crate::view::JobView;

pub struct SqliteRepo {
    pool: SqlitePool,
    view: Arc<JobView>,
}

impl SqliteRepo {
    pub async fn open(url: &str, view: Arc<JobView>) -> anyhow::Result<Self> {
        Self::open_with(url, view, true).await
    }

    /// Opens an existing file only (`migrate-store`'s source).
    pub async fn open_existing(url: &str, view: Arc<JobView>) -> anyhow::Result<Self> {
        Self::open_with(url, view, false).await
    }

    async fn open_with(url: &str, view: Arc<JobView>, create: bool) -> anyhow::Result<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(create)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        Ok(Self { pool, view })
    }

    /// The pool, for `migrate-store` and tests that read rows directly.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

/// SQLite has no cross-process notification; other processes poll.
async fn notify_queued_in(_tx: &mut sqlx::Transaction<'_, Sqlite>) -> sqlx::Result<()> {
    Ok(())
}

billing_in!(Sqlite, sqlite);
webhooks_in!(Sqlite, sqlite);
jobs_in!(Sqlite);

impl_keys!(SqliteRepo, sqlite);
impl_jobs!(SqliteRepo, sqlite);
impl_work!(SqliteRepo, sqlite);
impl_billing!(SqliteRepo, sqlite);
impl_uploads!(SqliteRepo, sqlite);
impl_idempotency!(SqliteRepo, sqlite);
impl_webhooks!(SqliteRepo, sqlite);
impl_shared!(SqliteRepo, sqlite);

#[async_trait::async_trait]
impl super::Repo for SqliteRepo {
    fn backend(&self) -> super::Backend {
        super::Backend::Sqlite
    }

    fn view(&self) -> &Arc<JobView> {
        &self.view
    }

    async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    async fn announce_queued_jobs(&self, _wake: Box<dyn Fn() + Send + Sync>) {}
}
